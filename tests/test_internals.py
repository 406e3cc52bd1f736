"""`search/internals.py` agrees with Whoosh's and janome's public API, on the versions it names.

Each private read is checked against what the public API says of the same
index: a new Whoosh or janome fails the version tests first, with what to
do, and these say which read moved.
"""

from __future__ import annotations

import ast
import re
import tomllib
from importlib.metadata import version
from pathlib import Path
from types import SimpleNamespace

import pytest
from whoosh import columns, scoring
from whoosh.matching import FilterMatcher, ListMatcher
from whoosh.util.numeric import length_to_byte

from search import internals

ROOT = Path(__file__).resolve().parents[1]
PINNED = {"whoosh3": internals.WHOOSH_VERSION, "janome": internals.JANOME_VERSION}
FIELDS = ("body", "body_reading", "body_ngram", "title")
COLUMNS = ("user", "month", "tags", "created_at")


def _recheck(dist: str, found: str) -> str:
    return (
        f"search/internals.py was written against {dist} {PINNED[dist]}; {found}: "
        "re-check every access in search/internals.py, then update the pin and the constants"
    )


@pytest.mark.parametrize("dist", PINNED)
def test_the_installed_version_is_the_one_internals_was_written_for(dist):
    installed = version(dist)
    assert installed == PINNED[dist], _recheck(dist, f"installed {installed}")


@pytest.mark.parametrize("dist", PINNED)
def test_pyproject_pins_the_version_internals_was_written_for(dist):
    dependencies = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]["dependencies"]
    pins = [d for d in dependencies if re.match(rf"{dist}\b", d, re.IGNORECASE)]
    assert pins == [f"{dist}=={PINNED[dist]}"], _recheck(dist, f"pyproject.toml says {pins}")


def _leaf_matcher(leaf, fieldname: str, text: str):
    """The codec's own matcher of a term in a leaf, without the deletion filter."""
    matcher = leaf.postings(fieldname, text)
    return matcher.child if isinstance(matcher, FilterMatcher) else matcher


def _public_postings(leaf, fieldname: str, text: str) -> tuple[list, list, list]:
    matcher = _leaf_matcher(leaf, fieldname, text)
    ids, weights, values = [], [], []
    while matcher.is_active():
        ids.append(matcher.id())
        weights.append(matcher.weight())
        values.append(matcher.value())
        matcher.next()
    return ids, weights, values


def _terms(leaf, fieldname: str, limit: int = 40) -> list[str]:
    """The field's most frequent words in a leaf (the ones with several blocks) and a few rare ones."""
    words = [t.decode() for t in leaf.lexicon(fieldname)]
    frequent = sorted(words, key=lambda w: -leaf.doc_frequency(fieldname, w))
    return frequent[:limit] + words[:5]


def _leaves(searcher):
    return [leaf for leaf, _ in searcher.reader().leaf_readers()]


def test_block_reads_equal_the_public_matcher(searcher):
    several = 0
    for leaf in _leaves(searcher):
        for fieldname in ("body", "body_reading"):
            for text in _terms(leaf, fieldname):
                matcher = _leaf_matcher(leaf, fieldname, text)
                assert internals.has_blocks(matcher)
                ids, weights, blocks, values = internals.read_blocks(matcher, values=True)
                assert (ids, weights, values) == _public_postings(leaf, fieldname, text), text
                assert list(_leaf_matcher(leaf, fieldname, text).all_ids()) == ids
                # Each block decoded alone gives its share of the postings, in order.
                postfile = internals.postings_file(_leaf_matcher(leaf, fieldname, text))
                decoded = [internals.decode_block(postfile, block) for block in blocks]
                assert [d for block_ids, _ in decoded for d in block_ids] == ids
                assert [v for _, block_values in decoded for v in block_values] == values
                assert [block.max_id for block in blocks] == [block_ids[-1] for block_ids, _ in decoded]
                several += len(blocks) > 1
    assert several, "no term spans several blocks: the block walk went untested"


def test_blocks_read_without_values_keep_none(searcher):
    leaf = _leaves(searcher)[0]
    text = _terms(leaf, "body", limit=1)[0]
    ids, weights, _, values = internals.read_blocks(_leaf_matcher(leaf, "body", text))
    assert values == [] and (ids, weights) == _public_postings(leaf, "body", text)[:2]


def test_a_matcher_of_another_kind_has_no_blocks():
    assert not internals.has_blocks(ListMatcher([1, 4, 9]))


def test_positions_decode_as_the_format_decodes_them(searcher):
    checked = 0
    for leaf in _leaves(searcher):
        for fieldname in ("body", "body_reading", "title"):
            fmt = searcher.schema[fieldname].format
            for text in _terms(leaf, fieldname, limit=10):
                for value in _public_postings(leaf, fieldname, text)[2]:
                    assert internals.decode_positions(fmt, value) == fmt.decode_positions(value)
                    checked += 1
    assert checked > 100


def test_bm25f_b_is_the_b_whooshs_scorer_uses(searcher):
    for weighting in (scoring.BM25F(), scoring.BM25F(B=0.5, body_B=0.9, title_B=0.2)):
        for fieldname in ("body", "title", "body_reading"):
            text = _terms(_leaves(searcher)[0], fieldname, limit=1)[0]
            assert internals.bm25f_b(weighting, fieldname) == weighting.scorer(searcher, fieldname, text).B


