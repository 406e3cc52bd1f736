"""Search quality behaviours, each pinned by a small literal example."""

import pytest

from search.errors import SynonymsError
from search.index.indexer import update_index
from search.ingest import hugo
from search.query.compile import compile_query
from search.query.compiled import VIEWS
from search.query.synonyms import load_synonyms
from search.retrieve.service import SearchService
from search.retrieve.validation import MAX_PER_PAGE
from search.views.reading import split_reading, split_readings
from search.views.superterms import MAX_QUERY_SUPERTERMS, MAX_SUPERTERMS, NGRAM_GATE, Superterms, superterm_query
from tests.builders import copy_sample_site, post_text, write_post
from tests.conftest import search, users


def test_reading_finds_kanji(service):
    page = search(service, "きかいがくしゅう", per_page=100)
    assert page.total >= 5
    assert all("機械学習" in h.body for h in page.hits)


def test_reading_ranks_below_surface_match(service):
    # `すうがく` is the reading of 数学; the literal kana never occurs, so
    # every hit comes through the reading view, with lower scores than the
    # same comments found by `数学` itself.
    by_reading = search(service, "すうがく", per_page=5)
    by_surface = search(service, "数学", per_page=5)
    assert by_reading.total == by_surface.total
    assert by_reading.hits[0].score < by_surface.hits[0].score


def test_katakana_query_folds_to_reading(service):
    assert "kyotofan" in users(search(service, "キョウト"))


@pytest.mark.parametrize("query", ["コンピューター", "コンピュータ", "ｺﾝﾋﾟｭｰﾀｰ", "こんぴゅーたー"])
def test_spelling_variants(service, query):
    assert "longvowel" in users(search(service, query))


def test_synonyms_expand_at_query_time(service):
    assert "synuser" in users(search(service, "LLM", per_page=100))
    assert "synuser" in users(search(service, "大規模言語モデル"))


def test_custom_synonym_file_needs_no_reindex(index_dir, tmp_path):
    path = tmp_path / "syn.toml"
    path.write_text('groups = [["寺院", "寺"]]\n', "utf-8")
    plain = SearchService(index_dir)
    assert search(plain, "寺院").total == 0
    plain.close()
    custom = SearchService(index_dir, synonyms=path)
    try:
        assert users(search(custom, "寺院")) == ["kyotofan"]
    finally:
        custom.close()


def test_bad_synonym_file_names_the_file(tmp_path):
    path = tmp_path / "syn.toml"
    path.write_text("groups = 3\n", "utf-8")
    with pytest.raises(SynonymsError, match="syn.toml"):
        load_synonyms(path)


def test_ngram_view_finds_part_of_a_compound(service):
    # IPADIC keeps 関西国際空港 as one word; the n-gram view finds 空港 inside it.
    page = search(service, "空港")
    assert users(page) == ["airport"]
    assert "<mark>空港</mark>" in page.hits[0].snippet


def test_identifier_c_does_not_flood_with_cpp(service):
    found = users(search(service, "C", per_page=100))
    assert found[0] == "cwriter" and "coder" not in found


@pytest.mark.parametrize("typo, fixed", [("pytroch", "pytorch"), ("トランスフォマー", "トランスフォーマー")])
def test_did_you_mean(service, typo, fixed):
    page = search(service, typo)
    assert page.suggestion == fixed
    assert search(service, page.suggestion).total >= 1


def test_no_suggestion_when_results_are_plenty(service):
    assert search(service, "数学").suggestion is None


def test_explain_shows_tokens_readings_and_synonyms(service):
    page = search(service, "LLM きかいがくしゅう", explain=True)
    llm, reading = page.explain.clauses
    assert llm.tokens == ["llm"] and ["大", "規模", "言語", "モデル"] in llm.synonyms
    assert reading.readings == ["キカイ", "ガクシュウ"]


def test_closer_words_rank_higher(service):
    hits = search(service, "数学 alert", per_page=10).hits
    assert hits and hits[0].user == "hostile"


def test_split_reading_prefers_fewest_words():
    readings = {"キ", "カイ", "キカイ", "ガクシュウ", "ガク", "シュウ"}
    assert split_reading("キカイガクシュウ", readings) == ["キカイ", "ガクシュウ"]
    assert split_reading("ゾウ", readings) is None


