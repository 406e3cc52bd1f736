"""'Did you mean': corrections built from the index's own vocabulary.

A `Suggester` is built once per index generation from the body field's terms
and their document frequencies, then shared by every request (it is never
modified after construction, so threads may use it without a lock):

    >>> s = Suggester({"pytorch": 12, "python": 40, "pandas": 7})
    >>> s.suggest("PyTroch", ["pytroch"])
    'pytorch'
    >>> s.correct("pytorch") is None  # frequent enough: nothing to fix
    True

Each request's work is bounded: a word is compared only with indexed words
sharing its first character whose length is within the allowed edits of its
own (one bucket per first character and length), rapidfuzz does the
comparing in C++, and long words and long queries get no suggestion.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping

from rapidfuzz import process
from rapidfuzz.distance import OSA

from ..analysis.normalize import normalize

SUGGEST_BELOW = 3  # offer a suggestion when fewer matches than this
MIN_WORD = 3  # shorter words have too many neighbours to guess from
SHORT_WORD = 5  # words shorter than this may be 1 edit off, longer ones 2
# Longer words are identifiers, hashes or URLs pasted whole, not typos of a
# known word; comparing them is where the old algorithm spent seconds.
MAX_WORD = 24
# A longer query is a pasted sentence: a guess at it would be noise, and
# skipping it bounds the work of one request.
MAX_QUERY_CHARS = 64
# Distinct words of at least MIN_WORD characters a query may have and still get
# a guess: more is a sentence, not a misspelt keyword, and each costs a lookup.
MAX_TERMS = 4
# The shortest and longest words a correction can be: a MIN_WORD word may be 1
# edit off, a MAX_WORD word 2; the vocabulary keeps only these lengths.
_MIN_CANDIDATE = MIN_WORD - 1
_MAX_CANDIDATE = MAX_WORD + 2


def max_edits(word: str) -> int:
    """Return how many edits a correction of `word` may be away from it."""
    return 1 if len(word) < SHORT_WORD else 2


class Suggester:
    """Corrects rare words to frequent indexed words, from a fixed vocabulary.

    `frequencies` maps each indexed body word to its document frequency.
    Distances are optimal string alignment (Levenshtein plus adjacent
    transpositions), the distance Whoosh's `terms_within` uses on a
    multi-segment reader.
    """

    __slots__ = ("_buckets", "_frequencies")

    def __init__(self, frequencies: Mapping[str, int]):
        kept = {word: freq for word, freq in frequencies.items() if _MIN_CANDIDATE <= len(word) <= _MAX_CANDIDATE}
        groups: defaultdict[tuple[str, int], list[str]] = defaultdict(list)
        for word in kept:
            groups[word[0], len(word)].append(word)
        self._buckets = {key: tuple(words) for key, words in groups.items()}
        self._frequencies = kept

    @classmethod
    def from_reader(cls, reader, fieldname: str = "body") -> Suggester:
        """Build a Suggester from the terms of `fieldname` in a Whoosh `reader`.

        Document frequencies are summed over the reader's segments, as
        `reader.doc_frequency` does (deleted documents still count).
        """
        frequencies: defaultdict[str, int] = defaultdict(int)
        for leaf, _ in reader.leaf_readers():
            for btext, info in leaf.iter_field(fieldname):
                frequencies[btext.decode("utf-8")] += info.doc_frequency()
        return cls(frequencies)

    def __len__(self) -> int:
        """Return how many words corrections are chosen from."""
        return len(self._frequencies)

    def correct(self, term: str) -> str | None:
        """Return the most frequent indexed word near `term`, if `term` is rare.

        Nearer words win over more frequent ones; equal distance and
        frequency go to the word first in lexicon order.
        """
        if not MIN_WORD <= len(term) <= MAX_WORD:
            return None
        if self._frequencies.get(term, 0) >= SUGGEST_BELOW:
            return None
        maxdist = max_edits(term)
        best = None
        for length in range(len(term) - maxdist, len(term) + maxdist + 1):
            words = self._buckets.get((term[0], length))
            if not words:
                continue
            for word, dist, _ in process.extract(term, words, scorer=OSA.distance, score_cutoff=maxdist, limit=None):
                key = (dist, -self._frequencies[word], word)
                if word != term and (best is None or key < best):
                    best = key
        return best[2] if best else None

    def suggest(self, query: str, terms: Iterable[str]) -> str | None:
        """Return `query` with its unknown or rare words corrected, or None.

        `query` is the reader's text; `terms` are its positive body terms as
        the analyzer produced them. The result is normalized and lowercased.
        Queries longer than MAX_QUERY_CHARS, or with more than MAX_TERMS
        distinct words of at least MIN_WORD characters, get None.
        """
        if len(query) > MAX_QUERY_CHARS:
            return None
        words = [t for t in dict.fromkeys(terms) if len(t) >= MIN_WORD]
        if len(words) > MAX_TERMS:
            return None
        text = normalize(query)[0].lower()
        changed = False
        for term in words:
            better = self.correct(term)
            if better and term in text:
                text = text.replace(term, better)
                changed = True
        return text if changed else None
