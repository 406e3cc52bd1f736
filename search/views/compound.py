"""The compound view: runs of adjacent words indexed as one term.

janome splits a compound (`機械学習` -> `機械` `学習`), so the query for it is
a phrase, and a phrase is verified by decoding the positions of every
comment holding all its words: on a large archive, tens of thousands of
comments for `線形代数`. This view indexes, next to the words, every run of
2 to `COMPOUND_MAX` adjacent joinable words as one term (`機械 学習`), so
the query becomes a single posting-list read.

The view answers exactly what the phrase would. A query run is looked up
here only when every word is joinable and the run is short enough, and
then `compound_term(run)` is in a comment's postings exactly when the
words stand at consecutive positions there, as the phrase requires.
Joinable words hold no hiragana: kanji, katakana and Latin nouns, the
words compounds are made of. Verbs and adjectives (`する`, `良い`), whose
runs would double the index, stay with the phrase.
"""

from __future__ import annotations

import re
from itertools import product

from whoosh import query as wq

from ..analysis.normalize import fold_katakana, normalize
from ..analysis.tokenizer import ViewTokenizer, pickled_as
from ..analysis.words import analyze_text

COMPOUND_MAX = 4  # words in the longest run indexed as one term
MAX_JOIN_CHARS = 16  # longest query word whose other readings are looked up
SEPARATOR = " "  # never inside a word: the analyzer splits on spaces
_HIRAGANA = re.compile(r"[\u3041-\u309f]")
_LATIN = re.compile(r"[a-z0-9]")


def joinable(word: str) -> bool:
    """True when `word` may be part of an indexed compound.

    >>> joinable("機械"), joinable("コンテナ"), joinable("gpt"), joinable("する")
    (True, True, True, False)
    """
    return not _HIRAGANA.search(word) and SEPARATOR not in word


def compound_term(words) -> str:
    """The compound view's term for a run of adjacent words.

    >>> compound_term(["線形", "代数"])
    '線形 代数'
    """
    return SEPARATOR.join(words)


def compound_query(words, boost: float = 1.0) -> wq.Query:
    """The query side: a run of joinable words as its one compound term, weighing as many words as it joins."""
    return wq.Term("body_compound", compound_term(words), boost=boost * len(words))


def covers(words) -> bool:
    """True when the compound view holds the run `words` as one term.

    >>> covers(["機械", "学習"]), covers(["機械"]), covers(["理解", "する"]), covers(["a", "b", "c", "d", "e"])
    (True, False, False, False)
    """
    return 2 <= len(words) <= COMPOUND_MAX and all(map(joinable, words))


def joins(text: str, terms: list[str], frequency) -> list[list[str]]:
    """Other readings of a query word that the index holds, as runs of its terms.

    janome can read a word differently alone than inside a sentence. When
    the query's analysis split `text` (`terms`) or read it as other words,
    the index may hold it as one word; when the analysis kept it whole, the
    index may hold it as two adjacent words (the compound view). `frequency(term, fieldname)` counts
    the comments holding a term; only readings the index holds are returned.

    >>> held = {("body", "オープンソース"): 3, ("body", "日本"): 9, ("body", "語"): 2,
    ...         ("body_compound", "日本 語"): 1}
    >>> count = lambda term, fieldname="body": held.get((fieldname, term), 0)
    >>> joins("オープンソース", ["オープン", "ソース"], count)
    [['オープンソース']]
    >>> joins("日本語", ["日本語"], count)
    [['日本', '語']]
    """
    word = fold_katakana(normalize(text)[0].lower())
    if not 2 <= len(word) <= MAX_JOIN_CHARS or not joinable(word):
        return []
    if _LATIN.search(word):  # Latin words are split by the writer's spaces, not by janome
        return []
    if terms != [word]:  # split, or read as other words (`十分`: `十` and the suffix `分`)
        return [[word]] if frequency(word, "body") else []
    # A compound term is made of indexed words: its count alone says both are words.
    pairs = ([fold_katakana(word[:cut]), word[cut:]] for cut in range(1, len(word)))
    return [pair for pair in pairs if frequency(compound_term(pair), "body_compound")]


def _slots(words) -> list[tuple[int, list[str]]]:
    """(position, joinable terms there) for each position with a kept word.

    A position can hold several terms: an identifier such as `gpt-4o` and
    its parts `gpt` and `4o`, any of which a phrase may match.
    """
    slots: list[tuple[int, list[str]]] = []
    pos = -1
    for _, _, term, stop, same, _ in words:
        if not same:
            pos += 1
        if stop or not joinable(term):
            continue
        if slots and slots[-1][0] == pos:
            slots[-1][1].append(term)
        else:
            slots.append((pos, [term]))
    return slots


def compound_terms(words):
    """Yield the compound term of every run of 2..COMPOUND_MAX adjacent joinable words.

    `words` are `analysis.iter_words` tuples; one term per run and choice
    of word at each position. A stop word keeps its position, so the words
    on either side are not adjacent.

    >>> from search.analysis.words import Word
    >>> words = [Word(0, 2, "線形", False, False, "センケイ"), Word(2, 4, "代数", False, False, "ダイスウ"),
    ...          Word(4, 6, "入門", False, False, "ニュウモン"), Word(6, 7, "の", True, False, ""),
    ...          Word(7, 8, "本", False, False, "ホン")]
    >>> list(compound_terms(words))
    ['線形 代数', '線形 代数 入門', '代数 入門']
    """
    slots = _slots(words)
    for i, (first, _) in enumerate(slots):
        end = i + 1
        while end < len(slots) and end - i < COMPOUND_MAX and slots[end][0] == first + end - i:
            end += 1
            for run in product(*(terms for _, terms in slots[i:end])):
                yield compound_term(run)


@pickled_as("search.compounds")
class CompoundTokenizer(ViewTokenizer):
    """The compound view: joined runs of adjacent words, no positions needed."""

    def tokens(self, t, value, positions, chars, removestops, start_pos, start_char, mode):
        _, _, words = analyze_text(value, mode)
        for pos, term in enumerate(compound_terms(words)):
            t.text = term
            if positions:
                t.pos = start_pos + pos
            yield t


def CompoundAnalyzer():
    """Return the analyzer of the compound view (index side)."""
    return CompoundTokenizer()
