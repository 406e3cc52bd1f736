"""Group a request's matching comments by post: each post ranked by its best comment.

The index has no per-document column naming the post (`post_path` is an
ID field, not a sortable one), so each index version reads the
`post_path` postings once into an array of post codes by docnum
(`PostColumn`): about 0.2 s for 165,000 comments, once per version and
process (the warm-up does it), and an incremental commit takes over the
codes of the segments it kept. With that array, grouping is one pass
over the matches the collector already has (every match is scored, so a
post's best comment is known exactly): post codes and per-post counts in
C (`Counter`), a post's best comment in one Python loop over the matches
(a few ms for 27,000 matches, about 60 ms for 140,000), then the page's
posts and their best comments.
"""

from __future__ import annotations

import heapq
from array import array
from collections import Counter
from dataclasses import dataclass

from .collect import RERANK_DEPTH, DocTable, best_first, count_facets, find_matches, pick, rerank_by_proximity
from .postings import term_doc_ids

COMMENTS_PER_POST = 3  # comments shown under each post
FIELD = "post_path"


class PostColumn:
    """The post code of every document of one index version, by docnum.

    Codes only tell posts apart (equal code, same post); a deleted
    document keeps its code, but never matches. `segments` maps each
    segment's (id, document count) to its slice of `codes`, so the next
    version's column takes over what did not change.
    """

    def __init__(self, codes: array, names: dict, segments: dict):
        self.codes = codes
        self.names = names  # post path (bytes) -> code
        self.segments = segments

    @classmethod
    def from_reader(cls, reader, previous: PostColumn | None = None) -> PostColumn:
        """Read the column of `reader`'s index version, reusing `previous`'s unchanged segments."""
        names = dict(previous.names) if previous else {}
        codes = array("i")
        segments = {}
        leaves = [(reader, 0)] if reader.is_atomic() else reader.leaf_readers()
        for leaf, _offset in leaves:
            key = _segment_key(leaf)
            kept = previous.segments.get(key) if previous and key else None
            start = len(codes)
            if kept is not None:
                codes.extend(previous.codes[kept[0] : kept[1]])
            else:
                codes.extend(_leaf_codes(leaf, names))
            if key:
                segments[key] = (start, len(codes))
        return cls(codes, names, segments)


def _segment_key(leaf):
    segment = leaf.segment() if hasattr(leaf, "segment") else None
    return (segment.segment_id(), leaf.doc_count_all()) if segment is not None else None


def _leaf_codes(leaf, names: dict) -> array:
    codes = array("i", [-1]) * leaf.doc_count_all()
    for term in leaf.lexicon(FIELD):
        code = names.setdefault(term, len(names))
        ids = term_doc_ids(leaf, FIELD, term)
        if ids and ids[-1] - ids[0] + 1 == len(ids):  # a post's comments are written one after another
            codes[ids[0] : ids[-1] + 1] = array("i", [code]) * len(ids)
        else:
            for d in ids:
                codes[d] = code
    return codes


@dataclass(frozen=True)
class PostMatches:
    """One post of a grouped page: its matching comments' count and the best of them."""

    matches: int
    comments: list  # (docnum, score) pairs, best first, at most COMMENTS_PER_POST


@dataclass(frozen=True)
class CollectedPosts:
    """What one request matched, grouped: posts, comments, facets of the comments, one page of posts."""

    total: int  # posts
    comments: int  # matching comments
    page: list  # PostMatches
    users: tuple
    tags: tuple
    months: tuple


def collect_posts(
    searcher, executor, table: DocTable, posts: PostColumn, query, request, sort: str, near=()
) -> CollectedPosts:
    """Match like `collect.collect`, then rank posts by their best comment and page over them.

    By relevance a post's best comment is its highest-scoring one (after
    the proximity rerank of the top comments, as ungrouped); by date its
    newest (`newest`) or oldest (`oldest`) matching comment.
    """
    offset = (request.page - 1) * request.per_page
    want = offset + request.per_page
    ids, scores = find_matches(searcher, executor, table, query, request, sort)
    created = table.created
    if scores is not None:
        if near:
            window = rerank_by_proximity(executor, best_first(scores, created, RERANK_DEPTH), list(near))
            scores = {**scores, **dict(window)}
        values, tie = list(scores.values()), lambda d: (created[d], d)
    elif sort == "oldest":
        values, tie = [-v for v in pick(created, ids)], lambda d: -d
    else:  # newest; equal times go to the earlier document, as ungrouped
        values, tie = list(pick(created, ids)), lambda d: -d
    codes = pick(posts.codes, ids)
    counts = Counter(codes)
    best = _best_per_post(ids, values, codes, tie)
    ranked = heapq.nlargest(want, best.items(), key=lambda kv: (kv[1][0], tie(kv[1][1])))
    shown = {code: i for i, (code, _) in enumerate(ranked[offset:want])}
    members: list[list] = [[] for _ in shown]
    for d, value, code in zip(ids, values, codes):
        if code in shown:
            members[shown[code]].append((value, d))
    page = [PostMatches(counts[code], _best_comments(members[i], tie, scores)) for code, i in shown.items()]
    users, tags, months = count_facets(table, ids)
    return CollectedPosts(len(counts), len(ids), page, users, tags, months)


def _best_per_post(ids, values, codes, tie) -> dict:
    """{post code: (value, docnum)} of each post's best comment: highest value, then `tie`."""
    best: dict = {}
    get = best.get
    for d, value, code in zip(ids, values, codes):
        held = get(code)
        if held is None or value > held[0] or (value == held[0] and tie(d) > tie(held[1])):
            best[code] = (value, d)
    return best


def _best_comments(members: list, tie, scores) -> list:
    top = heapq.nlargest(COMMENTS_PER_POST, members, key=lambda vd: (vd[0], tie(vd[1])))
    return [(d, scores[d] if scores is not None else 0.0) for _, d in top]
