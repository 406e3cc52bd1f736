"""`GET /feed.atom`: Atom 1.0 parsed back with ElementTree, conditional GETs, hostile bodies."""

import datetime as dt
import xml.etree.ElementTree as ET
from urllib.parse import parse_qs, urlsplit

import pytest

from search.index.indexer import update_index
from search.ingest import hugo
from tests.builders import post_text, write_post, write_site
from web import create_app, get_service
from web.feed import FEED_SIZE, entry_title, xml_text

NS = {"a": "http://www.w3.org/2005/Atom"}
HOSTILE = "悪意\x01ある\x1b[31m本文 ]]> <script>alert('x')</script> & \x7f終わり"


def feed_posts():
    quotes = [(f"フィードの話その{i}。", f"user{i}", f"2025/05/{i + 1:02d} 10:00:00") for i in range(3)]
    return {
        "2025_05_01_feed": post_text("フィード記事", date="2025-05-01", tags=("RSS", "C, C++"), quotes=quotes),
        "2025_05_10_hostile": post_text(
            "悪意<b>の</b>記事",
            date="2025-05-10",
            quotes=[
                (HOSTILE, "mallory\x02", "2025/05/10 10:00:00"),
            ],
        ),
    }


@pytest.fixture(scope="module")
def feed_site(tmp_path_factory):
    root = tmp_path_factory.mktemp("feed")
    site = write_site(root / "site", feed_posts())
    update_index(hugo.load_site(site), root / "index", jobs=1)
    return site, root / "index"


@pytest.fixture(scope="module")
def feed_client(feed_site):
    app = create_app({"INDEX_DIR": str(feed_site[1]), "TESTING": True})
    yield app.test_client()
    get_service(app).close()


