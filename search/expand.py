"""Secondary query views: readings, character n-grams and longer words.

All are ORed next to the morphological query with a lower boost, so a
comment matched through its words outranks one matched only through its
reading, its n-grams or a longer word (`京都` ranks Kyoto before `東京都`).

A word inside a longer one is found two ways. Inside a longer word of the
index (`日本` in `日本語`, `api` in `apis`), by that word: the index's own
vocabulary lists the words that contain it (`Superterms`), each a term
lookup. Across a boundary janome drew (`京都` in `東京` `都`), by the
n-gram view, which indexes bigrams of those runs only. For a word in
thousands of comments the n-gram phrase over long posting lists would cost
more than the rest of the query, and the longer words alone stand in.
"""

from __future__ import annotations

import math
import re
from typing import NamedTuple

from whoosh import query as wq

from .analysis import fold_katakana, is_kana, ngram_coverage, ngram_runs, normalize, to_katakana

READING_BOOST = 0.6
NGRAM_BOOST = 0.3
NGRAM_GATE = 200  # words in at least this many comments skip the n-gram view for their superterms
MAX_READING_WORD = 12
# Splits of a kana query into readings that tie for the fewest words, all searched.
MAX_SPLITS = 4
# Words in one phrase over positions (body words, readings or n-grams):
# verifying a phrase decodes the positions of every one of its words in each
# candidate comment. The longest compounds janome splits run to about six
# words (自然言語処理技術研究開発); twelve already single out a quoted sentence.
MAX_PHRASE_WORDS = 12
# Longest word given an n-gram view. Its bigrams then make a phrase within
# MAX_PHRASE_WORDS, and long loanwords (データサイエンティスト, 11) keep the view.
MAX_NGRAM_CHARS = MAX_PHRASE_WORDS + 1
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


class View(NamedTuple):
    """A secondary view's query for one word, the terms it uses, and whether it was cut."""

    query: wq.Query | None
    terms: list[str]
    cut: bool = False


NO_VIEW = View(None, [])


def split_readings(kana: str, readings, limit: int = MAX_SPLITS) -> list[list[str]]:
    """Every split of a katakana string into the fewest words whose readings are known.

    `readings` is the set of reading terms in the index. Several splits can
    tie (`サイテキカ`: `サイテキ カ` and `サイ テキカ`); up to `limit` are
    returned, in a fixed order, and none when no split exists. Dynamic
    programming over the string keeps, for each prefix, its word count and
    the last words that reach it with that count, so the work is linear in
    the length and in `limit`.
    """
    n = len(kana)
    count: list[int | None] = [0] + [None] * n
    last: list[list[tuple[int, str]]] = [[] for _ in range(n + 1)]  # (start, word) ending there
    for end in range(1, n + 1):
        for start in range(max(0, end - MAX_READING_WORD), end):
            if count[start] is None:
                continue
            piece = kana[start:end]
            word = piece if piece in readings else fold_katakana(piece)
            if word not in readings:
                continue
            if count[end] is None or count[start] + 1 < count[end]:
                count[end], last[end] = count[start] + 1, [(start, word)]
            elif count[start] + 1 == count[end]:
                last[end].append((start, word))
    if count[n] is None:
        return []
    splits: list[list[str]] = []
    paths: list[tuple[int, list[str]]] = [(n, [])]  # (where a path stands, its words from the end)
    while paths and len(splits) < limit:
        end, tail = paths.pop()
        if end == 0:
            splits.append(tail[::-1])
            continue
        paths.extend((start, tail + [word]) for start, word in reversed(last[end]))
    return splits


def split_reading(kana: str, readings) -> list[str] | None:
    """The first of `split_readings`, or None when no split exists."""
    splits = split_readings(kana, readings, limit=1)
    return splits[0] if splits else None


def _reading_phrase(parts: list[str]) -> tuple[wq.Query, list[str], bool]:
    parts = [word for i, word in enumerate(parts) if not i or word != parts[i - 1]]
    cut = len(parts) > MAX_PHRASE_WORDS
    parts = parts[:MAX_PHRASE_WORDS]
    if len(parts) == 1:
        return wq.Term("body_reading", parts[0], boost=READING_BOOST), parts, cut
    return wq.Phrase("body_reading", parts, boost=READING_BOOST), parts, cut


def reading_query(text: str, readings) -> View:
    """Return the reading view of a kana-only word: a term or a phrase of its split.

    Splits that tie are ORed. A word repeated right after itself counts once
    (`きかいきかい`: `キカイ`), and a phrase keeps the first MAX_PHRASE_WORDS
    words of its split (`cut`). The view's terms are those of the first split.
    """
    norm, _ = normalize(text)
    if not is_kana(norm):
        return NO_VIEW
    phrases = [_reading_phrase(parts) for parts in split_readings(to_katakana(norm), readings)]
    if not phrases:
        return NO_VIEW
    query, terms, cut = phrases[0]
    if len(phrases) > 1:
        query = wq.Or([q for q, _, _ in phrases])
    return View(query, terms, cut)


def ngram_query(text: str) -> View:
    """The n-gram view of a word of one kanji or katakana run: the phrase of its bigrams.

    Words with hiragana or symbols are left to the morphological view: the
    n-gram view does not index them; nor does it index Latin, which is
    always a word or inside one (`Superterms`). A word of several runs is
    searched run by run (`query`). Neither are words longer than
    MAX_NGRAM_CHARS: the view is a safety net for a word janome does not
    know, and a longer run is several words the morphological view has.

    >>> ngram_query("京都").query, ngram_query("データ").query
    (Term('body_ngram', '京都', boost=0.3), Phrase('body_ngram', ['デー', 'ータ'], slop=1, boost=0.300000))
    >>> ngram_query("rust").query, ngram_query("データ分析").query
    (None, None)
    """
    runs = word_runs(text)
    if len(runs) != 1 or len(runs[0]) < 2 or runs[0].isascii():
        return NO_VIEW
    run = runs[0]
    grams = [run[i : i + 2] for i in range(len(run) - 1)]
    query = wq.Term("body_ngram", grams[0]) if len(grams) == 1 else wq.Phrase("body_ngram", grams)
    query.boost = NGRAM_BOOST
    return View(query, grams)


def word_runs(text: str) -> list[str]:
    """The kanji, katakana and Latin runs of a query word, when they are all of it (else none).

    >>> word_runs("データ分析"), word_runs("GPTモデル"), word_runs("分析する")
    (['データ', '分析'], ['gpt', 'モデル'], [])
    """
    norm, _ = normalize(text)
    if len(norm) > MAX_NGRAM_CHARS or ngram_coverage(norm) != len(norm):
        return []
    return [run for _, _, run in ngram_runs(norm)]


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
