"""Rebuilds without janome: its output kept per generation, read back, never trusted blindly."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import closing

import pytest

from bench.generate import generate_site
from search.analysis import normalize, tokencache, words
from search.index.indexer import update_index
from search.ingest import hugo
from search.records import SearchRequest
from search.retrieve.service import SearchService
from tests.builders import ROOT, copy_sample_site, post_text, write_post
from tests.conftest import run_cli

QUERIES = ["機械学習", "データ", "サーバー", "数学", "Rust", "すうがく", "ブラウザ", "理解"]


class JanomeSpy:
    """janome itself, counting the texts it is asked to tokenize."""

    def __init__(self, monkeypatch):
        self.texts: list[str] = []
        real = words.get_janome
        words.clear_caches()  # nothing memoized in this process stands in for the cache

        spy = self

        class Tokenizer:
            def tokenize(self, text):
                spy.texts.append(text)
                return real().tokenize(text)

        monkeypatch.setattr(words, "get_janome", lambda: Tokenizer())


def results(index_dir) -> list:
    """What every test query finds, ranked, with scores: any wrong token shows here."""
    service = SearchService(index_dir)
    try:
        return [
            [
                (h.post_path, h.quote_index, round(h.score, 9))
                for h in service.search(SearchRequest(query=q, per_page=50)).hits
            ]
            for q in QUERIES
        ]
    finally:
        service.close()


def current_cache(index_dir):
    """The janome cache of the generation `CURRENT` names."""
    return index_dir / json.loads((index_dir / "CURRENT").read_text())["generation"] / tokencache.FILE


def cache_rows(index_dir) -> int:
    with closing(sqlite3.connect(current_cache(index_dir))) as db:
        return db.execute("SELECT count(*) FROM tokens").fetchone()[0]


@pytest.fixture
def site(tmp_path):
    return copy_sample_site(tmp_path / "site")


def test_a_warm_rebuild_runs_no_janome_and_finds_the_same(site, tmp_path, monkeypatch):
    index = tmp_path / "index"
    update_index(hugo.load_site(site), index, jobs=1)
    before = results(index)
    spy = JanomeSpy(monkeypatch)
    update_index(hugo.load_site(site), index, jobs=1, rebuild=True)
    assert spy.texts == []
    assert results(index) == before
    words.clear_caches()
    update_index(hugo.load_site(site), index, jobs=1, rebuild=True, janome_cache=False)
    assert len(spy.texts) > 100  # --no-cache: janome again
    assert results(index) == before


def test_an_incremental_run_tokenizes_only_new_text(site, tmp_path, monkeypatch):
    index = tmp_path / "index"
    update_index(hugo.load_site(site), index, jobs=1)
    spy = JanomeSpy(monkeypatch)
    write_post(site, "new", post_text("新しい記事", quotes=[("まったく新しいカワウソの話", "alice")]))
    update_index(hugo.load_site(site), index, jobs=1)
    assert spy.texts and all("カワウソ" in t or "新しい" in t for t in spy.texts)
    spy.texts.clear()
    words.clear_caches()
    update_index(hugo.load_site(site), index, jobs=1, rebuild=True)
    assert spy.texts == []  # the incremental run's text was kept too


@pytest.mark.parametrize("part", ["normalization", "janome"])
def test_each_key_part_invalidates_the_cache(site, tmp_path, monkeypatch, part):
    index = tmp_path / "index"
    update_index(hugo.load_site(site), index, jobs=1)
    if part == "normalization":
        monkeypatch.setattr(normalize, "NORMALIZATION_VERSION", normalize.NORMALIZATION_VERSION + 1)
    else:
        import janome.version

        monkeypatch.setattr(janome.version, "JANOME_VERSION", "9.9.9")
    spy = JanomeSpy(monkeypatch)
    update_index(hugo.load_site(site), index, jobs=1, rebuild=True)
    assert len(spy.texts) > 100  # every comment again


def test_a_full_build_keeps_only_what_it_used(site, tmp_path):
    index = tmp_path / "index"
    kana = "あいうえおかきくけこさしすせそたちつてと"
    quotes = [(f"消える{kana[i % 20]}{kana[i // 20]}のコメント", "bob") for i in range(30)]  # 30 distinct texts
    extra = write_post(site, "extra", post_text("消える記事", quotes=quotes))
    update_index(hugo.load_site(site), index, jobs=1)
    with_extra = cache_rows(index)
    extra.unlink()
    update_index(hugo.load_site(site), index, jobs=1, rebuild=True)
    assert cache_rows(index) <= with_extra - 30  # the deleted post's texts went with the old generation


def test_stats_report_the_cache_size(site, tmp_path):
    index = tmp_path / "index"
    update_index(hugo.load_site(site), index, jobs=1)
    result = run_cli("stats", "--index-dir", index, "--json")
    figures = json.loads(result.stdout)
    assert 0 < figures["janome_cache_bytes"] <= figures["index_bytes"]


def test_a_damaged_entry_or_file_costs_a_warning_never_a_wrong_token(site, tmp_path, monkeypatch, caplog):
    index = tmp_path / "index"
    update_index(hugo.load_site(site), index, jobs=1)
    before = results(index)
    path = current_cache(index)
    with closing(sqlite3.connect(path)) as db, db:  # garble every entry but keep its CRC
        db.execute("UPDATE tokens SET data = zeroblob(length(data))")
    spy = JanomeSpy(monkeypatch)
    update_index(hugo.load_site(site), index, jobs=1, rebuild=True)
    assert len(spy.texts) > 100 and "damaged entry" in caplog.text
    assert results(index) == before
    path = current_cache(index)
    path.write_bytes(b"not a database at all" * 100)  # the whole file replaced
    spy.texts.clear()
    words.clear_caches()
    update_index(hugo.load_site(site), index, jobs=1, rebuild=True)
    assert len(spy.texts) > 100 and "cannot be read" in caplog.text
    assert results(index) == before


def test_parallel_builds_share_the_cache_and_a_killed_rebuild_loses_nothing(tmp_path):
    site = generate_site(tmp_path / "site", 42, seed=5).root  # over the parallel threshold (40 posts)
    index, clean = tmp_path / "index", tmp_path / "clean"
    assert run_cli("index", "--site", site, "--index-dir", clean, "--jobs", "2", "--no-cache").returncode == 0
    expected = results(clean)
    assert run_cli("index", "--site", site, "--index-dir", index, "--jobs", "2").returncode == 0
    rows = cache_rows(index)
    assert rows > 1000  # the workers' entries, each written by its own process
    proc = subprocess.Popen(
        [sys.executable, "-m", "web.cli", "index", "--site", site, "--index-dir", index, "--jobs", "2", "--rebuild"],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while not list(index.glob("g000002/" + tokencache.FILE)) and time.monotonic() < deadline:
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGKILL)  # mid-write, the workers too
    proc.wait()
    assert results(index) == expected  # the old generation and its cache stand
    assert run_cli("index", "--site", site, "--index-dir", index, "--jobs", "2", "--rebuild").returncode == 0
    assert results(index) == expected
    assert cache_rows(index) == rows
