"""The page in headless Chromium, driven like a reader would."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.builders import ROOT

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium not installed (make test installs it)"),
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server(site_dir, tmp_path_factory):
    index = tmp_path_factory.mktemp("browser") / "index"
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "search.cli", "serve", "--site", site_dir, "--index-dir", index,
         "--port", str(port), "--threads", "4"],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url + "/healthz", timeout=1).close()
            break
        except OSError:
            time.sleep(0.2)
    else:
        proc.kill()
        pytest.fail("server did not start")
    yield url
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    from bench.screenshot import CHROMIUM_ARGS

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def test_search_filter_page_and_tag(server, browser, tmp_path):
    page = browser.new_page(viewport={"width": 1000, "height": 900})
    page.goto(server + "/")
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "q"
    page.keyboard.type("機械学習")
    page.keyboard.press("Enter")
    page.wait_for_selector(".hit")
    assert page.locator(".hit mark").count() > 0
    assert "機械学習" in page.input_value("#q")

    link = page.locator("a.postlink").first.get_attribute("href")
    assert "/posts/" in link and "#:~:text=" in link

    user = page.locator("a.user").first.inner_text()
    page.locator("a.user").first.click()
    page.wait_for_selector(".hit")
    assert f"user={user}" in page.url
    assert set(page.locator("a.user").all_inner_texts()) == {user}

    page.goto(server + "/?user=lucasoshiro&per_page=1")
    first = page.locator(".snippet").first.inner_text()
    page.locator("a[rel=next]").click()
    page.wait_for_selector(".hit")
    assert "page=2" in page.url and page.locator(".snippet").first.inner_text() != first
    page.go_back()
    assert page.locator(".snippet").first.inner_text() == first

    page.locator("a.tag").first.click()
    page.wait_for_selector(".hit")
    assert "tag=" in page.url
    page.screenshot(path=str(tmp_path / "search.png"), full_page=True)
    assert (tmp_path / "search.png").stat().st_size > 10_000


def test_hostile_comment_shows_literally(server, browser):
    page = browser.new_page()
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(server + "/?q=alert")
    page.wait_for_selector(".hit")
    assert "<script>alert(1)</script>" in page.locator(".snippet").first.inner_text()
    assert dialogs == []


def test_group_by_post_toggle_and_feed_link(server, browser):
    page = browser.new_page(viewport={"width": 1000, "height": 900})
    page.goto(server + "/?q=数学")
    page.wait_for_selector(".hit")
    assert page.locator(".grouping strong").inner_text() == "コメント単位"
    feed = page.locator('head link[type="application/atom+xml"]').get_attribute("href")
    assert feed == page.locator("a.feed").get_attribute("href") and feed.startswith("/feed.atom?q=")
    page.locator(".grouping a", has_text="記事単位").click()
    page.wait_for_selector(".post-group")
    assert "group=post" in page.url
    first = page.locator(".post-group").first
    assert first.locator(".matches").inner_text().endswith("件")
    assert 1 <= first.locator(".post-comments li").count() <= 3
    assert first.locator(".post-comments mark").count() > 0
    # A new search from the box stays grouped.
    page.fill("#q", "京都")
    page.keyboard.press("Enter")
    page.wait_for_selector(".post-group")
    assert "group=post" in page.url and "京都と東京都の話" in page.locator(".post-title").first.inner_text()
    page.locator(".grouping a", has_text="コメント単位").click()
    page.wait_for_selector(".hit:not(.post-group)")
    assert "group=" not in page.url
