"""The page in headless Chromium, driven like a reader would."""

import datetime
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import parse_qs, quote, urlparse

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
        [
            sys.executable,
            "-m",
            "web.cli",
            "serve",
            "--site",
            site_dir,
            "--index-dir",
            index,
            "--port",
            str(port),
            "--threads",
            "4",
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
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
    page.wait_for_function("() => document.title.startsWith('機械学習')")  # typed or reloaded
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
        "kyotofan",
        "tokyoite",
        "HarHarVeryFunny",
        "hostile",
    ]
    marked = hit.locator(".thread-inline .hit-comment")
    assert (
        marked.count() == 1 and "東京都の人口は多い。" in marked.inner_text() and "このコメント" in marked.inner_text()
    )
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


# --- Results as you type -------------------------------------------------------------

START = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)


def live_queries(page) -> list:
    """Record the `q` of every search the page fetches by itself (not page loads)."""
    queries = []

    def record(request):
        if request.resource_type == "fetch" and urlparse(request.url).path == "/":
            queries.append(parse_qs(urlparse(request.url).query).get("q", [""])[0])

    page.on("request", record)
    return queries


def pause_clock(page, url) -> None:
    """Open `url` with the page's timers stopped: only `page.clock.run_for` moves them."""
    page.clock.install(time=START)
    page.goto(url)
    page.clock.pause_at(START + datetime.timedelta(hours=1))


def shown_users(page) -> list:
    return page.locator(".hit a.user").all_inner_texts()


def url_query(page) -> dict:
    return parse_qs(urlparse(page.url).query)


def test_no_search_while_an_ime_composition_is_open(server, browser):
    page = browser.new_page(viewport={"width": 1000, "height": 900})
    pause_clock(page, server + "/?q=" + quote("京都"))
    queries = live_queries(page)
    page.evaluate("""() => {
        window.submits = 0;
        document.querySelector("form.searchbox").addEventListener("submit", () => { window.submits += 1; });
    }""")
    page.focus("#q")
    page.keyboard.press("ArrowDown")  # a result is selected: a stray Enter would open it
    assert page.locator(".hit.selected").count() == 1
    enter = "(init) => document.getElementById('q').dispatchEvent(new KeyboardEvent('keydown', init))"
    ime_key = {"key": "Enter", "keyCode": 229, "bubbles": True, "cancelable": True}
    # A key the IME takes comes as keyCode 229 (before compositionstart in Chrome, after
    # compositionend for Safari's confirming Enter); inside a composition, isComposing is set.
    page.evaluate(enter, {**ime_key, "isComposing": False})
    page.evaluate("""() => {
        const box = document.getElementById("q");
        box.dispatchEvent(new CompositionEvent("compositionstart", {data: ""}));
        for (const text of ["京都 k", "京都 く", "京都 くう", "京都 空港"]) {
            box.value = text;
            box.dispatchEvent(new InputEvent("input", {data: text.slice(3), isComposing: true,
                                                       inputType: "insertCompositionText"}));
        }
    }""")
    page.clock.run_for(2000)
    page.evaluate(enter, {**ime_key, "isComposing": True})  # the Enter that confirms 空港
    page.clock.run_for(2000)
    assert queries == []
    assert page.evaluate("window.submits") == 0
    assert urlparse(page.url).netloc == urlparse(server).netloc  # the selected result was not opened
    page.evaluate("""() => document.getElementById("q").dispatchEvent(
        new CompositionEvent("compositionend", {data: "空港"}))""")
    with page.expect_response(lambda r: r.request.resource_type == "fetch"):
        page.clock.run_for(200)
    page.wait_for_function("() => document.title.startsWith('京都 空港')")
    assert queries == ["京都 空港"]
    assert url_query(page)["q"] == ["京都 空港"]


def test_chromium_ime_composition_sends_only_the_converted_text(server, browser):
    page = browser.new_page(viewport={"width": 1000, "height": 900})
    pause_clock(page, server + "/")
    queries = live_queries(page)
    page.focus("#q")
    ime = page.context.new_cdp_session(page)
    for reading in ["く", "くう", "くうこ", "くうこう", "空港"]:
        ime.send(
            "Input.imeSetComposition", {"text": reading, "selectionStart": len(reading), "selectionEnd": len(reading)}
        )
        page.clock.run_for(1000)
    assert page.input_value("#q") == "空港" and queries == []
    with page.expect_response(lambda r: r.request.resource_type == "fetch"):
        ime.send("Input.insertText", {"text": "空港"})  # the conversion is confirmed
        page.clock.run_for(200)
    page.wait_for_selector(".hit")
    assert queries == ["空港"] and shown_users(page) == ["airport"]


