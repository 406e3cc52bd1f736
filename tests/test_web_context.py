"""A comment's context on the web: `GET /api/context`, the `/context` page, the results' link."""

import html as html_lib
import re
from urllib.parse import parse_qs, quote, urlsplit

import pytest

from tests.test_context import KYOTO, KYOTO_USERS, SPACED, build_spaced_index
from tests.test_web_api import assert_error
from web import create_app, get_service

POST_KEYS = {"post_path", "post_url", "post_title", "post_date", "tags", "source_url"}
COMMENT_KEYS = {"quote_index", "user", "created_at", "body", "hit", "url"}


def api(client, **args):
    return client.get("/api/context", query_string=args)


def test_api_contract(client):
    response = api(client, post=KYOTO, quote=10)
    assert response.status_code == 200 and response.is_json
    data = response.get_json()
    assert set(data) == {"post", "quote_index", "quote_count", "comments"}
    assert set(data["post"]) == POST_KEYS and data["post"]["post_path"] == KYOTO
    assert all(set(c) == COMMENT_KEYS for c in data["comments"])
    assert [(c["quote_index"], c["user"], c["hit"]) for c in data["comments"]] == [
        (8, "airport", False),
        (9, "torchuser", False),
        (10, "longvowel", True),
    ]  # default n=2, clipped


def test_api_is_the_library_contract(client, service):
    from search.records import ContextRequest
    from search.retrieve.serialize import context_to_dict

    assert api(client, post=KYOTO, quote=0, n=10).get_json() == context_to_dict(
        service.context(ContextRequest(KYOTO, 0, 10))
    )


@pytest.mark.parametrize("n, users", [("0", KYOTO_USERS[4:5]), ("1", KYOTO_USERS[3:6]), ("10", KYOTO_USERS)])
def test_api_n(client, n, users):
    data = api(client, post=KYOTO, quote=4, n=n).get_json()
    assert [c["user"] for c in data["comments"]] == users


@pytest.mark.parametrize(
    "query, param",
    [
        ("quote=1", "post"),
        ("post=&quote=1", "post"),
        ("post=" + "x" * 1001 + "&quote=1", "post"),
        ("post=a%00b&quote=1", "post"),
        ("post=a%1bb&quote=1", "post"),
        ("post=a&post=b&quote=1", "post"),
        (f"post={KYOTO}", "quote"),
        (f"post={KYOTO}&quote=", "quote"),
        (f"post={KYOTO}&quote=-1", "quote"),
        (f"post={KYOTO}&quote=1.5", "quote"),
        (f"post={KYOTO}&quote=abc", "quote"),
        (f"post={KYOTO}&quote=%EF%BC%91", "quote"),  # a full-width 1
        (f"post={KYOTO}&quote=99999999999999999999", "quote"),
        (f"post={KYOTO}&quote=1&quote=2", "quote"),
        (f"post={KYOTO}&quote=1&n=11", "n"),
        (f"post={KYOTO}&quote=1&n=-1", "n"),
        (f"post={KYOTO}&quote=1&n=x", "n"),
        (f"post={KYOTO}&quote=1&n=1&n=2", "n"),
    ],
)
def test_api_bad_parameters(client, query, param):
    assert_error(client.get("/api/context?" + query), 400, param)


@pytest.mark.parametrize(
    "query, param",
    [
        ("post=content/posts/2025_04/nope/index.md&quote=0", "post"),
        ("post=content/posts/2025_04/2025_04_03_draft/index.md&quote=0", "post"),
        (f"post={KYOTO}&quote=11", "quote"),
        (f"post={KYOTO}&quote=999999", "quote"),
    ],
)
def test_api_unknown_post_or_quote_is_404(client, query, param):
    assert_error(client.get("/api/context?" + query), 404, param)


def test_openapi_describes_context(client):
    op = client.get("/api/openapi.json").get_json()["paths"]["/api/context"]["get"]
    params = {p["name"]: p for p in op["parameters"]}
    assert set(params) == {"post", "quote", "n"}
    assert params["post"]["required"] and params["quote"]["required"] and not params["n"]["required"]
    assert (params["n"]["schema"]["minimum"], params["n"]["schema"]["maximum"]) == (0, 10)
    assert set(op["responses"]) == {"200", "400", "404", "503"}
    schema = op["responses"]["200"]["content"]["application/json"]["schema"]
    assert set(schema["properties"]["comments"]["items"]["required"]) == COMMENT_KEYS


