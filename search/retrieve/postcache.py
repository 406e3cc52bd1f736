"""The posting cache: what the threads serving one index version share.

- `Entry`: a term's, phrase's or term set's global docnums and unboosted
  scores in compact arrays (16 bytes a posting); a term also keeps its
  weights, where each leaf's part came from (`LeafOrigin`) and where its
  blocks start, so the positions of a few documents cost a few block reads;
- `PostingCache`: the entries, LRU-bounded by postings, with the deletion
  sets and length bytes of the version's leaves; `inherit` starts a
  version's cache from the last one's, so a word's postings in the
  segments a commit left alone are taken over and only rescored;
- `BlockCache`: the last decoded blocks, for the positions of the proximity
  rerank and the character spans of snippets, shared by every version of
  a generation.

Every value is immutable once stored; the locks are held only for the
dictionary operations, never while postings are read.
"""

from __future__ import annotations

import threading
from array import array
from bisect import bisect_left
from collections import OrderedDict
from dataclasses import dataclass
from typing import NamedTuple

from .. import internals

# 16 bytes per cached posting (a docnum, a score, a weight in arrays): about 320 MB.
# The warm-up fills 60 % with the words, compounds, readings and n-grams of
# 2,000 postings or more (12 M on the 2,000-post archive).
CACHE_POSTINGS = 20_000_000
# Decoded blocks (about 11 KB each, about 180 MB when full) kept for the positions
# of the proximity rerank and the character spans of snippets: with 2,048 the
# distinct queries of the load benchmark decoded 85 % of their blocks again.
BLOCK_CACHE = 16_384


@dataclass(frozen=True)
class Entry:
    """A cached term or phrase: global docnums and their unboosted scores.

    A term also keeps its postings' weights and, per leaf, where its part
    of the arrays came from (`LeafOrigin`), so that a later version of the
    index can take over the part of a segment it still holds and rescore it.
    """

    ids: array
    scores: array
    blocks: tuple = ()  # per leaf: tuple of internals.Block, or None when not known
    weights: array | None = None
    leaves: tuple = ()  # per leaf: LeafOrigin

    @classmethod
    def of(cls, ids, scores, blocks: tuple = ()) -> Entry:
        """An entry of sorted `ids` and their `scores`."""
        return cls(array("i", ids), array("d", scores), blocks)

    def part(self, segment: str) -> SegmentPostings | None:
        """One segment's share of this entry, or None when the entry has none of it."""
        start = 0
        for leaf, blocks in zip(self.leaves, self.blocks):
            if leaf.segment == segment:
                ids = self.ids[start : start + leaf.count]
                local = [d - leaf.offset for d in ids] if leaf.offset else ids.tolist()
                return SegmentPostings(local, self.weights[start : start + leaf.count].tolist(), blocks, leaf.deletions)
            start += leaf.count
        return None

    def __len__(self) -> int:
        return len(self.ids)

    def __contains__(self, docnum: int) -> bool:
        i = bisect_left(self.ids, docnum)
        return i < len(self.ids) and self.ids[i] == docnum

    def score_of(self, docnum: int) -> float:
        """The score of one document that is in this entry (the ids are sorted)."""
        return self.scores[bisect_left(self.ids, docnum)]

    def as_dict(self, boost: float = 1.0) -> dict[int, float]:
        """{docnum: score × boost}."""
        if boost == 1.0:
            return dict(zip(self.ids, self.scores))
        return {d: s * boost for d, s in zip(self.ids, self.scores)}


class SegmentPostings(NamedTuple):
    """One segment's postings of a cached term, as a later version takes them over."""

    ids: list  # docnums local to the segment
    weights: list
    blocks: tuple
    deletions: int  # the segment's deleted documents when they were read


@dataclass(frozen=True)
class LeafOrigin:
    """Where one leaf's part of a cached term came from."""

    segment: str | None  # Whoosh's segment id; None for a reader without one
    offset: int  # the leaf's first global docnum in that version
    count: int  # the term's postings in the leaf
    deletions: int  # the segment's deleted documents then


