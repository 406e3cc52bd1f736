"""The janome-backed Whoosh analyzer: the only module that imports janome.

One analyzer serves indexing and querying, so the two can never drift apart:

    text -> NFKC (with a map back to original offsets)
         -> Latin identifiers by regex (`C++`, `GPT-4o`, `Node.js` stay whole)
         -> janome for everything else (base forms, POS stop list)
         -> lowercase, katakana prolonged-sound folding

Every token's `startchar`/`endchar` point into the *original* text, whatever
normalization did, so highlights land on the right characters. Dropped tokens
(particles, auxiliaries, symbols, spaces) still consume a position: words that
were adjacent in the text have adjacent positions, which is how a query such
as `機械学習` matches only where `機械` is directly followed by `学習`.
"""

from __future__ import annotations

import functools
import re
import threading
import unicodedata

from whoosh.analysis import Token, Tokenizer

ANALYZER_VERSION = "ja-1/janome-0.5.0"

# Part-of-speech heads and (head, sub) pairs that carry no search meaning,
# after Lucene kuromoji's default stop tags.
_STOP_POS = frozenset({"助詞", "助動詞", "記号", "フィラー", "接続詞", "その他"})
_STOP_POS_SUB = frozenset({("名詞", "非自立"), ("動詞", "非自立"), ("名詞", "接尾")})
# Latin words and tech identifiers, matched on NFKC text before janome sees
# it: janome would shred `C++` into `C`, `++` and `GPT-4o` into four tokens.
_LATIN = re.compile(
    r"\.?[A-Za-z0-9](?:[A-Za-z0-9_]|[.\-](?=[A-Za-z0-9]))*[+#]*"
)
_SPLIT_PARTS = re.compile(r"[._\-]")
_PROLONGED = "ー"
_KATAKANA = re.compile(r"^[\u30a1-\u30fa\u30fc]+$")

CACHE_MAX_CHARS = 200

_lock = threading.Lock()
_janome = None


def get_janome():
    """Return this process's janome `Tokenizer`, loading the dictionary once."""
    global _janome
    if _janome is None:
        with _lock:
            if _janome is None:
                from janome.tokenizer import Tokenizer as JanomeTokenizer

                _janome = JanomeTokenizer()
    return _janome


def normalize(text: str) -> tuple[str, list[int] | None]:
    """NFKC-normalize `text`; return it with a map to original offsets.

    The map has one entry per normalized character plus a final sentinel,
    giving the original offset where that character's source begins. It is
    None when normalization changed nothing (the common case, and cheap).
    """
    if unicodedata.is_normalized("NFKC", text):
        return text, None
    out: list[str] = []
    offsets: list[int] = []
    i, n = 0, len(text)
    while i < n:
        j = i + 1
        # Keep combining marks and half-width voicing marks with their base
        # character: `ｶﾞ` is two characters that become one.
        while j < n and (unicodedata.combining(text[j]) or text[j] in "\uff9e\uff9f"):
            j += 1
        piece = unicodedata.normalize("NFKC", text[i:j])
        out.append(piece)
        offsets.extend([i] * len(piece))
        i = j
    offsets.append(n)
    return "".join(out), offsets


def fold_katakana(word: str) -> str:
    """Drop a trailing `ー` from katakana words of four or more characters."""
    if len(word) >= 4 and word[-1] == _PROLONGED and _KATAKANA.match(word):
        return word.rstrip(_PROLONGED)
    return word


def _is_stop(pos: str) -> bool:
    parts = pos.split(",", 2)
    return parts[0] in _STOP_POS or (parts[0], parts[1]) in _STOP_POS_SUB


def _janome_words(segment: str):
    """Yield (start, end, term, is_stop) for a segment without Latin runs.

    Whitespace is skipped without consuming a position; janome also drops
    leading and trailing spaces, so offsets follow a running cursor.
    """
    cursor = 0
    for tok in get_janome().tokenize(segment):
        surface = tok.surface
        if surface.isspace():
            cursor += len(surface)
            continue
        start = segment.find(surface, cursor)
        if start < 0:  # never expected; keep offsets monotonic regardless
            start = cursor
        cursor = start + len(surface)
        base = tok.base_form if tok.base_form not in ("*", "") else surface
        stop = _is_stop(tok.part_of_speech) or not any(ch.isalnum() for ch in surface)
        yield start, cursor, fold_katakana(base.lower()), stop


def iter_words(text: str, mode: str = "index"):
    """Yield (start, end, term, is_stop, same_position) over normalized text.

    `same_position` marks extra index-time terms (the parts of an identifier
    such as `gpt` and `4o` in `gpt-4o`) that share the previous position.
    """
    last = 0
    for m in _LATIN.finditer(text):
        if m.start() > last:
            yield from _shift(_janome_words(text[last : m.start()]), last)
        word = m.group().lower()
        yield m.start(), m.end(), word, False, False
        if mode == "index":
            parts = [p for p in _SPLIT_PARTS.split(word.lstrip(".")) if p]
            if len(parts) > 1:
                for part in parts:
                    yield m.start(), m.end(), part, False, True
        last = m.end()
    if last < len(text):
        yield from _shift(_janome_words(text[last:]), last)


@functools.lru_cache(maxsize=2048)
def _cached_words(text: str, mode: str) -> tuple:
    return tuple(iter_words(text, mode))


def words(text: str, mode: str = "index"):
    """Return `iter_words(text, mode)`, memoized for short texts.

    Every comment document carries its post's title, so without the cache
    janome would tokenize each title once per comment.
    """
    if len(text) <= CACHE_MAX_CHARS:
        return _cached_words(text, mode)
    return iter_words(text, mode)


def _shift(words, offset: int):
    for start, end, term, stop in words:
        yield start + offset, end + offset, term, stop, False


class JapaneseTokenizer(Tokenizer):
    """Whoosh tokenizer over janome with original-text character offsets."""

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
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not tokenize:
            t.original = t.text = value
            t.boost = 1.0
            if positions:
                t.pos = start_pos
            if chars:
                t.startchar = start_char
                t.endchar = start_char + len(value)
            yield t
            return
        norm, offsets = normalize(value)
        pos = start_pos - 1
        for start, end, term, stop, same in words(norm, mode or "index"):
            if not same:
                pos += 1
            if stop and removestops:
                continue
            t.text = term
            t.stopped = stop
            t.boost = 1.0
            if keeporiginal:
                t.original = term
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
    return [
        (t.text, t.pos, t.startchar, t.endchar)
        for t in analyzer(text, positions=True, chars=True, mode=mode)
    ]
