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


def test_context_expands_in_place_and_folds_away(server, browser, tmp_path):
    page = browser.new_page(viewport={"width": 1000, "height": 900})
    page.goto(server + "/?q=" + "東京都の人口")
    page.wait_for_selector(".hit")
    url = page.url
    page.evaluate("window.notReloaded = true")
    hit = page.locator(".hit").first
    toggle = hit.locator("a.context-toggle")
    assert toggle.inner_text() == "前後のコメント"

    toggle.click()
    hit.locator(".thread-inline .comment").first.wait_for()
    comments = hit.locator(".thread-inline .comment")
    assert comments.count() == 4  # clipped: the second comment of its post, n=2
    assert hit.locator(".thread-inline a.user").all_inner_texts() == [
        "kyotofan", "tokyoite", "HarHarVeryFunny", "hostile"]
    marked = hit.locator(".thread-inline .hit-comment")
    assert marked.count() == 1 and "東京都の人口は多い。" in marked.inner_text() and "このコメント" in marked.inner_text()
    assert "<script>alert(1)</script>" in comments.nth(3).locator(".body").inner_text()  # text, not markup
    assert toggle.get_attribute("aria-expanded") == "true"
    assert page.url == url and page.evaluate("window.notReloaded") is True
    page.screenshot(path=str(tmp_path / "context.png"), full_page=True)

    toggle.click()
    hit.locator(".thread-inline").wait_for(state="detached")
    assert toggle.get_attribute("aria-expanded") == "false"
    assert page.url == url and page.evaluate("window.notReloaded") is True

    # Results put in the page later are handled as well: the listener is on document.
    page.evaluate("""() => {
        const results = document.querySelector('.results');
        results.innerHTML = results.innerHTML;
    }""")
    page.locator(".hit a.context-toggle").first.click()
    page.locator(".hit").first.locator(".thread-inline .comment").first.wait_for()
    assert page.url == url


def test_context_page_without_javascript(server, browser):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(server + "/?q=" + "東京都の人口")
    page.locator("a.context-toggle").first.click()
    page.wait_for_selector(".context-page")
    assert "/context?post=" in page.url
    assert page.locator(".thread a.user").all_inner_texts() == ["kyotofan", "tokyoite", "HarHarVeryFunny", "hostile"]
    assert page.locator(".hit-comment .marker").inner_text() == "このコメント"
    context.close()


def test_hostile_comment_shows_literally(server, browser):
    page = browser.new_page()
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(server + "/?q=alert")
    page.wait_for_selector(".hit")
    assert "<script>alert(1)</script>" in page.locator(".snippet").first.inner_text()
    assert dialogs == []
