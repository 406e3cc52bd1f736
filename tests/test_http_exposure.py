"""What the app exposes over HTTP: 503 bodies, absolute URLs behind a proxy, user page links."""

import gc
import html
import json
import logging
import re
import shutil
import urllib.request
import warnings
from urllib.parse import urljoin, urlsplit

import pytest
from flask import request, url_for

from search.index.indexer import update_index
from search.index.schema import BUILD_ID
from search.ingest import hugo
from search.settings import check_public_url
from tests.builders import copy_sample_site, post_text, write_post
from tests.conftest import invoke_cli
from tests.test_server import start_server, stop_server
from tests.test_web_api import assert_error
from web import create_app, get_service

UNAVAILABLE = "the search index is not available"


def make_client(config):
    app = create_app({"TESTING": True, **config})
    return app, app.test_client()


# 1. 503: the reader gets a generic message, the log gets the path and the hint.


def no_index(index, built):
    """No index directory at all."""


def bad_pointer(index, built):
    index.mkdir()
    (index / "CURRENT").write_text("{not json", encoding="utf-8")


def old_build(index, built):
    index.mkdir()
    (index / "CURRENT").write_text(json.dumps({"generation": "g000001", "build": "old-build"}), encoding="utf-8")


def empty_generation(index, built):
    (index / "g000001").mkdir(parents=True)
    (index / "CURRENT").write_text(json.dumps({"generation": "g000001", "build": BUILD_ID}), encoding="utf-8")


def truncated_segments(index, built):
    shutil.copytree(built(), index)
    for segment in index.glob("g*/*.seg"):
        segment.write_bytes(segment.read_bytes()[:100])


@pytest.mark.parametrize(
    "make_state, logged",
    [
        (no_index, "run `matome-search index` first"),
        (bad_pointer, "CURRENT is not a valid pointer"),
        (old_build, "old-build"),
        (empty_generation, "g000001 holds no index"),
        (truncated_segments, "cannot be read"),
    ],
    ids=["missing", "bad-pointer", "other-version", "empty-generation", "corrupt"],
)
def test_unavailable_index_is_logged_not_shown(tmp_path, caplog, request, make_state, logged):
    index = tmp_path / "secret-dir" / "index"
    index.parent.mkdir()
    make_state(index, lambda: request.getfixturevalue("user_index"))
    app, client = make_client({"INDEX_DIR": str(index)})
    with caplog.at_level(logging.WARNING, logger="matome_search.web"), warnings.catch_warnings():
        # Whoosh leaves a truncated segment's files open when its reader fails
        # half-built (a known leak in opening the searcher, not what this checks).
        warnings.simplefilter("ignore", ResourceWarning)
        api = client.get("/api/search", query_string={"q": "alpha"})
        page = client.get("/", query_string={"q": "alpha"})
        health = client.get("/healthz")
        get_service(app).close()
        gc.collect()

    assert_error(api, 503, None)
    assert api.get_json()["error"] == UNAVAILABLE
    assert page.status_code == 503 and page.mimetype == "text/html"
    assert "検索は準備中です" in page.get_data(as_text=True) and UNAVAILABLE in page.get_data(as_text=True)
    assert health.status_code == 503 and health.is_json  # JSON in every state, for monitors
    assert health.get_json()["status"] == "unavailable" and health.get_json()["error"] == UNAVAILABLE
    for response in (api, page, health):
        body = response.get_data(as_text=True)
        for secret in ("secret-dir", str(tmp_path), "matome-search index", logged):
            assert secret not in body

    logs = [r.getMessage() for r in caplog.records if r.name == "matome_search.web"]
    assert len(logs) >= 2 and all(str(index) in m for m in logs), logs
    assert any(logged in m for m in logs), logs
    hints = ("run `matome-search index` first", "run `matome-search index --rebuild`")
    assert all(any(h in m for h in hints) for m in logs), logs


def test_healthz_is_json_when_ready(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.is_json and response.get_json()["status"] == "ok"


# 2. Absolute URLs: --public-url, --proxy-headers.


def opensearch_urls(response) -> list[str]:
    assert response.status_code == 200
    return re.findall(r'template="([^"]+)"', response.get_data(as_text=True))


FORWARDED = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "proxy.example", "X-Forwarded-For": "203.0.113.9"}