def test_split_readings_keeps_every_split_that_ties():
    # `さいてきか` is 最適 化; a vocabulary that also reads `サイ` and `テキカ`
    # makes a second two-word split, and the first found is the wrong one.
    readings = {"サイ", "テキカ", "サイテキ", "カ"}
    assert sorted(split_readings("サイテキカ", readings)) == [["サイ", "テキカ"], ["サイテキ", "カ"]]
    assert len(split_readings("カカカ", {"カ", "カカ"})) == 2
    assert len(split_readings("カカカ", {"カ", "カカ"}, limit=1)) == 1
    assert split_readings("ゾウ", readings) == []


def test_tied_reading_splits_are_all_searched():
    compiled = compile_query("さいてきか", readings={"サイ", "テキカ", "サイテキ", "カ"})
    assert 'body_reading:"サイテキ カ"' in str(compiled.query)
    assert 'body_reading:"サイ テキカ"' in str(compiled.query)


def test_compile_kana_query_uses_reading_view():
    compiled = compile_query("きかいがくしゅう", readings={"キカイ", "ガクシュウ"})
    assert str(compiled.query) == 'body_reading:"キカイ ガクシュウ"'
    assert compiled.query.boost == 0.6


def test_kana_that_parses_as_common_words_is_not_looked_up_as_readings():
    readings = {"シ", "テ", "イル", "スゴイ"}

    def fields(text, frequency):
        return {t.fieldname for t in compile_query(text, readings, frequency=frequency).query.leaves()}

    assert fields("している", lambda word, fieldname="body": 10**5) == {"body"}  # する, the common verb
    assert "body_reading" in fields("している", lambda word, fieldname="body": 0)  # words the index lacks
    assert "body_reading" in fields("すごい", lambda word, fieldname="body": 10**5)  # one reading: 凄い too


