"""Match and score a compiled query over whole posting lists at once.

Whoosh matches and scores one posting at a time through a tree of Python
matcher objects, about 10 µs per matching comment: a word found in 40,000
comments costs 400 ms before anything is ranked. `Executor` evaluates the
same query tree (`Term`, `Phrase`, `And`, `Or`, `AndNot`) differently:

- each term's postings are read a block at a time (one unpickle per 128
  postings) and scored with Whoosh's own BM25F formula in one list
  comprehension, into a {docnum: score} dict;
- `And`/`Or`/`AndNot` become dict and set operations;
- term and phrase results are kept in an LRU bounded by postings (three
  compact arrays, 16 bytes a posting) that the threads serving one index
  version share (`PostingCache`), so a common word is read once per index
  version, not once per request or per thread; each term also
  keeps where its blocks start, so the
  positions of a few documents (proximity, highlights) cost a few block
  reads, not a walk over every block header;
- an incremental commit leaves the older segments as they were, so the
  next version's cache starts from the last one's (`PostingCache.inherit`):
  a word's postings in the segments it shares are taken over and only
  rescored (BM25's idf and average length move with every commit), about a
  tenth of the cost of reading them again; decoded blocks and length bytes,
  keyed by segment, are shared as they are.

Scores equal Whoosh's (`tests/test_execute.py` compares them on a real
index). A query of another shape, or another weighting model, raises
`Unsupported` and the caller uses Whoosh's own matchers.
"""

from __future__ import annotations

import threading
from array import array
from bisect import bisect_left
from collections import OrderedDict
from dataclasses import dataclass
from typing import NamedTuple

from whoosh import query as wq
from whoosh import scoring
from whoosh.matching import FilterMatcher
from whoosh.util.numeric import byte_to_length

from .. import internals
from .columns import length_bytes

# 16 bytes per cached posting (a docnum, a score, a weight in arrays): about 320 MB.
# The warm-up fills 60 % with the words, compounds, readings and n-grams of
# 2,000 postings or more (12 M on the 2,000-post archive).
CACHE_POSTINGS = 20_000_000
# Decoded blocks (about 11 KB each, about 180 MB when full) kept for the positions
# of the proximity rerank and the character spans of snippets: with 2,048 the
# distinct queries of the load benchmark decoded 85 % of their blocks again.
BLOCK_CACHE = 16_384
TERM_SET = 8  # words in an Or whose union is cached for the version (a common word's superterms)


class Unsupported(Exception):
    """A query or weighting the executor does not evaluate; use Whoosh's matchers."""


@dataclass(frozen=True)
class _Entry:
    """A cached term or phrase: global docnums and their unboosted scores.

    A term also keeps its postings' weights and, per leaf, where its part
    of the arrays came from (`_Leaf`), so that a later version of the index
    can take over the part of a segment it still holds and rescore it.
    """

    ids: array
    scores: array
    blocks: tuple = ()  # per leaf: tuple of internals.Block, or None when not known
    weights: array | None = None
    leaves: tuple = ()  # per leaf: _Leaf

    @classmethod
    def of(cls, ids, scores, blocks: tuple = ()) -> _Entry:
        return cls(array("i", ids), array("d", scores), blocks)

    def part(self, segment: str) -> _Part | None:
        """One segment's share of this entry, or None when the entry has none of it."""
        start = 0
        for leaf, blocks in zip(self.leaves, self.blocks):
            if leaf.segment == segment:
                ids = self.ids[start:start + leaf.count]
                local = [d - leaf.offset for d in ids] if leaf.offset else ids.tolist()
                return _Part(local, self.weights[start:start + leaf.count].tolist(), blocks, leaf.deletions)
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
        if boost == 1.0:
            return dict(zip(self.ids, self.scores))
        return {d: s * boost for d, s in zip(self.ids, self.scores)}


