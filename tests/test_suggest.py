"""'Did you mean': the Suggester on literal vocabularies and on a real index."""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor

import pytest
from whoosh.support.levenshtein import distance

from search.index import store
from search.retrieve.suggest import MAX_QUERY_CHARS, MAX_TERMS, MAX_WORD, MIN_WORD, SUGGEST_BELOW, Suggester


@pytest.mark.parametrize(
    "vocabulary, typo, fixed",
    [
        ({"pytorch": 5, "python": 40}, "pytroch", "pytorch"),  # one transposition
        ({"トランスフォーマー": 3}, "トランスフォマー", "トランスフォーマー"),  # one letter missing
        ({"bark": 3, "bars": 9}, "bart", "bars"),  # the more frequent of two neighbours
        ({"pytorch": 3, "pytorchs": 50}, "pytroch", "pytorch"),  # nearer beats more frequent
        ({"bars": 4, "bark": 4}, "bart", "bark"),  # equal distance and frequency: lexicon order
        ({"embedding": 5}, "embeding", "embedding"),
        ({"transformer": 5}, "transfromre", "transformer"),  # two edits for long words
    ],
)
def test_correct(vocabulary, typo, fixed):
    assert Suggester(vocabulary).correct(typo) == fixed


@pytest.mark.parametrize(
    "vocabulary, term",
    [
        ({"pytorch": 50}, "pytorch"),  # frequent enough
        ({"python": 100, "pythons": SUGGEST_BELOW}, "pythons"),  # frequent enough, though a neighbour is more
        ({"pytorch": 1}, "pytorch"),  # rare, but its only neighbour is itself
        ({"bytorch": 50}, "pytorch"),  # neighbours differing in the first letter do not count
        ({"bark": 50}, "bxrx"),  # two edits are too many for a short word
        ({"ab": 50}, "ac"),  # shorter than MIN_WORD
        ({"a" * 29 + "b": 50}, "a" * 30),  # longer than MAX_WORD
        ({}, "pytroch"),
    ],
)
def test_no_correction(vocabulary, term):
    assert Suggester(vocabulary).correct(term) is None


def test_suggest_normalizes_the_query_and_fixes_each_word():
    suggester = Suggester({"pytorch": 9, "embedding": 9, "の": 100})
    assert suggester.suggest("ＰｙＴｒｏｃｈ の embeding", ["pytroch", "の", "embeding"]) == "pytorch の embedding"
    assert suggester.suggest("pytorch", ["pytorch"]) is None


def test_no_suggestion_for_long_queries():
    suggester = Suggester({"pytorch": 9, "python": 9})
    assert suggester.suggest("pytroch " + "x" * MAX_QUERY_CHARS, ["pytroch"]) is None
    words = ["pytroch", "pyhton", "abcd", "efgh", "ijkl"]
    assert suggester.suggest(" ".join(words[:MAX_TERMS]), words[:MAX_TERMS]) == "pytorch python abcd efgh"
    assert suggester.suggest(" ".join(words[: MAX_TERMS + 1]), words[: MAX_TERMS + 1]) is None
    # Words too short to correct do not count towards MAX_TERMS.
    short = ["pytroch", "a", "b", "c", "d", "e"]
    assert suggester.suggest(" ".join(short), short) == "pytorch a b c d e"


def old_best_correction(reader, term: str) -> str | None:
    """The terms_within-based algorithm the Suggester replaced, for comparison."""
    if len(term) < MIN_WORD or reader.doc_frequency("body", term) >= SUGGEST_BELOW:
        return None
    maxdist = 1 if len(term) < 5 else 2
    best = None
    for word in reader.terms_within("body", term, maxdist, prefix=1):
        if word == term:
            continue
        key = (distance(word, term), -reader.doc_frequency("body", word))
        if best is None or key < best[0]:
            best = (key, word)
    return best[1] if best else None


def misspell(word: str, rng: random.Random) -> list[str]:
    """Return `word` unchanged and with typos: swapped, dropped, changed, added letters."""
    i = rng.randrange(1, len(word))
    letter = rng.choice("aeoxーン学")
    typos = [
        word,
        word[:i] + letter + word[i + 1 :],
        word[:i] + word[i + 1 :],
        word[:i] + letter + word[i:],
    ]
    if i + 1 < len(word):
        typos.append(word[:i] + word[i + 1] + word[i] + word[i + 2 :])
    if len(word) >= 5:
        typos.append(word[:1] + word[2:-1] + letter)
    return typos


@pytest.fixture(scope="module")
def reader(generated_index):
    ix, _ = store.open_current(generated_index)
    with ix.searcher() as searcher:
        reader = searcher.reader()
        assert len(reader.leaf_readers()) > 1 and reader.has_deletions()
        yield reader


def test_matches_the_old_algorithm_on_a_multi_segment_index(reader):
    suggester = Suggester.from_reader(reader)
    rng = random.Random(3)
    vocabulary = sorted(w.decode("utf-8") for w in reader.lexicon("body"))
    words = [w for w in vocabulary if MIN_WORD <= len(w) <= MAX_WORD]
    typos = sorted({t for w in words[::2] for t in misspell(w, rng)})
    got = {t: suggester.correct(t) for t in typos}
    assert got == {t: old_best_correction(reader, t) for t in typos}
    assert sum(v is not None for v in got.values()) > 100  # the comparison is not vacuous


def test_shared_between_threads(reader):
    suggester = Suggester.from_reader(reader)
    rng = random.Random(5)
    words = [w.decode("utf-8") for w in reader.lexicon("body")]
    typos = [t for w in words if MIN_WORD <= len(w) <= MAX_WORD for t in misspell(w, rng)]
    alone = [suggester.correct(t) for t in typos]
    with ThreadPoolExecutor(4) as pool:
        assert list(pool.map(suggester.correct, typos)) == alone
