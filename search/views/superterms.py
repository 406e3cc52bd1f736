"""The longer-words view: a word found inside the index's longer words (`日本` in `日本語`).

Query side only: the index's own body vocabulary lists the words that
contain a word (`Superterms`, built once per index version), and each is
one term lookup. For a word in thousands of comments this stands in for
the n-gram phrase, which would cost more than the rest of the query.
"""

from __future__ import annotations

import math
import re

from whoosh import query as wq

from ..analysis.normalize import fold_katakana, normalize
from . import NO_VIEW, View
from .ngram import NGRAM_BOOST

NGRAM_GATE = 200  # words in at least this many comments skip the n-gram view for their superterms
# Longer words looked up for a common word, the most frequent first. The
# commonest two-character words are inside a few hundred (`日本`: 271 on a
# 165,000-comment archive); each is one term lookup.
MAX_SUPERTERMS = 512
# Longer words one query looks up in all: each is a posting list to read,
# and ten word fragments (`ート ーション ング …`) held two thousand.
MAX_QUERY_SUPERTERMS = 512
MEMO_WORDS = 20_000  # common words whose superterms and counts are remembered per version
# Words the n-gram view would cover whole, Latin aside: kanji and katakana.
_JAPANESE_WORD = re.compile(r"^[\u4e00-\u9fff\u3400-\u4dbf々\u30a1-\u30fa\u30fc]{2,}$")
# Latin words of the index (`node.js`, `c++` too), and a Latin word searched inside them.
_LATIN_WORD = re.compile(r"^[\x21-\x7e]+$")
_LATIN_RUN = re.compile(r"^[a-z0-9]{3,}$")  # `ml` inside `html`, `yaml`, `xml` is no match


class Superterms:
    """The index's words that hold a shorter word: a word found inside longer words.

    Built once per index version from the body vocabulary: each kanji,
    katakana or Latin word of three or more characters, filed under each
    of its bigrams, so the words holding `日本` are found among those
    holding its rarer bigram.

    A Latin word of two letters is not looked up: inside other words it
    is a fragment (`ml` in `html`, `yaml`), not the word.

    >>> words = Superterms(["日本", "日本語", "西日本", "本棚", "rust", "rustc", "trust", "html"])
    >>> words.containing("日本"), words.containing("rust"), words.containing("ml")
    (['日本語', '西日本'], ['rustc', 'trust'], [])
    """

    def __init__(self, terms, documents: int = 0):
        self.documents = documents
        self._weighed: dict[str, tuple] = {}  # word -> its superterms and their comment counts
        by_gram: dict[str, list[str]] = {}
        for term in terms:
            if len(term) >= 3 and (_JAPANESE_WORD.match(term) or _LATIN_WORD.match(term)):
                for gram in {term[i : i + 2] for i in range(len(term) - 1)}:
                    by_gram.setdefault(gram, []).append(term)
        self._by_gram = {gram: tuple(found) for gram, found in by_gram.items()}

    @classmethod
    def from_reader(cls, reader) -> Superterms:
        return cls((t.decode("utf-8") for t in reader.lexicon("body")), reader.doc_count_all())

    def idf(self, frequency: int) -> float:
        """Whoosh's idf of a term in `frequency` documents of this version."""
        return math.log(max(1, self.documents) / (frequency + 1)) + 1

    def weighed(self, word: str, frequency) -> tuple[tuple[str, int], ...]:
        """`containing(word)`, each with its count of comments, remembered per word.

        The counts are those of the version that first asked: they set
        boosts, and an incremental commit of a few posts barely moves them.
        """
        found = self._weighed.get(word)
        if found is None:
            found = tuple((t, frequency(t)) for t in self.containing(word))
            if len(self._weighed) >= MEMO_WORDS:
                self._weighed.clear()
            self._weighed[word] = found
        return found

    def containing(self, word: str) -> list[str]:
        """The words longer than `word` that hold it, in vocabulary order."""
        if not (_JAPANESE_WORD.match(word) or _LATIN_RUN.match(word)):
            return []
        grams = {word[i : i + 2] for i in range(len(word) - 1)}
        rarest = min(grams, key=lambda gram: len(self._by_gram.get(gram, ())))
        return [t for t in self._by_gram.get(rarest, ()) if word in t and t != word]


def superterm_query(text: str, superterms: Superterms, frequency, limit: int = MAX_SUPERTERMS) -> View:
    """The longer words of the index holding a word, ORed.

    Each longer word is weighed as the word itself would be, at NGRAM_BOOST:
    its boost cancels its own idf for the word's. A rare longer word would
    otherwise outscore the word it holds (`日本` in thousands of comments,
    `コマツ西日本` in one); a word the index does not hold (`api` inside
    `apis` only) is weighed as one in NGRAM_GATE comments.
    `frequency(term)` counts a term's comments; with more than `limit`
    longer words the most frequent are kept (`cut`).
    """
    word = fold_katakana(normalize(text)[0].lower())
    counts = dict(superterms.weighed(word, frequency)) if limit > 0 else {}
    if not counts:
        return NO_VIEW
    terms = list(counts)
    cut = len(terms) > limit
    if cut:
        terms = sorted(terms, key=lambda t: (-counts[t], t))[:limit]
    weight = NGRAM_BOOST * superterms.idf(frequency(word) or NGRAM_GATE)
    query = wq.Or([wq.Term("body", t, boost=weight / superterms.idf(counts[t])) for t in terms])
    return View(query, terms, cut)
