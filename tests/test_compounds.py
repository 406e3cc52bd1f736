"""The compound view answers exactly what a phrase over the words would."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from whoosh import query as wq

from search.analysis.tokenizer import analyze
from search.analysis.words import analyze_text
from search.index.indexer import update_index
from search.ingest import hugo
from search.query.compile import compile_query
from search.retrieve.service import SearchService
from search.views.compound import COMPOUND_MAX, compound_term, compound_terms, covers, joins
from tests.builders import copy_sample_site, post_text, write_post
from tests.conftest import search


def terms_of(text: str) -> list[str]:
    return list(compound_terms(analyze_text(text, "index")[2]))


def test_runs_of_nouns_are_joined():
    assert terms_of("大規模言語モデルの話") == [
        "大 規模",
        "大 規模 言語",
        "大 規模 言語 モデル",
        "規模 言語",
        "規模 言語 モデル",
        "言語 モデル",
    ]


def test_particles_and_verbs_break_runs():
    assert terms_of("機械の学習") == []
    assert terms_of("理解している") == []  # する holds hiragana: left to the phrase
    assert terms_of("線形代数を勉強した") == ["線形 代数"]


def test_runs_longer_than_the_maximum_are_cut():
    terms = terms_of("自然言語処理技術研究開発")
    assert terms and max(len(t.split()) for t in terms) == COMPOUND_MAX


def test_identifier_parts_join_like_the_phrase_would_match_them():
    assert set(terms_of("GPT-4o対応")) == {"gpt-4o 対応", "gpt 対応", "4o 対応"}


def test_full_width_input_joins_normalized_words():
    assert terms_of("ＬＬＭ推論") == terms_of("LLM推論") == ["llm 推論"]


def test_the_compiler_uses_the_view_only_where_it_is_exact():
    def compiled(text):  # the text's words frequent enough to leave the n-gram view out
        words = {term for term, *_ in analyze(text)}
        return compile_query(text, frequency=lambda word, fieldname="body": 10**6 * (word in words)).query

    assert compiled("線形代数") == wq.Term("body_compound", "線形 代数", boost=2.0)
    assert compiled('"勾配降下法"') == wq.Term("body_compound", "勾配 降下", boost=2.0)
    assert isinstance(compiled("理解している"), wq.Phrase)
    assert isinstance(compiled("自然言語処理技術研究開発"), wq.Phrase)
    assert isinstance(compiled("title:線形代数"), wq.Phrase)


def phrase_docs(searcher, words) -> set[int]:
    return set(searcher.docs_for_query(wq.Phrase("body", list(words))))


def compound_docs(searcher, words) -> set[int]:
    return set(searcher.docs_for_query(wq.Term("body_compound", compound_term(words))))


def test_every_indexed_compound_matches_its_phrase(searcher):
    """On a real two-segment index with deletions, for the compounds of 200 comments."""
    runs = set()
    for docnum in range(0, searcher.doc_count_all(), 7):
        if searcher.reader().is_deleted(docnum):
            continue
        body = searcher.stored_fields(docnum).get("body")
        if body:
            runs.update(tuple(t.split()) for t in terms_of(body))
        if len(runs) > 200:
            break
    assert len(runs) > 100
    for words in sorted(runs):
        assert compound_docs(searcher, words) == phrase_docs(searcher, words), words


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_random_runs_of_frequent_words_match_their_phrase(searcher, data):
    lexicon = [t.decode() for t, _ in zip(searcher.reader().lexicon("body"), range(5000))]
    frequent = sorted((w for w in lexicon if covers([w, w])), key=lambda w: -searcher.doc_frequency("body", w))[:40]
    words = data.draw(st.lists(st.sampled_from(frequent), min_size=2, max_size=COMPOUND_MAX))
    assert compound_docs(searcher, words) == phrase_docs(searcher, words)


def test_joins_find_the_other_readings_the_index_holds():
    held = {
        ("body", "キリスト"): 5,
        ("body", "教徒"): 4,
        ("body_compound", "キリスト 教徒"): 2,
        ("body", "オープンソース"): 3,
    }

    def count(term, fieldname="body"):
        return held.get((fieldname, term), 0)

    assert joins("キリスト教徒", ["キリスト教徒"], count) == [["キリスト", "教徒"]]
    assert joins("オープンソース", ["オープン", "ソース"], count) == [["オープンソース"]]
    assert joins("ＯＰＥＮソース", ["open", "ソース"], count) == []  # Latin is split by spaces, not janome
    assert joins("オープンソースの", ["オープン", "ソース"], count) == []  # not one word
    assert joins("オープンソース", ["オープン"], count) == [["オープンソース"]]  # a part read as a suffix
    assert joins("日本語", ["日本語"], count) == []  # the index holds no other reading


def test_a_word_janome_splits_in_context_ranks_as_a_word(tmp_path):
    # Alone, janome reads キリスト教徒 as one word; after `ことがある。` it reads
    # キリスト + 教徒. The comment holds the very word: it must rank with the
    # comment that holds it as one word, far above a match of characters only.
    site = copy_sample_site(tmp_path / "site")
    write_post(
        site,
        "2025_03_21_join",
        post_text(
            "join",
            quotes=[
                ("なだれこんだことがある。キリスト教徒は教員じゃない。", "split"),
                ("格別キリスト教徒とイスラエルの話。", "whole"),
            ],
        ),
    )
    update_index(hugo.load_site(site), tmp_path / "index")
    service = SearchService(tmp_path / "index")
    try:
        assert [t for t, *_ in analyze("なだれこんだことがある。キリスト教徒は", mode="index")][-2:] == [
            "キリスト",
            "教徒",
        ]
        page = search(service, "キリスト教徒", explain=True)
        scores = {h.user: h.score for h in page.hits}
        assert set(scores) == {"split", "whole"}
        assert page.explain.clauses[0].joins == [["キリスト", "教徒"]]
        assert scores["split"] > 0.9 * scores["whole"]  # an n-gram match alone: about half
    finally:
        service.close()
