"""The query compiler bounds the work of a query whatever its length."""

import pytest
from whoosh import query as wq

from search.analysis.tokenizer import analyze
from search.query.compile import MAX_CLAUSES, compile_query
from search.query.parse import parse
from search.query.phrases import MAX_CLAUSE_WORDS
from search.views import MAX_PHRASE_WORDS
from search.views.ngram import MAX_NGRAM_CHARS
from search.views.reading import split_reading

from .conftest import search

SUBJECTS = [
    "数学",
    "物理",
    "化学",
    "生物",
    "地学",
    "歴史",
    "地理",
    "音楽",
    "美術",
    "体育",
    "国語",
    "英語",
    "算数",
    "理科",
    "社会",
    "道徳",
    "技術",
    "家庭",
]
KANJI = "".join(chr(0x4E00 + (i * i * 7919) % 20000) for i in range(300))  # no period, no known words


def common(text, readings=frozenset()):
    """Compiled as for an index where every word of the text is frequent: no n-gram view.

    It holds the words as janome reads the query, and no other reading of them.
    """
    words = {term for term, *_ in analyze(text)}
    return compile_query(
        text, readings, frequency=lambda word, fieldname="body": 10**6 * (fieldname == "body" and word in words)
    )


def rare(text, readings=frozenset()):
    """Compiled as for an index lacking every word: all the views."""
    return compile_query(text, readings, frequency=lambda word, fieldname="body": 0)


def positions(query) -> int:
    """Leaves of the query tree, a phrase counting one per word."""
    return sum(len(getattr(leaf, "words", [leaf])) for leaf in query.leaves())


@pytest.mark.parametrize("text", ["機械 機械 機械", "機械" * 250, "機械\u3000機械機械 機械機械機械"])
def test_a_repeated_word_compiles_to_one_term(text):
    assert common(text).query == wq.Term("body", "機械")
    assert rare(text).query == rare("機械").query  # the views of the word alone
    assert rare(text).notes == []


def test_a_repeated_kana_word_reads_once():
    readings = {"キカイ"}
    assert rare("きかい" * 100, readings).query == wq.Term("body_reading", "キカイ", boost=0.6)


@pytest.mark.parametrize("text, word", [("1111", "1111"), ("www", "www"), ("機械学習" * 3, None)])
def test_only_what_the_analyzer_repeats_collapses(text, word):
    compiled = common(text)
    if word:  # one word to janome, not `1` or `w` repeated
        assert compiled.query == wq.Term("body", word)
    else:  # a compound repeated is the compound once
        assert compiled.query == wq.Term("body_compound", "機械 学習", boost=2.0)


@pytest.mark.parametrize(
    "text, once",
    [
        ("数学 機械 数学 機械", "数学 機械"),
        ("-物理 数学 -物理", "-物理 数学"),
        ("Rust OR Go Rust OR Go Go OR Rust", "Rust OR Go"),
        ('"線形 代数" "線形 代数"', '"線形 代数"'),
        ("title:京都 title:京都 tag:旅行 tag:旅行", "title:京都 tag:旅行"),
    ],
)
def test_identical_clauses_compile_once(text, once):
    compiled, expected = rare(text), rare(once)
    assert compiled.query == expected.query
    assert compiled.explain == expected.explain


def test_legitimate_phrases_stay_phrases():
    assert common("機械学習").query == wq.Term("body_compound", "機械 学習", boost=2.0)
    assert common('"機械 学習"').query == wq.Term("body_compound", "機械 学習", boost=2.0)
    assert common("機械機械学習").query == common("機械学習").query  # the repeat, not the run, goes


def test_a_query_keeps_its_first_clauses():
    compiled = common(" ".join(SUBJECTS))
    assert compiled.notes == [f"query cut to its first {MAX_CLAUSES} words; the rest was ignored"]
    assert compiled.query == wq.And([wq.Term("body", w) for w in SUBJECTS[:MAX_CLAUSES]])
    assert [c.text for c in compiled.explain] == SUBJECTS[:MAX_CLAUSES]


def test_the_limit_cuts_an_or_group_too():
    head = SUBJECTS[: MAX_CLAUSES - 1]
    compiled = common(" ".join(head) + " Rust OR Go")
    assert compiled.query == wq.And([wq.Term("body", w) for w in head + ["rust"]])
    assert compiled.notes


