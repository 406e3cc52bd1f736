"""`matome-search serve` for real: waitress, indexing on start, --watch."""

import json
import os
import shutil
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request

import pytest

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


@pytest.fixture
def served(tmp_path):
    site = copy_sample_site(tmp_path / "site")
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "search.cli", "serve", "--site", site, "--index-dir", tmp_path / "index",
         "--port", str(port), "--watch"],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    base = f"http://127.0.0.1:{port}"
    assert wait_for(lambda: get_json(base + "/healthz")[0] == 200, 120), "server did not start"
    yield site, base
    proc.terminate()
    _, stderr = proc.communicate(timeout=10)
    assert "Traceback" not in stderr
    assert "search.service warmed" in stderr  # serving warms the index it opens


def total(base, query):
    return get_json(base + "/api/search?q=" + urllib.parse.quote(query))[2]["total"]


def test_serve_indexes_missing_index_and_binds_loopback(served):
    site, base = served
    status, headers, data = get_json(base + "/healthz")
    assert data["comments"] == 142
    assert headers["Server"] == "matome-search"  # waitress, not the Flask debug server


def test_watch_picks_up_new_changed_and_deleted_posts(served):
    site, base = served
    text = post_text("監視", date="2025-08-01", quotes=[("監視テストのカピバラ", "watcher", "2025/08/01 10:00:00")])
    path = write_post(site, "2025_08_01_watch", text, date="2025-08-01")
    assert wait_for(lambda: total(base, "カピバラ") == 1, 20)
    path.write_text(text.replace("カピバラ", "アルパカ"), "utf-8")
    assert wait_for(lambda: total(base, "アルパカ") == 1 and total(base, "カピバラ") == 0, 20)
    shutil.rmtree(path.parent)
    assert wait_for(lambda: total(base, "アルパカ") == 0, 20)


def test_watch_survives_a_site_it_cannot_list(monkeypatch, caplog):
    from search.errors import SiteError
    from web import server

    stop = threading.Event()
    states = [{"a": 1}, SiteError("posts/2025_09", "cannot list directory"),
              SiteError("posts/2025_09", "cannot list directory"), {"a": 1}, {"a": 1}, {"a": 2}]

    def snapshot(site):
        state = states.pop(0)
        if not states:
            stop.set()
        if isinstance(state, Exception):
            raise state
        return state

    refreshes = []
    monkeypatch.setattr(server, "snapshot", snapshot)
    monkeypatch.setattr(server, "refresh_index", lambda site, index_dir, jobs=None: refreshes.append(jobs))
    server.watch_site("site", "index", stop, interval=0)
    # Once after the site became listable again, once for the change.
    assert refreshes == [1, 1]
    errors = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
    assert errors == ["cannot list the site's posts: posts/2025_09: cannot list directory; will retry"]
