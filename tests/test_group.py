"""Results grouped by post (`group=post`): the library, the API, the page and the CLI."""

import json

import pytest

from search.index.indexer import update_index
from search.ingest import hugo
from search.records import SearchRequest
from search.retrieve.service import SearchService
from tests.builders import post_text, write_post, write_site
from tests.conftest import invoke_cli
from web import create_app, get_service

CAT_POSTS = {
    "2025_01_10_a": post_text(
        "記事A",
        date="2025-01-10",
        tags=("動物",),
        quotes=[
            ("猫が好きです。", "u1", "2025/01/10 10:00:00"),
            ("猫と猫と猫の話をしよう。", "u2", "2025/01/11 10:00:00"),
            ("犬の話をしよう。", "u3", "2025/01/12 10:00:00"),
            ("猫の写真を撮った。", "u4", "2025/01/13 10:00:00"),
            ("猫カフェに行った。", "u6", "2025/01/14 10:00:00"),
        ],
    ),
    "2025_02_01_b": post_text(
        "記事B",
        date="2025-02-01",
        tags=("雑談",),
        quotes=[
            (
                (
                    "長い長い文章の中に一度だけ猫という言葉が出てくる、とても長いコメントです。"
                    "ほかの話題ばかりで、天気や仕事や料理の話が続きます。"
                ),
                "u5",
                "2025/02/01 10:00:00",
            ),
        ],
    ),
    "2025_03_01_c": post_text(
        "記事C",
        date="2025-03-01",
        quotes=[
            ("犬だけの話です。", "u7", "2025/03/01 10:00:00"),
        ],
    ),
}


@pytest.fixture(scope="module")
def cat_index(tmp_path_factory):
    root = tmp_path_factory.mktemp("group")
    site = write_site(root / "site", CAT_POSTS)
    update_index(hugo.load_site(site), root / "index", jobs=1)
    return root / "index"


@pytest.fixture(scope="module")
def cat_service(cat_index):
    service = SearchService(cat_index)
    yield service
    service.close()


@pytest.fixture(scope="module")
def cat_client(cat_index):
    app = create_app({"INDEX_DIR": str(cat_index), "TESTING": True})
    yield app.test_client()
    get_service(app).close()


def grouped(service, query="猫", **kwargs):
    return service.search(SearchRequest(query=query, group="post", **kwargs))


def titles(page):
    return [g.post_title for g in page.groups]


def test_posts_ranked_by_best_comment_with_their_best_three(cat_service):
    page = grouped(cat_service)
    assert page.total == 2 and page.group == "post" and page.hits == ()
    assert titles(page) == ["記事A", "記事B"]
    a, b = page.groups
    assert a.matches == 4 and len(a.comments) == 3
    assert a.comments[0].user == "u2"  # three times 猫 in a short comment
    assert [c.score for c in a.comments] == sorted((c.score for c in a.comments), reverse=True)
    assert all("<mark>猫</mark>" in c.snippet for c in a.comments)
    assert (b.matches, [c.user for c in b.comments]) == (1, ["u5"])
    assert (a.post_date.isoformat(), a.tags) == ("2025-01-10", ("動物",))
    assert a.post_url.endswith("/posts/2025_01/2025_01_10_a/")


def test_facets_count_comments_not_posts(cat_service):
    page = grouped(cat_service)
    assert sorted(page.users) == [("u1", 1), ("u2", 1), ("u4", 1), ("u5", 1), ("u6", 1)]
    assert dict(page.months) == {"2025-01": 4, "2025-02": 1}


@pytest.mark.parametrize(
    "sort, expected, first_users",
    [
        ("newest", ["記事B", "記事A"], ["u5", "u6"]),  # A's newest match: u6 on 01-14
        ("oldest", ["記事A", "記事B"], ["u1", "u5"]),
    ],
)
def test_date_sorts_rank_posts_by_newest_or_oldest_match(cat_service, sort, expected, first_users):
    page = grouped(cat_service, sort=sort)
    assert titles(page) == expected
    assert [g.comments[0].user for g in page.groups] == first_users
    a = page.groups[expected.index("記事A")]
    assert [c.user for c in a.comments] == (["u6", "u4", "u2"] if sort == "newest" else ["u1", "u2", "u4"])


def test_pages_go_over_posts(cat_service):
    first, second = grouped(cat_service, per_page=1), grouped(cat_service, per_page=1, page=2)
    assert (first.total, titles(first)) == (2, ["記事A"])
    assert (second.total, titles(second)) == (2, ["記事B"])
    assert grouped(cat_service, per_page=1, page=3).groups == ()