class _Part(NamedTuple):
    """One segment's postings of a cached term, as a later version takes them over."""

    ids: list  # docnums local to the segment
    weights: list
    blocks: tuple
    deletions: int  # the segment's deleted documents when they were read


@dataclass(frozen=True)
class _Leaf:
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
    takes its entry over (`Executor` rescoring it) or the budget needs room.
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

    def remember(self, key, entry: _Entry) -> _Entry:
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


class Executor:
    """Evaluates queries against one searcher, sharing a `PostingCache` with other threads.

    A Whoosh searcher reads its files with seek and read, so it belongs to
    one thread; the cache it fills belongs to the index version, so every
    thread's executor over the same version passes `cache` along.
    """

    def __init__(self, searcher, cache: PostingCache | None = None, budget: int = CACHE_POSTINGS,
                 blocks: int = BLOCK_CACHE):
        self.searcher = searcher
        self.weighting = searcher.weighting
        self.leaves = [(leaf.reader(), offset) for leaf, offset in searcher.leaf_searchers()]
        self.segments = [_segment(reader) for reader, _ in self.leaves]
        self.cache = cache if cache is not None else PostingCache(budget, blocks)
        self.budget = self.cache.budget
        if self.cache.deleted is None:
            self.cache.deleted = [_deleted_docs(reader) for reader, _ in self.leaves]
        self._deleted = self.cache.deleted
        self._postfiles: dict = {}

    # -- public -----------------------------------------------------------

    def scores(self, query) -> dict[int, float]:
        """Return {docnum: score} for every document matching `query`."""
        if type(self.weighting) is not scoring.BM25F:
            raise Unsupported(f"weighting {type(self.weighting).__name__}")
        return self._eval(query)

    def warm(self, fieldname: str, text: str) -> int:
        """Read a term's postings into the cache now; return how many comments hold it."""
        return len(self._entry(fieldname, text))

    def doc_ids(self, query) -> list[int]:
        """Return the matching docnums, unranked."""
        return list(self._eval(query))

    def values(self, fieldname: str, text: str, docnums) -> dict[int, bytes]:
        """Return the posting value (positions, characters) of a term in each of `docnums`."""
        field = self.searcher.schema[fieldname]
        btext = field.to_bytes(text)
        entry = self._entry(fieldname, text)
        wanted = [d for d in sorted(docnums) if d in entry]  # no block is read for a document without the term
        found: dict[int, bytes] = {}
        for leaf, ((reader, offset), deleted) in enumerate(zip(self.leaves, self._deleted)):
            local = [d - offset for d in wanted if offset <= d < offset + reader.doc_count_all()]
            local = [d for d in local if d not in deleted]
            if local:  # documents of the entry: the term is in this leaf
                blocks = entry.blocks[leaf] if entry.blocks else None
                decoded = self.cache.blocks.of_leaf(self._leaf_key(leaf))
                postfile = self._postfile(leaf, reader, fieldname, btext) if blocks is not None else None
                for d, v in _leaf_values(reader, fieldname, btext, blocks, local, decoded, postfile):
                    found[d + offset] = v
        return found

    def _postfile(self, leaf: int, reader, fieldname: str, btext: bytes):
        """The postings file of one leaf, as this thread's searcher opened it.

        Whoosh 3 keeps one postings file per segment, whatever the field: it
        is taken from the first matcher made on the leaf, and creating a
        matcher per lookup (a term-index read each) is saved.
        """
        found = self._postfiles.get(leaf)
        if found is None:
            found = self._postfiles[leaf] = internals.postings_file(_leaf_matcher(reader, fieldname, btext))
        return found

    def positions(self, fieldname: str, text: str, docnums) -> dict[int, list[int]]:
        """Return the token positions of a term in each of `docnums` that holds it."""
        fmt, decode = self.searcher.schema[fieldname].format, internals.decode_positions
        return {d: decode(fmt, v) for d, v in self.values(fieldname, text, docnums).items()}

    def char_spans(self, fieldname: str, text: str, docnum: int) -> list[tuple[int, int]]:
        """Return the (start, end) characters of a term in one document."""
        fmt = self.searcher.schema[fieldname].format
        value = self.values(fieldname, text, [docnum]).get(docnum)
        if value is None or not fmt.supports("characters"):
            return []
        return [(start, end) for _, start, end in fmt.decode_characters(value)]

    # -- tree -------------------------------------------------------------

    def _eval(self, q) -> dict[int, float]:
        kind = type(q)
        if kind is wq.Term:
            return self._entry(q.fieldname, q.text).as_dict(q.boost)
        if kind is wq.Phrase:
            return _boosted(self._phrase(q), q.boost)
        if kind in (wq.And, wq.Or):
            subs = q.subqueries
            if not subs:
                return {}
            if len(subs) == 1:  # Whoosh ignores a one-child compound's boost
                return self._eval(subs[0])
            if kind is wq.Or and _is_term_set(q):
                return self._term_set(q).as_dict(q.boost)
            if kind is wq.And:
                return _boosted(_intersect([self._part(s) for s in subs]), q.boost)
            return _boosted(_union([self._part(s, scaled=True) for s in _or_leaves(subs)]), q.boost)
        if kind is wq.AndNot:
            positive = self._eval(q.a)
            if not positive:
                return positive
            excluded = self._eval(q.b).keys()
            return {d: s for d, s in positive.items() if d not in excluded}
        raise Unsupported(kind.__name__)

    def _term_set(self, q: wq.Or) -> _Entry:
        """The union of an Or of many words of one field, evaluated once per version.

        A common word's superterms are hundreds of words whose union every
        query holding the word would otherwise rebuild.
        """
        key = ("o",) + tuple((s.fieldname, s.text, s.boost) for s in q.subqueries)
        found = self._recall(key)
        if found is None:
            merged = _union([self._part(s, scaled=True) for s in q.subqueries])
            ids = sorted(merged)
            found = self._remember(key, _Entry.of(ids, [merged[d] for d in ids]))
        return found

    def _part(self, q, scaled: bool = False):
        """A plain word as its cached entry (no dict of all its postings); anything else evaluated.

        With `scaled`, for a union, a boosted word is its entry and boost
        (`_Scaled`), still no dict: an Or of hundreds of words (a common
        word's superterms) would otherwise build one per word.
        """
        if type(q) is wq.Term:
            if q.boost == 1.0:
                return self._entry(q.fieldname, q.text)
            if scaled:
                return _Scaled(self._entry(q.fieldname, q.text), q.boost)
        if type(q) is wq.Or and _is_term_set(q):
            entry = self._term_set(q)
            return entry if q.boost == 1.0 else _Scaled(entry, q.boost)
        return self._eval(q)

    # -- cache ------------------------------------------------------------

    def _remember(self, key, entry: _Entry) -> _Entry:
        return self.cache.remember(key, entry)

    def _recall(self, key):
        return self.cache.recall(key)

    # -- terms ------------------------------------------------------------

    def _entry(self, fieldname: str, text: str, sink: dict | None = None) -> _Entry:
        """The term's cached scores; a fresh read also fills `sink` with {docnum: value}.

        A leaf whose segment the predecessor version's entry covered is
        taken from it (its weights rescored here); only the others are read.
        Such a leaf brings no values, so `sink` then holds fewer postings
        than the entry, which tells the caller to read positions itself.
        """
        key = ("t", fieldname, text)
        found = self._recall(key)
        if found is not None:
            return found
        carried = self.cache.take(key)
        field = self.searcher.schema[fieldname]
        btext = field.to_bytes(text)
        if field.scorable:
            idf = self.searcher.idf(fieldname, btext)
            norms = self._norms(fieldname)
        ids, scores, all_weights, blocks, leaves = [], [], [], [], []
        took_over = False
        for (reader, offset), deleted, (segment, deletions) in zip(self.leaves, self._deleted, self.segments):
            part = carried.part(segment) if carried is not None and segment is not None else None
            if part is not None:
                took_over = True
                leaf_ids, weights, leaf_blocks, had = part
                if had != deletions and deleted:  # documents deleted since: drop them
                    keep = [i for i, d in enumerate(leaf_ids) if d not in deleted]
                    leaf_ids, weights = [leaf_ids[i] for i in keep], [weights[i] for i in keep]
            elif (fieldname, btext) not in reader:
                leaf_ids, weights, leaf_blocks = [], [], ()
            else:
                leaf_ids, weights, leaf_blocks, values = _read_postings(
                    reader, fieldname, btext, deleted, values=sink is not None)
                if sink is not None:
                    sink.update(zip([d + offset for d in leaf_ids], values))
            blocks.append(leaf_blocks)
            leaves.append(_Leaf(segment, offset, len(leaf_ids), deletions))
            if field.scorable:
                lengths = self._leaf_lengths(reader, fieldname)
                scores.extend(_bm25(idf, self.weighting.K1, norms, lengths, leaf_ids, weights))
            else:  # Whoosh's WeightScorer: the posting's weight
                scores.extend(weights)
            all_weights.extend(weights)
            ids.extend([d + offset for d in leaf_ids] if offset else leaf_ids)
        if took_over:
            self.cache.carried += 1
        scored = array("d", scores)
        entry = _Entry(array("i", ids), scored, tuple(blocks),
                       _compact(all_weights) if field.scorable else scored, tuple(leaves))
        return self._remember(key, entry)

    def _norms(self, fieldname: str) -> list[float]:
        """BM25's length normaliser for each of the 256 stored length bytes."""
        w = self.weighting
        b = internals.bm25f_b(w, fieldname)
        avgfl = self.searcher.avg_field_length(fieldname) or 1
        return [w.K1 * ((1 - b) + b * byte_to_length(lbyte) / avgfl) for lbyte in range(256)]

    def _leaf_lengths(self, reader, fieldname: str) -> bytes:
        """The length byte of every document of one leaf, for one field."""
        key = (self._leaf_key(self._leaf_number(reader)), fieldname)
        lengths = self.cache.lengths.get(key)
        if lengths is None:  # two threads may both read it: the same bytes
            lengths = self.cache.lengths[key] = length_bytes(reader, fieldname)
        return lengths

    def _leaf_number(self, reader) -> int:
        return next(i for i, (leaf, _) in enumerate(self.leaves) if leaf is reader)

    def _leaf_key(self, leaf: int):
        """What a leaf's lengths and blocks are kept under: its segment, which outlives the version."""
        segment = self.segments[leaf][0]
        return segment if segment is not None else leaf

    # -- phrases ----------------------------------------------------------

    def _phrase(self, q: wq.Phrase) -> dict[int, float]:
        key = ("p", q.fieldname, tuple(q.words), q.slop)
        found = self._recall(key)
        if found is not None:
            return found.as_dict()
        words = list(q.words)
        if len(words) == 1:
            return self._entry(q.fieldname, words[0]).as_dict()
        if not self.searcher.schema[q.fieldname].format.supports("positions"):
            raise Unsupported(f"phrase on {q.fieldname} without positions")
        # A word read now brings its posting values along: no second read for positions.
        parts, sinks = [], []
        for w in words:
            sink = None if self._recall(("t", q.fieldname, w)) else {}
            entry = self._entry(q.fieldname, w, sink)
            if sink is not None and len(sink) != len(entry):
                sink = None  # another thread cached the word meanwhile: read positions as usual
            parts.append(entry)
            sinks.append(sink)
        # Candidates from the rarest word down, in C: no dict of a common word's postings.
        ordered = sorted(parts, key=len)
        candidates = set(ordered[0].ids)
        for entry in ordered[1:]:
            candidates.intersection_update(entry.ids)
        fmt, decode = self.searcher.schema[q.fieldname].format, internals.decode_positions
        per_word = [
            self.positions(q.fieldname, w, candidates) if sink is None
            else {d: decode(fmt, sink[d]) for d in candidates}
            for w, sink in zip(words, sinks)
        ] if candidates else []
        hits = sorted(d for d in candidates
                      if all(d in p for p in per_word) and _in_sequence([p[d] for p in per_word], q.slop))
        # Whoosh scores a phrase as the sum of its words' scores, in the words' order.
        scores = {d: sum(entry.score_of(d) for entry in parts) for d in hits}
        self._remember(key, _Entry.of(scores.keys(), scores.values()))
        return scores


