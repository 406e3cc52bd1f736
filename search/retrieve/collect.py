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
from array import array
from collections import Counter
from dataclasses import dataclass
from operator import itemgetter
from typing import NamedTuple

from whoosh import query as wq

from ..index.schema import split_tags, tag_term
from .columns import column_values
from .execute import Unsupported

RERANK_DEPTH = 50  # top hits reranked by how close the query's words stand
# Words whose closeness is measured: the positions of each are read for every
# reranked hit, and a query of ten long clauses has a hundred words.
MAX_PROXIMITY_TERMS = 8
PROXIMITY_SLOP = 8
PROXIMITY_BOOST = 0.5
FACET_SIZE = 10
_EPOCH = dt.datetime(1, 1, 1)


def _ticks(value: dt.datetime) -> int:
    """Whoosh's sortable integer for a naive UTC datetime (microseconds since year 1)."""
    delta = value - _EPOCH
    return (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds


class DocTable:
    """Per-document columns of one searcher, as arrays indexed by docnum.

    Users, months and tag sets are stored as small integer codes, so that
    counting facets over 40,000 matches hashes ints, not byte strings; a
    month and a tag set share one code, so both are counted in one pass.
    """

    def __init__(self, reader):
        self.user, self.user_names = _coded(reader, "user")
        self.month, self.month_names = _coded(reader, "month")
        self.tags, tag_strings = _coded(reader, "tags")
        self.tag_sets = [split_tags(raw) for raw in tag_strings]
        n_sets = len(self.tag_sets)
        self.month_tags = array("i", [m * n_sets + t for m, t in zip(self.month, self.tags)])
        self.created = column_values(reader, "created_at")
        self.user_codes = {name: code for code, name in enumerate(self.user_names)}


def _coded(reader, name: str) -> tuple[array, list[str]]:
    """A column as (codes by docnum, decoded value of each code)."""
    codes: dict[bytes, int] = {}
    column = array("i", [codes.setdefault(v, len(codes)) for v in column_values(reader, name)])
    return column, [v.decode("utf-8") for v in codes]


@dataclass(frozen=True)
class Collected:
    """What one query matched: total, facets, and the page's (docnum, score) pairs."""

    total: int
    page: list
    users: tuple
    tags: tuple
    months: tuple

    @property
    def comments(self) -> int:
        """The matching comments: the total, ungrouped."""
        return self.total


def base_query(query, users, tags) -> wq.Query:
    """The query to match; without words, the narrowest filter stands in."""
    if query is not None:
        return query
    if users:
        return wq.Or([wq.Term("user", u) for u in users])
    if tags:
        return wq.Term("tags", tag_term(tags[0]))
    return wq.Term("kind", "quote")


def filter_ids(table: DocTable, ids, users, tags, since, until) -> list[int]:
    """Keep the docnums that pass the user, tag and date filters."""
    if users:
        wanted = {table.user_codes.get(u, -1) for u in users}
        ids = [d for d in ids if table.user[d] in wanted]
    for tag in tags:
        sets = {code for code, names in enumerate(table.tag_sets) if tag in names}
        ids = [d for d in ids if table.tags[d] in sets]
    if since or until:
        low = _ticks(dt.datetime.combine(since, dt.time.min)) if since else 0
        high = _ticks(dt.datetime.combine(until, dt.time.max)) if until else 1 << 62
        ids = [d for d in ids if low <= table.created[d] <= high]
    return list(ids)


def _top(counts: Counter, name=None) -> tuple:
    """The FACET_SIZE largest counts as (name, count), ties in name order.

    `name` maps a key to its display name ("" drops the key). Only keys
    that can reach the top are named and sorted: a query matching 30,000
    comments by 4,000 users sorts 4,000 ints in C, and names about ten.
    """
    name = name or str
    if not counts:
        return ()
    # One more than shown: at most one key (the empty value) has no name.
    cut = heapq.nlargest(FACET_SIZE + 1, counts.values())[-1]
    contenders = sorted(((k, n) for k, n in counts.items() if n >= cut), key=lambda kn: -kn[1])
    picked: list = []
    for key, n in contenders:
        if len(picked) >= FACET_SIZE and n < picked[-1][1]:
            break
        label = name(key)
        if label:
            picked.append((label, n))
    picked.sort(key=lambda kv: (-kv[1], kv[0]))
    return tuple(picked[:FACET_SIZE])


def pick(column, ids: list) -> tuple:
    """`column`'s value at each of `ids`, in one C call."""
    return itemgetter(*ids)(column) if len(ids) > 1 else tuple(column[d] for d in ids)


def count_facets(table: DocTable, ids: list) -> tuple[tuple, tuple, tuple]:
    """Return (users, tags, months) counted over every matching docnum."""
    users = Counter(pick(table.user, ids))
    months: Counter = Counter()
    tags: Counter = Counter()
    n_sets = len(table.tag_sets)
    for code, n in Counter(pick(table.month_tags, ids)).items():
        month, tag_set = divmod(code, n_sets)
        months[month] += n
        for tag in table.tag_sets[tag_set]:
            tags[tag] += n
    named_months = sorted((table.month_names[code], n) for code, n in months.items() if table.month_names[code])
    return _top(users, table.user_names.__getitem__), _top(tags), tuple(named_months)


def span_in_order(position_lists: list[list[int]]) -> int | None:
    """Smallest distance from the first word to the last with all words in order.

    From each start, each next word is taken at its first position after the
    previous word's. The lists are ascending, so those positions only move
    forward as the start does: one pointer per list, linear in the positions.
    """
    best = None
    cursors = [0] * len(position_lists)
    for start in position_lists[0]:
        last = start
        for i in range(1, len(position_lists)):
            positions, j = position_lists[i], cursors[i]
            while j < len(positions) and positions[j] <= last:
                j += 1
            cursors[i] = j
            if j == len(positions):
                return best  # no later start can finish either
            last = positions[j]
        span = last - start
        best = span if best is None else min(best, span)
    return best


def rerank_by_proximity(executor, scored: list, terms: list[str]) -> list:
    """Add a bonus to hits whose query words stand close together and in order.

    Done on the top hits only: a sloppy phrase over every match would read
    the positions of tens of thousands of comments.
    """
    terms = terms[:MAX_PROXIMITY_TERMS]
    docnums = sorted(d for d, _ in scored)
    per_term = [executor.positions("body", t, docnums) for t in terms]
    reranked = []
    for docnum, score in scored:
        lists = [p.get(docnum) for p in per_term]
        span = span_in_order(lists) if all(lists) else None
        if span is not None and span <= len(terms) - 1 + PROXIMITY_SLOP:
            score += score * PROXIMITY_BOOST * (len(terms) - 1) / max(span, 1)
        reranked.append((docnum, score))
    return reranked


def _rank_key(created):
    return lambda pair: (-pair[1], -created[pair[0]], -pair[0])


def best_first(scores: dict, created, n: int) -> list:
    """The `n` best (docnum, score) pairs: higher score, then newer, then later docnum.

    A total order, so the pages of one query never repeat or skip a hit,
    however many comments share a score (a one-word query gives the same
    score to every comment of the same length that holds it once). Only
    the pairs at or above the n-th best score are sorted.
    """
    if n <= 0 or not scores:
        return []
    cut = heapq.nlargest(n, scores.values())[-1]
    tied = [pair for pair in scores.items() if pair[1] >= cut]
    if len(tied) > 4 * n:  # a query that scores everything alike (`-word`): no sort of 165,000
        return heapq.nsmallest(n, tied, key=_rank_key(created))
    tied.sort(key=_rank_key(created))
    return tied[:n]


def match_scores(searcher, query, executor) -> dict[int, float]:
    """Return {docnum: score} of every match, through the executor when it can."""
    try:
        return executor.scores(query)
    except Unsupported:
        return {d: score for score, d in searcher.search(query, limit=None).top_n}


def match_ids(searcher, query, executor) -> list[int]:
    """Return the docnums of every match (unranked)."""
    try:
        return executor.doc_ids(query)
    except Unsupported:
        return list(searcher.docs_for_query(query))


class Matches(NamedTuple):
    """Every comment a request matches: docnums, and their scores when ranked by relevance."""

    ids: list
    scores: dict | None  # {docnum: score}; None when sorted by date


def find_matches(searcher, executor, table: DocTable, query, request, sort: str) -> Matches:
    """Match `query` under the request's filters: scored for relevance, else unranked."""
    filtered = bool(request.users or request.tags or request.since or request.until)
    if sort == "relevance" and query is not None:
        scores = match_scores(searcher, query, executor)
        if filtered:
            keep = filter_ids(table, scores, request.users, request.tags, request.since, request.until)
            scores = {d: scores[d] for d in keep}
        return Matches(list(scores), scores)
    ids = match_ids(searcher, base_query(query, request.users, request.tags), executor)
    if filtered:
        ids = filter_ids(table, ids, request.users, request.tags, request.since, request.until)
    return Matches(ids, None)


def collect(searcher, executor, table: DocTable, query, request, sort: str, near=()) -> Collected:
    """Match `query` under the request's filters; return totals, facets, one page.

    `executor` is the searcher's `execute.Executor`; `near` lists words
    whose closeness, in order, raises a hit's rank.
    """
    offset = (request.page - 1) * request.per_page
    want = offset + request.per_page
    ids, scores = find_matches(searcher, executor, table, query, request, sort)
    if scores is not None:
        scored = best_first(scores, table.created, max(want, RERANK_DEPTH if near else 0))
        if near:
            window = rerank_by_proximity(executor, scored[:RERANK_DEPTH], list(near))
            scored = sorted(window, key=_rank_key(table.created)) + scored[RERANK_DEPTH:]
    else:
        pick = heapq.nsmallest if sort == "oldest" else heapq.nlargest
        scored = [(d, 0.0) for d in pick(want, ids, key=table.created.__getitem__)]
    users, tags, months = count_facets(table, ids)
    return Collected(len(ids), scored[offset:want], users, tags, months)