def fetch(client, url, **headers):
    response = client.get(url, headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.headers["Content-Type"] == "application/atom+xml; charset=utf-8"
    return response, ET.fromstring(response.get_data())


def text_of(element, path):
    found = element.find(path, NS)
    assert found is not None, f"no {path}"
    return found.text


def rfc3339(value: str) -> dt.datetime:
    parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    assert parsed.tzinfo is not None
    return parsed


def test_feed_has_every_required_atom_element(feed_client):
    _, feed = fetch(feed_client, "/feed.atom?q=フィード")
    assert feed.tag == "{http://www.w3.org/2005/Atom}feed"
    assert text_of(feed, "a:id").startswith("http://localhost/feed.atom?q=")
    assert "フィード" in text_of(feed, "a:title")
    links = {link.get("rel"): link.get("href") for link in feed.findall("a:link", NS)}
    assert urlsplit(links["self"]).path == "/feed.atom"
    assert parse_qs(urlsplit(links["alternate"]).query) == {"q": ["フィード"]}
    assert links["alternate"].startswith("http://localhost/?")
    entries = feed.findall("a:entry", NS)
    assert len(entries) == 3
    for entry in entries:
        for path in ("a:id", "a:title", "a:updated", "a:author/a:name", "a:content"):
            assert text_of(entry, path)
        link = entry.find("a:link", NS)
        assert link.get("rel") == "alternate" and link.get("href").startswith("https://")
        assert entry.find("a:content", NS).get("type") == "text"
        rfc3339(text_of(entry, "a:updated"))
    # Newest first; the feed's time is its newest entry's.
    times = [text_of(e, "a:updated") for e in entries]
    assert times == ["2025-05-03T10:00:00Z", "2025-05-02T10:00:00Z", "2025-05-01T10:00:00Z"]
    assert text_of(feed, "a:updated") == times[0]
    first = entries[0]
    assert text_of(first, "a:author/a:name") == "user2"
    assert text_of(first, "a:title") == "フィードの話その2。"
    assert text_of(first, "a:content") == "フィードの話その2。"
    assert first.find("a:link", NS).get("href") == (
        "https://www.kaigai-tech-matome.com/posts/2025_05/2025_05_01_feed/"
        "#:~:text=%E3%83%95%E3%82%A3%E3%83%BC%E3%83%89%E3%81%AE%E8%A9%B1%E3%81%9D%E3%81%AE2%E3%80%82"
    )
    assert (
        text_of(first, "a:id")
        == "tag:www.kaigai-tech-matome.com,2025:content/posts/2025_05/2025_05_01_feed/index.md%232"
    )
    assert [c.get("term") for c in first.findall("a:category", NS)] == ["RSS", "C, C++"]


def test_feed_follows_the_filters_and_holds_at_most_fifty(feed_client, service, client):
    _, feed = fetch(feed_client, "/feed.atom?user=user1")
    assert [text_of(e, "a:author/a:name") for e in feed.findall("a:entry", NS)] == ["user1"]
    assert "user:user1" in text_of(feed, "a:title")
    _, everything = fetch(client, "/feed.atom")  # the session archive: more than fifty comments
    entries = everything.findall("a:entry", NS)
    assert len(entries) == FEED_SIZE
    times = [rfc3339(text_of(e, "a:updated")) for e in entries]
    assert times == sorted(times, reverse=True)


def test_empty_feed_is_dated_by_the_index(feed_client):
    response, feed = fetch(feed_client, "/feed.atom?q=どこにもない言葉ですね")
    assert feed.findall("a:entry", NS) == []
    updated = rfc3339(text_of(feed, "a:updated"))
    assert abs((updated - response.last_modified).total_seconds()) < 1


def test_hostile_body_still_parses_and_stays_text(feed_client):
    response, feed = fetch(feed_client, "/feed.atom?q=悪意")
    raw = response.get_data(as_text=True)
    assert "<script>" not in raw and "&lt;script&gt;" in raw and "]]>" not in raw
    assert "\x01" not in raw and "\x1b" not in raw
    (entry,) = feed.findall("a:entry", NS)
    content = text_of(entry, "a:content")
    assert "<script>alert('x')</script>" in content and "]]>" in content and "& \x7f終わり" in content
    assert "\x01" not in content and "\ufffd" in content
    assert text_of(entry, "a:author/a:name") == "mallory\ufffd"
    assert "\x1b" not in text_of(entry, "a:title")


def test_conditional_get_answers_304_without_a_body(feed_client):
    response, _ = fetch(feed_client, "/feed.atom?q=フィード")
    etag, modified = response.headers["ETag"], response.headers["Last-Modified"]
    assert etag.startswith('"') and modified.endswith("GMT")
    for headers in ({"If-None-Match": etag}, {"If-Modified-Since": modified}):
        again = feed_client.get("/feed.atom?q=フィード", headers=headers)
        assert again.status_code == 304 and again.get_data() == b""
        assert again.headers["ETag"] == etag
    assert feed_client.get("/feed.atom?q=フィード", headers={"If-None-Match": '"other"'}).status_code == 200


def test_an_index_update_changes_the_etag_and_entry_ids_survive_a_rebuild(tmp_path):
    site = write_site(tmp_path / "site", feed_posts())
    index = tmp_path / "index"
    update_index(hugo.load_site(site), index, jobs=1)
    app = create_app({"INDEX_DIR": str(index), "TESTING": True})
    client = app.test_client()
    try:
        before, feed = fetch(client, "/feed.atom?q=フィード")
        ids = [text_of(e, "a:id") for e in feed.findall("a:entry", NS)]
        write_post(
            site,
            "2025_06_01_more",
            post_text(
                "追加", date="2025-06-01", quotes=[("フィードに新しいコメント。", "newcomer", "2025/06/01 10:00:00")]
            ),
            date="2025-06-01",
        )
        update_index(hugo.load_site(site), index, jobs=1)
        stale = client.get("/feed.atom?q=フィード", headers={"If-None-Match": before.headers["ETag"]})
        assert stale.status_code == 200 and stale.headers["ETag"] != before.headers["ETag"]
        feed = ET.fromstring(stale.get_data())
        assert text_of(feed.find("a:entry", NS), "a:author/a:name") == "newcomer"
        update_index(hugo.load_site(site), index, jobs=1, rebuild=True)
        rebuilt, feed = fetch(client, "/feed.atom?q=フィード")
        assert rebuilt.headers["ETag"] != stale.headers["ETag"]
        assert [text_of(e, "a:id") for e in feed.findall("a:entry", NS)][1:] == ids
    finally:
        get_service(app).close()


def test_public_url_makes_the_feed_urls_absolute_there(feed_site):
    app = create_app({"INDEX_DIR": str(feed_site[1]), "TESTING": True, "PUBLIC_URL": "https://search.example.com"})
    try:
        _, feed = fetch(app.test_client(), "/feed.atom?q=フィード&tag=RSS")
    finally:
        get_service(app).close()
    links = {link.get("rel"): link.get("href") for link in feed.findall("a:link", NS)}
    assert links["self"].startswith("https://search.example.com/feed.atom?q=")
    assert links["alternate"].startswith("https://search.example.com/?q=")
    assert text_of(feed, "a:id") == links["self"]
    assert parse_qs(urlsplit(links["self"]).query) == {"q": ["フィード"], "tag": ["RSS"]}


def test_bad_parameters_are_a_400(feed_client):
    response = feed_client.get("/feed.atom?since=yesterday")
    assert response.status_code == 400 and "since" in response.get_data(as_text=True)


def test_results_page_links_the_feed_with_its_parameters(feed_client):
    page = feed_client.get("/?q=フィード&user=user1&sort=oldest&group=post").get_data(as_text=True)
    head = page[: page.index("</head>")]
    assert (
        '<link rel="alternate" type="application/atom+xml" title="まとめ検索: 「フィード」 user:user1" '
        'href="/feed.atom?q=%E3%83%95%E3%82%A3%E3%83%BC%E3%83%89&amp;user=user1">'
    ) in head
    assert (
        '<a class="feed" href="/feed.atom?q=%E3%83%95%E3%82%A3%E3%83%BC%E3%83%89&amp;user=user1" '
        'type="application/atom+xml">フィード</a>'
    ) in page
    assert "application/atom+xml" not in feed_client.get("/").get_data(as_text=True)


@pytest.mark.parametrize(
    "body, title",
    [
        ("短い。", "短い。"),
        ("**太字**で[リンク](https://example.com)\n二行目", "太字でリンク"),
        ("あ" * 50, "あ" * 40 + "…"),
        ("", "bob のコメント"),
    ],
)
def test_entry_title_is_the_opening_words(body, title):
    assert entry_title(body, "bob") == title


def test_xml_text_keeps_what_xml_can_hold():
    assert xml_text("a\tb\nc\rd\x00e\ud800f\uffff") == "a\tb\nc\rd\ufffde\ufffdf\ufffd"
