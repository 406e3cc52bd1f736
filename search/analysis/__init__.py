"""Text -> words: normalization, janome, and the body view's tokenizer.

Enters: a comment's, title's or query's text. Leaves: its normalized form,
a map back to the original offsets, and its `Word`s (`analyze_text`),
which every view's tokenizer reads; and the morphological tokenizer of
the body field (`JapaneseTokenizer`). `normalize` folds what a reader
should not have to match exactly, `words` runs janome (the only module
that does), `tokenizer` turns words into Whoosh tokens, and `tokencache`
keeps janome's output beside each index generation.
"""

from __future__ import annotations


def __getattr__(name: str):
    """The tokenizers every index's schema names as `search.analysis.<name>` (see `tokenizer.pickled_as`)."""
    if name == "JapaneseTokenizer":
        from .tokenizer import JapaneseTokenizer

        return JapaneseTokenizer
    if name == "ReadingTokenizer":
        from ..views.reading import ReadingTokenizer

        return ReadingTokenizer
    if name == "NgramTokenizer":
        from ..views.ngram import NgramTokenizer

        return NgramTokenizer
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
