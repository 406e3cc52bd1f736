"""Incremental indexing, rebuild swaps, crash safety, the lock and strict mode."""

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

import pytest

from search.analysis import tokencache, words
from search.errors import IndexLockedError, IndexVersionError, SiteError, StrictModeError
from search.index import store
from search.index.indexer import update_index
from search.ingest import hugo
from search.records import SearchRequest
from search.retrieve.service import SearchService
from tests.builders import ROOT, copy_sample_site, post_text, refuse_listing, write_post
from tests.conftest import invoke_cli, run_cli


def count(index_dir, query="", **kwargs):
    service = SearchService(index_dir)
    try:
        return service.search(SearchRequest(query=query, **kwargs)).total
    finally:
        service.close()


class JanomeSpy:
    """Wraps the process's janome tokenizer and records every text it sees."""

    def __init__(self, inner):
        self.inner = inner
        self.texts = []

    def tokenize(self, text, *args, **kwargs):
        self.texts.append(text)
        return self.inner.tokenize(text, *args, **kwargs)


@pytest.fixture
def site(tmp_path):
    return copy_sample_site(tmp_path / "site")


@pytest.fixture
def spy(monkeypatch):
    spy = JanomeSpy(words.get_janome())
    monkeypatch.setattr(words, "get_janome", lambda: spy)
    return spy


def new_post(site, slug="2025_05_01_new", word="新規投稿の単語ゼブラ"):
    text = post_text("新しい投稿", date="2025-05-01", quotes=[(word, "newuser", "2025/05/01 10:00:00")])
    return write_post(site, slug, text, date="2025-05-01")


def test_first_run_builds_then_noop(site, tmp_path):
    index = tmp_path / "index"
    first = update_index(hugo.load_site(site), index, jobs=1)
    assert (first.added, first.comments, first.rebuilt) == (2, 142, True)
    second = update_index(hugo.load_site(site), index, jobs=1)
    assert (second.added, second.updated, second.deleted, second.unchanged) == (0, 0, 0, 2)
    assert not second.changed


def test_add_change_delete_touch_only_those_posts(site, tmp_path, spy):
    index = tmp_path / "index"
    update_index(hugo.load_site(site), index, jobs=1)
    spy.texts.clear()

    added = new_post(site)
    report = update_index(hugo.load_site(site), index, jobs=1)
    assert (report.added, report.unchanged, report.comments) == (1, 2, 1)
    # Only the new post's comment and title were tokenized, nothing else.
    assert spy.texts and all("ゼブラ" in t or "新しい投稿" in t for t in spy.texts), spy.texts
    assert count(index, "ゼブラ") == 1

    spy.texts.clear()
    added.write_text(added.read_text("utf-8").replace("ゼブラ", "キリン"), "utf-8")
    report = update_index(hugo.load_site(site), index, jobs=1)
    assert (report.updated, report.unchanged) == (1, 2)
    assert spy.texts and all("キリン" in t or "新しい投稿" in t for t in spy.texts)
    assert count(index, "ゼブラ") == 0 and count(index, "キリン") == 1

    added.unlink()
    report = update_index(hugo.load_site(site), index, jobs=1)
    assert (report.deleted, report.unchanged) == (1, 2)
    assert count(index, "キリン") == 0
    assert count(index) == 142


def test_parallel_build_matches_single_process(site, tmp_path):
    for i in range(45):  # above the parallel threshold
        new_post(site, f"2025_05_01_p{i:02d}", word=f"並列{i}番目の投稿")
    one, two = tmp_path / "one", tmp_path / "two"
    update_index(hugo.load_site(site), one, jobs=1)
    update_index(hugo.load_site(site), two, jobs=2)
    assert count(one) == count(two) == 142 + 45
    assert count(one, "並列") == count(two, "並列") == 45