# -- merging --------------------------------------------------------------


def _intersect(parts: list) -> dict[int, float]:
    """Docs in every part, scores summed from the smallest part up.

    A part is a {docnum: score} dict or a cached `_Entry`: an entry larger
    than the running result is scanned, never turned into a dict.
    """
    ordered = sorted(parts, key=len)
    first = ordered[0]
    merged = first.as_dict() if isinstance(first, _Entry) else first
    for part in ordered[1:]:
        if isinstance(part, _Entry) and len(merged) * _PROBE_FACTOR < len(part):
            # A few documents left: look each up in the large entry rather than scan it.
            merged = {d: s + part.score_of(d) for d, s in merged.items() if d in part}
        elif isinstance(part, _Entry):
            merged = {d: merged[d] + s for d, s in zip(part.ids, part.scores) if d in merged}
        else:
            merged = {d: s + part[d] for d, s in merged.items() if d in part}
    return merged


_PROBE_FACTOR = 32  # a bisect costs about this many steps of a scan


def _is_term_set(q: wq.Or) -> bool:
    """True for an Or of TERM_SET or more plain words of one field (cached as one entry)."""
    subs = q.subqueries
    return (len(subs) >= TERM_SET and all(type(s) is wq.Term for s in subs)
            and len({s.fieldname for s in subs}) == 1)


