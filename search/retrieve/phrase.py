"""Phrase verification: which documents hold a phrase's words in order, and their scores.

A word read fresh for a phrase brings its posting values along, so its
positions cost no second read; the candidates are the documents holding
every word, intersected from the rarest word up in C; a candidate matches
when each word follows the last within `slop` positions, Whoosh's
`SpanNear2(ordered=True, mindist=1)`; it scores the sum of its words'
scores, as Whoosh's phrase does.
"""

from __future__ import annotations

from bisect import bisect_left

from .. import internals
from .terms import TermReader


def phrase_scores(terms: TermReader, fieldname: str, words: list[str], slop: int) -> dict[int, float]:
    """{docnum: score} of the documents holding `words` in order, each 1..`slop` positions after the last."""
    # A word read now brings its posting values along: no second read for positions.
    parts, sinks = [], []
    for w in words:
        sink = None if terms.cache.recall(("t", fieldname, w)) else {}
        entry = terms.entry(fieldname, w, sink)
        if sink is not None and len(sink) != len(entry):
            sink = None  # another thread cached the word meanwhile: read positions as usual
        parts.append(entry)
        sinks.append(sink)
    # Candidates from the rarest word down, in C: no dict of a common word's postings.
    ordered = sorted(parts, key=len)
    candidates = set(ordered[0].ids)
    for entry in ordered[1:]:
        candidates.intersection_update(entry.ids)
    fmt, decode = terms.searcher.schema[fieldname].format, internals.decode_positions
    per_word = (
        [
            terms.positions(fieldname, w, candidates) if sink is None else {d: decode(fmt, sink[d]) for d in candidates}
            for w, sink in zip(words, sinks)
        ]
        if candidates
        else []
    )
    hits = sorted(
        d for d in candidates if all(d in p for p in per_word) and in_sequence([p[d] for p in per_word], slop)
    )
    # Whoosh scores a phrase as the sum of its words' scores, in the words' order.
    return {d: sum(entry.score_of(d) for entry in parts) for d in hits}


def in_sequence(position_lists: list[list[int]], slop: int) -> bool:
    """True when the words occur in order, each 1..slop positions after the last.

    This is Whoosh's `SpanNear2(ordered=True, mindist=1)` for one-position spans.
    A position follows when the first end at or after `p - slop` lies
    before it: a bisection into the sorted ends, not a scan of them all.

    >>> in_sequence([[3, 10], [4, 20]], 1), in_sequence([[3], [6]], 2), in_sequence([[3], [6]], 3)
    (True, False, True)
    """
    ends = set(position_lists[0])
    for positions in position_lists[1:]:
        if slop == 1:
            ends = {p for p in positions if p - 1 in ends}
        else:
            order = sorted(ends)
            ends = {p for p in positions if (i := bisect_left(order, p - slop)) < len(order) and order[i] < p}
        if not ends:
            return False
    return True