def test_fast_typing_sends_one_search_for_the_last_text(server, browser):
    page = browser.new_page(viewport={"width": 1000, "height": 900})
    pause_clock(page, server + "/")
    queries = live_queries(page)
    page.focus("#q")
    for text in ["関", "関西", "関西国際", "関西国際空港"]:
        page.fill("#q", text)
        page.clock.run_for(100)  # each keystroke inside the debounce of the one before
    assert queries == []
    with page.expect_response(lambda r: r.request.resource_type == "fetch"):
        page.clock.run_for(200)
    page.wait_for_selector(".hit")
    assert queries == ["関西国際空港"]
    assert shown_users(page) == ["airport"]


def test_a_live_search_moves_the_feed_link_and_a_failed_one_shows_the_page(server, browser):
    page = browser.new_page(viewport={"width": 1000, "height": 900})
    page.goto(server + "/?q=" + quote("京都"))
    page.fill("#q", "空港")
    page.wait_for_selector(".hit a.user:text('airport')")
    feeds = page.locator('head link[type="application/atom+xml"]')
    assert feeds.count() == 1 and parse_qs(urlparse(feeds.get_attribute("href")).query)["q"] == ["空港"]

    def refuse(route):  # the live request fails; loading the page itself is left alone
        if route.request.resource_type == "fetch":
            route.fulfill(status=400, content_type="text/html", body="<title>bad</title>")
        else:
            route.continue_()

    page.route(lambda url: urlparse(url).path == "/" and "q=" in url, refuse)
    with page.expect_navigation():
        page.fill("#q", "関西")
    assert url_query(page)["q"] == ["関西"] and page.locator(".hit").count() > 0


@pytest.mark.parametrize("abort_works", [True, False])
def test_a_late_answer_to_an_older_query_is_never_shown(server, browser, abort_works):
    page = browser.new_page(viewport={"width": 1000, "height": 900})
    if not abort_works:
        # The older answer has already arrived when the newer request starts: abort is too late.
        page.add_init_script("AbortController.prototype.abort = function () {};")
    held = []

    def hold_kyoto(route):
        if parse_qs(urlparse(route.request.url).query).get("q") == ["京都"]:
            held.append(route)
        else:
            route.continue_()

    page.route(lambda url: urlparse(url).path == "/" and "q=" in url, hold_kyoto)
    page.goto(server + "/")
    failed = []
    page.on("requestfailed", lambda r: failed.append(parse_qs(urlparse(r.url).query)["q"][0]))
    page.focus("#q")
    page.fill("#q", "京都")
    while not held:  # the route handler runs while Playwright waits
        page.wait_for_timeout(20)
    page.fill("#q", "空港")
    page.wait_for_selector(".hit a.user:text('airport')")
    stale = held[0].fetch()
    assert "kyotofan" in stale.text()
    held[0].fulfill(response=stale)
    if abort_works:
        assert failed == ["京都"]
    else:
        page.wait_for_function(
            "() => performance.getEntriesByType('resource').some(e => e.name.includes('q=%E4%BA%AC%E9%83%BD'))"
        )
        page.evaluate("() => new Promise(r => setTimeout(r, 0))")
    assert shown_users(page) == ["airport"]
    assert page.input_value("#q") == "空港"
    assert url_query(page)["q"] == ["空港"]


def test_arrows_and_enter_open_a_result_and_the_url_follows(server, browser):
    page = browser.new_page(viewport={"width": 1000, "height": 900})
    page.route(
        "https://www.kaigai-tech-matome.com/**",
        lambda route: route.fulfill(content_type="text/html", body="<title>post</title>"),
    )
    page.goto(server + "/?tag=" + quote("旅行") + "&sort=oldest")
    page.focus("#q")
    page.keyboard.type("京都")
    page.wait_for_function("() => document.title.startsWith('京都')")
    assert url_query(page) == {"q": ["京都"], "tag": ["旅行"], "sort": ["oldest"]}
    assert shown_users(page) == ["kyotofan", "tokyoite"]  # the filters and the sort were kept
    assert page.input_value("form.filters input[name=q]") == "京都"

    page.reload()  # the URL alone gives the same page
    assert shown_users(page) == ["kyotofan", "tokyoite"] and page.input_value("#q") == "京都"

    page.focus("#q")
    for key in ["ArrowDown", "ArrowDown", "ArrowDown", "ArrowUp"]:
        page.keyboard.press(key)
    hits = page.locator(".hit")
    assert [hits.nth(i).evaluate("e => e.classList.contains('selected')") for i in range(2)] == [True, False]
    link = hits.nth(0).locator("a.postlink").get_attribute("href")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.split("#")[0] == link.split("#")[0]