def _or_leaves(subs) -> list:
    """The subqueries of an Or, with unboosted Ors inside it opened: a sum is a sum.

    A word and its reading view (`できる OR デキル`) ORed with nine more is
    one union of twenty parts, not ten unions copied into an eleventh.
    """
    leaves = []
    for q in subs:
        if type(q) is wq.Or and not _is_term_set(q) and (q.boost == 1.0 or len(q.subqueries) == 1):
            leaves.extend(_or_leaves(q.subqueries))  # Whoosh ignores a one-child compound's boost
        else:
            leaves.append(q)
    return leaves


def _union(parts: list) -> dict[int, float]:
    """Docs in any part, scores summed; the largest part's order first.

    A part is a {docnum: score} dict or a cached `_Entry`, read in place.
    """
    ordered = sorted(parts, key=len, reverse=True)
    first = ordered[0]
    merged = first.as_dict() if isinstance(first, (_Entry, _Scaled)) else dict(first)
    get = merged.get
    for part in ordered[1:]:
        if isinstance(part, _Scaled):
            boost = part.boost
            for d, s in zip(part.entry.ids, part.entry.scores):
                merged[d] = get(d, 0.0) + s * boost
            continue
        for d, s in (zip(part.ids, part.scores) if isinstance(part, _Entry) else part.items()):
            merged[d] = get(d, 0.0) + s
    return merged