def test_rebuild_swaps_generation_and_keeps_previous(site, tmp_path):
    index = tmp_path / "index"
    first = update_index(hugo.load_site(site), index, jobs=1)
    second = update_index(hugo.load_site(site), index, jobs=1, rebuild=True)
    assert second.generation != first.generation
    assert store.read_pointer(index)["generation"] == second.generation
    assert store.generations(index) == [first.generation, second.generation]
    third = update_index(hugo.load_site(site), index, jobs=1, rebuild=True)
    assert store.generations(index) == [second.generation, third.generation]


def cached_tokens(generation: Path) -> int:
    """The janome outputs a run has committed to `generation`'s cache so far."""
    try:
        with closing(sqlite3.connect(f"file:{generation / tokencache.FILE}?mode=ro", uri=True)) as db:
            return db.execute("SELECT count(*) FROM tokens").fetchone()[0]
    except sqlite3.Error:  # not created yet
        return 0


def postings_written(generation: Path) -> bool:
    """True once the new segment's postings file holds data: the commit has begun."""
    return any(path.suffix == ".pst" and path.stat().st_size > 0 for path in generation.iterdir())


# Moments of a rebuild another process can see in the generation it writes,
# one early, one late; the old generation stays current through both.
KILL_POINTS = {
    "tokenizing": lambda generation: cached_tokens(generation) > 0,
    "writing-postings": postings_written,
}


def wait_for(proc, index, point) -> bool:
    """Wait until the generation a rebuild writes reaches `point`; False if the run ended first."""
    deadline = time.monotonic() + 120
    while proc.poll() is None and time.monotonic() < deadline:
        generations = store.generations(index)
        try:
            if len(generations) > 1 and point(index / generations[-1]):
                return True
        except FileNotFoundError:  # a file renamed while it was looked at
            pass
        time.sleep(0.005)
    return False


