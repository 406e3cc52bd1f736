"""Collect a query's matches: totals, facets and one page, in few Python steps.

Whoosh's own grouping and multi-key sorting call Python code per matching
document and per facet; on tens of thousands of matches that is the whole
latency budget. Instead the searcher's columns are read once into plain
lists (`DocTable`), the query's matching documents are listed once, and
facets, filters and date ordering become C-speed `Counter`/`heapq` work.
"""

from __future__ import annotations

import datetime as dt
import heapq
from collections import Counter
from dataclasses import dataclass

from whoosh import query as wq

TIE_EXTRA = 20  # extra top hits fetched so score ties can be ordered by date
RERANK_DEPTH = 100  # top hits reranked by how close the query's words stand
PROXIMITY_SLOP = 8
PROXIMITY_BOOST = 0.5
FACET_SIZE = 10
_EPOCH = dt.datetime(1, 1, 1)


def _ticks(value: dt.datetime) -> int:
    """Whoosh's sortable integer for a naive UTC datetime (microseconds since year 1)."""
    delta = value - _EPOCH
    return (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds


class DocTable:
    """Per-document columns of one searcher, as lists indexed by docnum."""

    def __init__(self, reader):
        def column(name):
            return list(reader.column_reader(name, translate=False))

        self.user = column("user")
        self.month = column("month")
        self.tags = column("tags")
        self.created = column("created_at")
        self._tag_split: dict[bytes, tuple[str, ...]] = {}

    def split_tags(self, raw: bytes) -> tuple[str, ...]:
        """Return the tag tuple of a stored `a,b,c` column value (memoized)."""
        tags = self._tag_split.get(raw)
        if tags is None:
            tags = self._tag_split[raw] = tuple(t for t in raw.decode("utf-8").split(",") if t)
        return tags


@dataclass(frozen=True)
class Collected:
    """What one query matched: total, facets, and the page's (docnum, score) pairs."""

    total: int
    page: list
    users: tuple
    tags: tuple
    months: tuple


def base_query(query, users, tags) -> wq.Query:
    """The query to match; without words, the narrowest filter stands in."""
    if query is not None:
        return query
    if users:
        return wq.Or([wq.Term("user", u) for u in users])
    if tags:
        return wq.Term("tags", tags[0])
    return wq.Term("kind", "quote")


def filter_ids(table: DocTable, ids, users, tags, since, until) -> list[int]:
    """Keep the docnums that pass the user, tag and date filters."""
    if users:
        wanted = {u.encode("utf-8") for u in users}
        ids = [d for d in ids if table.user[d] in wanted]
    for tag in tags:
        ids = [d for d in ids if tag in table.split_tags(table.tags[d])]
    if since or until:
        low = _ticks(dt.datetime.combine(since, dt.time.min)) if since else 0
        high = _ticks(dt.datetime.combine(until, dt.time.max)) if until else 1 << 62
        ids = [d for d in ids if low <= table.created[d] <= high]
    return ids


def _top(counts: Counter) -> tuple:
    ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return tuple(ordered[:FACET_SIZE])


def count_facets(table: DocTable, ids) -> tuple[tuple, tuple, tuple]:
    """Return (users, tags, months) counted over every matching docnum."""
    users = Counter(map(table.user.__getitem__, ids))
    months = Counter(map(table.month.__getitem__, ids))
    tag_strings = Counter(map(table.tags.__getitem__, ids))
    tags: Counter = Counter()
    for raw, n in tag_strings.items():
        for tag in table.split_tags(raw or b""):
            tags[tag] += n
    decode = lambda counts: Counter({k.decode("utf-8"): v for k, v in counts.items() if k})  # noqa: E731
    return _top(decode(users)), _top(tags), tuple(sorted(decode(months).items()))


def _positions(searcher, term: str, docnums: list[int]) -> dict[int, list[int]]:
    """Positions of `term` in each of `docnums` (ascending), from the postings."""
    found: dict[int, list[int]] = {}
    try:
        matcher = searcher.postings("body", term)
    except Exception:  # term not in the index
        return found
    for docnum in docnums:
        if not matcher.is_active():
            break
        if matcher.id() < docnum:
            matcher.skip_to(docnum)
        if matcher.is_active() and matcher.id() == docnum:
            found[docnum] = list(matcher.value_as("positions"))
    return found


def span_in_order(position_lists: list[list[int]]) -> int | None:
    """Smallest distance from the first word to the last with all words in order."""
    best = None
    for start in position_lists[0]:
        last = start
        for positions in position_lists[1:]:
            last = next((p for p in positions if p > last), None)
            if last is None:
                break
        else:
            span = last - start
            best = span if best is None else min(best, span)
    return best


def rerank_by_proximity(searcher, scored: list, terms: list[str]) -> list:
    """Add a bonus to hits whose query words stand close together and in order.

    Done on the top hits only: a sloppy phrase over every match would read
    the positions of tens of thousands of comments.
    """
    docnums = sorted(d for d, _ in scored)
    per_term = [_positions(searcher, t, docnums) for t in terms]
    reranked = []
    for docnum, score in scored:
        lists = [p.get(docnum) for p in per_term]
        span = span_in_order(lists) if all(lists) else None
        if span is not None and span <= len(terms) - 1 + PROXIMITY_SLOP:
            score += score * PROXIMITY_BOOST * (len(terms) - 1) / max(span, 1)
        reranked.append((docnum, score))
    return reranked


def collect(searcher, table: DocTable, query, request, sort: str, near=()) -> Collected:
    """Match `query` under the request's filters; return totals, facets, one page.

    `near` lists words whose closeness, in order, raises a hit's rank.
    """
    filtered = bool(request.users or request.tags or request.since or request.until)
    offset = (request.page - 1) * request.per_page
    want = offset + request.per_page
    if sort == "relevance" and query is not None:
        # One scored pass yields both the ranking and every match: a second
        # pass just to list the matches would read the postings again.
        ranked = searcher.search(query, limit=None).top_n  # [(score, docnum)], best first
        if filtered:
            keep = set(filter_ids(table, [d for _, d in ranked], request.users, request.tags,
                                  request.since, request.until))
            ranked = [(score, d) for score, d in ranked if d in keep]
        ids = [d for _, d in ranked]
        depth = max(want + TIE_EXTRA, RERANK_DEPTH if near else 0)
        scored = [(d, score) for score, d in ranked[:depth]]
        if near:
            scored = rerank_by_proximity(searcher, scored, list(near))
        # Equal scores (common for one-word queries) go to the newer comment.
        scored.sort(key=lambda pair: (-pair[1], -table.created[pair[0]]))
    else:
        ids = list(searcher.docs_for_query(base_query(query, request.users, request.tags)))
        if filtered:
            ids = filter_ids(table, ids, request.users, request.tags, request.since, request.until)
        pick = heapq.nsmallest if sort == "oldest" else heapq.nlargest
        scored = [(d, 0.0) for d in pick(want, ids, key=table.created.__getitem__)]
    users, tags, months = count_facets(table, ids)
    return Collected(len(ids), scored[offset:want], users, tags, months)