def test_links_and_details_in_swapped_results_still_work(server, browser):
    page = browser.new_page(viewport={"width": 1000, "height": 900})
    page.goto(server + "/")
    page.focus("#q")
    page.fill("#q", "空港")
    page.wait_for_selector(".hit a.user:text('airport')")
    page.locator(".hit details summary").first.click()
    assert page.locator(".hit .body").first.is_visible()
    page.locator(".hit a.user").first.click()
    page.wait_for_url("**user=airport**")
    assert shown_users(page) == ["airport"]


def test_an_emptied_box_shows_the_landing_page_again(server, browser):
    page = browser.new_page(viewport={"width": 1000, "height": 900})
    page.goto(server + "/?q=" + quote("空港"))
    page.fill("#q", "\u3000 ")
    page.wait_for_selector("section.empty h1")
    assert page.locator(".hit").count() == 0
    assert urlparse(page.url).path == "/" and urlparse(page.url).query == ""


def test_a_full_width_space_separates_words_like_a_space(server, browser):
    page = browser.new_page(viewport={"width": 1000, "height": 900})
    page.goto(server + "/?q=" + quote("機械 学習"))
    spaced = page.locator(".hit .snippet").all_inner_texts()
    assert spaced
    page.goto(server + "/")
    page.focus("#q")
    page.keyboard.type("機械\u3000学習")
    page.wait_for_function("() => document.title.startsWith('機械 学習')")
    assert url_query(page)["q"] == ["機械 学習"]
    assert page.locator(".hit .snippet").all_inner_texts() == spaced
    assert "spread" in shown_users(page)  # both words, not the compound 機械学習


def test_a_phone_sees_results_first_and_the_facets_folded(server, browser):
    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.goto(server + "/?q=" + quote("機械学習"))
    assert page.locator(".hit").first.bounding_box()["y"] < 844
    assert page.locator(".facets details").evaluate("d => d.open") is False
    assert not page.locator(".facets h2").first.is_visible()
    assert not page.locator("form.filters").is_visible()
    hit = page.locator(".hit").first.bounding_box()
    assert (
        page.locator(".conditions summary").bounding_box()["y"] < hit["y"] < page.locator(".facets").bounding_box()["y"]
    )

    page.locator(".facets summary").click()  # the fold opens on request, and stays open
    assert page.locator(".facets h2").first.is_visible()
    page.fill("#q", "数学")
    page.wait_for_function("() => document.title.startsWith('数学')")
    assert page.locator(".facets h2").first.is_visible()

    page.set_viewport_size({"width": 1000, "height": 900})  # a wide screen shows everything
    expect(page.locator("form.filters")).to_be_visible()  # once the media query has changed
    assert not page.locator(".conditions summary").is_visible()
    hit, facets = page.locator(".hit").first.bounding_box(), page.locator(".facets").bounding_box()
    assert facets["x"] > hit["x"] + hit["width"] - 1 and facets["y"] < 300


def test_without_javascript_the_form_submits(server, browser):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(server + "/")
    page.fill("#q", "空港")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert url_query(page) == {"q": ["空港"]} and shown_users(page) == ["airport"]
    assert page.locator(".facets h2").first.is_visible()  # nothing folded, facets after results
    assert page.locator(".facets").bounding_box()["y"] > page.locator(".hit").first.bounding_box()["y"]
    context.close()


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
    # A grouped comment expands its neighbours under itself, not under the post.
    comment = first.locator(".post-comments li.comment").first
    comment.locator("a.context-toggle").click()
    comment.locator(".thread-inline .thread li").first.wait_for()
    assert "group=post" in page.url and first.locator(":scope > .thread-inline").count() == 0
    # A new search from the box stays grouped.
    page.fill("#q", "京都")
    page.keyboard.press("Enter")
    # The new query's page, not the grouped page still showing before it loads.
    deadline = time.monotonic() + 15
    while "q=%E4%BA%AC%E9%83%BD" not in page.url and time.monotonic() < deadline:
        page.wait_for_timeout(50)
    page.wait_for_selector(".post-group")
    assert "group=post" in page.url and "京都と東京都の話" in page.locator(".post-title").first.inner_text()
    page.locator(".grouping a", has_text="コメント単位").click()
    page.wait_for_selector(".hit:not(.post-group)")
    assert "group=" not in page.url
