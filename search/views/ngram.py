"""The n-gram view: bigrams of the kanji and katakana runs janome splits, index side and query side.

A word janome splits (`京都` in `東京` `都`) is found across the boundary by
the phrase of its bigrams. Only runs janome splits are indexed: a run that
is one word, and every Latin run, is found whole by its word and inside
longer words by the index's own vocabulary (`views.superterms`).
"""

from __future__ import annotations

import re

from whoosh import query as wq

from ..analysis.normalize import fold_katakana, normalize
from ..analysis.tokenizer import ViewTokenizer, pickled_as
from ..analysis.words import analyze_text
from . import MAX_PHRASE_WORDS, NO_VIEW, View

NGRAM_BOOST = 0.3
# Longest word given an n-gram view. Its bigrams then make a phrase within
# MAX_PHRASE_WORDS, and long loanwords (データサイエンティスト, 11) keep the view.
MAX_NGRAM_CHARS = MAX_PHRASE_WORDS + 1
# Runs of kanji (with 々), katakana, or Latin letters and digits.
_NGRAM_RUN = re.compile(r"[\u4e00-\u9fff\u3400-\u4dbf々]+|[\u30a1-\u30fa\u30fc]+|[A-Za-z0-9]+")


def ngram_runs(norm: str) -> list[tuple[int, int, str]]:
    """(start, end, run) of the kanji, katakana and Latin runs, lowercased and folded.

    >>> ngram_runs("GPTのデーター分析")
    [(0, 3, 'gpt'), (4, 8, 'データ'), (8, 10, '分析')]
    """
    found = []
    for m in _NGRAM_RUN.finditer(norm):
        run = m.group().lower()
        found.append((m.start(), m.end(), fold_katakana(run)))
    return found


def ngrams(norm: str, words=None):
    """Yield (position, gram) bigrams over the kanji, katakana and Latin runs.

    Hiragana and symbols are left out: they are what particles and endings
    are made of, and bigrams of them would match almost everything.

    Given the text's `words` (the index side), only the runs a word search
    cannot answer keep their bigrams: those janome split into several
    words, where a query can cross a word boundary (`京都` in `東京` `都`).
    A run that is one word of the index (`データ`, `機械`), and every Latin
    run (each is a word or a part of one), is found whole by its word and
    inside it by the index's longer words (`views.superterms.Superterms`): the index
    keeps the bigrams of kanji and katakana runs janome splits only.

    >>> [gram for _, gram in ngrams("東京都のデータ")]
    ['東京', '京都', 'デー', 'ータ']
    >>> [gram for _, gram in ngrams("東京都のデータ", analyze_text("東京都のデータ")[2])]
    ['東京', '京都']
    """
    whole = None if words is None else _whole_words(words)
    for start, end, run in ngram_runs(norm):
        if whole is not None and (run[0].isascii() or whole.get(start) == (end, run)):
            continue
        for i in range(len(run) - 1):
            yield start + i, run[i : i + 2]


def _whole_words(words) -> dict[int, tuple[int, str]]:
    """start -> (end, term) of the words a search finds by their term."""
    return {start: (end, term) for start, end, term, stop, same, _ in words if not stop and not same}


def ngram_coverage(norm: str) -> int:
    """Return how many characters of `norm` fall in kanji, katakana or Latin runs."""
    return sum(m.end() - m.start() for m in _NGRAM_RUN.finditer(norm))


@pickled_as("search.analysis")
class NgramTokenizer(ViewTokenizer):
    """The recall view: character bigrams of the kanji and katakana runs janome splits."""

    def tokens(self, t, value, positions, chars, removestops, start_pos, start_char, mode):
        norm, _, words = analyze_text(value, mode)
        for pos, gram in ngrams(norm, words):
            t.text = gram
            if positions:
                t.pos = start_pos + pos
            yield t


def NgramAnalyzer():
    """Return the analyzer of the n-gram recall view."""
    return NgramTokenizer()


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