def test_filters_apply_before_grouping(cat_service):
    page = grouped(cat_service, users=("u5", "u4"))
    assert titles(page) == ["記事A", "記事B"] or titles(page) == ["記事B", "記事A"]
    assert [g.matches for g in page.groups] == [1, 1]
    assert grouped(cat_service, "", tags=("雑談",)).total == 1


def test_no_match_gives_no_posts(cat_service):
    page = grouped(cat_service, "存在しない言葉ですよ")
    assert (page.total, page.groups) == (0, ())


def test_each_post_leads_with_what_the_ungrouped_ranking_puts_first(service):
    """On the session archive: posts come in the order of their first comment in the comment ranking."""
    for sort in ("relevance", "newest", "oldest"):
        flat = service.search(SearchRequest(query="数学", sort=sort, per_page=100))
        assert flat.total <= 100
        order, first = [], {}
        for hit in flat.hits:
            if hit.post_path not in first:
                order.append(hit.post_path)
                first[hit.post_path] = hit
        page = service.search(SearchRequest(query="数学", sort=sort, group="post"))
        assert [g.post_path for g in page.groups] == order, sort
        assert page.total == len(order)
        for group in page.groups:
            best = group.comments[0]
            assert (best.post_path, best.quote_index) == (group.post_path, first[group.post_path].quote_index)
            assert group.matches == sum(h.post_path == group.post_path for h in flat.hits)


def test_grouped_and_ungrouped_answers_are_cached_apart(cat_index):
    service = SearchService(cat_index)
    try:
        flat = service.search(SearchRequest(query="猫"))
        page = service.search(SearchRequest(query="猫", group="post"))
        again = service.search(SearchRequest(query="猫", group="post"))
    finally:
        service.close()
    assert (flat.total, len(flat.hits), flat.groups) == (5, 5, ())
    assert (page.cached, page.total, titles(page)) == (False, 2, ["記事A", "記事B"])
    assert again.cached and again.groups == page.groups


def test_grouping_follows_an_incremental_commit(tmp_path):
    site = write_site(tmp_path / "site", CAT_POSTS)
    index = tmp_path / "index"
    update_index(hugo.load_site(site), index, jobs=1)
    service = SearchService(index)
    try:
        assert titles(grouped(service)) == ["記事A", "記事B"]
        write_post(
            site,
            "2025_04_01_d",
            post_text(
                "記事D",
                date="2025-04-01",
                quotes=[
                    ("猫猫猫猫猫", "u8", "2025/04/01 10:00:00"),
                    ("猫だ", "u9", "2025/04/01 11:00:00"),
                ],
            ),
            date="2025-04-01",
        )
        write_post(
            site,
            "2025_02_01_b",
            post_text(
                "記事B",
                date="2025-02-01",
                quotes=[
                    ("犬に変わった。", "u5", "2025/02/01 10:00:00"),
                ],
            ),
            date="2025-02-01",
        )
        update_index(hugo.load_site(site), index, jobs=1)
        page = grouped(service)
    finally:
        service.close()
    assert titles(page) == ["記事D", "記事A"]
    assert [g.matches for g in page.groups] == [2, 4]


# -- the JSON API -------------------------------------------------------------

POST_KEYS = {"post_path", "post_url", "post_title", "post_date", "tags", "matches", "comments"}


def test_api_group_post_contract(cat_client):
    data = cat_client.get("/api/search?q=猫&group=post").get_json()
    assert data["total"] == 2 and len(data["results"]) == 2
    first = data["results"][0]
    assert set(first) == POST_KEYS
    assert (first["post_title"], first["matches"], first["post_date"]) == ("記事A", 4, "2025-01-10")
    assert first["comments"][0]["user"] == "u2" and len(first["comments"]) == 3
    assert {c["post_path"] for c in first["comments"]} == {first["post_path"]}
    assert "quote_index" in first["comments"][0] and "<mark>" in first["comments"][0]["snippet"]
    assert dict(map(tuple, data["facets"]["users"]))["u5"] == 1


def test_api_group_comment_is_the_default(cat_client):
    default = cat_client.get("/api/search?q=猫").get_json()
    explicit = cat_client.get("/api/search?q=猫&group=comment").get_json()
    default.pop("took_ms"), explicit.pop("took_ms")
    assert default == explicit and default["total"] == 5 and "comments" not in default["results"][0]


