"""Posts that used to stop everything, dates that blew up a page, links and text
that reached a browser or a terminal: each case with a small literal example,
through the real indexer, CLI and web app."""

from __future__ import annotations

import json
import re
import threading
import time
from contextlib import contextmanager

import pytest

from search.index.indexer import update_index
from search.ingest import hugo
from search.ingest.hugo import parse_created_at, parse_post
from search.records import SearchRequest
from search.retrieve.service import SearchService
from tests.builders import copy_sample_site, post_text, write_post
from tests.conftest import invoke_cli, run_cli

PATH, URL = "content/posts/2025_01/x/index.md", "https://example.com/posts/2025_01/x/"
NESTED = "x = " + "[" * 1000 + "]" * 1000 + "\n"


def with_front_matter(extra: str, **kwargs) -> str:
    """A post whose front matter also holds `extra` TOML."""
    return post_text("題名", **kwargs).replace("+++\n", "+++\n" + extra, 1)


def good_post(word: str) -> str:
    return post_text(f"{word}の記事", quotes=[(f"{word}について書いた", "alice")])


@contextmanager
def web_client(index_dir):
    """A test client of the real app over `index_dir`, its service closed after."""
    from web import create_app, get_service

    app = create_app({"INDEX_DIR": str(index_dir), "TESTING": True})
    try:
        yield app.test_client()
    finally:
        get_service(app).close()


def search(index_dir, query="", **kwargs):
    service = SearchService(index_dir)
    try:
        return service.search(SearchRequest(query=query, **kwargs))
    finally:
        service.close()


# -- files that stopped everything ------------------------------------------


def test_front_matter_nested_a_thousand_deep_is_a_warning_not_a_crash():
    post, warnings = parse_post(with_front_matter(NESTED).encode(), PATH, URL)
    assert post is None
    assert [w.line for w in warnings] == [1] and "nested too deeply" in warnings[0].message


def test_a_created_at_before_year_one_in_utc_skips_that_comment_only():
    assert parse_created_at("0001-01-01T00:00:00+09:00") is None  # OverflowError before
    text = post_text("題名", quotes=[("残る", "alice"), ("消える", "bob", "0001-01-01T00:00:00+09:00")])
    post, warnings = parse_post(text.encode(), PATH, URL)
    assert [q.user for q in post.quotes] == ["alice"]
    assert any("invalid createdAt" in w.message for w in warnings)


def test_bad_posts_never_stop_the_others(tmp_path):
    site = copy_sample_site(tmp_path / "site")
    write_post(site, "nested", with_front_matter(NESTED))
    write_post(site, "overflow", post_text("題名", quotes=[("x", "bob", "0001-01-01T00:00:00+09:00")]))
    write_post(site, "fine", good_post("zqfine"))
    result = run_cli("index", "--site", site, "--index-dir", tmp_path / "index")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert re.search(r"warning: content/posts/2025_03/nested/index.md:1: .*nested too deeply", result.stderr)
    assert search(tmp_path / "index", "zqfine").total == 1
    strict = run_cli("index", "--site", site, "--index-dir", tmp_path / "strict", "--strict")
    assert strict.returncode == 1 and "Traceback" not in strict.stderr


def test_a_post_over_the_size_limit_is_skipped_unread(tmp_path):
    site = copy_sample_site(tmp_path / "site")
    write_post(site, "giant", good_post("zqgiant") + "x" * 1_100_000)
    write_post(site, "fine", good_post("zqfine"))
    result = invoke_cli("index", "--site", site, "--index-dir", tmp_path / "index", "--max-post-mb", "1")
    assert result.exit_code == 0, result.stderr
    assert "warning: content/posts/2025_03/giant/index.md: larger than 1 MB" in result.stderr
    assert search(tmp_path / "index", "zqgiant").total == 0 and search(tmp_path / "index", "zqfine").total == 1
    again = invoke_cli("index", "--site", site, "--index-dir", tmp_path / "index2", env={"MATOME_MAX_POST_MB": "2"})
    assert again.exit_code == 0 and "larger than" not in again.stderr
    assert search(tmp_path / "index2", "zqgiant").total == 1


