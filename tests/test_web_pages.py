"""The HTML pages: search, facets, escaping, user pages, OpenSearch."""

import re
from urllib.parse import unquote

import pytest

from web.pages import text_fragment


def html(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    return response.get_data(as_text=True)


def test_landing_page(client):
    page = html(client, "/")
    assert '<html lang="ja">' in page and 'name="q"' in page
    assert "<script src=" in page and "<script>" not in page


def test_results_keep_query_and_show_counts(client):
    page = html(client, "/?q=京都")
    assert 'value="京都"' in page
    assert re.search(r"<strong>\d+</strong> 件", page)
    assert "<mark>京都</mark>" in page
    assert 'class="histogram"' in page and "<svg" in page


def test_hostile_body_is_escaped_next_to_highlight(client):
    page = html(client, "/?q=alert")
    assert "&lt;script&gt;<mark>alert</mark>(1)&lt;/script&gt;" in page
    assert "Uncertain&lt;T&gt;" in page
    assert "<script>alert" not in page


def test_hostile_query_is_escaped(client):
    page = html(client, "/?q=%3Cscript%3Ealert(2)%3C/script%3E")
    assert "<script>alert(2)" not in page


def test_result_links(client):
    page = html(client, "/?q=京都の寺")
    assert 'href="/?q=%E4%BA%AC%E9%83%BD%E3%81%AE%E5%AF%BA&amp;user=kyotofan"' in page
    assert "/posts/2025_04/2025_04_02_kyoto/#:~:text=" in page
    assert 'href="https://news.ycombinator.com/item?id=1"' in page
    assert "/?q=%E4%BA%AC%E9%83%BD%E3%81%AE%E5%AF%BA&amp;tag=%E6%97%85%E8%A1%8C" in page


def test_filters_by_user_and_pagination(client):
    page = html(client, "/?user=lucasoshiro&per_page=1")
    assert 'rel="next"' in page and "page=2" in page
    second = html(client, "/?user=lucasoshiro&per_page=1&page=2")
    assert 'rel="prev"' in second


def test_line_breaks_are_kept(client):
    page = html(client, "/?q=要約")
    assert "\n" in re.search(r'<p class="body">(.*?)</p>', page, re.S).group(1)


def test_bad_parameter_is_a_friendly_400(client):
    page = html(client, "/?q=x&page=abc", status=400)
    assert "検索条件を確認してください" in page and "page" in page


def test_no_results_hint_and_suggestion(client):
    page = html(client, "/?q=pytroch")
    assert "もしかして" in page and "pytorch" in page


def test_user_page(client):
    page = html(client, "/users/lucasoshiro")
    assert "lucasoshiro" in page and "よく出るタグ" in page and "月別" in page
    times = re.findall(r'<time datetime="([^"]+)"', page)
    assert times == sorted(times, reverse=True) and times
    assert "このユーザーのコメントはありません" in html(client, "/users/LUCASOSHIRO")


def test_opensearch(client):
    response = client.get("/opensearch.xml")
    assert response.mimetype == "application/opensearchdescription+xml"
    assert "{searchTerms}" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "body, words",
    [
        ("それめっちゃ良さそうじゃん？でもさ、機械学習の勉強で", "それめっちゃ良さそうじゃん？でもさ"),
        ("＞「要約：新しい」<br>本文", "「要約：新しい」"),
        ("これ役立つかもよ：https://github.com/x", "これ役立つかもよ："),
        ("**太字**と`code`の例-です", "太字とcodeの例-です"),
    ],
)
def test_text_fragment(body, words):
    fragment = text_fragment(body.replace("<br>", "\n"))
    assert fragment.startswith("#:~:text=")
    assert unquote(fragment[len("#:~:text=") :]) == words
    assert "-" not in fragment[len("#:~:text=") :]
