"""The reading view: katakana readings of a text's words, index side and query side.

A reader who types a word in kana (`きかいがくしゅう`), or whose word janome
reads otherwise, finds it by its reading: the index holds each word's
reading in `body_reading`, and a kana query is split into the fewest
readings the index knows and searched as their phrase.
"""

from __future__ import annotations

from whoosh import query as wq

from ..analysis.normalize import fold_katakana, is_kana, normalize, to_katakana
from ..analysis.tokenizer import ViewTokenizer, pickled_as
from ..analysis.words import analyze_text
from . import MAX_PHRASE_WORDS, NO_VIEW, View

READING_BOOST = 0.6
MAX_READING_WORD = 12
# Splits of a kana query into readings that tie for the fewest words, all searched.
MAX_SPLITS = 4


@pickled_as("search.analysis")
class ReadingTokenizer(ViewTokenizer):
    """The reading view: katakana readings of a text's words, in order."""

    def tokens(self, t, value, positions, chars, removestops, start_pos, start_char, mode):
        _, _, words = analyze_text(value, mode)
        pos = start_pos - 1
        for *_, same, reading in words:
            if same:
                continue
            pos += 1
            if not reading:
                continue
            t.text = reading
            if positions:
                t.pos = pos
            yield t


def ReadingAnalyzer():
    """Return the analyzer of the reading view (index side)."""
    return ReadingTokenizer()


def split_readings(kana: str, readings, limit: int = MAX_SPLITS) -> list[list[str]]:
    """Every split of a katakana string into the fewest words whose readings are known.

    `readings` is the set of reading terms in the index. Several splits can
    tie (`サイテキカ`: `サイテキ カ` and `サイ テキカ`); up to `limit` are
    returned, in a fixed order, and none when no split exists. Dynamic
    programming over the string keeps, for each prefix, its word count and
    the last words that reach it with that count, so the work is linear in
    the length and in `limit`.

    >>> split_readings("サイテキカ", {"サイ", "テキ", "カ", "サイテキ", "テキカ"})
    [['サイ', 'テキカ'], ['サイテキ', 'カ']]
    >>> split_readings("キカイガクシュー", {"キカイ", "ガクシュ"})  # a long vowel folded, as indexed
    [['キカイ', 'ガクシュ']]
    >>> split_readings("ゾウ", {"キカイ"})
    []
    """
    n = len(kana)
    count: list[int | None] = [0] + [None] * n
    last: list[list[tuple[int, str]]] = [[] for _ in range(n + 1)]  # (start, word) ending there
    for end in range(1, n + 1):
        for start in range(max(0, end - MAX_READING_WORD), end):
            if count[start] is None:
                continue
            piece = kana[start:end]
            word = piece if piece in readings else fold_katakana(piece)
            if word not in readings:
                continue
            if count[end] is None or count[start] + 1 < count[end]:
                count[end], last[end] = count[start] + 1, [(start, word)]
            elif count[start] + 1 == count[end]:
                last[end].append((start, word))
    if count[n] is None:
        return []
    splits: list[list[str]] = []
    paths: list[tuple[int, list[str]]] = [(n, [])]  # (where a path stands, its words from the end)
    while paths and len(splits) < limit:
        end, tail = paths.pop()
        if end == 0:
            splits.append(tail[::-1])
            continue
        paths.extend((start, tail + [word]) for start, word in reversed(last[end]))
    return splits


def split_reading(kana: str, readings) -> list[str] | None:
    """The first of `split_readings`, or None when no split exists.

    >>> split_reading("キカイガクシュウ", {"キ", "カイ", "キカイ", "ガクシュウ"})
    ['キカイ', 'ガクシュウ']
    >>> split_reading("ゾウ", {"キカイ"}) is None
    True
    """
    splits = split_readings(kana, readings, limit=1)
    return splits[0] if splits else None


def _reading_phrase(parts: list[str]) -> tuple[wq.Query, list[str], bool]:
    parts = [word for i, word in enumerate(parts) if not i or word != parts[i - 1]]
    cut = len(parts) > MAX_PHRASE_WORDS
    parts = parts[:MAX_PHRASE_WORDS]
    if len(parts) == 1:
        return wq.Term("body_reading", parts[0], boost=READING_BOOST), parts, cut
    return wq.Phrase("body_reading", parts, boost=READING_BOOST), parts, cut


def reading_query(text: str, readings) -> View:
    """Return the reading view of a kana-only word: a term or a phrase of its split.

    Splits that tie are ORed. A word repeated right after itself counts once
    (`きかいきかい`: `キカイ`), and a phrase keeps the first MAX_PHRASE_WORDS
    words of its split (`cut`). The view's terms are those of the first split.
    """
    norm, _ = normalize(text)
    if not is_kana(norm):
        return NO_VIEW
    phrases = [_reading_phrase(parts) for parts in split_readings(to_katakana(norm), readings)]
    if not phrases:
        return NO_VIEW
    query, terms, cut = phrases[0]
    if len(phrases) > 1:
        query = wq.Or([q for q, _, _ in phrases])
    return View(query, terms, cut)
