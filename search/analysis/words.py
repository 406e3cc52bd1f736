"""Normalized text -> its words: the only module that runs janome.

    text -> Latin identifiers by regex (`C++`, `GPT-4o`, `Node.js` stay whole)
         -> janome for everything else (base forms, POS stop list)
         -> lowercase, katakana prolonged-sound folding

Each word is a `Word`: its span in the normalized text, its term, whether
it is a stop word, whether it shares the previous word's position (the
parts of an identifier), and its katakana reading. Dropped words
(particles, auxiliaries, symbols) still consume a position, so words
adjacent in the text have adjacent positions. `analyze_text` memoizes a
text's words: the body, reading, n-gram and compound views of one comment
share one janome pass.
"""

from __future__ import annotations

import functools
import gc
import mmap
import re
import threading
from contextlib import contextmanager
from typing import NamedTuple

from .normalize import fold_katakana, is_katakana, normalize, to_katakana

# Part-of-speech heads and (head, sub) pairs that carry no search meaning,
# after Lucene kuromoji's default stop tags.
_STOP_POS = frozenset({"助詞", "助動詞", "記号", "フィラー", "接続詞", "その他"})
_STOP_POS_SUB = frozenset({("名詞", "非自立"), ("動詞", "非自立"), ("名詞", "接尾")})
# Latin words and tech identifiers, matched on NFKC text before janome sees
# it: janome would shred `C++` into `C`, `++` and `GPT-4o` into four tokens.
_LATIN = re.compile(r"\.?[A-Za-z0-9](?:[A-Za-z0-9_]|[.\-](?=[A-Za-z0-9]))*[+#]*")
_SPLIT_PARTS = re.compile(r"[._\-]")

GC_YOUNG_THRESHOLD = 20_000

_lock = threading.Lock()
_janome = None
_token_cache = None  # a `TokenCache` while the indexer builds, else None
_given = None  # text -> analysis within `given_analysis`


class Word(NamedTuple):
    """One word of a normalized text."""

    start: int  # its span in the normalized text
    end: int
    term: str  # lowercased base form, katakana folded
    stop: bool  # a particle, auxiliary or symbol: it takes a position, and no term is indexed
    same: bool  # an extra term at the previous word's position (`gpt` of `gpt-4o`)
    reading: str  # its katakana reading ("" for Latin and stop words)


def get_janome():
    """Return this process's janome `Tokenizer`, loading the dictionary once."""
    global _janome
    if _janome is None:
        with _lock:
            if _janome is None:
                from janome.tokenizer import Tokenizer as JanomeTokenizer

                _janome = JanomeTokenizer()
                _settle_collector()
    return _janome


def warm_dictionary() -> int:
    """Fault in every page of janome's memory-mapped dictionary; return the bytes.

    The system dictionary (about 90 MB) is mapped, not read: each word
    looked up for the first time in a process faults its pages in, so the
    first query with new words spent 5-20 ms there. A server touches the
    pages once, about 60 ms, when it warms up. Any other dictionary kind
    is left as it is.
    """
    # Imported here: importing it loads Whoosh modules a tokenizer never needs.
    from ..internals import janome_mmaps

    touched = 0
    for mm in janome_mmaps(get_janome()):
        sum(mm[i] for i in range(0, len(mm), mmap.PAGESIZE))
        touched += len(mm)
    return touched


def _settle_collector() -> None:
    """Keep Python's cyclic garbage collector off janome's hot path.

    The dictionary is tens of thousands of Python objects that live as long
    as the process; frozen, a full collection no longer walks them (28 ms
    each, a pause in the middle of a search). janome's lattice allocates
    thousands of short-lived objects per sentence; at CPython's default
    threshold (700) the young generation was collected every few sentences,
    8 % of tokenization time. Cycles are still collected, just less often.
    Workers forked after this share the frozen pages too.
    """
    gc.collect()
    gc.freeze()
    first, *rest = gc.get_threshold()
    gc.set_threshold(max(first, GC_YOUNG_THRESHOLD), *rest)


def _is_stop(pos: str) -> bool:
    parts = pos.split(",", 2)
    return parts[0] in _STOP_POS or (parts[0], parts[1]) in _STOP_POS_SUB


def _reading(reading: str, surface: str) -> str:
    if reading in ("*", ""):
        reading = surface
    reading = to_katakana(reading)
    return fold_katakana(reading) if is_katakana(reading) else ""


# What a janome token means to the index depends only on what janome says of
# it, and a text's vocabulary repeats: the decisions are memoized per process.
# An entry is about 650 bytes (measured on the sample posts), so the memo
# stays under about 33 MB; when full it starts over and refills with the
# words that recur.
_WORD_MEMO: dict = {}
_WORD_MEMO_SIZE = 50_000


