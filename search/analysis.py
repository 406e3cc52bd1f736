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
import gc
import mmap
import re
import threading
import unicodedata
from contextlib import contextmanager

from whoosh.analysis import Token, Tokenizer

ANALYZER_VERSION = "ja-4/janome-0.5.0"  # 4: bigrams only of runs janome splits
# What `normalize` does to text before janome sees it: bump it when that
# changes, and the janome caches of earlier builds are no longer read.
NORMALIZATION_VERSION = 1

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

_HIRA_TO_KATA = {c: c + 0x60 for c in range(0x3041, 0x3097)}
_KANA_WORD = re.compile(r"^[\u3041-\u3096\u30a1-\u30fa\u30fc]{2,}$")
# Runs of kanji (with 々), katakana, or Latin letters and digits.
_NGRAM_RUN = re.compile(r"[\u4e00-\u9fff\u3400-\u4dbf々]+|[\u30a1-\u30fa\u30fc]+|[A-Za-z0-9]+")

GC_YOUNG_THRESHOLD = 20_000

_lock = threading.Lock()
_janome = None
_token_cache = None  # a `TokenCache` while the indexer builds, else None


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
    dictionary = get_janome().sys_dic
    maps = [getattr(dictionary, name, None) for name in ("entries_compact", "entries_extra")]
    touched = 0
    for entries in maps:
        for mm, _ in (entries or {}).values():
            if isinstance(mm, mmap.mmap):
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


# NFKC runs in C; a text is cut into chunks of about this many characters at
# a base character, and only the chunks that NFKC changes are mapped piece by
# piece in Python: a 1 MB comment with a few full-width letters costs
# milliseconds, not a second.
NORMALIZE_CHUNK = 256
# Unicode's stream-safe limit: a base character keeps at most 30 combining
# marks. CPython's normalization sorts marks in quadratic time, so a crafted
# run of 8,000 marks would cost a third of a second on each read.
MAX_COMBINING = 30


def normalize(text: str) -> tuple[str, list[int] | None]:
    """NFKC-normalize `text`; return it with a map to original offsets.

    The map has one entry per normalized character plus a final sentinel,
    giving the original offset where that character's source begins. It is
    None when normalization changed nothing (the common case, and cheap).

    >>> normalize("ＧＰＴ-4o")
    ('GPT-4o', [0, 1, 2, 3, 4, 5, 6])
    >>> normalize("ｶﾞｲﾄﾞ")
    ('ガイド', [0, 2, 3, 5])
    >>> normalize("機械学習")
    ('機械学習', None)
    """
    if unicodedata.is_normalized("NFKC", text):
        return text, None
    out: list[str] = []
    offsets: list[int] = []
    for start, end in _chunks(text, 0, len(text), NORMALIZE_CHUNK):
        _normalize_span(text, start, end, out, offsets)
    offsets.append(len(text))
    return "".join(out), offsets