class _Scaled(NamedTuple):
    """A cached entry and the boost a union applies to its scores."""

    entry: _Entry
    boost: float

    def __len__(self) -> int:
        return len(self.entry)

    def as_dict(self) -> dict[int, float]:
        return self.entry.as_dict(self.boost)


def _boosted(scores: dict, boost: float) -> dict:
    return scores if boost == 1.0 else {d: s * boost for d, s in scores.items()}


# -- postings -------------------------------------------------------------


def _bm25(idf, k1, norms, lengths: bytes, ids, weights) -> list[float]:
    """Whoosh's `bm25()` for every posting, the same float operations in the same order."""
    k1p = k1 + 1
    return [idf * ((w * k1p) / (w + norms[lengths[d]])) for d, w in zip(ids, weights)]


def term_doc_ids(reader, fieldname: str, btext: bytes) -> list[int]:
    """The leaf docnums holding a term, deleted ones included, a block at a time."""
    return _read_postings(reader, fieldname, btext, frozenset())[0]


def _read_postings(reader, fieldname, btext, deleted, values=False):
    """Return (docnums, weights, blocks, values) of one term in one leaf reader.

    Whoosh 3 leaf matchers are read a whole block at a time; other matchers
    (another codec, another Whoosh) posting by posting, with blocks None.
    Values (positions, characters) are kept only when asked for.
    """
    matcher = _leaf_matcher(reader, fieldname, btext)
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


