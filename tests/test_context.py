"""A comment among its neighbours: `SearchService.context` on real indexes."""

import datetime as dt
from pathlib import Path

import pytest

from search.errors import BadRequestError, NotFoundError
from search.index.indexer import update_index
from search.ingest import hugo
from search.records import ContextRequest
from search.retrieve.serialize import context_to_dict
from search.retrieve.service import SearchService
from tests.builders import BASE_URL, post_text, write_post

KYOTO = "content/posts/2025_04/2025_04_02_kyoto/index.md"
# The users of the kyoto post's comments, in the post's order.
KYOTO_USERS = [
    "kyotofan",
    "tokyoite",
    "HarHarVeryFunny",
    "hostile",
    "spread",
    "coder",
    "cwriter",
    "synuser",
    "airport",
    "torchuser",
    "longvowel",
]


def context(service, post=KYOTO, quote=0, n=2):
    return service.context(ContextRequest(post, quote, n))


def shown(found):
    """(quote_index, user, hit) of each comment, in order."""
    return [(c.quote_index, c.user, c.hit) for c in found.comments]


def test_neighbours_in_order_with_the_hit_marked(service):
    found = context(service, quote=5, n=2)
    assert shown(found) == [
        (3, "hostile", False),
        (4, "spread", False),
        (5, "coder", True),
        (6, "cwriter", False),
        (7, "synuser", False),
    ]
    assert found.comments[2].body == "C++とRustで書き直した。GPT-4oも試した。"
    assert found.comments[2].created_at == dt.datetime(2025, 4, 2, 14, 0, tzinfo=dt.UTC)
    assert (found.post_path, found.post_title, found.post_date, found.tags) == (
        KYOTO,
        "京都と東京都の話",
        dt.date(2025, 4, 2),
        ("旅行", "LLM"),
    )
    assert found.post_url == BASE_URL + "posts/2025_04/2025_04_02_kyoto/"
    assert found.source_url == "https://news.ycombinator.com/item?id=1"
    assert (found.quote_index, found.quote_count) == (5, 11)


@pytest.mark.parametrize(
    "quote, n, indexes",
    [
        (0, 2, [0, 1, 2]),  # clipped at the post's start
        (1, 3, [0, 1, 2, 3, 4]),
        (10, 2, [8, 9, 10]),  # clipped at its end
        (9, 10, list(range(11))),  # the whole post
        (4, 0, [4]),
    ],
)
def test_clipped_to_the_post(service, quote, n, indexes):
    found = context(service, quote=quote, n=n)
    assert [c.quote_index for c in found.comments] == indexes
    assert [c.user for c in found.comments] == [KYOTO_USERS[i] for i in indexes]
    assert [c.quote_index for c in found.comments if c.hit] == [quote]


def test_json_shape(service):
    data = context_to_dict(context(service, quote=0, n=1))
    assert data["post"] == {
        "post_path": KYOTO,
        "post_url": BASE_URL + "posts/2025_04/2025_04_02_kyoto/",
        "post_title": "京都と東京都の話",
        "post_date": "2025-04-02",
        "tags": ["旅行", "LLM"],
        "source_url": "https://news.ycombinator.com/item?id=1",
    }
    assert (data["quote_index"], data["quote_count"]) == (0, 11)
    first, second = data["comments"]
    assert first == {
        "quote_index": 0,
        "user": "kyotofan",
        "created_at": "2025-04-02T09:00:00Z",
        "body": "京都の寺はとても静かだった。",
        "hit": True,
        "url": BASE_URL + "posts/2025_04/2025_04_02_kyoto/#:~:text="
        "%E4%BA%AC%E9%83%BD%E3%81%AE%E5%AF%BA%E3%81%AF%E3%81%A8%E3%81%A6%E3%82%82"
        "%E9%9D%99%E3%81%8B%E3%81%A0%E3%81%A3%E3%81%9F%E3%80%82",
    }
    assert (second["user"], second["hit"]) == ("tokyoite", False)


@pytest.mark.parametrize(
    "post, quote, param",
    [
        ("content/posts/2025_04/nope/index.md", 0, "post"),
        ("content/posts/2025_04/2025_04_02_kyoto", 0, "post"),  # a prefix of a real path
        (KYOTO + "#1", 0, "post"),  # a comment's id is not a post
        ("content/posts/2025_04/2025_04_03_draft/index.md", 0, "post"),  # a draft, left out
        ("content/posts/2025_04/2025_04_04_broken/index.md", 0, "post"),  # never indexed
        (KYOTO, 11, "quote"),
        (KYOTO, 999_999, "quote"),
    ],
)
def test_unknown_post_or_quote(service, post, quote, param):
    with pytest.raises(NotFoundError) as caught:
        context(service, post=post, quote=quote)
    assert caught.value.param == param


@pytest.mark.parametrize(
    "post, quote, n, param",
    [
        ("", 0, 2, "post"),
        ("x" * 1001, 0, 2, "post"),
        ("content/posts/a\x00b/index.md", 0, 2, "post"),
        ("content/posts/\ud800/index.md", 0, 2, "post"),  # a lone surrogate is no text
        (KYOTO, -1, 2, "quote"),
        (KYOTO, 0, -1, "n"),
        (KYOTO, 0, 11, "n"),
    ],
)
def test_bad_requests_name_the_parameter(service, post, quote, n, param):
    with pytest.raises(BadRequestError) as caught:
        context(service, post=post, quote=quote, n=n)
    assert caught.value.param == param
    assert shown(context(service, quote=0, n=0)) == [(0, "kyotofan", True)]  # the service still answers


SPACED = "content/posts/2025_05/日本語 の 記事/index.md"


def build_spaced_index(root) -> Path:
    """Index one post whose path holds Japanese and spaces, then again after it grew a comment."""
    site = root / "site"
    site.mkdir()
    (site / "hugo.toml").write_text(f'baseURL = "{BASE_URL}"\n', encoding="utf-8")
    quotes = [(f"{i}番目のコメントです。", f"user{i}", f"2025/05/01 0{i}:00:00") for i in range(4)]
    for _ in range(2):  # the second time, the manifest's count and the new document follow the change
        write_post(
            site, "日本語 の 記事", post_text("空白のある記事", date="2025-05-01", quotes=quotes), date="2025-05-01"
        )
        update_index(hugo.load_site(site), root / "index", jobs=1)
        quotes.append(("追加されたコメント。", "late", "2025/05/02 09:00:00"))
    return root / "index"


@pytest.fixture(scope="module")
def spaced_service(tmp_path_factory):
    svc = SearchService(build_spaced_index(tmp_path_factory.mktemp("spaced")))
    yield svc
    svc.close()


def test_a_path_with_japanese_and_spaces(spaced_service):
    found = context(spaced_service, post=SPACED, quote=3, n=2)
    assert shown(found) == [(1, "user1", False), (2, "user2", False), (3, "user3", True), (4, "late", False)]
    assert found.post_url == BASE_URL + "posts/2025_05/%E6%97%A5%E6%9C%AC%E8%AA%9E%20%E3%81%AE%20%E8%A8%98%E4%BA%8B/"
    assert found.quote_count == 5
    with pytest.raises(NotFoundError):
        context(spaced_service, post=SPACED, quote=5)
