"""Secondary query views: readings and character n-grams.

Both are ORed next to the morphological query with a lower boost, so a
comment matched through its words always outranks one matched only through
its reading or its n-grams (`京都` ranks Kyoto before `東京都`).
"""

from __future__ import annotations

from whoosh import query as wq

from .analysis import fold_katakana, is_kana, ngram_coverage, ngrams, normalize, to_katakana

READING_BOOST = 0.6
NGRAM_BOOST = 0.3
MAX_READING_WORD = 12


def split_reading(kana: str, readings) -> list[str] | None:
    """Split a katakana string into the fewest words whose readings are known.

    `readings` is the set of reading terms in the index; None when no split
    exists. Dynamic programming over the string: queries are short.
    """
    n = len(kana)
    best: list[list[str] | None] = [None] * (n + 1)
    best[0] = []
    for end in range(1, n + 1):
        for start in range(max(0, end - MAX_READING_WORD), end):
            head = best[start]
            if head is None:
                continue
            piece = kana[start:end]
            if piece in readings or fold_katakana(piece) in readings:
                candidate = head + [fold_katakana(piece) if piece not in readings else piece]
                if best[end] is None or len(candidate) < len(best[end]):
                    best[end] = candidate
    return best[n]


def reading_query(text: str, readings) -> tuple[wq.Query | None, list[str]]:
    """Return a query on the reading view for a kana-only word, and its split."""
    norm, _ = normalize(text)
    if not is_kana(norm):
        return None, []
    parts = split_reading(to_katakana(norm), readings)
    if not parts:
        return None, []
    if len(parts) == 1:
        return wq.Term("body_reading", parts[0], boost=READING_BOOST), parts
    return wq.Phrase("body_reading", parts, boost=READING_BOOST), parts


def ngram_query(text: str) -> tuple[wq.Query | None, list[str]]:
    """Return an n-gram view query when every character of `text` is covered.

    Words with hiragana or symbols are left to the morphological view: the
    n-gram view does not index them.
    """
    norm, _ = normalize(text)
    grams = list(ngrams(norm))
    if not grams or ngram_coverage(norm) != len(norm):
        return None, []
    phrases, current, last = [], [], None
    for pos, gram in grams:
        if last is not None and pos != last + 1:
            phrases.append(current)
            current = []
        current.append(gram)
        last = pos
    phrases.append(current)
    parts = [wq.Term("body_ngram", p[0]) if len(p) == 1 else wq.Phrase("body_ngram", p) for p in phrases]
    query = parts[0] if len(parts) == 1 else wq.And(parts)
    query.boost = NGRAM_BOOST
    return query, [g for _, g in grams]
