"""The web benchmarks run end to end on a 3-post archive: shape of the output, no failures, no timing."""

import doctest
import json
import sqlite3

import pytest

from bench import load, peer, profile_search, workload
from bench.generate import generate_site
from bench.wrk import ensure_wrk
from search.index.indexer import update_index
from search.ingest import hugo


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """A 3-post synthetic site and its index: (site, index_dir)."""
    root = tmp_path_factory.mktemp("bench-smoke")
    site = generate_site(root / "site", 3, seed=1).root
    update_index(hugo.load_site(site), root / "index", jobs=1)
    return site, root / "index"


@pytest.fixture(scope="module")
def wrk():
    try:
        return ensure_wrk()
    except RuntimeError as exc:
        if "apt-get is not available" in str(exc):
            pytest.skip(f"wrk is missing and cannot be installed here: {exc}")
        raise


@pytest.mark.parametrize("module", [workload, peer, profile_search], ids=lambda m: m.__name__)
def test_docstring_examples_run(module):
    assert doctest.testmod(module).failed == 0


def test_queries_are_distinct_seeded_and_drawn_from_the_comments(tiny):
    comments = workload.load_comments(tiny[0])
    first = workload.draw_queries(comments, 200, seed=4)
    assert [q.path() for q in first] == [q.path() for q in workload.draw_queries(comments, 200, seed=4)]
    assert len({q.path() for q in first}) == len(first) == 200
    assert {len(q.words) for q in first} == {1, 2, 3}
    assert any(q.html for q in first) and any(not q.html for q in first)
    sets = workload.split_sets(first, {"warmup": 50, "measured": 150})
    assert not {q.path() for q in sets["warmup"]} & {q.path() for q in sets["measured"]}


def test_profile_breaks_every_request_down_into_buckets(tiny, tmp_path):
    out = tmp_path / "profile.json"
    report = profile_search.main(
        [
            "--index-dir",
            str(tiny[1]),
            "--site",
            str(tiny[0]),
            "--queries",
            "30",
            "--warmup",
            "10",
            "--plain",
            "10",
            "--out",
            str(out),
        ]
    )
    assert json.loads(out.read_text("utf-8")) == report
    assert report["failures"] == 0 and report["requests"] == {"warmup": 10, "measured": 30, "plain": 10}
    assert set(report["buckets"]) == set(profile_search.BUCKETS)
    assert sum(b["share"] for b in report["buckets"].values()) == pytest.approx(1, abs=0.01)
    # A search request spends time in matching, stored fields and the web layer at least.
    assert all(report["buckets"][name]["share"] > 0 for name in ("scoring", "stored", "web"))
    assert report["plain_ms_per_request"] > 0


def test_peer_sql_matches_long_words_and_falls_back_to_like_for_short_ones(tiny, tmp_path):
    built, db_path, _ = peer.prepare(tiny[0], tmp_path / "peer")
    conn = sqlite3.connect(db_path)
    assert built["comments"] == conn.execute("select count(*) from comments").fetchone()[0] > 0
    empty = {"fts": "", "s1": "", "s2": "", "s3": "", "user": "", "tag": "", "sort": "", "offset": 0}
    word = next(w for c in workload.load_comments(tiny[0]) for w in workload.content_words(c.body) if len(w) >= 3)
    rows = conn.execute(peer.SEARCH_SQL, {**empty, "fts": f'"{word}"'}).fetchall()
    assert 0 < len(rows) <= peer.PER_PAGE and all("<mark>" in row[-1] for row in rows)
    short = conn.execute(peer.SEARCH_LIKE_SQL, {**empty, "s1": word[:2]}).fetchall()
    assert short and all(
        word[:2] in conn.execute("select body from comments where id = ?", (r[0],)).fetchone()[0] for r in short
    )
    # FTS5 trigram: a 2-character phrase matches nothing, which is why the peer falls back to LIKE.
    assert (
        conn.execute("select count(*) from comments_fts where comments_fts match ?", (f'"{word[:2]}"',)).fetchone()[0]
        == 0
    )


def test_load_bench_runs_every_phase_of_ours_on_a_tiny_archive(tiny, wrk, tmp_path):
    site, index_dir = tiny
    before = sorted(site.rglob("index.md"))
    out = tmp_path / "load.json"
    result = load.main(
        [
            "--index-dir",
            str(index_dir),
            "--site",
            str(site),
            "--seconds",
            "1",
            "--warmup-seconds",
            "1",
            "--queries",
            "300",
            "--warmup-queries",
            "50",
            "--updates",
            "1",
            "--update-interval",
            "0",
            "--phases",
            "quiet,cached,during_updates,during_rebuild",
            "--work-dir",
            str(tmp_path / "work"),
            "--out",
            str(out),
        ]
    )
    assert json.loads(out.read_text("utf-8")) == result
    phases = result["phases"]
    assert set(phases) == {"warmup", "quiet", "cached", "during_updates", "during_rebuild"}
    for name in ("quiet", "cached", "during_updates", "during_rebuild"):
        assert phases[name]["requests"] > 0 and phases[name]["error_total"] == 0, name
        assert phases[name]["memory"]["total_mb"] > 0
    assert phases["during_updates"]["posts_added"] == 1
    assert phases["during_updates"]["searchable_after_s"][0] is not None
    assert phases["during_rebuild"]["rebuild_returncode"] == 0
    assert phases["during_rebuild"]["until_rebuilt_and_after"]["error_total"] == 0
    assert sorted(site.rglob("index.md")) == before  # the added post is gone again
    assert result["server"]["errors_logged"]["count"] == 0, result["server"]["errors_logged"]["first"]
    assert set(result["checks"]) >= {"quiet_rps", "quiet_p99", "during_updates_rate", "during_rebuild_errors"}