@pytest.mark.parametrize(
    "bad, message",
    [
        ("abc", "'abc' is not a number of megabytes"),
        ("0", "must be a positive number of megabytes, not 0.0"),
        ("-1", "must be a positive number of megabytes, not -1.0"),
        ("nan", "must be a positive number of megabytes, not nan"),
    ],
)
def test_serve_refuses_a_bad_size_limit_before_reading_the_site(tmp_path, bad, message):
    # No site there: a limit read after the site would fail on the site instead.
    refused = invoke_cli(
        "serve",
        "--site",
        tmp_path / "nosite",
        "--index-dir",
        tmp_path / "index",
        "--port",
        "1",
        env={"MATOME_MAX_POST_MB": bad},
    )
    assert refused.exit_code == 1
    assert refused.stderr == f"error: MATOME_MAX_POST_MB: {message}\n"


def test_the_watch_loop_outlives_a_failing_round_and_reports_it(tmp_path, monkeypatch):
    from search.index import watch as watcher

    site_dir = copy_sample_site(tmp_path / "site")
    index_dir = tmp_path / "index"
    update_index(hugo.load_site(site_dir), index_dir, jobs=1)
    real_update = watcher.update_index
    failures = iter([RuntimeError("a bug no test foresaw")])

    def flaky(*args, **kwargs):  # the first round fails as an unforeseen bug would
        failure = next(failures, None)
        if failure is not None:
            raise failure
        return real_update(*args, **kwargs)

    monkeypatch.setattr(watcher, "update_index", flaky)
    stop = threading.Event()
    thread = threading.Thread(target=watcher.watch_site, args=(hugo.load_site(site_dir), index_dir, stop, 0.05))
    thread.start()
    try:
        _wait(lambda: watcher.read_status(index_dir)["last_error"])
        status = watcher.read_status(index_dir)
        assert status["running"] and status["last_error"] == "RuntimeError"  # its kind; the text is logged
        write_post(site_dir, "later", good_post("zqlater"))  # the next change is indexed
        _wait(lambda: search(index_dir, "zqlater").total == 1)
        assert watcher.read_status(index_dir)["last_success"] is not None
    finally:
        stop.set()
        thread.join(10)
    assert not thread.is_alive()


def test_a_round_that_finds_the_index_locked_is_retried_without_a_new_change(tmp_path):
    from search.index import store
    from search.index import watch as watcher

    site_dir = copy_sample_site(tmp_path / "site")
    index_dir = tmp_path / "index"
    update_index(hugo.load_site(site_dir), index_dir, jobs=1)
    write_post(site_dir, "waiting", good_post("zqwaiting"))
    stop = threading.Event()
    thread = threading.Thread(target=watcher.watch_site, args=(hugo.load_site(site_dir), index_dir, stop, 0.05))
    with store.writer_lock(index_dir):  # another indexer runs
        thread.start()
        time.sleep(0.5)
        assert watcher.read_status(index_dir)["last_success"] is None
    try:
        _wait(lambda: search(index_dir, "zqwaiting").total == 1)  # no further change was needed
        assert watcher.read_status(index_dir)["last_success"] is not None
    finally:
        stop.set()
        thread.join(10)