def _leaf_matcher(reader, fieldname, btext):
    matcher = reader.postings(fieldname, btext)
    if isinstance(matcher, FilterMatcher):  # the deletion filter: applied by the caller
        matcher = matcher.child
    return matcher


def _leaf_values(reader, fieldname, btext, blocks, docnums: list[int], decoded: LeafBlocks, postfile):
    """Yield (docnum, value) for the sorted leaf `docnums` holding the term.

    With the term's `blocks` known, the blocks are read from `postfile`,
    the leaf's postings file, without a Whoosh matcher.
    """
    if blocks is None:  # not a Whoosh 3 matcher: skip through it
        matcher = _leaf_matcher(reader, fieldname, btext)
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
        return self.cache.get(self.leaf, postfile, block)


def _mostly_in(entry: _Entry, segments: set) -> bool:
    """True when a term entry has at least half its postings in `segments`."""
    if not entry.leaves:  # a phrase: nothing to take over
        return False
    inside = sum(leaf.count for leaf in entry.leaves if leaf.segment in segments)
    return inside * 2 >= len(entry)


def segment_ids(searcher) -> list[str | None]:
    """The Whoosh segment id of each leaf of `searcher` (None for a leaf without one)."""
    return [_segment(leaf.reader())[0] for leaf, _ in searcher.leaf_searchers()]


def _segment(reader) -> tuple[str | None, int]:
    """A leaf reader's (segment id, deleted documents); (None, 0) when it has no segment."""
    segment = reader.segment() if hasattr(reader, "segment") else None
    if segment is None:
        return None, 0
    return segment.segment_id(), segment.deleted_count()


def _compact(weights: list[float]) -> array:
    """The weights as 4-byte floats when that keeps every one exactly (term counts do)."""
    small = array("f", weights)
    return small if small.tolist() == weights else array("d", weights)


def _deleted_docs(reader) -> frozenset:
    if not reader.has_deletions():
        return frozenset()
    cached = getattr(reader, "deleted_docs_set", None)  # Whoosh 3 keeps it
    if cached is not None:
        return frozenset(cached)
    return frozenset(d for d in range(reader.doc_count_all()) if reader.is_deleted(d))


# -- positions ------------------------------------------------------------


def _in_sequence(position_lists: list[list[int]], slop: int) -> bool:
    """True when the words occur in order, each 1..slop positions after the last.

    This is Whoosh's `SpanNear2(ordered=True, mindist=1)` for one-position spans.
    A position follows when the first end at or after `p - slop` lies
    before it: a bisection into the sorted ends, not a scan of them all.
    """
    ends = set(position_lists[0])
    for positions in position_lists[1:]:
        if slop == 1:
            ends = {p for p in positions if p - 1 in ends}
        else:
            order = sorted(ends)
            ends = {p for p in positions
                    if (i := bisect_left(order, p - slop)) < len(order) and order[i] < p}
        if not ends:
            return False
    return True
