"""The Hugo partials of docs/hugo-search-partial.md, rendered by a real Hugo on the sample archive.

Skipped where `hugo` is not installed (`apt-get install hugo` brings it);
the partials are taken from the document itself, so what it shows is what
is checked.
"""

import functools
import os
import re
import shutil
import subprocess
import sys
import threading
from html.parser import HTMLParser
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.builders import ROOT, SAMPLE_SITE
from tests.test_browser import CHROMIUM, free_port

DOC = ROOT / "docs" / "hugo-search-partial.md"
HUGO = shutil.which("hugo")
pytestmark = pytest.mark.skipif(HUGO is None, reason="hugo not installed")
SERVICE = "https://search.example.com"

LAYOUTS = {
    "_default/baseof.html": (
        '<!doctype html><html><head><meta charset="utf-8">{{ partial "feed-link.html" . }}</head>'
        '<body>{{ partial "matome-search.html" . }}{{ block "main" . }}{{ end }}</body></html>'
    ),
    "_default/single.html": '{{ define "main" }}{{ .Content }}{{ partial "matome-related.html" . }}{{ end }}',
    "_default/list.html": '{{ define "main" }}{{ range .Pages }}{{ .Title }}{{ end }}{{ end }}',
    "shortcodes/matomeQuote.html": '<blockquote>{{ .Get "body" }}</blockquote>',
    "shortcodes/details.html": "<details>{{ .Inner }}</details>",  # the theme's, in newer Hugo built in
}


def doc_blocks() -> dict:
    """The document's template blocks, by the partial each is."""
    blocks = re.findall(r"```go-html-template\n(.*?)```", DOC.read_text("utf-8"), re.DOTALL)
    found = {}
    for block in blocks:
        if "Search box for matome-search" in block:
            found["matome-search.html"] = block
        elif "Related posts from matome-search" in block:
            found["matome-related.html"] = block
        elif "feed.atom" in block:
            found["feed-link.html"] = block
    assert set(found) == {"matome-search.html", "matome-related.html", "feed-link.html"}
    return found


class Forms(HTMLParser):
    """The attributes of each form, input, link and aside of a page."""

    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        if tag in ("form", "input", "link", "aside"):
            self.tags.append((tag, dict(attrs)))


def parsed(path) -> list[tuple[str, dict]]:
    parser = Forms()
    parser.feed(path.read_text("utf-8"))
    return parser.tags


def build_hugo_site(site, service_url: str):
    """The sample archive with the document's partials, built by Hugo; return its public/ directory."""
    shutil.copytree(SAMPLE_SITE, site)
    config = site / "hugo.toml"
    config.write_text(config.read_text("utf-8") + f'\n[params.matomeSearch]\n  url = "{service_url}"\n', "utf-8")
    layouts = {**LAYOUTS, **{f"partials/{name}": text for name, text in doc_blocks().items()}}
    for name, text in layouts.items():
        path = site / "layouts" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, "utf-8")
    result = subprocess.run(
        [HUGO, "--quiet", "-s", str(site), "-d", str(site / "public")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return site / "public"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    return build_hugo_site(tmp_path_factory.mktemp("hugo") / "site", SERVICE + "/")


def test_search_box_sends_q_to_the_service(built):
    post = next(built.glob("posts/2025_03/*/index.html"))
    tags = parsed(post)
    form = next(attrs for tag, attrs in tags if tag == "form")
    assert form["action"] == SERVICE + "/" and form["method"] == "get"
    inputs = [attrs for tag, attrs in tags if tag == "input"]
    assert [i["name"] for i in inputs] == ["q"]


def test_tag_page_searches_within_the_tag_and_links_its_feed(built):
    tags = parsed(built / "tags" / "llm" / "index.html")
    hidden = [attrs for tag, attrs in tags if tag == "input" and attrs.get("type") == "hidden"]
    assert [(h["name"], h["value"]) for h in hidden] == [("tag", "LLM")]
    (feed,) = [attrs for tag, attrs in tags if tag == "link" and attrs.get("type") == "application/atom+xml"]
    assert feed["href"] == SERVICE + "/feed.atom?tag=LLM"


def test_post_page_asks_the_api_for_its_first_tag(built):
    post = next(built.glob("posts/2025_09/*/index.html"))
    (aside,) = [attrs for tag, attrs in parsed(post) if tag == "aside"]
    assert aside["data-api"] == SERVICE + "/api/search"
    assert aside["data-tag"] == "LLM" and "hidden" in aside
    assert aside["data-self"].startswith("https://www.kaigai-tech-matome.com/posts/2025_09/")
    assert 'url.searchParams.set("group", "post")' in post.read_text("utf-8")


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium not installed (make test installs it)")
def test_related_posts_load_across_origins_only_for_the_named_one(site_dir, tmp_path):
    """The site on one port, the service on another with --cors-origin naming the first."""
    site_port, port = free_port(), free_port()
    with open(tmp_path / "server.log", "w+", encoding="utf-8") as log:  # a file: nobody reads a pipe meanwhile
        _serve_and_browse(tmp_path, site_dir, site_port, port, log)


def _serve_and_browse(tmp_path, site_dir, site_port, port, log):
    from playwright.sync_api import sync_playwright

    from bench.screenshot import CHROMIUM_ARGS
    from tests.test_server import get_json, stop_server, wait_for

    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "web.cli",
            "serve",
            "--site",
            site_dir,
            "--index-dir",
            tmp_path / "index",
            "--port",
            str(port),
            "--workers",
            "1",
            "--cors-origin",
            f"http://127.0.0.1:{site_port}",
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    static = None
    try:
        base = f"http://127.0.0.1:{port}"
        assert wait_for(lambda: get_json(base + "/healthz")[0] == 200, 120), "server did not start"
        public = build_hugo_site(tmp_path / "hugo", base)
        handler = functools.partial(SimpleHTTPRequestHandler, directory=str(public))
        static = ThreadingHTTPServer(("127.0.0.1", site_port), handler)
        threading.Thread(target=static.serve_forever, daemon=True).start()
        post = next(public.glob("posts/2025_09/*/index.html")).parent.relative_to(public).as_posix()
        with sync_playwright() as p:
            chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            try:
                _check_related(chromium, site_port, post)
            finally:
                chromium.close()
    finally:
        if static is not None:
            static.shutdown()
            static.server_close()
        wait_for(lambda: "search.service warmed" in (tmp_path / "server.log").read_text("utf-8"), 60)
        stop_server(proc, log)


def _check_related(chromium, site_port: int, post: str) -> None:
    page = chromium.new_page()
    page.goto(f"http://127.0.0.1:{site_port}/{post}/")
    page.wait_for_selector(".matome-related li")
    items = page.locator(".matome-related li").all_inner_texts()
    assert items and items[0].startswith("京都と東京都の話 (") and items[0].endswith("件)")
    assert not any("LLM理解に必須の数学" in item for item in items)  # not the page itself
    # The same page from another origin: the browser refuses the answer, the list stays hidden.
    other = chromium.new_page()
    other.goto(f"http://localhost:{site_port}/{post}/")
    other.wait_for_load_state("networkidle")
    assert other.locator(".matome-related").is_hidden()
    assert other.locator(".matome-related li").count() == 0