def page(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    return response.get_data(as_text=True)


def context_links(text):
    return [html_lib.unescape(href) for href in re.findall(r'class="context-toggle" href="([^"]+)"', text)]


@pytest.mark.parametrize("url", ["/?q=京都", "/?user=lucasoshiro", "/users/lucasoshiro"])
def test_every_hit_links_to_its_context(client, url):
    text = page(client, url)
    links = context_links(text)
    assert len(links) == text.count('<article class="hit">') > 0
    assert all(link.startswith("/context?post=") and "&quote=" in link for link in links)


def test_the_link_leads_to_the_neighbours(client):
    link = context_links(page(client, "/?q=京都の寺&user=kyotofan"))[0]
    assert link == "/context?post=" + quote(KYOTO, safe="/") + "&quote=0"
    text = page(client, link)
    users = re.findall(r'<a class="user" href="[^"]+">([^<]+)</a>', text)
    assert users == ["kyotofan", "tokyoite", "HarHarVeryFunny"]
    hit = re.findall(r'<li class="comment hit-comment" id="q(\d+)" aria-current="true">', text)
    assert hit == ["0"] and text.count("hit-comment") == 1
    assert (
        "京都と東京都の話" in text
        and 'href="https://www.kaigai-tech-matome.com/posts/2025_04/2025_04_02_kyoto/"' in text
    )
    assert "/posts/2025_04/2025_04_02_kyoto/#:~:text=%E4%BA%AC%E9%83%BD" in text  # the comment in its post
    assert "全 11 件のコメントのうち 1〜3 件目" in text


def test_context_page_escapes_bodies_and_keeps_line_breaks(client):
    text = page(client, f"/context?post={KYOTO}&quote=3&n=0")
    assert "Uncertain&lt;T&gt; と &lt;script&gt;alert(1)&lt;/script&gt; の数学" in text
    assert "<script>alert" not in text
    sample = client.get("/api/search?q=要約&per_page=1").get_json()["results"][0]
    text = page(client, f"/context?post={quote(sample['post_path'])}&quote={sample['quote_index']}&n=0")
    assert "\n" in re.search(r'<p class="body">(.*?)</p>', text, re.DOTALL).group(1)


def test_context_page_errors(client):
    assert "ページが見つかりません" in page(client, f"/context?post={KYOTO}&quote=11", status=404)
    assert "ページが見つかりません" in page(client, "/context?post=nope&quote=0", status=404)
    text = page(client, f"/context?post={KYOTO}&quote=x", status=400)
    assert "検索条件を確認してください" in text and "quote" in text


def test_context_page_offers_more_and_recentering(client):
    text = page(client, f"/context?post={KYOTO}&quote=5")
    assert html_lib.escape(f"/context?post={quote(KYOTO, safe='/')}&quote=5&n=10") in text
    assert html_lib.escape(f"/context?post={quote(KYOTO, safe='/')}&quote=4&n=2") in text
    assert "前後をもっと表示" not in page(client, f"/context?post={KYOTO}&quote=5&n=10")


@pytest.fixture(scope="module")
def spaced_client(tmp_path_factory):
    app = create_app({"INDEX_DIR": str(build_spaced_index(tmp_path_factory.mktemp("spaced"))), "TESTING": True})
    yield app.test_client()
    get_service(app).close()


def test_a_path_with_japanese_and_spaces(spaced_client):
    link = context_links(page(spaced_client, "/?q=コメント&sort=oldest&per_page=1"))[0]
    assert urlsplit(link).path == "/context"
    assert parse_qs(urlsplit(link).query) == {"post": [SPACED], "quote": ["0"]}
    assert re.findall(r'<a class="user" href="[^"]+">([^<]+)</a>', page(spaced_client, link)) == [
        "user0",
        "user1",
        "user2",
    ]
    data = api(spaced_client, post=SPACED, quote=4, n=1).get_json()
    assert [(c["user"], c["hit"]) for c in data["comments"]] == [("user3", False), ("late", True)]
    assert data["post"]["post_path"] == SPACED
    assert_error(api(spaced_client, post=SPACED + " ", quote=0), 404, "post")  # taken exactly as given


def test_no_index_is_503(tmp_path):
    client = create_app({"INDEX_DIR": str(tmp_path / "none")}).test_client()
    assert_error(api(client, post=KYOTO, quote=0), 503, None)
    assert page(client, f"/context?post={KYOTO}&quote=0", status=503)