@pytest.mark.parametrize("moment", KILL_POINTS)
def test_killed_rebuild_leaves_old_index_searchable(site, tmp_path, moment):
    from bench.generate import add_post

    index = tmp_path / "index"
    update_index(hugo.load_site(site), index, jobs=1)
    before = store.read_pointer(index)
    for i in range(6):  # about 500 comments: seconds of janome and a commit of its own
        add_post(site, seed=1000 + i, comments=80)
    proc = subprocess.Popen(
        [sys.executable, "-m", "web.cli", "index", "--site", site, "--index-dir", index, "--rebuild", "--jobs", "1"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        reached = wait_for(proc, index, KILL_POINTS[moment])
    finally:
        proc.send_signal(signal.SIGKILL)  # not sent if the run has ended on its own
        proc.wait()
    assert reached and proc.returncode == -signal.SIGKILL, "the rebuild ended before it was killed"
    assert len(store.generations(index)) == 2  # the half-built generation is left behind
    assert store.read_pointer(index) == before
    assert count(index) == 142
    report = update_index(hugo.load_site(site), index, jobs=1)
    assert report.added == 6
    assert store.generations(index) == [before["generation"]]


def test_second_indexer_is_refused_while_the_lock_is_held(site, tmp_path):
    index = tmp_path / "index"
    with store.writer_lock(index):
        result = run_cli("index", "--site", site, "--index-dir", index, timeout=120)  # a hang fails
    assert result.returncode == 1
    assert "being updated" in result.stderr
    with store.writer_lock(index):
        with pytest.raises(IndexLockedError):
            update_index(hugo.load_site(site), index, jobs=1)


def test_index_from_other_version_asks_for_rebuild(site, tmp_path):
    index = tmp_path / "index"
    update_index(hugo.load_site(site), index, jobs=1)
    pointer = json.loads((index / "CURRENT").read_text())
    pointer["build"] = "schema-0/old"
    (index / "CURRENT").write_text(json.dumps(pointer))
    with pytest.raises(IndexVersionError, match="schema-0/old"):
        update_index(hugo.load_site(site), index, jobs=1)
    result = invoke_cli("query", "数学", "--index-dir", index)
    assert result.exit_code == 1 and "schema-0/old" in result.stderr and "--rebuild" in result.stderr
    assert update_index(hugo.load_site(site), index, jobs=1, rebuild=True).comments == 142


def test_strict_mode_leaves_index_unchanged(site, tmp_path):
    index = tmp_path / "index"
    update_index(hugo.load_site(site), index, jobs=1)
    new_post(site)
    write_post(site, "2025_05_03_bad", b"+++\ntitle = 'x\n+++\n", date="2025-05-03")
    with pytest.raises(StrictModeError):
        update_index(hugo.load_site(site), index, jobs=1, strict=True)
    assert count(index, "ゼブラ") == 0
    report = update_index(hugo.load_site(site), index, jobs=1)
    assert report.added == 1 and len(report.warnings) == 1
    assert "2025_05_03_bad/index.md" in str(report.warnings[0])


def test_broken_update_keeps_previous_version(site, tmp_path):
    index = tmp_path / "index"
    path = new_post(site)
    update_index(hugo.load_site(site), index, jobs=1)
    path.write_bytes(b"+++\ntitle = 'broken\n+++\n")
    report = update_index(hugo.load_site(site), index, jobs=1)
    assert report.warnings and count(index, "ゼブラ") == 1


def test_drafts_only_with_flag(site, tmp_path):
    index = tmp_path / "index"
    text = post_text(
        "下書き", date="2025-05-04", draft=True, quotes=[("下書きの言葉カモノハシ", "d", "2025/05/04 10:00:00")]
    )
    write_post(site, "2025_05_04_draft", text, date="2025-05-04")
    report = update_index(hugo.load_site(site), index, jobs=1)
    assert report.drafts == 1 and count(index, "カモノハシ") == 0
    update_index(hugo.load_site(site), index, jobs=1, include_drafts=True)
    assert count(index, "カモノハシ") == 1
    update_index(hugo.load_site(site), index, jobs=1)
    assert count(index, "カモノハシ") == 0


def test_noop_run_reads_no_post_file(site, tmp_path, monkeypatch):
    index = tmp_path / "index"
    for path in site.rglob("index.md"):  # make the files "old", past the racy window
        os.utime(path, ns=(1_700_000_000 * 10**9, 1_700_000_000 * 10**9))
    update_index(hugo.load_site(site), index, jobs=1)
    reads = []
    real = Path.read_bytes
    monkeypatch.setattr(Path, "read_bytes", lambda self: reads.append(self) or real(self))
    report = update_index(hugo.load_site(site), index, jobs=1)
    assert report.unchanged == 2 and reads == []


def _age(site):
    """Make every post file "old", past the stat cache's racy window."""
    for path in site.rglob("*.md"):
        os.utime(path, ns=(1_700_000_000 * 10**9, 1_700_000_000 * 10**9))


@pytest.fixture
def manifest_reads(monkeypatch):
    from search.index import indexer

    reads = []
    real = indexer.read_manifest
    monkeypatch.setattr(indexer, "read_manifest", lambda ix: reads.append(ix) or real(ix))
    return reads


def test_noop_run_after_a_clean_run_does_not_read_the_manifest(site, tmp_path, manifest_reads):
    index = tmp_path / "index"
    _age(site)
    update_index(hugo.load_site(site), index, jobs=1)
    report = update_index(hugo.load_site(site), index, jobs=1)
    assert report.unchanged == 2 and not report.changed and manifest_reads == []


@pytest.mark.parametrize("change", ["add", "delete", "edit", "drafts", "other commit"])
def test_any_change_since_the_clean_run_reads_the_manifest(site, tmp_path, manifest_reads, change):
    index = tmp_path / "index"
    _age(site)
    update_index(hugo.load_site(site), index, jobs=1)
    posts = sorted(site.rglob("index.md"))
    include_drafts = False
    if change == "add":
        new_post(site)
    elif change == "delete":
        posts[0].unlink()
    elif change == "edit":
        posts[0].write_text(posts[0].read_text("utf-8") + "\n", "utf-8")
    elif change == "drafts":
        include_drafts = True
    else:  # another writer committed to the same index
        ix, _ = store.open_current(index)
        with ix.writer() as writer:
            writer.delete_by_term("post_path", "no/such/post.md")
    report = update_index(hugo.load_site(site), index, jobs=1, include_drafts=include_drafts)
    assert len(manifest_reads) == 1
    assert (report.added, report.deleted, report.updated) == {
        "add": (1, 0, 0),
        "delete": (0, 1, 0),
        "edit": (0, 0, 1),
    }.get(change, (0, 0, 0))


def test_a_post_that_failed_is_retried_on_the_next_run(site, tmp_path, manifest_reads):
    index = tmp_path / "index"
    _age(site)
    update_index(hugo.load_site(site), index, jobs=1)
    broken = new_post(site, slug="2025_05_02_broken")
    broken.write_bytes(b"\x00\x01 binary")
    _age(site)
    first = update_index(hugo.load_site(site), index, jobs=1)
    assert first.warnings and first.added == 0
    again = update_index(hugo.load_site(site), index, jobs=1)
    assert again.warnings and len(manifest_reads) == 2  # not taken for a no-op


def test_same_size_same_mtime_edit_is_still_seen(site, tmp_path):
    index = tmp_path / "index"
    path = new_post(site, word="同じ長さの単語アアア")
    update_index(hugo.load_site(site), index, jobs=1)
    before = path.stat()
    path.write_text(path.read_text("utf-8").replace("アアア", "イイイ"), "utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert path.stat().st_size == before.st_size
    report = update_index(hugo.load_site(site), index, jobs=1)
    assert report.updated == 1 and count(index, "イイイ") == 1


def test_long_lived_service_sees_replaced_posts_disappear(site, tmp_path):
    index = tmp_path / "index"
    path = new_post(site, word="置き換え前のカピバラ")
    update_index(hugo.load_site(site), index, jobs=1)
    service = SearchService(index)
    try:
        assert service.search(SearchRequest(query="カピバラ")).total == 1
        path.write_text(path.read_text("utf-8").replace("カピバラ", "アルパカ"), "utf-8")
        update_index(hugo.load_site(site), index, jobs=1)
        assert service.search(SearchRequest(query="アルパカ")).total == 1
        assert service.search(SearchRequest(query="カピバラ")).total == 0
    finally:
        service.close()


def test_unlistable_directory_fails_the_run_instead_of_deleting_its_posts(site, tmp_path, monkeypatch):
    index = tmp_path / "index"
    update_index(hugo.load_site(site), index, jobs=1)
    locked = site / "content" / "posts" / "2025_09"
    refuse_listing(monkeypatch, locked)
    with pytest.raises(SiteError, match="2025_09"):
        update_index(hugo.load_site(site), index, jobs=1)
    monkeypatch.undo()
    assert count(index) == 142
    assert update_index(hugo.load_site(site), index, jobs=1).unchanged == 2


def post_urls(index_dir) -> set[str]:
    service = SearchService(index_dir)
    try:
        return {hit.post_url for hit in service.search(SearchRequest(per_page=100)).hits}
    finally:
        service.close()


@pytest.mark.parametrize("how", ["config", "option"])
def test_a_new_base_url_rebuilds_every_post_url(site, tmp_path, how):
    """Post files are unchanged but every stored URL is stale: the run rebuilds."""
    index = tmp_path / "index"
    _age(site)
    update_index(hugo.load_site(site), index, jobs=1)
    update_index(hugo.load_site(site), index, jobs=1)  # a clean no-op: the shortcut is armed
    old = post_urls(index)
    if how == "config":
        config = site / "hugo.toml"
        config.write_text(
            re.sub(
                r"baseURL\s*=\s*['\"][^'\"]*['\"]", 'baseURL = "https://moved.example.org/"', config.read_text("utf-8")
            ),
            "utf-8",
        )
        loaded = hugo.load_site(site)
    else:
        loaded = hugo.load_site(site, base_url="https://moved.example.org/")
    report = update_index(loaded, index, jobs=1)
    assert report.rebuilt and report.added == 2 and "moved.example.org" in report.note
    new = post_urls(index)
    assert new and all(url.startswith("https://moved.example.org/") for url in new) and not new & old
    again = update_index(loaded, index, jobs=1)
    assert not again.changed and again.unchanged == 2


def test_an_index_from_before_base_urls_were_recorded_learns_it_without_a_rebuild(site, tmp_path):
    index = tmp_path / "index"
    update_index(hugo.load_site(site), index, jobs=1)
    pointer = store.read_pointer(index)
    store.write_pointer(index, pointer["generation"])  # as the previous version wrote it
    report = update_index(hugo.load_site(site), index, jobs=1)
    assert not report.rebuilt and report.unchanged == 2
    assert store.read_pointer(index)["base_url"] == hugo.load_site(site).base_url


def test_cli_says_why_a_new_base_url_indexed_everything(site, tmp_path):
    index = tmp_path / "index"
    assert invoke_cli("index", "--site", site, "--index-dir", index, "--jobs", "1").exit_code == 0
    moved = invoke_cli(
        "index", "--site", site, "--index-dir", index, "--jobs", "1", "--base-url", "https://moved.example.org/"
    )
    assert moved.exit_code == 0
    assert (
        "note: base URL changed from https://www.kaigai-tech-matome.com/ to https://moved.example.org/" in moved.stderr
    )
    assert "2 added" in moved.stdout


def test_commits_one_by_one_keep_the_segment_count_bounded(tmp_path):
    """Commits one by one keep the count within the tiers, and posts deleted take their segments along."""
    from bench.generate import add_post, generate_site
    from search.index.merge import MERGE_FACTOR

    site = generate_site(tmp_path / "site", 4, seed=3).root
    index_dir = tmp_path / "index"
    update_index(hugo.load_site(site), index_dir, jobs=1)
    added, counts = [], []
    for n in range(14):
        added.append(add_post(site, seed=100 + n, comments=3))
        update_index(hugo.load_site(site), index_dir, jobs=1)
        counts.append(_segments(index_dir))
    assert max(counts) <= 3 * MERGE_FACTOR  # three tiers of live counts: units, tens, hundreds
    assert counts[-1] < len(counts)
    for path in added:  # every added post is gone: so are the segments that held only them
        path.unlink()
    update_index(hugo.load_site(site), index_dir, jobs=1)
    service = SearchService(index_dir)
    try:
        assert service.stats()["posts"] == 4
        assert service.stats()["segments"] <= 2
    finally:
        service.close()


def _segments(index_dir) -> int:
    service = SearchService(index_dir)
    try:
        return service.stats()["segments"]
    finally:
        service.close()


def test_the_merge_plan_splits_segments_into_kept_merged_and_dropped():
    from dataclasses import dataclass

    from search.index.merge import MERGE_FACTOR, plan

    @dataclass(eq=False)
    class Segment:
        total: int
        deleted: int = 0

        def doc_count_all(self):
            return self.total

        def doc_count(self):
            return self.total - self.deleted

        def deleted_count(self):
            return self.deleted

    big = [Segment(83_000), Segment(83_400, deleted=40_000)]  # at 48 % deleted: kept
    small = [Segment(81) for _ in range(MERGE_FACTOR - 1)]
    empty = Segment(81, deleted=81)
    kept, merged = plan([*big, *small, empty])
    assert kept == [*big, *small] and merged == []  # one short of a full tier; the empty one dropped
    one_more = Segment(90)
    kept, merged = plan([*big, *small, one_more])
    assert kept == big and merged == [*small, one_more]  # the tier filled: merged
    rotten = Segment(83_000, deleted=41_501)  # just over half deleted
    kept, merged = plan([big[0], rotten, Segment(500)])
    assert kept == [big[0], kept[1]] and merged == [rotten]
