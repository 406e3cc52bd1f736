"""Cross-origin reads (`serve --cors-origin`): the headers a browser needs, and only for the named origins."""

import pytest

from search.settings import check_origin
from tests.conftest import invoke_cli
from web import create_app, get_service

SITE = "https://www.kaigai-tech-matome.com"
PREFLIGHT = {"Origin": SITE, "Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "if-none-match"}


@pytest.fixture(scope="module")
def cors_app(index_dir):
    app = create_app({"INDEX_DIR": str(index_dir), "TESTING": True, "CORS_ORIGINS": [SITE, "http://localhost:1313"]})
    yield app
    get_service(app).close()


@pytest.fixture
def cors_client(cors_app):
    return cors_app.test_client()


def cors_headers(response) -> dict:
    return {k: v for k, v in response.headers.items() if k.lower().startswith("access-control-")}


@pytest.mark.parametrize(
    "url", ["/api/search?q=数学", "/api/openapi.json", "/feed.atom?q=数学", "/api/search?per_page=0"]
)
def test_a_named_origin_may_read_the_api_and_the_feed(cors_client, url):
    response = cors_client.get(url, headers={"Origin": SITE})
    assert response.status_code in (200, 400)
    assert response.headers["Access-Control-Allow-Origin"] == SITE
    assert "ETag" in response.headers["Access-Control-Expose-Headers"]
    assert "Origin" in response.vary
    assert "Access-Control-Allow-Credentials" not in response.headers


def test_each_named_origin_gets_its_own_name_back(cors_client):
    response = cors_client.get("/api/search?q=数学", headers={"Origin": "http://localhost:1313"})
    assert response.headers["Access-Control-Allow-Origin"] == "http://localhost:1313"


@pytest.mark.parametrize(
    "origin", ["https://evil.example.com", "http://www.kaigai-tech-matome.com", SITE + ":8443", "null", SITE + "/"]
)
def test_another_origin_gets_no_cors_header(cors_client, origin):
    response = cors_client.get("/api/search?q=数学", headers={"Origin": origin})
    assert response.status_code == 200
    assert cors_headers(response) == {}
    assert "Origin" in response.vary  # a shared cache must not hand the named origin's answer to it
    preflight = cors_client.options("/api/search", headers={**PREFLIGHT, "Origin": origin})
    assert preflight.status_code != 204 and cors_headers(preflight) == {}


def test_preflight_for_get_is_a_204(cors_client):
    response = cors_client.options("/api/search?q=数学", headers=PREFLIGHT)
    assert response.status_code == 204 and response.get_data() == b""
    assert response.headers["Access-Control-Allow-Origin"] == SITE
    assert response.headers["Access-Control-Allow-Methods"] == "GET"
    assert "If-None-Match" in response.headers["Access-Control-Allow-Headers"]
    assert "Origin" in response.vary
    feed = cors_client.options("/feed.atom", headers=PREFLIGHT)
    assert feed.status_code == 204 and feed.headers["Access-Control-Allow-Origin"] == SITE


def test_preflight_for_another_method_is_not_allowed(cors_client):
    response = cors_client.options("/api/search", headers={**PREFLIGHT, "Access-Control-Request-Method": "DELETE"})
    assert response.status_code != 204 and cors_headers(response) == {}


def test_pages_outside_the_api_get_no_cors_header(cors_client):
    for url in ("/?q=数学", "/healthz", "/opensearch.xml"):
        response = cors_client.get(url, headers={"Origin": SITE})
        assert cors_headers(response) == {} and "Origin" not in response.vary, url


def test_conditional_feed_get_keeps_the_cors_header(cors_client):
    first = cors_client.get("/feed.atom?q=数学", headers={"Origin": SITE})
    again = cors_client.get("/feed.atom?q=数学", headers={"Origin": SITE, "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.headers["Access-Control-Allow-Origin"] == SITE


def test_off_by_default(client):
    response = client.get("/api/search?q=数学", headers={"Origin": SITE})
    assert cors_headers(response) == {} and "Origin" not in response.vary
    preflight = client.options("/api/search", headers=PREFLIGHT)
    assert preflight.status_code != 204 and cors_headers(preflight) == {}


@pytest.mark.parametrize(
    "origin, normal",
    [
        ("https://blog.example.com", "https://blog.example.com"),
        ("HTTPS://Blog.Example.COM:443", "https://blog.example.com"),
        ("http://localhost:1313", "http://localhost:1313"),
        ("http://127.0.0.1:80", "http://127.0.0.1"),
        ("http://[::1]:8080", "http://[::1]:8080"),
    ],
)
def test_origin_is_written_as_browsers_send_it(origin, normal):
    assert check_origin(origin) == normal


@pytest.mark.parametrize(
    "origin",
    [
        "blog.example.com",
        "ftp://blog.example.com",
        "https://",
        "https://blog.example.com/",
        "https://blog.example.com/x",
        "https://blog.example.com?q=1",
        "https://user@blog.example.com",
        "https://blog.example.com:99999",
        "*",
    ],
)
def test_a_bad_origin_is_refused_by_the_app(index_dir, origin):
    with pytest.raises(ValueError, match="CORS_ORIGINS: .*origin|CORS_ORIGINS: .*scheme://host"):
        create_app({"INDEX_DIR": str(index_dir), "CORS_ORIGINS": [origin]})


@pytest.mark.parametrize(
    "args, env, message",
    [
        (
            ("--cors-origin", "https://blog.example.com/search"),
            None,
            "'https://blog.example.com/search' must be scheme://host[:port] only, without a path, query or user",
        ),
        (
            (),
            {"MATOME_CORS_ORIGINS": "https://ok.example.com not-an-origin"},
            "'not-an-origin' is not an http:// or https:// origin with a host",
        ),
    ],
    ids=["option", "env"],
)
def test_serve_refuses_a_bad_origin_before_starting(tmp_path, args, env, message):
    # The site does not exist: refused before it is read, or this would say so instead.
    result = invoke_cli("serve", "--index-dir", tmp_path / "index", "--site", tmp_path / "nosite", *args, env=env)
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == f"Error: Invalid value for '--cors-origin': {message}"
    assert not (tmp_path / "index").exists()


def test_serve_help_documents_the_option():
    result = invoke_cli("serve", "--help")
    assert result.exit_code == 0
    assert "--cors-origin ORIGIN" in result.stdout and "repeatable" in result.stdout


@pytest.mark.parametrize("workers", ["1", "2"])  # waitress, gunicorn
def test_served_api_answers_the_named_origin(tmp_path, workers):
    import urllib.request

    from tests.test_server import start_server, stop_server, wait_for

    _, base, proc, log = start_server(tmp_path, "--workers", workers, "--cors-origin", SITE)
    try:
        asked = urllib.request.Request(base + "/api/search?q=LLM", headers={"Origin": SITE})
        with urllib.request.urlopen(asked, timeout=10) as response:
            assert response.headers["Access-Control-Allow-Origin"] == SITE
        other = urllib.request.Request(base + "/api/search?q=x", headers={"Origin": "https://evil.example.com"})
        with urllib.request.urlopen(other, timeout=10) as response:
            assert response.headers["Access-Control-Allow-Origin"] is None
    finally:
        # Serving warms the index in the background: let it finish rather than race the stop.
        wait_for(lambda: "search.service warmed" in (tmp_path / "server.log").read_text("utf-8"), 60)
        stop_server(proc, log)