def _wait(condition, timeout=60.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


# -- dates that blew up a page -----------------------------------------------


def test_dates_at_the_edges_give_padded_months_a_bounded_histogram_and_valid_links(tmp_path):
    site = copy_sample_site(tmp_path / "site")
    write_post(
        site,
        "edges",
        post_text(
            "端",
            quotes=[
                ("紀元の zqedge", "alice", "0001-01-01T00:00:00"),
                ("未来の zqedge", "alice", "9999-12-31T23:59:59"),
                ("今の zqedge", "alice", "2025-03-21T10:00:00"),
            ],
        ),
    )
    result = run_cli("index", "--site", site, "--index-dir", tmp_path / "index")
    assert result.returncode == 0, result.stderr
    assert "implausible createdAt 0001-01-01" in result.stderr
    assert "implausible createdAt 9999-12-31" in result.stderr
    page = search(tmp_path / "index", "zqedge")
    assert [m for m, _ in page.months] == ["0001-01", "2025-03", "9999-12"]
    with web_client(tmp_path / "index") as client:
        html = client.get("/?q=zqedge").get_data(as_text=True)
        assert len(html) < 200_000 and html.count("<rect") <= 120  # 2 MB and 24,000 bars before
        links = re.findall(r'href="(/\?[^"]*since=[^"]*)"', html)
        assert len(links) == 3
        for link in links:
            assert client.get(link.replace("&amp;", "&")).status_code == 200
        assert client.get("/?since=0001-01-01&until=0001-01-31").status_code == 200


def test_histogram_bars_stay_bounded_and_count_everything():
    from web.histogram import MAX_BARS, bars

    assert bars([("2025-01", 2), ("2025-03", 1)]) == [
        ("2025-01", "2025-01", 2),
        ("2025-02", "2025-02", 0),
        ("2025-03", "2025-03", 1),
    ]
    yearly = bars([("2000-05", 1), ("2030-02", 4)])  # 30 years: one bar a year
    assert yearly[0] == ("2000-01", "2000-12", 1) and yearly[-1] == ("2030-01", "2030-12", 4)
    wide = bars([("1-01", 1), ("9999-12", 1), ("2025-03", 5)])
    assert len(wide) <= MAX_BARS and sum(n for _, _, n in wide) == 7
    assert wide[0][0] == "0001-01" and wide[-1][1] == "9999-12"  # no bar labelled past the data


# -- links and text that reached a browser or a terminal -------------------


@pytest.mark.parametrize(
    "link", ["javascript:alert(1)", "data:text/html,<b>x</b>", "//evil.example/x", "ftp://example.com/x", "https://"]
)
def test_only_http_links_become_source_links(link):
    text = post_text("題名", quotes=[("本文", "alice")], source=link)
    post, warnings = parse_post(text.encode(), PATH, URL)
    assert post.source_url is None
    assert any(w.line == 12 and "not an http(s) URL" in w.message for w in warnings)
    assert parse_post(post_text("題名", quotes=[("本文", "alice")]).encode(), PATH, URL)[0].source_url


def test_a_javascript_source_link_reaches_neither_page_nor_api(tmp_path):
    site = copy_sample_site(tmp_path / "site")
    write_post(site, "js", post_text("題名", quotes=[("危険なリンク", "alice")], source="javascript:alert(1)"))
    update_index(hugo.load_site(site), tmp_path / "index", jobs=1)
    with web_client(tmp_path / "index") as client:
        assert "javascript:" not in client.get("/?q=危険なリンク").get_data(as_text=True)
        hit = client.get("/api/search?q=危険なリンク").get_json()["results"][0]
    assert hit["source_url"] is None


def test_a_base_url_that_is_not_http_is_refused_at_start(tmp_path):
    site = copy_sample_site(tmp_path / "site")
    result = invoke_cli("index", "--site", site, "--index-dir", tmp_path / "index", "--base-url", "javascript:x")
    assert result.exit_code == 1 and "is not an http(s) URL" in result.stderr
    assert not (tmp_path / "index").exists()


def test_control_characters_never_reach_the_terminal(tmp_path):
    site = copy_sample_site(tmp_path / "site")
    evil = "mallory\x1b]0;owned\x07\u202e"
    text = post_text("題名", quotes=[("zqctl 制御文字\x9b31mの本文", evil)])
    write_post(site, "evil", text.replace("title = '題名'", 'title = "題\\u001b[2J名"'))
    index = tmp_path / "index"
    assert run_cli("index", "--site", site, "--index-dir", index).returncode == 0
    human = run_cli("query", "zqctl", "--index-dir", index)
    assert human.returncode == 0 and "1 matches" in human.stdout
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]", human.stdout)
    assert "mallory\\x1b]0;owned\\x07\\u202e" in human.stdout and "題\\x1b[2J名" in human.stdout
    machine = run_cli("query", "zqctl", "--index-dir", index, "--json")
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]", machine.stdout)
    assert json.loads(machine.stdout)["results"][0]["user"] == evil  # the data itself is intact


def test_a_tag_with_a_comma_round_trips(tmp_path):
    site = copy_sample_site(tmp_path / "site")
    write_post(site, "c", post_text("言語", tags=("C, C++", "50%", "Rust"), quotes=[("ポインタの話", "alice")]))
    update_index(hugo.load_site(site), tmp_path / "index", jobs=1)
    page = search(tmp_path / "index", "ポインタ")
    assert page.hits[0].tags == ("C, C++", "50%", "Rust")
    assert dict(page.tags) == {"C, C++": 1, "50%": 1, "Rust": 1}
    assert search(tmp_path / "index", tags=("C, C++",)).total == 1
    assert search(tmp_path / "index", tags=("C",)).total == 0
    assert search(tmp_path / "index", "tag:50%").total == 1 and search(tmp_path / "index", "tag:50%25").total == 0
    with web_client(tmp_path / "index") as client:
        api = client.get("/api/search", query_string={"q": "ポインタ", "tag": "C, C++"}).get_json()
    assert api["total"] == 1 and api["results"][0]["tags"] == ["C, C++", "50%", "Rust"]