def test_load_bench_runs_the_peer_on_a_tiny_archive(tiny, wrk, tmp_path):
    pytest.importorskip("datasette", reason="the peer needs the `bench` extra: pip install -e '.[bench]'")
    site, index_dir = tiny
    result = load.main(
        [
            "--index-dir",
            str(index_dir),
            "--site",
            str(site),
            "--seconds",
            "1",
            "--warmup-seconds",
            "1",
            "--queries",
            "300",
            "--warmup-queries",
            "50",
            "--phases",
            "quiet,peer",
            "--work-dir",
            str(tmp_path / "work"),
        ]
    )
    assert set(result["side_by_side"]) == {"matome-search", "datasette"}
    for row in result["side_by_side"].values():
        assert row["error_total"] == 0 and row["memory_rss_mb"] > 0
        assert set(row) >= {"rps", "p50_ms", "p90_ms", "p99_ms"}
    assert sum(result["phases"]["peer"]["routes"].values()) == result["queries"]["quiet"]


def test_query_cost_times_two_revisions_on_one_index(tiny, tmp_path, capsys):
    from bench.quality import query_cost

    site, index = tiny
    result = query_cost.main(
        [
            "--index-dir",
            str(index),
            "--site",
            str(site),
            "--before",
            "HEAD",
            "--workload",
            "5",
            "--out",
            str(tmp_path / "cost.json"),
        ]
    )
    assert result["queries"]["fixed"] == len(query_cost.QUERIES) and result["queries"]["workload"] >= 1
    for name in ("before", "after"):
        assert set(result[name]) == {"rev", "index", "common_words", "fixed", "workload"}
        assert result[name]["fixed"]["p95_ms"] > 0
    assert json.loads((tmp_path / "cost.json").read_text("utf-8")) == result


def test_query_cost_searches_the_before_revisions_own_build(tiny, tmp_path, capsys):
    from bench.quality import query_cost

    site, index = tiny
    missing = tmp_path / "no-index"
    with pytest.raises(SystemExit):  # the before revision would search this one: not there
        query_cost.main(
            [
                "--index-dir",
                str(index),
                "--site",
                str(site),
                "--before",
                "HEAD",
                "--before-index-dir",
                str(missing),
                "--workload",
                "2",
            ]
        )
    assert f"--before-index-dir {missing}: no index there" in capsys.readouterr().err
    result = query_cost.main(
        [
            "--index-dir",
            str(index),
            "--site",
            str(site),
            "--before",
            "HEAD",
            "--before-index-dir",
            str(index),
            "--workload",
            "2",
        ]
    )
    assert result["before"]["index"] == str(index) and result["after"]["index"] == str(index)


def test_views_bench_reports_each_fields_postings_and_each_view_turned_off(tiny, capsys):
    from bench.quality import views

    site, _ = tiny
    report = views.main(["--work-dir", str(site.parent)])
    fields = report["fields"]
    assert set(fields) == set(views.FIELDS) and all(f["postings"] > 0 for f in fields.values())
    assert sum(f["share of postings"] for f in fields.values()) == pytest.approx(1, abs=0.01)
    assert set(report["views"]) == set(views.ABLATIONS)
    hiragana = {name: figures["known-item MRR@10"]["hiragana"] for name, figures in report["views"].items()}
    assert hiragana["no readings"] < hiragana["every view"]  # only the readings find these


def test_quality_reuse_without_an_earlier_run_names_the_option(tmp_path, capsys):
    from bench.quality import run

    with pytest.raises(SystemExit):
        run.main(["--reuse", "--work-dir", str(tmp_path / "none")])
    assert "--reuse: no archive and index of an earlier run" in capsys.readouterr().err


def test_loanword_recall_keeps_english_and_measures_both_directions(tmp_path, capsys):
    from bench.quality import loanwords

    report = loanwords.main(["--posts", "4", "--jobs", "1", "--work-dir", str(tmp_path / "loan")])
    assert report["pairs"] == len(loanwords.pairs()) >= 40
    assert report["truth"]["english"] > 0 and report["truth"]["katakana"] > 0  # English was kept somewhere
    # Without the table a typed form finds almost none of the other form's comments; with it, nearly all.
    assert report["recall"]["without"]["english"] < 0.2 and report["recall"]["with"]["english"] > 0.9
    assert report["recall"]["with"]["katakana"] > 0.9
    assert set(report["latency_pairs"]) == {"without", "with"}
