"""Indexes name their tokenizers by import path: the paths stay those of every earlier index."""

from __future__ import annotations

import pickle
import pickletools

from search.analysis.tokenizer import JapaneseTokenizer
from search.index.schema import make_schema
from search.views.compound import CompoundTokenizer
from search.views.ngram import NgramTokenizer
from search.views.reading import ReadingTokenizer

EARLIER_PATHS = {
    "search.analysis JapaneseTokenizer": JapaneseTokenizer,
    "search.analysis ReadingTokenizer": ReadingTokenizer,
    "search.analysis NgramTokenizer": NgramTokenizer,
    "search.compounds CompoundTokenizer": CompoundTokenizer,
}


def _our_globals(data: bytes) -> set[str]:
    return {arg for op, arg, _ in pickletools.genops(data) if op.name == "GLOBAL" and arg.startswith("search")}


def test_a_schema_pickles_its_tokenizers_under_the_earlier_paths_only():
    assert _our_globals(pickle.dumps(make_schema(), protocol=2)) == set(EARLIER_PATHS)


def test_a_schema_pickled_under_the_earlier_paths_loads_the_tokenizers_of_today():
    schema = pickle.loads(pickle.dumps(make_schema(), protocol=2))
    tokenizers = {type(schema[name].analyzer) for name in ("body", "body_reading", "body_ngram", "body_compound")}
    assert tokenizers == set(EARLIER_PATHS.values())
    for path, cls in EARLIER_PATHS.items():
        module, name = path.split()
        assert pickle.loads(f"c{module}\n{name}\n.".encode()) is cls