def test_repeats_do_not_use_up_the_limit():
    compiled = common(" ".join(SUBJECTS[:MAX_CLAUSES] * 20))
    assert compiled.notes == []
    assert len(compiled.explain) == MAX_CLAUSES


def test_a_long_run_is_cut_with_a_note():
    compiled = common("自然言語処理技術研究開発機械学習線形代数統計数学物理化学")  # 14 words
    words = ["自然", "言語", "処理", "技術", "研究", "開発", "機械", "学習", "線形", "代数", "統計", "数学"]
    assert compiled.query == wq.Phrase("body", words)
    assert compiled.notes == [
        "'自然言語処理技術研究開発機械学習線形代数…' cut to its first 12 words; the rest was ignored"
    ]


def test_a_long_quoted_phrase_is_cut_with_a_note():
    compiled = common('"' + " ".join("abcdefghijklmnop") + '"')
    assert compiled.query == wq.Phrase("body", list("abcdefghijkl"))
    assert compiled.notes == ["'a b c d e f g h i j …' cut to its first 12 words; the rest was ignored"]


def test_a_clause_keeps_its_first_words():
    compiled = common("の".join(SUBJECTS))  # 18 words apart: 18 runs of one
    assert compiled.query == wq.And([wq.Term("body", w) for w in SUBJECTS[:MAX_CLAUSE_WORDS]])
    assert compiled.notes == [
        "'数学の物理の化学の生物の地学の歴史の地理…' cut to its first 16 words; the rest was ignored"
    ]


def test_a_long_kana_run_gives_a_bounded_reading_phrase():
    readings = {"キカイ", "ガクシュウ", "スウガク"}
    compiled = rare("きかいがくしゅうすうがく" * 25, readings)
    assert compiled.query == wq.Phrase("body_reading", ["キカイ", "ガクシュウ", "スウガク"] * 4, boost=0.6)
    assert compiled.notes == [
        "'きかいがくしゅうすうがくきかいがくしゅう…' cut to its first 12 words; the rest was ignored"
    ]


def test_the_reading_split_stays_linear():
    assert split_reading("キカイ" * 500, {"キ", "カイ", "キカイ"}) == ["キカイ"] * 500


@pytest.mark.parametrize(
    "text",
    [
        KANJI,
        "データサイエンティストのインフラストラクチャ" * 10,
        "きかいがくしゅうすうがく" * 40,
        " ".join(KANJI[i : i + 2] for i in range(0, 300, 2)),
        " ".join(f'"{KANJI[i : i + 20]}"' for i in range(0, 300, 20)),
    ],
)
def test_long_inputs_give_bounded_query_trees(text):
    query = rare(text, {"キカイ", "ガクシュウ", "スウガク"}).query
    assert positions(query) <= MAX_CLAUSES * (MAX_CLAUSE_WORDS + 2 * MAX_PHRASE_WORDS)
    assert all(len(getattr(leaf, "words", ())) <= MAX_PHRASE_WORDS for leaf in query.leaves())


def test_no_ngram_view_for_a_long_word():
    def fields(text):
        return {leaf.field() for leaf in rare(text).query.leaves()}

    assert "body_ngram" in fields(KANJI[:MAX_NGRAM_CHARS])
    assert "body_ngram" not in fields(KANJI[: MAX_NGRAM_CHARS + 1])


def test_a_full_width_space_separates_words():
    assert len(parse("機械\u3000学習").groups) == 2
    assert rare("機械\u3000学習").query == rare("機械 学習").query != rare("機械学習").query


@pytest.mark.parametrize(
    "text, word",
    [
        ("寺" * 300, "寺"),
        (" ".join(["寺"] * 250), "寺"),  # 300 would pass the 500 characters a query may have
        ("\u3000".join(["京都"] * 160), "京都"),
    ],
)
def test_a_repeated_word_finds_what_the_word_finds(service, text, word):
    alone = search(service, word, per_page=100)
    repeated = search(service, text, per_page=100)
    assert alone.total and repeated.total == alone.total
    assert repeated.hits == alone.hits
    assert repeated.notes == alone.notes == ()
