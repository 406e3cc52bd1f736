"""The synthetic archive generator: deterministic, real format, parseable."""

import tomllib

from bench.generate import add_post, generate_site
from search.index import store
from search.ingest import hugo


def read_all(root):
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*.md"))}


def test_same_seed_same_bytes(tmp_path):
    generate_site(tmp_path / "a", 6, seed=7)
    generate_site(tmp_path / "b", 6, seed=7)
    generate_site(tmp_path / "c", 6, seed=8)
    assert read_all(tmp_path / "a") == read_all(tmp_path / "b")
    assert read_all(tmp_path / "a") != read_all(tmp_path / "c")


def test_generated_posts_parse_cleanly(tmp_path):
    generated = generate_site(tmp_path / "site", 12, seed=3, draft_every=5)
    site = hugo.load_site(generated.root)
    comments, drafts, formats = 0, 0, set()
    for file in hugo.iter_post_files(site):
        post, warnings, data = hugo.read_post(site, file)
        assert warnings == []
        front = data.decode().split("+++")[1]
        assert set(tomllib.loads(front)) == {"date", "months", "draft", "title", "tags", "featureimage"}
        comments += len(post.quotes)
        drafts += post.draft
        formats.update("/" in line for line in data.decode().splitlines() if "createdAt=" in line)
    assert comments == generated.comments and drafts == 2


def test_add_post_adds_one_parseable_post(tmp_path):
    generate_site(tmp_path / "site", 2, seed=1)
    path = add_post(tmp_path / "site", seed=5, comments=30)
    site = hugo.load_site(tmp_path / "site")
    post, warnings, _ = hugo.read_post(site, path)
    assert warnings == [] and len(post.quotes) == 30


def test_index_benchmark_runs_end_to_end_on_a_tiny_archive(tmp_path, capsys):
    """The benchmark anyone reruns: every figure is measured and reported (no timing asserted)."""
    import json

    from bench import bench_index

    results = bench_index.main(["--posts", "3", "--jobs", "2", "--out", str(tmp_path)])
    assert json.loads(capsys.readouterr().out) == results
    assert "3 added" in results["build_summary"]
    assert results["comments"] == generate_site(tmp_path / "again", 3, seed=1).comments > 0
    for key in (
        "build_over_janome",
        "janome_parallel_over_janome",
        "add_one_over_alone",
        "noop_s",
        "query_cold_p95_ms",
        "query_warm_p95_ms",
        "query_warmed_p95_ms",
        "service_open_ms",
        "build_peak_rss_mb",
        "warmup_s",
    ):
        assert results[key] > 0, key
    # Too small an archive for any word to be worth warming; the counts are still reported.
    assert results["warmup_words"] == results["warmup_postings"] == 0


def test_build_budget_reports_every_share_of_a_build(tmp_path, capsys):
    """The decomposition of the build ratio runs end to end (no timing asserted)."""
    import json

    from bench import build_budget

    results = build_budget.main(["--posts", "3", "--jobs", "2", "--out", str(tmp_path)])
    assert json.loads(capsys.readouterr().out) == results
    assert results["comments"] == generate_site(tmp_path / "again", 3, seed=1).comments
    for key in (
        "janome_1p_s",
        "janome_np_s",
        "analyzer_1p_s",
        "whoosh_full_1p_s",
        "whoosh_required_1p_s",
        "build_1p_s",
        "build_np_s",
        "bound_required_fields",
    ):
        assert results[key] > 0, key


def lexicon(index_dir) -> list:
    ix, _ = store.open_current(index_dir)
    with ix.reader() as reader:
        return sorted((f, t, reader.doc_frequency(f, t)) for f, t in reader.all_terms())


def test_precomputed_analysis_builds_the_same_index_as_janome(tmp_path, monkeypatch):
    """The budget's Whoosh-only builds index what the real build does, without janome.

    With `required_fields_only`, exactly that minus the three views.
    """
    from bench import build_budget
    from search.analysis import words
    from search.index.indexer import update_index
    from search.ingest import hugo

    root = generate_site(tmp_path / "site", 2, seed=3).root
    site = hugo.load_site(root)
    _, done = build_budget.analyze_all(build_budget.site_texts(root)[1])
    update_index(site, tmp_path / "real", jobs=1)
    words.clear_caches()
    monkeypatch.setattr(words.get_janome(), "tokenize", None)  # any janome call fails
    with words.given_analysis(done):
        update_index(site, tmp_path / "pre", jobs=1)
        update_index(site, tmp_path / "required", jobs=1, **build_budget.required_fields_only())
    full = lexicon(tmp_path / "real")
    assert lexicon(tmp_path / "pre") == full and len(full) > 100
    assert {f for f, _, _ in full} >= set(build_budget.VIEWS)
    assert lexicon(tmp_path / "required") == [e for e in full if e[0] not in build_budget.VIEWS]
    assert set(build_budget.VIEWS).isdisjoint(store.open_current(tmp_path / "required")[0].schema.names())
