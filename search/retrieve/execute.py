"""Match and score a compiled query over whole posting lists at once.

Whoosh matches and scores one posting at a time through a tree of Python
matcher objects, about 10 µs per matching comment: a word found in 40,000
comments costs 400 ms before anything is ranked. `Executor` evaluates the
same query tree (`Term`, `Phrase`, `And`, `Or`, `AndNot`) differently:

- each term's postings are read a block at a time (one unpickle per 128
  postings) and scored with Whoosh's own BM25F formula in one list
  comprehension, into a {docnum: score} dict (`terms`, `postings`);
- `And`/`Or`/`AndNot` become dict and set operations (`merging`), and a
  phrase a check of its candidates' positions (`phrase`);
- term and phrase results are kept in an LRU bounded by postings (three
  compact arrays, 16 bytes a posting) that the threads serving one index
  version share (`postcache.PostingCache`), so a common word is read once
  per index version, not once per request or per thread; each term also
  keeps where its blocks start, so the positions of a few documents
  (proximity, highlights) cost a few block reads, not a walk over every
  block header;
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

from whoosh import query as wq
from whoosh import scoring

from .merging import Scaled, boosted, intersect, is_term_set, or_leaves, union
from .phrase import phrase_scores
from .postcache import BLOCK_CACHE, CACHE_POSTINGS, Entry, PostingCache
from .terms import TermReader


class Unsupported(Exception):
    """A query or weighting the executor does not evaluate; use Whoosh's matchers."""


class Executor:
    """Evaluates queries against one searcher, sharing a `PostingCache` with other threads.

    A Whoosh searcher reads its files with seek and read, so it belongs to
    one thread; the cache it fills belongs to the index version, so every
    thread's executor over the same version passes `cache` along.
    """

    def __init__(
        self, searcher, cache: PostingCache | None = None, budget: int = CACHE_POSTINGS, blocks: int = BLOCK_CACHE
    ):
        self.searcher = searcher
        self.weighting = searcher.weighting
        self.cache = cache if cache is not None else PostingCache(budget, blocks)
        self.budget = self.cache.budget
        self.terms = TermReader(searcher, self.cache)

    # -- public -----------------------------------------------------------

    def scores(self, query) -> dict[int, float]:
        """Return {docnum: score} for every document matching `query`."""
        if type(self.weighting) is not scoring.BM25F:
            raise Unsupported(f"weighting {type(self.weighting).__name__}")
        return self._eval(query)

    def warm(self, fieldname: str, text: str) -> int:
        """Read a term's postings into the cache now; return how many comments hold it."""
        return len(self.terms.entry(fieldname, text))

    def doc_ids(self, query) -> list[int]:
        """Return the matching docnums, unranked."""
        return list(self._eval(query))

    def values(self, fieldname: str, text: str, docnums) -> dict[int, bytes]:
        """Return the posting value (positions, characters) of a term in each of `docnums`."""
        return self.terms.values(fieldname, text, docnums)

    def positions(self, fieldname: str, text: str, docnums) -> dict[int, list[int]]:
        """Return the token positions of a term in each of `docnums` that holds it."""
        return self.terms.positions(fieldname, text, docnums)

    def char_spans(self, fieldname: str, text: str, docnum: int) -> list[tuple[int, int]]:
        """Return the (start, end) characters of a term in one document."""
        fmt = self.searcher.schema[fieldname].format
        value = self.terms.values(fieldname, text, [docnum]).get(docnum)
        if value is None or not fmt.supports("characters"):
            return []
        return [(start, end) for _, start, end in fmt.decode_characters(value)]

    # -- tree -------------------------------------------------------------

    def _eval(self, q) -> dict[int, float]:
        kind = type(q)
        if kind is wq.Term:
            return self.terms.entry(q.fieldname, q.text).as_dict(q.boost)
        if kind is wq.Phrase:
            return boosted(self._phrase(q), q.boost)
        if kind in (wq.And, wq.Or):
            subs = q.subqueries
            if not subs:
                return {}
            if len(subs) == 1:  # Whoosh ignores a one-child compound's boost
                return self._eval(subs[0])
            if kind is wq.Or and is_term_set(q):
                return self._term_set(q).as_dict(q.boost)
            if kind is wq.And:
                return boosted(intersect([self._part(s) for s in subs]), q.boost)
            return boosted(union([self._part(s, scaled=True) for s in or_leaves(subs)]), q.boost)
        if kind is wq.AndNot:
            positive = self._eval(q.a)
            if not positive:
                return positive
            excluded = self._eval(q.b).keys()
            return {d: s for d, s in positive.items() if d not in excluded}
        raise Unsupported(kind.__name__)

    def _term_set(self, q: wq.Or) -> Entry:
        """The union of an Or of many words of one field, evaluated once per version.

        A common word's superterms are hundreds of words whose union every
        query holding the word would otherwise rebuild.
        """
        key = ("o",) + tuple((s.fieldname, s.text, s.boost) for s in q.subqueries)
        found = self.cache.recall(key)
        if found is None:
            merged = union([self._part(s, scaled=True) for s in q.subqueries])
            ids = sorted(merged)
            found = self.cache.remember(key, Entry.of(ids, [merged[d] for d in ids]))
        return found

    def _part(self, q, scaled: bool = False):
        """A plain word as its cached entry (no dict of all its postings); anything else evaluated.

        With `scaled`, for a union, a boosted word is its entry and boost
        (`Scaled`), still no dict: an Or of hundreds of words (a common
        word's superterms) would otherwise build one per word.
        """
        if type(q) is wq.Term:
            if q.boost == 1.0:
                return self.terms.entry(q.fieldname, q.text)
            if scaled:
                return Scaled(self.terms.entry(q.fieldname, q.text), q.boost)
        if type(q) is wq.Or and is_term_set(q):
            entry = self._term_set(q)
            return entry if q.boost == 1.0 else Scaled(entry, q.boost)
        return self._eval(q)

    def _phrase(self, q: wq.Phrase) -> dict[int, float]:
        key = ("p", q.fieldname, tuple(q.words), q.slop)
        found = self.cache.recall(key)
        if found is not None:
            return found.as_dict()
        words = list(q.words)
        if len(words) == 1:
            return self.terms.entry(q.fieldname, words[0]).as_dict()
        if not self.searcher.schema[q.fieldname].format.supports("positions"):
            raise Unsupported(f"phrase on {q.fieldname} without positions")
        scores = phrase_scores(self.terms, q.fieldname, words, q.slop)
        self.cache.remember(key, Entry.of(scores.keys(), scores.values()))
        return scores
