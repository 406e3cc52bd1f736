"""Many threads, one service: no request waits for another's, answers are shared per version."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from search.errors import BadRequestError
from search.index import store
from search.records import SearchRequest
from search.retrieve import hits
from search.retrieve.service import SearchService
from search.retrieve.validation import MAX_RESULT_WINDOW
from tests.builders import ROOT, copy_sample_site

QUERIES = [
    "機械学習",
    "数学",
    "線形代数",
    "京都",
    "ユーザー",
    "Rust OR Go",
    "LLM -GPU",
    "すうがく",
    "title:数学",
    "学習 データ",
    "コンピューター",
    "寺",
]


@pytest.fixture
def fresh(index_dir):
    svc = SearchService(index_dir)
    yield svc
    svc.close()


def answers(svc, queries=QUERIES):
    return [
        (p.total, p.hits, p.users, p.tags, p.months)
        for p in (svc.search(SearchRequest(query=q, per_page=20)) for q in queries)
    ]


def test_a_search_stuck_in_its_snippets_does_not_hold_up_another(fresh, monkeypatch):
    stuck, release = threading.Event(), threading.Event()
    real = hits.make_snippet

    def slow_snippet(text, spans, *args):
        if "京都の寺" in text:
            stuck.set()
            release.wait(30)
        return real(text, spans, *args)

    monkeypatch.setattr(hits, "make_snippet", slow_snippet)
    slow = threading.Thread(target=lambda: fresh.search(SearchRequest(query="寺")))
    slow.start()
    try:
        assert stuck.wait(30)
        done = threading.Thread(target=lambda: fresh.search(SearchRequest(query="数学")))
        done.start()
        done.join(30)
        # The second search finished while the first was still inside its snippets.
        assert not done.is_alive() and slow.is_alive()
    finally:
        release.set()
        slow.join(30)


def test_threads_answer_as_one_thread_does(index_dir):
    alone = SearchService(index_dir, request_cache=0)
    expected = answers(alone)
    alone.close()
    fresh = SearchService(index_dir, request_cache=0)
    results, errors = [], []

    def work() -> None:
        try:
            results.append(answers(fresh))
        except Exception as exc:  # reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    fresh.close()
    assert not errors and len(results) == 8
    assert all(r == expected for r in results)


def test_an_identical_request_is_answered_from_the_cache(index_dir):
    svc = SearchService(index_dir)
    try:
        first = svc.search(SearchRequest(query="数学", per_page=5))
        again = svc.search(SearchRequest(query="数学", per_page=5))
        other = svc.search(SearchRequest(query="数学", per_page=5, page=2))
        assert not first.cached and again.cached and not other.cached
        assert again.hits == first.hits and again.total == first.total
        assert [stage for stage, _ in again.timings] == ["cache"]
        figures = svc.cache_figures()
        assert (figures["hits"], figures["misses"], figures["entries"]) == (1, 2, 2)
        assert figures["hit_rate"] == pytest.approx(1 / 3, abs=1e-3)
    finally:
        svc.close()


def test_the_request_cache_goes_with_its_index_version(index_dir):
    svc = SearchService(index_dir)
    try:
        svc.search(SearchRequest(query="数学"))
        assert svc.search(SearchRequest(query="数学")).cached
        pointer = store.read_pointer(index_dir)
        store.write_pointer(index_dir, **{k: v for k, v in pointer.items() if k != "build"})
        assert not svc.search(SearchRequest(query="数学")).cached  # a new version: asked afresh
        assert svc.cache_figures()["hits"] == 1  # the old version's hits still count
    finally:
        svc.close()


def test_no_cache_when_its_size_is_zero(index_dir):
    svc = SearchService(index_dir, request_cache=0)
    try:
        svc.search(SearchRequest(query="数学"))
        assert not svc.search(SearchRequest(query="数学")).cached
    finally:
        svc.close()


@pytest.mark.parametrize(
    "page, per_page, ok",
    [
        (100, 100, True),
        (101, 100, False),
        (1000, 10, True),
        (1001, 10, False),
        (MAX_RESULT_WINDOW, 1, True),
        (MAX_RESULT_WINDOW + 1, 1, False),
    ],
)
def test_pages_past_the_result_window_are_refused(fresh, page, per_page, ok):
    request = SearchRequest(query="数学", page=page, per_page=per_page)
    if ok:
        assert fresh.search(request).hits == ()
    else:
        with pytest.raises(BadRequestError) as bad:
            fresh.search(request)
        assert bad.value.param == "page" and str(MAX_RESULT_WINDOW) in str(bad.value)


def test_the_api_refuses_a_page_past_the_window_with_a_400_naming_page(client):
    response = client.get("/api/search?q=数学&page=101&per_page=100")
    assert response.status_code == 400
    assert response.get_json()["param"] == "page"
    assert client.get("/api/search?q=数学&page=100&per_page=100").status_code == 200


def open_index_files(index_dir) -> int:
    """How many files under `index_dir` this process holds open (Linux)."""
    count = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            count += os.readlink(f"/proc/self/fd/{fd}").startswith(str(index_dir))
        except OSError:
            continue
    return count


def rewrite_pointer(index_dir) -> None:
    """What the indexer does when it swaps in a generation: CURRENT replaced."""
    pointer = store.read_pointer(index_dir)
    store.write_pointer(index_dir, **{k: v for k, v in pointer.items() if k != "build"})


@pytest.fixture
def own_index(index_dir, tmp_path):
    """A copy of the session index: no other test's searchers hold its files."""
    return Path(shutil.copytree(index_dir, tmp_path / "index"))