class PostingCache:
    """What every thread shares for one index version: postings, lengths, blocks.

    Term and phrase results are LRU-bounded by postings; the deletion sets
    are per leaf; length bytes and decoded blocks are keyed by segment
    (and a block by its offset), so each thread reads them through its own
    file handles. Every value is immutable once stored, and the lock is held
    only for the dictionary operations, never while postings are read.

    `inherit` starts a version's cache from its predecessor's: the terms
    the earlier versions of the generation read wait in a pool, counted
    against this budget and evicted first, until a lookup of the same term
    takes its entry over (`TermReader` rescoring it) or the budget needs room.
    """

    def __init__(self, budget: int = CACHE_POSTINGS, blocks: int = BLOCK_CACHE):
        self.budget = budget
        self.postings = 0  # in this version's entries and the pool
        self.carried = 0  # entries taken over from the pool
        self._entries: OrderedDict = OrderedDict()
        self._pool: OrderedDict = OrderedDict()  # earlier versions' term entries, oldest first
        self._lock = threading.Lock()
        self.lengths: dict = {}
        self.deleted: list | None = None
        self.blocks = BlockCache(blocks)

    def __len__(self) -> int:
        return len(self._entries)

    def inherit(self, previous: PostingCache, segments) -> None:
        """Start from `previous`, the cache of the version a commit ago; `segments` are this version's.

        Blocks and length bytes of the segments both versions hold are
        shared. A term entry `previous` holds or still pools joins this
        cache's pool when most of its postings lie in segments this version
        still has: any earlier version's entry serves, since each records
        the segments its postings came from, but one whose segments were
        merged away would only be read again, and would keep the warm-up
        from reading it (`holds`).
        """
        kept = set(segments)
        with previous._lock:
            earlier = list(previous._pool.items()) + list(previous._entries.items())
        pool = OrderedDict((key, entry) for key, entry in earlier if _mostly_in(entry, kept))
        with self._lock:
            self._pool = pool
            self.postings += sum(len(entry) for entry in pool.values())
            self.blocks = previous.blocks
            self.lengths = {key: value for key, value in list(previous.lengths.items()) if key[0] in kept}
            self._evict()

    def holds(self, fieldname: str, text: str) -> bool:
        """True when the term is cached or pooled: warming it needs no read."""
        key = ("t", fieldname, text)
        return key in self._entries or key in self._pool

    def take(self, key):
        """Remove and return the pooled entry for `key`, or None."""
        with self._lock:
            found = self._pool.pop(key, None)
            if found is not None:
                self.postings -= len(found)
            return found

    def recall(self, key):
        """Return the cached entry for `key` (and mark it recently used), or None."""
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
            return found

    def remember(self, key, entry: Entry) -> Entry:
        """Store `entry` under `key`, evicting pooled then least recently used entries beyond the budget."""
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self.postings -= len(old)
            self._entries[key] = entry
            self.postings += len(entry)
            self._evict()
        return entry

    def _evict(self) -> None:
        """Evict until within the budget: the pool first, then this version's oldest (lock held)."""
        while self.postings > self.budget and self._pool:
            _, evicted = self._pool.popitem(last=False)
            self.postings -= len(evicted)
        while self.postings > self.budget and len(self._entries) > 1:
            _, evicted = self._entries.popitem(last=False)
            self.postings -= len(evicted)


def _mostly_in(entry: Entry, segments: set) -> bool:
    """True when a term entry has at least half its postings in `segments`."""
    if not entry.leaves:  # a phrase: nothing to take over
        return False
    inside = sum(leaf.count for leaf in entry.leaves if leaf.segment in segments)
    return inside * 2 >= len(entry)


class BlockCache:
    """The last few decoded blocks (docnums, values), for positions and highlights.

    Proximity rerank reads the positions of the top hits, and the snippets
    then read the character spans of the same documents: the same blocks.
    Shared by the threads of every version of one generation: a block is
    keyed by its segment (whose files never change) and offset, and read
    through the asking thread's own file.
    """

    def __init__(self, size: int = BLOCK_CACHE):
        self.size = size
        self._blocks: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def of_leaf(self, leaf) -> LeafBlocks:
        """This cache seen from one leaf of the index."""
        return LeafBlocks(self, leaf)

    def get(self, leaf, postfile, block: internals.Block) -> tuple[list[int], list]:
        """The docnums and values of one block of a leaf, decoded once."""
        key = (leaf, block.offset)
        with self._lock:
            found = self._blocks.get(key)
            if found is not None:
                self._blocks.move_to_end(key)
                return found
        found = internals.decode_block(postfile, block)
        with self._lock:
            self._blocks[key] = found
            while len(self._blocks) > self.size:
                self._blocks.popitem(last=False)
        return found


@dataclass(frozen=True)
class LeafBlocks:
    """A `BlockCache` for the blocks of one leaf."""

    cache: BlockCache
    leaf: object  # a segment id (or a leaf number for a reader without segments)

    def get(self, postfile, block: internals.Block) -> tuple[list[int], list]:
        """The docnums and values of one block of this leaf, decoded once."""
        return self.cache.get(self.leaf, postfile, block)
