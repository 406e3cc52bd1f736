"""One term's postings in one leaf reader, and the facts about leaves the cache is keyed by.

A Whoosh 3 leaf matcher is read a whole block at a time, one unpickle per
128 postings (`internals.read_blocks`); any other matcher (another codec,
another Whoosh) posting by posting through its public methods, with the
same docnums, weights and values and no blocks. The values (positions,
characters) of a few documents are read from the blocks that hold them.
A leaf's segment id and deleted documents say which cached postings a
later version of the index can take over.
"""

from __future__ import annotations

from bisect import bisect_left

from whoosh.matching import FilterMatcher

from .. import internals
from .postcache import LeafBlocks


def term_doc_ids(reader, fieldname: str, btext: bytes) -> list[int]:
    """The leaf docnums holding a term, deleted ones included, a block at a time."""
    return read_postings(reader, fieldname, btext, frozenset())[0]


def read_postings(reader, fieldname, btext, deleted, values=False):
    """Return (docnums, weights, blocks, values) of one term in one leaf reader.

    Whoosh 3 leaf matchers are read a whole block at a time; other matchers
    (another codec, another Whoosh) posting by posting, with blocks None.
    Values (positions, characters) are kept only when asked for.
    """
    matcher = leaf_matcher(reader, fieldname, btext)
    if internals.has_blocks(matcher):
        ids, weights, blocks, vals = internals.read_blocks(matcher, values)
    else:
        ids, weights, blocks, vals = [], [], None, []
        while matcher.is_active():
            ids.append(matcher.id())
            weights.append(matcher.weight())
            if values:
                vals.append(matcher.value())
            matcher.next()
    if deleted:
        keep = [i for i, d in enumerate(ids) if d not in deleted]
        ids = [ids[i] for i in keep]
        weights = [weights[i] for i in keep]
        vals = [vals[i] for i in keep] if values else vals
    return ids, weights, blocks, vals


def leaf_matcher(reader, fieldname, btext):
    """The leaf reader's own matcher of a term, without the deletion filter (the caller applies it)."""
    matcher = reader.postings(fieldname, btext)
    if isinstance(matcher, FilterMatcher):
        matcher = matcher.child
    return matcher


def leaf_values(reader, fieldname, btext, blocks, docnums: list[int], decoded: LeafBlocks, postfile):
    """Yield (docnum, value) for the sorted leaf `docnums` holding the term.

    With the term's `blocks` known, the blocks are read from `postfile`,
    the leaf's postings file, without a Whoosh matcher.
    """
    if blocks is None:  # not a Whoosh 3 matcher: skip through it
        matcher = leaf_matcher(reader, fieldname, btext)
        for d in docnums:
            if matcher.is_active() and matcher.id() < d:
                matcher.skip_to(d)
            if matcher.is_active() and matcher.id() == d:
                yield d, matcher.value()
        return
    max_ids = [b.max_id for b in blocks]
    loaded, ids, values = None, [], []
    for d in docnums:
        i = bisect_left(max_ids, d)
        if i == len(blocks):
            return
        if blocks[i] is not loaded:
            loaded = blocks[i]
            ids, values = decoded.get(postfile, loaded)
        j = bisect_left(ids, d)
        if j < len(ids) and ids[j] == d:
            yield d, values[j]


def segment_ids(searcher) -> list[str | None]:
    """The Whoosh segment id of each leaf of `searcher` (None for a leaf without one)."""
    return [leaf_segment(leaf.reader())[0] for leaf, _ in searcher.leaf_searchers()]


def leaf_segment(reader) -> tuple[str | None, int]:
    """A leaf reader's (segment id, deleted documents); (None, 0) when it has no segment."""
    segment = reader.segment() if hasattr(reader, "segment") else None
    if segment is None:
        return None, 0
    return segment.segment_id(), segment.deleted_count()


def deleted_docs(reader) -> frozenset:
    """The deleted docnums of a leaf reader."""
    if not reader.has_deletions():
        return frozenset()
    cached = getattr(reader, "deleted_docs_set", None)  # Whoosh 3 keeps it
    if cached is not None:
        return frozenset(cached)
    return frozenset(d for d in range(reader.doc_count_all()) if reader.is_deleted(d))
