"""Whoosh tokenizers over `analyze_text`: the shared base and the morphological (body) view.

One analyzer serves indexing and querying, so the two can never drift
apart. Every token's `startchar`/`endchar` point into the *original* text,
whatever normalization did. The secondary views' tokenizers (reading,
n-gram, compound) subclass `ViewTokenizer` in `search.views`.
"""

from __future__ import annotations

from whoosh.analysis import Token, Tokenizer

from .words import analyze_text


def _token(positions, chars, removestops, mode, kwargs):
    t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
    t.boost = 1.0
    return t


def _untokenized(t, value, positions, chars, start_pos, start_char):
    t.original = t.text = value
    if positions:
        t.pos = start_pos
    if chars:
        t.startchar = start_char
        t.endchar = start_char + len(value)
    return t


def pickled_as(module: str):
    """Give a tokenizer class the import path Whoosh pickles it under in every index's schema.

    The schema names its tokenizers by path; the path of each class stays
    the one indexes were first built with (`search.analysis`,
    `search.compounds`, both still importable), so an index reads alike
    whichever layout of this package wrote it or reads it.
    """

    def mark(cls):
        cls.__module__ = module
        return cls

    return mark


class ViewTokenizer(Tokenizer):
    """The base of every view's tokenizer: equality by type, Whoosh's tokenize=False contract.

    A subclass implements `tokens`, the view's index-time (or query-time)
    terms for one field value.
    """

    def __eq__(self, other):
        return type(other) is type(self)

    def __hash__(self):
        return hash(type(self))

    def __call__(
        self,
        value,
        positions=False,
        chars=False,
        keeporiginal=False,
        removestops=True,
        start_pos=0,
        start_char=0,
        tokenize=True,
        mode="",
        **kwargs,
    ):
        t = _token(positions, chars, removestops, mode, kwargs)
        if not tokenize:
            yield _untokenized(t, value, positions, chars, start_pos, start_char)
            return
        yield from self.tokens(t, value, positions, chars, removestops, start_pos, start_char, mode or "index")

    def tokens(
        self, t, value: str, positions: bool, chars: bool, removestops: bool, start_pos: int, start_char: int, mode: str
    ):
        """Yield `t`, a reused Whoosh `Token`, once per term of `value`, its fields set each time.

        Set `t.text`; `t.pos` when `positions` (counting from `start_pos`);
        `t.startchar`/`t.endchar` when `chars` (offsets into the original
        `value`, from `start_char`); `t.stopped` for a stop word, which is
        skipped when `removestops`. `mode` is "index" or "query"
        (`analyze_text`'s modes).
        """
        raise NotImplementedError


@pickled_as("search.analysis")
class JapaneseTokenizer(ViewTokenizer):
    """The morphological view: janome words with original-text character offsets."""

    def tokens(self, t, value, positions, chars, removestops, start_pos, start_char, mode):
        _, offsets, words = analyze_text(value, mode)
        pos = start_pos - 1
        for start, end, term, stop, same, _ in words:
            if not same:
                pos += 1
            if stop and removestops:
                continue
            t.text = term
            t.stopped = stop
            if positions:
                t.pos = pos
            if chars:
                if offsets is not None:
                    start, end = offsets[start], offsets[end]
                t.startchar = start_char + start
                t.endchar = start_char + end
            yield t


def JapaneseAnalyzer():
    """Return the one analyzer used for the index and for queries.

    Lowercasing and katakana folding happen inside the tokenizer, on the
    memoized word list: as separate Whoosh filters they cost two extra
    generator hops per token on the hot path of a full build.
    """
    return JapaneseTokenizer()


def analyze(text: str, mode: str = "query") -> list[tuple[str, int, int, int]]:
    """Return (term, position, startchar, endchar) for `text`; handy in tests."""
    analyzer = JapaneseAnalyzer()
    return [(t.text, t.pos, t.startchar, t.endchar) for t in analyzer(text, positions=True, chars=True, mode=mode)]