@pytest.mark.parametrize("query", ["group=posts", "group=POST", "group=post&group=comment"])
def test_api_bad_group_is_a_400_naming_it(cat_client, query):
    response = cat_client.get(f"/api/search?q=猫&{query}")
    assert response.status_code == 400
    assert response.get_json()["param"] == "group"


def test_service_refuses_an_unknown_group(cat_service):
    from search.errors import BadRequestError

    with pytest.raises(BadRequestError) as caught:
        cat_service.search(SearchRequest(query="猫", group="thread"))
    assert caught.value.param == "group"


def test_openapi_describes_group(cat_client):
    doc = cat_client.get("/api/openapi.json").get_json()
    params = {p["name"]: p for p in doc["paths"]["/api/search"]["get"]["parameters"]}
    assert params["group"]["schema"]["enum"] == ["comment", "post"]
    results = doc["paths"]["/api/search"]["get"]["responses"]["200"]["content"]["application/json"]
    items = results["schema"]["properties"]["results"]["items"]["oneOf"]
    assert any(set(s["required"]) == POST_KEYS for s in items)


# -- the page -----------------------------------------------------------------


def test_page_groups_by_post_with_a_toggle(cat_client):
    page = cat_client.get("/?q=猫&group=post").get_data(as_text=True)
    assert "<strong>2</strong> 記事" in page
    assert page.index("記事A") < page.index("記事B")
    assert '<span class="matches">4件</span>' in page and '<span class="matches">1件</span>' in page
    assert page.count('<li class="comment">') == 4  # 3 of A's, B's one
    assert '<strong aria-current="true">記事単位</strong>' in page
    assert '<a href="/?q=%E7%8C%AB">コメント単位</a>' in page
    assert 'name="group" value="post"' in page  # a new search or filter stays grouped
    assert "#:~:text=" in page
    assert '<a class="source" href="https://news.ycombinator.com/item?id=1" rel="noopener">HNスレッド</a>' in page


def test_page_toggle_from_comments(cat_client):
    page = cat_client.get("/?q=猫").get_data(as_text=True)
    assert '<strong aria-current="true">コメント単位</strong>' in page
    assert '<a href="/?q=%E7%8C%AB&amp;group=post">記事単位</a>' in page
    assert "<strong>5</strong> 件" in page and 'name="group"' not in page


def test_page_bad_group_is_a_400(cat_client):
    response = cat_client.get("/?q=猫&group=x")
    assert response.status_code == 400 and "group" in response.get_data(as_text=True)


# -- the CLI ------------------------------------------------------------------


def test_cli_group_post_text_and_json(cat_index):
    text = invoke_cli("query", "猫", "--group", "post", "--index-dir", cat_index)
    assert text.exit_code == 0, text.stderr
    assert text.stdout.startswith("2 posts (")
    assert "1. 記事A  2025-01-10  (4 matching comments)" in text.stdout
    assert "2. 記事B  2025-02-01  (1 matching comments)" in text.stdout
    assert "   - u2  2025-01-11T10:00:00Z" in text.stdout and "[猫]と[猫]と[猫]" in text.stdout
    data = json.loads(
        invoke_cli("query", "猫", "--group", "post", "--json", "--limit", "1", "--index-dir", cat_index).stdout
    )
    assert (data["total"], len(data["results"]), data["per_page"]) == (2, 1, 1)
    assert set(data["results"][0]) == POST_KEYS


def test_cli_bad_group(cat_index):
    result = invoke_cli("query", "猫", "--group", "thread", "--index-dir", cat_index)
    assert result.exit_code == 2
    assert (
        result.stderr.splitlines()[-1]
        == "Error: Invalid value for '--group': 'thread' is not one of 'comment', 'post'."
    )


@pytest.mark.parametrize("sort", ["newest", "oldest"])
def test_comments_of_the_same_second_keep_the_ungrouped_order(tmp_path, sort):
    site = write_site(
        tmp_path / "site",
        {
            "2025_05_01_tie": post_text(
                "同時",
                date="2025-05-01",
                quotes=[
                    ("同時刻の猫の話その一", "first", "2025/05/01 10:00:00"),
                    ("同時刻の猫の話その二", "second", "2025/05/01 10:00:00"),
                ],
            )
        },
    )
    update_index(hugo.load_site(site), tmp_path / "index", jobs=1)
    service = SearchService(tmp_path / "index")
    try:
        flat = service.search(SearchRequest(query="同時刻", sort=sort))
        grouped = service.search(SearchRequest(query="同時刻", sort=sort, group="post"))
        assert [h.user for h in grouped.groups[0].comments] == [h.user for h in flat.hits] == ["first", "second"]
    finally:
        service.close()
