"""The quality benchmark's generated archive and judged sets: shape and honesty, no timing."""

import random

import jaconv

from bench import vocabulary_report
from bench.quality import generated, run
from bench.quality.generated import KnownItem
from search.index.indexer import update_index
from search.ingest import hugo
from search.retrieve.service import SearchService
from tests.builders import post_text, write_post


def test_the_synthetic_vocabulary_grows_like_the_real_one():
    figures = vocabulary_report.measure(vocabulary_report.sample_comments(500, seed=3))
    distinct = figures["distinct_forms"][500]
    assert 0.7 * distinct["real"] <= distinct["synthetic"] <= 1.3 * distinct["real"]
    for kind, share in figures["noun_scripts"].items():
        assert abs(share["synthetic"] - share["real"]) < 0.1, kind


def test_recall_terms_are_half_common_and_spread_over_scripts():
    vocabulary = {
        "機械学習": 400,
        "データ": 900,
        "rust": 300,
        "京都": 12,
        "ブラウザ": 30,
        "python": 8,
        "する": 5000,
        "a": 999,
        "数学": 2,
    }
    picked = generated.recall_terms(vocabulary, comments=10_000, rng=random.Random(1), per_kind=3)
    assert picked == {"common": ["rust", "データ", "機械学習"], "rare": ["python", "ブラウザ", "京都"]}


def test_known_items_type_each_variant_as_a_reader_would():
    # One katakana word, one kanji word, one inflected verb: one candidate for each variant.
    items = generated.known_items({"p#0": "ブラウザで数学を書いた。"}, random.Random(2), count=1)
    assert {i.kind: i.q for i in items} == {
        "base": "ブラウザ 数学",
        "hiragana": "数学 ぶらうざ",
        "reading": "ブラウザ すうがく",
        "romaji": "ブラウザ suugaku",
        "width_case": "数学 ﾌﾞﾗｳｻﾞ",
        "inflection": "ブラウザ 数学 書く",
    }
    items = generated.known_items({"p#0": "線形代数と機械学習の教科書を読んだ。"}, random.Random(1), count=1)
    romaji = {i.q.split()[-1] for i in items if i.kind == "romaji"}
    readings = {i.q.split()[-1] for i in items if i.kind == "reading"}
    assert romaji and {jaconv.kana2alphabet(r) for r in readings} == romaji and all(r.isascii() for r in romaji)
    assert generated.content_words("詳細は https://example.com/ドキュメント を見て]: ね") == [
        generated.Word("詳細", "名詞,形容動詞語幹,*,*", "詳細", "ショウサイ"),
        generated.Word("見", "動詞,自立,*,*", "見る", "ミ"),
    ]


def test_the_judge_finds_what_search_finds_and_counts_misses(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    (site / "hugo.toml").write_text('baseURL = "https://example.com/"\n', "utf-8")
    write_post(
        site,
        "2025_03_21_judge",
        post_text(
            "judge",
            quotes=[
                ("Rustの所有権は難しい。", "a"),
                ("trustは別の単語。", "b"),
                ("東京都と京都。", "c"),
            ],
        ),
    )
    update_index(hugo.load_site(site), tmp_path / "index")
    comments = run.judged_text(run.load_bodies(site))
    service = SearchService(tmp_path / "index")
    try:
        assert len(run.relevant_ids(comments, ["rust"])) == 1  # word-bounded: not `trust`
        recall = run.substring_recall(service, comments, ["rust", "京都"])
        assert recall["recall"] == 1.0 and recall["below_0.90"] == []
        items = [KnownItem("base", "所有権", "x", ["所有権"]), KnownItem("base", "存在しない語彙", "y", ["所有権"])]
        found = run.known_item_mrr(service, comments, items)
        assert found["summary"]["base"] == {"queries": 2, "mrr@10": 0.5, "success@10": 0.5}
        assert [m["q"] for m in found["misses"]] == ["存在しない語彙"]
    finally:
        service.close()
