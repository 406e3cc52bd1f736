"""`matome-search serve` for real: gunicorn workers or waitress, indexing on start, --watch."""

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from bench.procs import children
from tests.builders import ROOT, copy_sample_site, post_text, write_post
from tests.test_browser import free_port


def get_json(url):
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.status, dict(response.headers), json.loads(response.read())


def wait_for(predicate, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if predicate():
                return True
        except OSError:
            pass
        time.sleep(0.2)
    return False


def start_server(tmp_path, *options):
    """Start `matome-search serve --watch` on a copy of the sample site; wait until it answers."""
    site = copy_sample_site(tmp_path / "site")
    port = free_port()
    log = open(tmp_path / "server.log", "w+", encoding="utf-8")  # a file: nobody reads a pipe meanwhile
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "web.cli",
            "serve",
            "--site",
            site,
            "--index-dir",
            tmp_path / "index",
            "--port",
            str(port),
            "--watch",
            *options,
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL,
        stderr=log,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    assert wait_for(lambda: get_json(base + "/healthz")[0] == 200, 120), "server did not start"
    return site, base, proc, log


def stop_server(proc, log, sig=signal.SIGTERM) -> str:
    """Stop the server with `sig`; return its log, checked for tracebacks."""
    proc.send_signal(sig)
    try:
        assert proc.wait(timeout=60) == 0
        log.seek(0)
        text = log.read()
    finally:
        log.close()
    assert "Traceback" not in text
    return text


@pytest.fixture(params=["2", "1"], ids=["gunicorn-2-workers", "waitress"])
def served(request, tmp_path):
    site, base, proc, log = start_server(tmp_path, "--workers", request.param)
    yield site, base
    # Serving warms the index it opens, in the background: wait for it, not a race with the stop.
    warmed = wait_for(lambda: "search.service warmed" in (tmp_path / "server.log").read_text("utf-8"), 60)
    stop_server(proc, log)
    assert warmed


def cmdline(pid: int) -> str:
    return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()


def open_index_files(pid: int, index_dir: Path) -> list[str]:
    """The files under `index_dir` that process `pid` holds open."""
    found = []
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith(str(index_dir)):
            found.append(target)
    return found


def worker_pids(base: str, tries: int = 200) -> set[int]:
    """The worker pids /healthz reports, over fresh connections, until two are seen."""
    seen = set()
    for _ in range(tries):
        seen.add(get_json(base + "/healthz")[2]["worker"]["pid"])
        if len(seen) > 1:
            break
    return seen


def total(base, query):
    return get_json(base + "/api/search?q=" + urllib.parse.quote(query))[2]["total"]


def test_serve_indexes_missing_index_and_binds_loopback(served):
    site, base = served
    status, headers, data = get_json(base + "/healthz")
    assert data["comments"] == 142
    # gunicorn or waitress, never the Flask debug server.
    assert headers["Server"] in ("gunicorn", "matome-search")
    assert data["worker"]["rss_mb"] > 0 and data["worker"]["request_cache"]["hits"] >= 0


def test_every_response_says_where_its_time_went(served):
    site, base = served
    _, headers, _ = get_json(base + "/api/search?q=" + urllib.parse.quote("数学"))
    stages = dict(part.strip().split(";", 1) for part in headers["Server-Timing"].split(","))
    assert {"compile", "match", "hits", "search", "app"} <= stages.keys()
    with urllib.request.urlopen(base + "/static/style.css", timeout=5) as response:
        assert "app;dur=" in response.headers["Server-Timing"]
    with pytest.raises(urllib.error.HTTPError) as bad:
        urllib.request.urlopen(base + "/api/search?page=0", timeout=5)
    with bad.value:
        assert "app;dur=" in bad.value.headers["Server-Timing"]


def test_workers_use_every_core_and_one_process_watches(tmp_path):
    site, base, proc, log = start_server(tmp_path, "--workers", "2")
    try:
        assert len(worker_pids(base)) == 2  # both workers answer
        kids = children(proc.pid)
        watchers = [k for k in kids if "search.index.watch" in cmdline(k)]
        workers = [k for k in kids if k not in watchers]
        assert len(watchers) == 1 and len(workers) == 2
        # Readers first: the watcher yields the CPU to the workers.
        assert wait_for(
            lambda: os.getpriority(os.PRIO_PROCESS, watchers[0]) >= os.getpriority(os.PRIO_PROCESS, workers[0]) + 10, 10
        )
        # Each worker opened the index itself; the arbiter never did, so no
        # file offset is shared between the processes that seek and read.
        index_dir = tmp_path / "index"
        assert open_index_files(proc.pid, index_dir) == []
        assert all(open_index_files(w, index_dir) for w in workers)
        text = post_text("監視", date="2025-08-01", quotes=[("監視テストのカピバラ", "watcher", "2025/08/01 10:00:00")])
        write_post(site, "2025_08_01_watch", text, date="2025-08-01")
        # Every worker follows the watcher's commit.
        assert wait_for(lambda: all(total(base, "カピバラ") == 1 for _ in range(10)), 30)
    finally:
        stop_server(proc, log)
    assert not any(Path(f"/proc/{k}").exists() for k in kids)  # workers and watcher are gone


def test_hup_replaces_the_workers_and_term_waits_for_requests_in_flight(tmp_path):
    site, base, proc, log = start_server(tmp_path, "--workers", "2")
    try:
        before = set(children(proc.pid))
        proc.send_signal(signal.SIGHUP)
        assert wait_for(
            lambda: (
                len(worker_pids(base)) == 2
                and not before & {get_json(base + "/healthz")[2]["worker"]["pid"] for _ in range(20)}
            ),
            60,
        )
        # A request in flight when TERM arrives is still answered.
        answers = []
        page = base + "/?q=" + urllib.parse.quote("数学 行列 ベクトル")

        def ask() -> None:
            with urllib.request.urlopen(page, timeout=30) as response:
                answers.append(response.status)

        slow = threading.Thread(target=ask)
        slow.start()
        time.sleep(0.05)
    finally:
        text = stop_server(proc, log)
    slow.join(10)
    assert answers == [200]
    assert "Handling signal: hup" in text and "Handling signal: term" in text


def test_watch_picks_up_new_changed_and_deleted_posts(served):
    site, base = served
    text = post_text("監視", date="2025-08-01", quotes=[("監視テストのカピバラ", "watcher", "2025/08/01 10:00:00")])
    path = write_post(site, "2025_08_01_watch", text, date="2025-08-01")
    assert wait_for(lambda: total(base, "カピバラ") == 1, 20)
    path.write_text(text.replace("カピバラ", "アルパカ"), "utf-8")
    assert wait_for(lambda: total(base, "アルパカ") == 1 and total(base, "カピバラ") == 0, 20)
    shutil.rmtree(path.parent)
    assert wait_for(lambda: total(base, "アルパカ") == 0, 20)


def test_healthz_reports_the_watcher_and_its_last_error(served):
    site, base = served
    assert wait_for(lambda: get_json(base + "/healthz")[2]["watcher"]["last_success"], 30)
    watcher = get_json(base + "/healthz")[2]["watcher"]
    assert watcher["running"] and watcher["last_error"] is None
    posts = site / "content" / "posts"
    posts.rename(site / "posts-away")  # the site cannot be listed: the round fails
    assert wait_for(lambda: get_json(base + "/healthz")[2]["watcher"]["last_error"], 30)
    health = get_json(base + "/healthz")[2]
    assert health["watcher"]["last_error"] == "SiteError" and str(site) not in json.dumps(health)
    (site / "posts-away").rename(posts)
    write_post(site, "2025_08_02_back", post_text("復帰", quotes=[("復帰したカワウソ", "watcher")]))
    assert wait_for(lambda: total(base, "カワウソ") == 1, 30)  # the loop lived on
    assert get_json(base + "/healthz")[2]["watcher"]["running"]


def test_watch_survives_a_site_it_cannot_list(monkeypatch, caplog):
    from search.errors import SiteError
    from search.index import watch as watcher

    stop = threading.Event()
    states = [
        {"a": 1},
        SiteError("posts/2025_09", "cannot list directory"),
        SiteError("posts/2025_09", "cannot list directory"),
        {"a": 1},
        {"a": 1},
        {"a": 2},
    ]

    def snapshot(site):
        state = states.pop(0)
        if not states:
            stop.set()
        if isinstance(state, Exception):
            raise state
        return state

    refreshes = []
    monkeypatch.setattr(watcher, "snapshot", snapshot)
    monkeypatch.setattr(watcher, "refresh_index", lambda site, index_dir, jobs=None: refreshes.append(jobs))
    watcher.watch_site("site", "index", stop, interval=0)
    # Once at the start, once after the site became listable again, once for the change.
    assert refreshes == [1, 1, 1]
    errors = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
    assert errors == ["cannot list the site's posts: posts/2025_09: cannot list directory; will retry"]