def test_searching_across_version_changes_pins_no_old_version(own_index):
    index_dir = own_index
    svc = SearchService(index_dir)
    expected = answers(svc, QUERIES[:4])
    errors, rounds = [], 12

    def work() -> None:
        try:
            for _ in range(rounds):
                assert answers(svc, QUERIES[:4]) == expected
        except Exception as exc:  # reported by the assertion below
            errors.append(exc)

    try:
        threads = [threading.Thread(target=work) for _ in range(4)]
        for t in threads:
            t.start()
        for _ in range(rounds):
            rewrite_pointer(index_dir)
        for t in threads:
            t.join(120)
        assert not errors
        rewrite_pointer(index_dir)
        svc.search(SearchRequest(query="数学"))
        held = open_index_files(index_dir)
        other = SearchService(index_dir)
        other.search(SearchRequest(query="数学"))
        one_searcher = open_index_files(index_dir) - held
        other.close()
        # The four threads' idle searchers of older versions were closed when
        # this thread opened the new one: one searcher's files remain.
        assert held == one_searcher > 0
    finally:
        svc.close()
    assert open_index_files(index_dir) == 0


def test_a_closed_service_answers_the_next_search(own_index):
    index_dir = own_index
    svc = SearchService(index_dir)
    first = svc.search(SearchRequest(query="数学"))
    svc.close()
    assert open_index_files(index_dir) == 0
    again = svc.search(SearchRequest(query="数学", per_page=9))
    assert again.total == first.total
    svc.close()


def test_opening_the_service_leaves_no_searcher_on_the_opening_thread(own_index):
    index_dir = own_index
    svc = SearchService(index_dir)
    try:
        svc.open()  # as a server's main thread does, which never searches
        assert open_index_files(index_dir) == 0
    finally:
        svc.close()


def test_the_request_cache_keeps_pages_within_its_character_budget():
    from search.records import SearchHit, SearchPage
    from search.retrieve.snapshot import RequestCache

    def page(chars: int) -> SearchPage:
        hit = SearchHit("p", "u", "t", None, (), None, 0, "user", None, "x" * chars, "", 1.0)
        return SearchPage("q", 1, 1, 1, 1.0, (hit,))

    cache = RequestCache(size=100, chars=8_000)
    cache.put(SearchRequest(query="big"), page(1_500))  # over an eighth of the budget: not kept
    assert cache.get(SearchRequest(query="big")) is None
    for n in range(10):
        cache.put(SearchRequest(query=str(n)), page(900))
    assert cache.held <= 8_000 and len(cache) == 8  # the oldest two went
    assert cache.get(SearchRequest(query="0")) is None and cache.get(SearchRequest(query="9")) is not None


def test_a_commit_starts_from_the_last_vocabularies_until_refreshed(index_dir):
    from search.retrieve.postings import segment_ids
    from search.retrieve.snapshot import Snapshot

    ix, pointer = store.open_current(index_dir)
    with ix.searcher() as searcher:
        reader = searcher.reader()
        before = Snapshot(ix, pointer, (1,), 1)
        readings = before.readings(reader)
        after = Snapshot(ix, pointer, (1,), 2)
        after.inherit(before, segment_ids(searcher))
        assert after.incremental and after.readings(reader) is readings  # nothing rebuilt per commit
        after.refresh(reader)
        assert after.readings(reader) is not readings and after.readings(reader) == readings


def test_a_query_that_scores_everything_alike_is_cut_as_a_sort_would():
    from search.retrieve.collect import best_first

    created = list(range(1000, 0, -1))  # older documents last
    scores = {d: 1.0 for d in range(1000)} | {7: 2.0}
    ranked = sorted(scores.items(), key=lambda p: (-p[1], -created[p[0]], -p[0]))[:10]
    assert best_first(scores, created, 10) == ranked  # 1,000 ties: the heap path


# Starts a watcher as a server would, waits until it has watched one round,
# prints its pid and exits without stopping it.
LAUNCH_AND_VANISH = """
import pathlib, subprocess, sys, time
site, index_dir, log, status = sys.argv[1:]
watcher = subprocess.Popen([sys.executable, "-m", "search.index.watch", "--site", site, "--index-dir", index_dir],
                           stdout=subprocess.DEVNULL, stderr=open(log, "w"))
while not (pathlib.Path(index_dir) / status).exists():
    time.sleep(0.05)
print(watcher.pid)
"""


def running(pid: int) -> bool:
    """True while `pid` runs (an exited process nobody has reaped yet is not running)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, ProcessLookupError):
        return False


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")
def test_the_watcher_stops_when_its_server_is_gone(tmp_path):
    from search.index.watch import STATUS_FILE

    site, index, log = copy_sample_site(tmp_path / "site"), tmp_path / "index", tmp_path / "watcher.log"
    launched = subprocess.run(
        [sys.executable, "-c", LAUNCH_AND_VANISH, site, index, log, STATUS_FILE],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    pid = int(launched.stdout)
    try:
        deadline = time.monotonic() + 30
        while running(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not running(pid)
    finally:
        if running(pid):
            os.kill(pid, signal.SIGTERM)
    assert "the server that started this watcher is gone; stopping" in log.read_text()
