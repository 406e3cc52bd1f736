"""A term's postings across the leaves of one searcher, scored with Whoosh's BM25F.

`TermReader.entry` reads each leaf's postings a block at a time
(`postings.read_postings`) and scores them all in one list comprehension,
the same float operations in the same order as Whoosh's `bm25()`, into a
cached `Entry`. A leaf whose segment an earlier version of the index
already read is taken over from that version's entry and only rescored:
BM25's idf and average length move with every commit. `values` reads the
posting values (positions, characters) of a few documents from the blocks
that hold them.
"""

from __future__ import annotations

from array import array

from whoosh.util.numeric import byte_to_length

from .. import internals
from .columns import length_bytes
from .postcache import Entry, LeafOrigin, PostingCache
from .postings import (
    deleted_docs,
    leaf_matcher,
    leaf_segment,
    leaf_values,
    read_postings,
)


class TermReader:
    """Reads and scores terms for one searcher (one thread), through the version's `PostingCache`."""

    def __init__(self, searcher, cache: PostingCache):
        self.searcher = searcher
        self.weighting = searcher.weighting
        self.leaves = [(leaf.reader(), offset) for leaf, offset in searcher.leaf_searchers()]
        self.segments = [leaf_segment(reader) for reader, _ in self.leaves]
        self.cache = cache
        if cache.deleted is None:
            cache.deleted = [deleted_docs(reader) for reader, _ in self.leaves]
        self._deleted = cache.deleted
        self._postfiles: dict = {}

    def entry(self, fieldname: str, text: str, sink: dict | None = None) -> Entry:
        """The term's cached scores; a fresh read also fills `sink` with {docnum: value}.

        A leaf whose segment the predecessor version's entry covered is
        taken from it (its weights rescored here); only the others are read.
        Such a leaf brings no values, so `sink` then holds fewer postings
        than the entry, which tells the caller to read positions itself.
        """
        key = ("t", fieldname, text)
        found = self.cache.recall(key)
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
                leaf_ids, weights, leaf_blocks, values = read_postings(
                    reader, fieldname, btext, deleted, values=sink is not None
                )
                if sink is not None:
                    sink.update(zip([d + offset for d in leaf_ids], values))
            blocks.append(leaf_blocks)
            leaves.append(LeafOrigin(segment, offset, len(leaf_ids), deletions))
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
        entry = Entry(
            array("i", ids), scored, tuple(blocks), _compact(all_weights) if field.scorable else scored, tuple(leaves)
        )
        return self.cache.remember(key, entry)

    def values(self, fieldname: str, text: str, docnums) -> dict[int, bytes]:
        """Return the posting value (positions, characters) of a term in each of `docnums`."""
        field = self.searcher.schema[fieldname]
        btext = field.to_bytes(text)
        entry = self.entry(fieldname, text)
        wanted = [d for d in sorted(docnums) if d in entry]  # no block is read for a document without the term
        found: dict[int, bytes] = {}
        for leaf, ((reader, offset), deleted) in enumerate(zip(self.leaves, self._deleted)):
            local = [d - offset for d in wanted if offset <= d < offset + reader.doc_count_all()]
            local = [d for d in local if d not in deleted]
            if local:  # documents of the entry: the term is in this leaf
                blocks = entry.blocks[leaf] if entry.blocks else None
                decoded = self.cache.blocks.of_leaf(self._leaf_key(leaf))
                postfile = self._postfile(leaf, reader, fieldname, btext) if blocks is not None else None
                for d, v in leaf_values(reader, fieldname, btext, blocks, local, decoded, postfile):
                    found[d + offset] = v
        return found

    def positions(self, fieldname: str, text: str, docnums) -> dict[int, list[int]]:
        """Return the token positions of a term in each of `docnums` that holds it."""
        fmt, decode = self.searcher.schema[fieldname].format, internals.decode_positions
        return {d: decode(fmt, v) for d, v in self.values(fieldname, text, docnums).items()}

    def _postfile(self, leaf: int, reader, fieldname: str, btext: bytes):
        """The postings file of one leaf, as this thread's searcher opened it.

        Whoosh 3 keeps one postings file per segment, whatever the field: it
        is taken from the first matcher made on the leaf, and creating a
        matcher per lookup (a term-index read each) is saved.
        """
        found = self._postfiles.get(leaf)
        if found is None:
            found = self._postfiles[leaf] = internals.postings_file(leaf_matcher(reader, fieldname, btext))
        return found

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


def _bm25(idf, k1, norms, lengths: bytes, ids, weights) -> list[float]:
    """Whoosh's `bm25()` for every posting, the same float operations in the same order."""
    k1p = k1 + 1
    return [idf * ((w * k1p) / (w + norms[lengths[d]])) for d, w in zip(ids, weights)]


def _compact(weights: list[float]) -> array:
    """The weights as 4-byte floats when that keeps every one exactly (term counts do)."""
    small = array("f", weights)
    return small if small.tolist() == weights else array("d", weights)