@pytest.mark.parametrize(
    "config, headers, root",
    [
        ({}, {}, "http://localhost/"),
        ({}, FORWARDED, "http://localhost/"),  # without PROXY_HEADERS anybody's headers are ignored
        ({"PROXY_HEADERS": True}, FORWARDED, "https://proxy.example/"),
        ({"PUBLIC_URL": "https://search.example.com/"}, {}, "https://search.example.com/"),
        ({"PUBLIC_URL": "https://search.example.com"}, FORWARDED, "https://search.example.com/"),
        (
            {"PUBLIC_URL": "https://search.example.com:8443", "PROXY_HEADERS": True},
            FORWARDED,
            "https://search.example.com:8443/",
        ),
    ],
    ids=["default", "headers-ignored", "proxy-headers", "public-url", "public-url-wins", "both"],
)
def test_absolute_urls(index_dir, config, headers, root):
    app, client = make_client({"INDEX_DIR": str(index_dir), **config})
    assert opensearch_urls(client.get("/opensearch.xml", headers=headers)) == [
        root + "?q={searchTerms}",
        root + "api/search?q={searchTerms}",
    ]
    # A redirect the router writes is absolute too: /users -> /users/.
    redirect = client.get("/users", headers=headers)
    assert redirect.status_code == 308 and redirect.headers["Location"] == root + "users/"
    get_service(app).close()


def test_proxy_headers_give_the_reader_address(index_dir):
    seen = {}
    app, client = make_client({"INDEX_DIR": str(index_dir), "PROXY_HEADERS": True})
    app.before_request(lambda: seen.update(addr=request.remote_addr))
    client.get("/healthz", headers=FORWARDED)
    assert seen["addr"] == "203.0.113.9"
    get_service(app).close()


@pytest.mark.parametrize(
    "url, expected",
    [
        (None, None),
        ("", None),
        ("https://search.example.com", "https://search.example.com"),
        ("https://search.example.com/", "https://search.example.com"),
        ("http://127.0.0.1:8000/", "http://127.0.0.1:8000"),
        ("HTTPS://[::1]:8443", "https://[::1]:8443"),
    ],
)
def test_check_public_url(url, expected):
    assert check_public_url(url) == expected


BAD_PUBLIC_URLS = [
    "search.example.com",
    "ftp://search.example.com",
    "https://",
    "https://:443/",
    "https://x.example/search",
    "https://x.example/?a=1",
    "https://x.example:port",
    "https://user@x.example",
    "javascript:alert(1)",
]


@pytest.mark.parametrize("url", BAD_PUBLIC_URLS)
def test_bad_public_url_is_refused(url, tmp_path):
    with pytest.raises(ValueError, match="PUBLIC_URL"):
        create_app({"INDEX_DIR": str(tmp_path), "PUBLIC_URL": url})


@pytest.mark.parametrize("how", ["option", "env"])
def test_serve_refuses_a_bad_public_url_before_anything(tmp_path, how):
    # The site does not exist: refused before it is read, or this would say so instead.
    args = ["serve", "--site", tmp_path / "none", "--index-dir", tmp_path / "index"]
    if how == "option":
        result = invoke_cli(*args, "--public-url", "ftp://x.example")
    else:
        result = invoke_cli(*args, env={"MATOME_PUBLIC_URL": "ftp://x.example"})
    assert result.exit_code == 2, result.stderr
    assert result.stderr.splitlines()[-1] == (
        "Error: Invalid value for '--public-url': 'ftp://x.example' is not an http:// or https:// URL with a host"
    )
    assert not (tmp_path / "index").exists()


def test_serve_help_names_the_settings():
    result = invoke_cli("serve", "--help")
    assert result.exit_code == 0
    text = " ".join(result.stdout.split())
    assert "--public-url URL The site's address as readers see it" in text
    assert "--proxy-headers Trust X-Forwarded-For, -Proto and -Host" in text


def fetch(url, headers=None) -> str:
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=10) as response:
        return response.read().decode()


@pytest.mark.parametrize("workers", ["2", "1"], ids=["gunicorn-2-workers", "waitress"])
@pytest.mark.parametrize(
    "options, root",
    [
        (
            (),
            None,
        ),  # the server's own address, X-Forwarded-* or not (gunicorn would trust them
        # from 127.0.0.1 but for forwarded_allow_ips="")
        (("--public-url", "https://search.example.com"), "https://search.example.com/"),
        (("--proxy-headers",), "https://proxy.example/"),
    ],
    ids=["no-option", "public-url", "proxy-headers"],
)
def test_serve_writes_public_urls(tmp_path, workers, options, root):
    site, base, proc, log = start_server(tmp_path, "--workers", workers, *options)
    try:
        forwarded = fetch(base + "/opensearch.xml", FORWARDED)
        direct = fetch(base + "/opensearch.xml")  # no proxy in front this time
    finally:
        stop_server(proc, log)
    own = base + "/"
    assert re.findall(r'template="([^"]+)"', forwarded)[0] == (root or own) + "?q={searchTerms}"
    expected = root if "--public-url" in options else own
    assert re.findall(r'template="([^"]+)"', direct)[0] == expected + "?q={searchTerms}"


# 3. User pages: every user link reaches that user's own page.