def _normalize_span(text: str, start: int, end: int, out: list[str], offsets: list[int]) -> None:
    """Normalize text[start:end], halving it until the parts NFKC changes are small.

    A chunk that is already NFKC is copied as it is; a changed one is split
    in two at a base character, down to a few characters mapped piece by
    piece, so the Python loop runs only near the characters that change.
    """
    chunk = text[start:end]
    if unicodedata.is_normalized("NFKC", chunk):
        out.append(chunk)
        offsets.extend(range(start, end))
        return
    parts = list(_chunks(text, start, end, (end - start + 1) // 2)) if end - start > _SMALLEST_SPAN else []
    if len(parts) < 2:  # small, or one base character with its marks
        _normalize_pieces(text, start, end, out, offsets)
        return
    for part_start, part_end in parts:
        _normalize_span(text, part_start, part_end, out, offsets)


_SMALLEST_SPAN = 32


def _chunks(text: str, start: int, stop: int, size: int):
    """Yield (start, end) pieces of text[start:stop] of about `size`, each cut before a base character."""
    while start < stop:
        end = min(stop, start + size)
        while end < stop and not _is_base(text[end]):
            end += 1
        yield start, end
        start = end


def _is_base(ch: str) -> bool:
    return not unicodedata.combining(ch) and ch not in "\uff9e\uff9f"


def _normalize_pieces(text: str, i: int, stop: int, out: list[str], offsets: list[int]) -> None:
    """NFKC of text[i:stop] piece by piece: a base character with the marks that follow it."""
    while i < stop:
        j = i + 1
        # Keep combining marks and half-width voicing marks with their base
        # character: `ｶﾞ` is two characters that become one.
        while j < stop and not _is_base(text[j]):
            j += 1
        piece = unicodedata.normalize("NFKC", text[i:min(j, i + 1 + MAX_COMBINING)])
        out.append(piece)
        offsets.extend([i] * len(piece))
        i = j


def fold_katakana(word: str) -> str:
    """Drop a trailing `ー` from katakana words of four or more characters."""
    if len(word) >= 4 and word[-1] == _PROLONGED and _KATAKANA.match(word):
        return word.rstrip(_PROLONGED)
    return word


def _is_stop(pos: str) -> bool:
    parts = pos.split(",", 2)
    return parts[0] in _STOP_POS or (parts[0], parts[1]) in _STOP_POS_SUB


def to_katakana(text: str) -> str:
    """Fold hiragana to katakana: `きかい` -> `キカイ`."""
    return text.translate(_HIRA_TO_KATA)


def is_kana(text: str) -> bool:
    """True when `text` is hiragana/katakana only (a reading a reader typed)."""
    return bool(_KANA_WORD.match(text))


def _reading(reading: str, surface: str) -> str:
    if reading in ("*", ""):
        reading = surface
    reading = to_katakana(reading)
    return fold_katakana(reading) if _KATAKANA.match(reading) else ""


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


def _janome_words(segment: str):
    """Yield Word tuples for a segment without Latin runs.

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
        yield start, cursor, term, stop, False, reading


def iter_words(text: str, mode: str = "index"):
    """Yield (start, end, term, is_stop, same_position, reading) over normalized text.

    `same_position` marks extra index-time terms (the parts of an identifier
    such as `gpt` and `4o` in `gpt-4o`) that share the previous position.
    `reading` is the katakana reading of a Japanese word ("" for Latin).
    """
    last = 0
    for m in _LATIN.finditer(text):
        if m.start() > last:
            yield from _shift(_janome_words(text[last : m.start()]), last)
        word = m.group().lower()
        yield m.start(), m.end(), word, False, False, ""
        if mode == "index":
            parts = [p for p in _SPLIT_PARTS.split(word.lstrip(".")) if p]
            if len(parts) > 1:
                for part in parts:
                    yield m.start(), m.end(), part, False, True, ""
        last = m.end()
    if last < len(text):
        yield from _shift(_janome_words(text[last:]), last)


@functools.lru_cache(maxsize=256)
def analyze_text(text: str, mode: str = "index") -> tuple:
    """Return (normalized text, offset map, words) for `text`, memoized.

    The body, reading and n-gram fields of one comment, and the title shared
    by every comment of a post, all reuse one janome pass through this cache.
    """
    norm, offsets = normalize(text)
    return norm, offsets, tuple(iter_words(norm, mode))


_memoized = analyze_text  # its memo, even while a benchmark stands another function in for it


def _shift(words, offset: int):
    for start, end, term, stop, same, reading in words:
        yield start + offset, end + offset, term, stop, same, reading


def ngram_runs(norm: str) -> list[tuple[int, int, str]]:
    """(start, end, run) of the kanji, katakana and Latin runs, lowercased and folded.

    >>> ngram_runs("GPTのデーター分析")
    [(0, 3, 'gpt'), (4, 8, 'データ'), (8, 10, '分析')]
    """
    found = []
    for m in _NGRAM_RUN.finditer(norm):
        run = m.group().lower()
        found.append((m.start(), m.end(), fold_katakana(run) if _KATAKANA.match(run) else run))
    return found


def ngrams(norm: str, words=None):
    """Yield (position, gram) bigrams over the kanji, katakana and Latin runs.

    Hiragana and symbols are left out: they are what particles and endings
    are made of, and bigrams of them would match almost everything.

    Given the text's `words` (the index side), only the runs a word search
    cannot answer keep their bigrams: those janome split into several
    words, where a query can cross a word boundary (`京都` in `東京` `都`).
    A run that is one word of the index (`データ`, `機械`), and every Latin
    run (each is a word or a part of one), is found whole by its word and
    inside it by the index's longer words (`expand.Superterms`): the index
    keeps the bigrams of kanji and katakana runs janome splits only.

    >>> [gram for _, gram in ngrams("東京都のデータ")]
    ['東京', '京都', 'デー', 'ータ']
    >>> [gram for _, gram in ngrams("東京都のデータ", iter_words("東京都のデータ"))]
    ['東京', '京都']
    """
    whole = None if words is None else _whole_words(words)
    for start, end, run in ngram_runs(norm):
        if whole is not None and (run[0].isascii() or whole.get(start) == (end, run)):
            continue
        for i in range(len(run) - 1):
            yield start + i, run[i : i + 2]


def _whole_words(words) -> dict[int, tuple[int, str]]:
    """start -> (end, term) of the words a search finds by their term."""
    return {start: (end, term) for start, end, term, stop, same, _ in words if not stop and not same}


def ngram_coverage(norm: str) -> int:
    """Return how many characters of `norm` fall in kanji, katakana or Latin runs."""
    return sum(m.end() - m.start() for m in _NGRAM_RUN.finditer(norm))


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


class ViewTokenizer(Tokenizer):
    """Shared plumbing: equality by type, Whoosh's tokenize=False contract."""

    def __eq__(self, other):
        return type(other) is type(self)

    def __hash__(self):
        return hash(type(self))

    def __call__(self, value, positions=False, chars=False, keeporiginal=False,
                 removestops=True, start_pos=0, start_char=0, tokenize=True, mode="", **kwargs):
        t = _token(positions, chars, removestops, mode, kwargs)
        if not tokenize:
            yield _untokenized(t, value, positions, chars, start_pos, start_char)
            return
        yield from self.tokens(t, value, positions, chars, removestops, start_pos, start_char,
                               mode or "index")


class ReadingTokenizer(ViewTokenizer):
    """The reading view: katakana readings of a text's words, in order."""

    def tokens(self, t, value, positions, chars, removestops, start_pos, start_char, mode):
        _, _, words = analyze_text(value, mode)
        pos = start_pos - 1
        for _, _, _, stop, same, reading in words:
            if same:
                continue
            pos += 1
            if not reading:
                continue
            t.text = reading
            if positions:
                t.pos = pos
            yield t


class NgramTokenizer(ViewTokenizer):
    """The recall view: character bigrams of the kanji and katakana runs janome splits."""

    def tokens(self, t, value, positions, chars, removestops, start_pos, start_char, mode):
        norm, _, words = analyze_text(value, mode)
        for pos, gram in ngrams(norm, words):
            t.text = gram
            if positions:
                t.pos = start_pos + pos
            yield t


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


def ReadingAnalyzer():
    """Return the analyzer of the reading view (index side)."""
    return ReadingTokenizer()


def NgramAnalyzer():
    """Return the analyzer of the n-gram recall view."""
    return NgramTokenizer()


def analyze(text: str, mode: str = "query") -> list[tuple[str, int, int, int]]:
    """Return (term, position, startchar, endchar) for `text`; handy in tests."""
    analyzer = JapaneseAnalyzer()
    return [
        (t.text, t.pos, t.startchar, t.endchar)
        for t in analyzer(text, positions=True, chars=True, mode=mode)
    ]