def test_length_columns_equal_the_public_field_lengths(searcher):
    for leaf in _leaves(searcher):
        for fieldname in FIELDS:
            column = internals.length_column(leaf, fieldname)
            lengths = internals.read_column(column, leaf.doc_count_all())
            expected = bytes(
                length_to_byte(leaf.doc_field_length(d, fieldname, 0) or 0) for d in range(leaf.doc_count_all())
            )
            assert bytes(lengths) == expected and any(expected), fieldname


def test_whole_columns_equal_the_public_column_readers(searcher):
    kinds = set()
    for leaf in _leaves(searcher):
        for name in COLUMNS:
            column = leaf.column_reader(name, translate=False)
            kinds.add(type(column))
            values = internals.read_column(column, leaf.doc_count_all())
            assert values is not None, f"{name}: the whole-column read does not know {type(column).__name__}"
            assert list(values) == list(leaf.column_reader(name, translate=False)), name
    assert {columns.NumericColumn.Reader, columns.VarBytesColumn.Reader} <= kinds


def test_other_readers_and_columns_are_left_to_the_public_api():
    assert internals.length_column(SimpleNamespace(), "body") is None
    assert internals.read_column([b"a", b"b"], 2) is None


def test_janome_warm_up_touches_the_mapped_dictionary_and_changes_no_token():
    from search.analysis.words import get_janome, janome_tokens, warm_dictionary

    before = janome_tokens("機械学習の数学を勉強した")
    maps = internals.janome_mmaps(get_janome())
    assert maps and warm_dictionary() == sum(len(mm) for mm in maps) > 0
    assert janome_tokens("機械学習の数学を勉強した") == before


def test_a_dictionary_read_into_memory_has_no_maps():
    assert internals.janome_mmaps(SimpleNamespace(sys_dic=SimpleNamespace())) == []
    loaded = SimpleNamespace(entries_compact={0: (b"entries", b"index")}, entries_extra=None)
    assert internals.janome_mmaps(SimpleNamespace(sys_dic=loaded)) == []


# -- the policy: no other module reads a private name of another package --


NAMEDTUPLE_API = {"_replace", "_asdict", "_fields", "_make", "_field_defaults"}


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def _own_names(tree: ast.AST) -> set[str]:
    """The names a module gives its own objects: class members, `__slots__` and `self.` attributes."""
    own = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                    own.add(item.name)
                targets = item.targets if isinstance(item, ast.Assign) else [getattr(item, "target", None)]
                for target in targets:
                    if isinstance(target, ast.Name):
                        own.add(target.id)
                        if target.id == "__slots__":
                            own.update(ast.literal_eval(item.value))
        elif (
            isinstance(node, ast.Attribute)
            and isinstance(node.ctx, ast.Store)
            and isinstance(node.value, ast.Name)
            and node.value.id in ("self", "cls")
        ):
            own.add(node.attr)
    return own


def _private_name(node: ast.AST, own: set[str]) -> str | None:
    """The private name `node` reads when it is not one of the module's own, else None."""
    if isinstance(node, ast.ImportFrom):  # a private name imported comes from another module
        return next((alias.name for alias in node.names if _private(alias.name)), None)
    if isinstance(node, ast.Attribute):
        name = node.attr
    elif (
        isinstance(node, ast.Call)
        and getattr(node.func, "id", None) in ("getattr", "hasattr", "setattr")
        and len(node.args) > 1
        and isinstance(node.args[1], ast.Constant)
    ):
        name = node.args[1].value
    else:
        return None
    return name if isinstance(name, str) and _private(name) and name not in own else None


def _private_reads(source: str) -> list[tuple[int, str]]:
    """(line, name) of each private name of another module that `source` reads."""
    tree = ast.parse(source)
    own = _own_names(tree) | NAMEDTUPLE_API
    found = [(node, _private_name(node, own)) for node in ast.walk(tree)]
    return sorted((node.lineno, name) for node, name in found if name is not None)


def test_the_scan_finds_what_the_policy_forbids():
    source = """
from whoosh.codec.whoosh3 import _lenfield
class Mine:
    def __init__(self):
        self._own = 1
    def read(self, matcher, other, record):
        return matcher._postfile, getattr(other, "_perdoc", None), other._own, record._replace()
"""
    assert _private_reads(source) == [(2, "_lenfield"), (7, "_perdoc"), (7, "_postfile")]


def test_no_module_but_internals_reads_a_private_name_of_another():
    """Whoosh's and janome's private names are read in `search/internals.py` only.

    Our own objects' private names are read only in the module that gives
    them; what crosses modules gets a public name.
    """
    paths = [p for folder in ("search", "web", "bench") for p in sorted((ROOT / folder).rglob("*.py"))]
    found = [
        f"{p.relative_to(ROOT)}:{line}: {name}"
        for p in paths
        if p != ROOT / "search" / "internals.py"
        for line, name in _private_reads(p.read_text("utf-8"))
    ]
    assert not found, "private names read outside search/internals.py:\n" + "\n".join(found)


def test_internals_imports_no_janome():
    tree = ast.parse((ROOT / "search" / "internals.py").read_text("utf-8"))
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
    assert not {name for name in imported if name.split(".")[0] == "janome"}