ODD_NAMES = [
    ".",
    "..",
    "a/b",
    "50%",
    "q?x",
    "#tag",
    "...",
    "a/../b",
    "a/./b",
    "/lead",
    "trail/",
    "a//b",
    "a\\b",
    "%2e%2e",
    "x&y=z",
    "名前 空白",
]
WORDS = [
    "alpha",
    "bravo",
    "charlie",
    "delta",
    "echo",
    "foxtrot",
    "golf",
    "hotel",
    "india",
    "juliet",
    "kilo",
    "lima",
    "mike",
    "november",
    "oscar",
    "papa",
]
MANY = {"..": 21, "a/b": 21}  # enough for a second page of 20


@pytest.fixture(scope="module")
def user_index(tmp_path_factory):
    """A real index whose comments are by ODD_NAMES, one word each."""
    root = tmp_path_factory.mktemp("users")
    site = copy_sample_site(root / "site")
    quotes = []
    for name, word in zip(ODD_NAMES, WORDS):
        for n in range(MANY.get(name, 1)):
            quotes.append((f"{word} の話その{n}。", name, f"2025/05/01 {n // 60:02d}:{n % 60:02d}:00"))
    write_post(site, "2025_05_01_names", post_text("名前の試験", date="2025-05-01", quotes=quotes), date="2025-05-01")
    update_index(hugo.load_site(site), root / "index", jobs=1)
    return root / "index"


@pytest.fixture(scope="module")
def user_app(user_index):
    """The app over `user_index`."""
    app = create_app({"INDEX_DIR": str(user_index), "TESTING": True})
    yield app
    get_service(app).close()


def follow(client, page_url: str, href: str):
    """GET `href` as a browser resolves it on `page_url`: dot segments removed, fragment dropped."""
    target = urlsplit(urljoin(page_url, html.unescape(href)))
    return client.get(target.path, query_string=target.query)


def shown_user(response) -> str:
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return html.unescape(re.search(r'<h1 class="username">(.*?)</h1>', response.get_data(as_text=True)).group(1))


HIT_LINKS = re.compile(
    r'<a class="user" href="([^"]*)">(.*?)</a>\s*<time[^>]*>[^<]*</time>\s*'
    r'<a class="userpage" href="([^"]+)"'
)


def user_links(response) -> dict[str, tuple[str, str]]:
    """Each hit's user -> (its filter link, its user page link)."""
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return {
        html.unescape(user): (search, page) for search, user, page in HIT_LINKS.findall(response.get_data(as_text=True))
    }


@pytest.mark.parametrize("name, word", list(zip(ODD_NAMES, WORDS)))
def test_user_link_reaches_that_users_page(user_app, name, word):
    client = user_app.test_client()
    results_url = f"http://localhost/?q={word}"
    filter_href, page_href = user_links(client.get("/", query_string={"q": word}))[name]
    user_page = follow(client, results_url, page_href)
    assert shown_user(user_page) == name
    text = user_page.get_data(as_text=True)
    assert f"{word} の話" in text
    assert not any(f"{other} の話" in text for other in WORDS if other != word)
    # The user page's own links, and the search filter by that user, stay on them too.
    assert set(user_links(user_page)) == {name}
    assert shown_user(follow(client, urljoin(results_url, page_href), user_links(user_page)[name][1])) == name
    assert set(user_links(follow(client, results_url, filter_href))) == {name}


@pytest.mark.parametrize(
    "name, url",
    [
        ("50%", "/users/50%25"),
        ("q?x", "/users/q%3Fx"),
        ("#tag", "/users/%23tag"),
        ("a/b", "/users/a/b"),
        (".", "/users/?name=."),
        ("..", "/users/?name=.."),
        ("/lead", "/users/?name=/lead"),
        ("a//b", "/users/?name=a//b"),
    ],
)
def test_user_urls(user_app, name, url):
    with user_app.test_request_context():
        assert url_for("pages.user", name=name) == url


@pytest.mark.parametrize("name", ["..", "a/b"])
def test_user_page_pager_stays_on_the_user(user_app, name):
    client = user_app.test_client()
    first = client.get("/users/", query_string={"name": name})
    assert shown_user(first) == name and "21</strong> 件" in first.get_data(as_text=True)
    next_href = re.search(r'<a rel="next" href="([^"]+)"', first.get_data(as_text=True)).group(1)
    second = follow(client, "http://localhost/users/?name=x", next_href)
    assert shown_user(second) == name
    assert "の話その0。" in second.get_data(as_text=True)  # the oldest, alone on page 2


def test_user_query_form_needs_one_name(user_app):
    client = user_app.test_client()
    assert client.get("/users/").status_code == 400
    assert client.get("/users/?name=a&name=b").status_code == 400


def test_a_user_path_is_held_to_the_limits_of_the_user_parameter(client):
    assert client.get("/users/" + "x" * 101).status_code == 400
    assert client.get("/users/a%07b").status_code == 400  # a control character
    assert client.get("/users/?name=" + "x" * 101).status_code == 400