def _decide(surface: str, pos: str, base: str, raw_reading: str) -> tuple[str, bool, str]:
    """Return (term, is_stop, reading) for one janome token."""
    key = (surface, pos, base, raw_reading)
    decided = _WORD_MEMO.get(key)
    if decided is None:
        if base in ("*", ""):
            base = surface
        head = pos.split(",", 1)[0]
        stop = _is_stop(pos) or not any(ch.isalnum() for ch in surface)
        # Suffixes such as 化 and 法 carry no meaning alone but are part of
        # how a word reads (さいてきか, こうばいこうかほう): keep their readings.
        reading = "" if head in _STOP_POS else _reading(raw_reading, surface)
        decided = (fold_katakana(base.lower()), stop, reading)
        if len(_WORD_MEMO) >= _WORD_MEMO_SIZE:
            _WORD_MEMO.clear()
        _WORD_MEMO[key] = decided
    return decided


def clear_caches() -> None:
    """Forget every analysis memoized in this process (for benchmarks and tests that time or count janome)."""
    _memoized.cache_clear()
    _WORD_MEMO.clear()


@contextmanager
def token_cache(cache):
    """Read and write janome's output through `cache` (a `TokenCache`, or None) within the block.

    The memo of `analyze_text` is emptied first: a text memoized by an
    earlier build of this process would otherwise never reach `cache`.
    """
    global _token_cache
    _memoized.cache_clear()
    _token_cache = cache
    try:
        yield cache
    finally:
        _token_cache = None


def janome_tokens(segment: str) -> list[tuple]:
    """(surface, part of speech, base form, reading) of each janome token of `segment`.

    While the indexer builds, they come from its `TokenCache` when it holds them.
    """
    cache = _token_cache
    if cache is not None:
        found = cache.get(segment)
        if found is not None:
            return found
    tokens = [(t.surface, t.part_of_speech, t.base_form, t.reading) for t in get_janome().tokenize(segment)]
    if cache is not None:
        cache.put(segment, tokens)
    return tokens


def _janome_words(segment: str, offset: int):
    """Yield the `Word`s of a segment without Latin runs that starts at `offset` of the text.

    Whitespace is skipped without consuming a position; janome also drops
    leading and trailing spaces, so offsets follow a running cursor.
    """
    cursor = 0
    for surface, pos, base, raw_reading in janome_tokens(segment):
        if surface.isspace():
            cursor += len(surface)
            continue
        start = segment.find(surface, cursor)
        if start < 0:  # never expected; keep offsets monotonic regardless
            start = cursor
        cursor = start + len(surface)
        term, stop, reading = _decide(surface, pos, base, raw_reading)
        yield Word(offset + start, offset + cursor, term, stop, False, reading)


def iter_words(text: str, mode: str = "index"):
    """Yield the `Word`s of normalized text.

    `same` marks extra index-time terms (the parts of an identifier such as
    `gpt` and `4o` in `gpt-4o`) that share the previous position; `reading`
    is the katakana reading of a Japanese word ("" for Latin).
    """
    last = 0
    for m in _LATIN.finditer(text):
        if m.start() > last:
            yield from _janome_words(text[last : m.start()], last)
        word = m.group().lower()
        yield Word(m.start(), m.end(), word, False, False, "")
        if mode == "index":
            parts = [p for p in _SPLIT_PARTS.split(word.lstrip(".")) if p]
            if len(parts) > 1:
                for part in parts:
                    yield Word(m.start(), m.end(), part, False, True, "")
        last = m.end()
    if last < len(text):
        yield from _janome_words(text[last:], last)


def analyze_text(text: str, mode: str = "index") -> tuple:
    """Return (normalized text, offset map, words) for `text`, memoized.

    The body, reading and n-gram fields of one comment, and the title shared
    by every comment of a post, all reuse one janome pass through this cache.
    """
    if _given is not None and mode == "index":
        return _given[text]
    return _memoized(text, mode)


def analyze_fresh(text: str, mode: str = "index") -> tuple:
    """`analyze_text` without its memo: the words are found again."""
    norm, offsets = normalize(text)
    return norm, offsets, tuple(iter_words(norm, mode))


_memoized = functools.lru_cache(maxsize=256)(analyze_fresh)


@contextmanager
def given_analysis(done: dict):
    """Within the block, every index-time `analyze_text(text)` is `done[text]`: no janome runs.

    How a benchmark times the rest of a build (parsing, Whoosh) alone;
    `done` maps each text to what `analyze_fresh` returned for it.
    """
    global _given
    _memoized.cache_clear()
    _given = done
    try:
        yield
    finally:
        _given = None
