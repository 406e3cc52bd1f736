"""And and Or of scored parts as dict operations: docs in every part, docs in any part, scores summed.

A part is a {docnum: score} dict, a cached `Entry` read in place (never
turned into a dict of a common word's postings), or, in a union, an entry
and the boost applied to it (`Scaled`). An Or of `TERM_SET` or more plain
words of one field (a common word's superterms) is evaluated once per
index version as one entry (`is_term_set`).
"""

from __future__ import annotations

from typing import NamedTuple

from whoosh import query as wq

from .postcache import Entry

TERM_SET = 8  # words in an Or whose union is cached for the version (a common word's superterms)
_PROBE_FACTOR = 32  # a bisect costs about this many steps of a scan


class Scaled(NamedTuple):
    """A cached entry and the boost a union applies to its scores."""

    entry: Entry
    boost: float

    def __len__(self) -> int:
        return len(self.entry)

    def as_dict(self) -> dict[int, float]:
        """{docnum: score × boost}."""
        return self.entry.as_dict(self.boost)


def intersect(parts: list) -> dict[int, float]:
    """Docs in every part, scores summed from the smallest part up.

    A part is a {docnum: score} dict or a cached `Entry`: an entry larger
    than the running result is scanned, never turned into a dict.
    """
    ordered = sorted(parts, key=len)
    first = ordered[0]
    merged = first.as_dict() if isinstance(first, Entry) else first
    for part in ordered[1:]:
        if isinstance(part, Entry) and len(merged) * _PROBE_FACTOR < len(part):
            # A few documents left: look each up in the large entry rather than scan it.
            merged = {d: s + part.score_of(d) for d, s in merged.items() if d in part}
        elif isinstance(part, Entry):
            merged = {d: merged[d] + s for d, s in zip(part.ids, part.scores) if d in merged}
        else:
            merged = {d: s + part[d] for d, s in merged.items() if d in part}
    return merged


def union(parts: list) -> dict[int, float]:
    """Docs in any part, scores summed; the largest part's order first.

    A part is a {docnum: score} dict, a cached `Entry` or a `Scaled` entry, read in place.
    """
    ordered = sorted(parts, key=len, reverse=True)
    first = ordered[0]
    merged = first.as_dict() if isinstance(first, (Entry, Scaled)) else dict(first)
    get = merged.get
    for part in ordered[1:]:
        if isinstance(part, Scaled):
            boost = part.boost
            for d, s in zip(part.entry.ids, part.entry.scores):
                merged[d] = get(d, 0.0) + s * boost
            continue
        for d, s in zip(part.ids, part.scores) if isinstance(part, Entry) else part.items():
            merged[d] = get(d, 0.0) + s
    return merged


def is_term_set(q: wq.Or) -> bool:
    """True for an Or of TERM_SET or more plain words of one field (cached as one entry)."""
    subs = q.subqueries
    return len(subs) >= TERM_SET and all(type(s) is wq.Term for s in subs) and len({s.fieldname for s in subs}) == 1


def or_leaves(subs) -> list:
    """The subqueries of an Or, with unboosted Ors inside it opened: a sum is a sum.

    A word and its reading view (`できる OR デキル`) ORed with nine more is
    one union of twenty parts, not ten unions copied into an eleventh.
    """
    leaves = []
    for q in subs:
        if type(q) is wq.Or and not is_term_set(q) and (q.boost == 1.0 or len(q.subqueries) == 1):
            leaves.extend(or_leaves(q.subqueries))  # Whoosh ignores a one-child compound's boost
        else:
            leaves.append(q)
    return leaves


def boosted(scores: dict, boost: float) -> dict:
    """`scores` times `boost` (the same dict when the boost is 1)."""
    return scores if boost == 1.0 else {d: s * boost for d, s in scores.items()}