def test_a_common_word_is_found_inside_longer_words_ranked_after_the_word(tmp_path):
    # `日本` in more comments than the n-gram view serves: the longer words
    # of the vocabulary that hold it (`日本語`, `西日本`) stand in for it.
    site = copy_sample_site(tmp_path / "site")
    plain = [(f"日本の話をしよう。その{i}", f"plain{i % 7}") for i in range(NGRAM_GATE + 5)]
    longer = [("日本語の文法は難しい。", "longer"), ("西日本で雨が降った。", "west")]
    write_post(site, "2025_03_21_common", post_text("common", quotes=plain + longer))
    update_index(hugo.load_site(site), tmp_path / "index")
    service = SearchService(tmp_path / "index")
    try:
        page = search(service, "日本", per_page=MAX_PER_PAGE, explain=True)
        assert page.total == len(plain) + len(longer)
        last = search(service, "日本", per_page=MAX_PER_PAGE, page=-(-page.total // MAX_PER_PAGE))
        assert {h.user for h in last.hits[-2:]} == {"longer", "west"}  # after every comment with the word
        assert page.explain.clauses[0].superterms == ["日本語", "西日本"]
        assert page.explain.clauses[0].ngrams is None
        assert "<mark>日本</mark>語" in search(service, "日本", users=("longer",)).hits[0].snippet
    finally:
        service.close()


@pytest.fixture(scope="module")
def inside_words(tmp_path_factory):
    """A service over comments whose words sit inside longer words or across janome's boundaries."""
    root = tmp_path_factory.mktemp("inside")
    site = root / "site"  # these comments alone: the sample posts say API too
    quotes = [
        ("このAPIは速い。", "exact"),
        ("新しいAPIsを三つ試した。", "plural"),
        ("ChatGPTに聞いてみた。", "compound_latin"),
        ("京都の寺を見た。", "kyoto"),
        ("東京都の人口は多い。", "tokyo"),
        ("関西国際空港から出発した。", "airport"),
        ("ネットワークセキュリティの本を読んだ。", "katakana"),
        ("メタデータ分析をした。", "metadata"),  # janome: `メタデータ` `分析`, one word each
        ("PyTorchモデルを比べた。", "latin_parts"),
    ]
    write_post(site, "2025_03_21_inside", post_text("inside", quotes=quotes))
    update_index(hugo.load_site(site, base_url="https://example.com/"), root / "index")
    service = SearchService(root / "index")
    yield service
    service.close()


@pytest.mark.parametrize(
    "query, found",
    [
        ("API", ["exact", "plural"]),  # the word first, then the longer word holding it
        ("gpt", ["compound_latin"]),
        ("京都", ["kyoto", "tokyo"]),  # across janome's boundary: `東京` `都`
        ("空港", ["airport"]),  # inside one word of the dictionary
        ("セキュリティ", ["katakana"]),
        ("トワーク", ["katakana"]),
        ("データ分析", ["metadata"]),  # a word of two runs, the first inside a longer word
        ("torchモデル", ["latin_parts"]),
    ],
)
def test_a_rare_word_is_found_inside_longer_words(inside_words, query, found):
    page = search(inside_words, query, explain=True)
    assert users(page) == found
    assert all("<mark>" in hit.snippet for hit in page.hits)


@pytest.mark.parametrize(
    "off, query, user",
    [
        ("readings", "きかいがくしゅう", None),  # 機械学習, only by its reading
        ("ngrams", "京都", "tokyoite"),  # 東京都: `東京` `都`
        ("superterms", "空港", "airport"),  # 関西国際空港, one word
    ],
)
def test_each_view_finds_what_the_others_do_not(index_dir, service, off, query, user):
    with_all = search(service, query, per_page=100)
    without = SearchService(index_dir, views=VIEWS - {off})
    try:
        found = search(without, query, per_page=100)
    finally:
        without.close()
    assert found.total < with_all.total
    if user is None:
        assert found.total == 0
    else:
        assert user in users(with_all) and user not in users(found)


def test_without_comment_counts_a_word_gets_its_ngrams_but_no_longer_words():
    # Counts order and weigh the longer words; a caller without them (a
    # test, a tool) still gets a query, with the n-gram view alone.
    compiled = compile_query("空港", superterms=Superterms(["関西国際空港"], documents=10))
    assert compiled.explain[0].ngrams == ["空港"] and compiled.explain[0].superterms is None


def test_an_unknown_view_is_named(index_dir):
    with pytest.raises(ValueError, match="'ngram'"):
        SearchService(index_dir, views={"ngram"})


def test_one_query_looks_up_a_bounded_number_of_longer_words():
    # Word fragments held by thousands of longer words (`ート`, `ール`): each is a
    # posting list to read, so the words of one query share one allowance.
    words = [
        f"{part}{chr(0x4E00 + i)}{chr(0x4E00 + j)}" for part in ("ート", "ール") for i in range(30) for j in range(30)
    ]
    superterms = Superterms(words, documents=100_000)
    compiled = compile_query("ート ール", frequency=lambda term, fieldname="body": 1, superterms=superterms)
    looked_up = [len(clause.superterms or ()) for clause in compiled.explain]
    assert looked_up == [MAX_SUPERTERMS, MAX_QUERY_SUPERTERMS - MAX_SUPERTERMS]
    alone = compile_query("ール", frequency=lambda term, fieldname="body": 1, superterms=superterms)
    assert len(alone.explain[0].superterms) == MAX_SUPERTERMS


def test_a_kana_word_that_repeats_a_syllable_is_not_cut_to_it():
    # `こうこう` is 高校 when the index reads コウコウ; `こう` twice otherwise.
    assert "コウコウ" in str(compile_query("こうこう", readings={"コウ", "コウコウ"}).query)
    assert "コウコウ" not in str(compile_query("こうこう", readings={"コウ"}).query)


def test_superterms_beyond_the_maximum_keep_the_most_frequent():
    words = [f"日本{chr(0x4E00 + i)}" for i in range(MAX_SUPERTERMS + 10)]
    counts = {w: i for i, w in enumerate(words)}
    view = superterm_query("日本", Superterms(words, documents=10_000), lambda t: counts.get(t, 0))
    assert view.cut and len(view.terms) == MAX_SUPERTERMS
    assert set(view.terms) == set(words[-MAX_SUPERTERMS:])  # the rarest ten are left out
