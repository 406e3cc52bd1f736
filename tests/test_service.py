"""SearchService over a real index of real-format posts."""

import datetime as dt

import pytest

from search.errors import BadRequestError, IndexNotFoundError
from search.index.indexer import update_index
from search.ingest import hugo
from search.records import SearchRequest
from search.retrieve.collect import RERANK_DEPTH
from search.retrieve.service import SearchService
from tests.builders import post_text, write_post
from tests.conftest import search, users


def test_compound_query_without_spaces_finds_both_words(service):
    page = search(service, "機械学習の数学", per_page=50)
    assert page.total >= 1
    for hit in page.hits:  # ML is a synonym of 機械学習
        assert ("機械学習" in hit.body or "ML" in hit.body) and "数学" in hit.body


def test_split_compound_must_stay_adjacent(service):
    # "機械の学習 ... 数学" has both parts of 機械学習, but not adjacent.
    page = search(service, "機械学習 数学", per_page=100)
    assert "spread" not in users(page)


def test_full_width_space_separates_words_like_a_space(service):
    # A Japanese IME types U+3000 for the space key.
    spaced = search(service, "機械 学習", per_page=100)
    full_width = search(service, "機械\u3000学習", per_page=100)
    assert "spread" in users(full_width)
    assert users(full_width) == users(spaced)
    assert full_width.total == spaced.total


def test_kyoto_ranks_before_tokyo_to(service):
    page = search(service, "京都")
    assert users(page)[0] == "kyotofan"
    assert users(page)[1:] in ([], ["tokyoite"])


def test_katakana_long_vowel_is_folded(service):
    for query in ("ユーザ", "ユーザー", "ｻｰﾊﾞ"):
        assert "HarHarVeryFunny" in users(search(service, query)), query


def test_snippet_marks_original_characters_and_escapes(service):
    (hit,) = search(service, "数学 alert").hits
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in hit.snippet.replace("<mark>", "").replace("</mark>", "")
    assert "<mark>数学</mark>" in hit.snippet
    assert "<mark>alert</mark>" in hit.snippet
    assert "<script>" not in hit.snippet


def test_identifiers_survive(service):
    assert users(search(service, "C++")) == ["coder"]
    assert "coder" not in users(search(service, "C"))
    assert users(search(service, "GPT-4o")) == ["coder"]


def test_user_and_tag_filters(service):
    page = search(service, users=("lucasoshiro",), per_page=100)
    assert page.total > 0 and set(users(page)) == {"lucasoshiro"}
    page = search(service, "", tags=("旅行",), per_page=100)
    assert page.total == 11


def test_field_syntax_in_query(service):
    assert set(users(search(service, "user:kyotofan"))) == {"kyotofan"}
    assert users(search(service, "tag:旅行 京都"))[0] == "kyotofan"
    assert search(service, "title:京都").total == 11


def test_phrase_or_and_not(service):
    assert users(search(service, '"京都の寺"')) == ["kyotofan"]
    assert set(users(search(service, "京都 OR 人口"))) == {"kyotofan", "tokyoite"}
    assert "kyotofan" not in users(search(service, "寺 -京都"))
    assert "kyotofan" not in users(search(service, "寺 NOT 京都"))


def test_syntax_problems_become_notes(service):
    page = search(service, '"京都の寺')
    assert users(page) == ["kyotofan"] and page.notes
    page = search(service, "京都 OR")
    assert users(page)[0] == "kyotofan" and page.notes


def test_date_filters_and_sorting(service):
    page = search(service, since=dt.date(2025, 4, 2), until=dt.date(2025, 4, 2), per_page=100)
    assert page.total == 11
    times = [h.created_at for h in page.hits]
    assert times == sorted(times, reverse=True)
    oldest = search(service, since=dt.date(2025, 4, 2), until=dt.date(2025, 4, 30), sort="oldest", per_page=100)
    assert [h.created_at for h in oldest.hits] == sorted(times)


def test_facets_count_all_matches(service):
    page = search(service, per_page=1)
    assert page.total == 58 + 84 + 11
    assert sum(n for _, n in page.months) == page.total
    assert dict(page.tags)["旅行"] == 11


def test_drafts_are_not_indexed(service):
    assert search(service, "ドラフトテキスト").total == 0


def test_paging(service):
    first = search(service, per_page=5, page=1)
    second = search(service, per_page=5, page=2)
    assert len(first.hits) == len(second.hits) == 5
    assert not {h.post_path + str(h.quote_index) for h in first.hits} & {
        h.post_path + str(h.quote_index) for h in second.hits
    }


@pytest.fixture(scope="module")
def tied(tmp_path_factory):
    """Comments that all score the same: identical bodies, many sharing a timestamp."""
    site = tmp_path_factory.mktemp("tied")
    (site / "hugo.toml").write_text('baseURL = "https://example.org/"\n', "utf-8")
    quotes = [("数学と物理の話", f"u{i}", f"2025/03/{1 + i % 3:02d} 10:00:00") for i in range(RERANK_DEPTH + 30)]
    write_post(site, "tied", post_text("同点", quotes=quotes))
    index = site / "index"
    update_index(hugo.load_site(site), index, jobs=1)
    service = SearchService(index)
    yield service
    service.close()


@pytest.mark.parametrize("query", ["数学", "数学 物理"])  # the second is reranked by proximity
def test_pages_of_tied_scores_neither_repeat_nor_skip(tied, query):
    seen = []
    for number in range(1, 100):
        page = search(tied, query, per_page=7, page=number)
        seen += [h.quote_index for h in page.hits]
        if not page.hits:
            break
    assert page.total == RERANK_DEPTH + 30
    assert sorted(seen) == list(range(page.total))
    dates = [search(tied, query, per_page=100, page=n).hits for n in (1, 2)]
    created = [h.created_at for hits in dates for h in hits]
    assert created == sorted(created, reverse=True)  # equal scores: newest first


@pytest.mark.parametrize(
    "kwargs, param",
    [
        ({"per_page": 101}, "per_page"),
        ({"page": 0}, "page"),
        ({"sort": "best"}, "sort"),
        ({"query": "あ" * 501}, "q"),
        ({"since": dt.date(2025, 5, 1), "until": dt.date(2025, 4, 1)}, "since"),
    ],
)
def test_bad_requests_name_the_parameter(service, kwargs, param):
    with pytest.raises(BadRequestError) as info:
        service.search(SearchRequest(**kwargs))
    assert info.value.param == param


def test_missing_index(tmp_path):
    with pytest.raises(IndexNotFoundError):
        SearchService(tmp_path / "nothing").search(SearchRequest(query="x"))


def test_hit_fields(service):
    (hit,) = search(service, "京都の寺").hits
    assert hit.post_path == "content/posts/2025_04/2025_04_02_kyoto/index.md"
    assert hit.post_url == "https://www.kaigai-tech-matome.com/posts/2025_04/2025_04_02_kyoto/"
    assert hit.quote_index == 0
    assert hit.created_at == dt.datetime(2025, 4, 2, 9, 0, tzinfo=dt.UTC)
    assert hit.tags == ("旅行", "LLM")
    assert hit.source_url == "https://news.ycombinator.com/item?id=1"


def test_negative_only_query_returns_only_comments(service):
    everything = search(service, per_page=1).total
    without = search(service, "-京都", per_page=100, page=1)
    rest = search(service, "-京都", per_page=100, page=2)
    assert without.total == everything - search(service, "京都").total
    assert len(without.hits) + len(rest.hits) == without.total
    assert all(h.body and h.user for h in without.hits + rest.hits)


def test_facets_equal_a_plain_count_with_ties_in_name_order(searcher):
    """count_facets ranks integer codes; the result equals counting names directly."""
    from collections import Counter

    from search.retrieve.collect import FACET_SIZE, DocTable, count_facets

    table = DocTable(searcher.reader())
    quotes = [
        d
        for d in range(searcher.doc_count_all())
        if not searcher.reader().is_deleted(d) and searcher.stored_fields(d)["kind"] == "quote"
    ]
    for ids in (quotes, quotes[::7], quotes[:3], []):
        stored = [searcher.stored_fields(d) for d in ids]
        users = Counter(f["user"] for f in stored)
        tags = Counter(t for f in stored for t in f["tags"].split(",") if t)
        months = Counter(f["created_at"].strftime("%Y-%m") for f in stored)
        top = lambda c: tuple(sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))[:FACET_SIZE])  # noqa: E731
        assert count_facets(table, ids) == (top(users), top(tags), tuple(sorted(months.items())))
    assert len(Counter(f["user"] for f in map(searcher.stored_fields, quotes))) > FACET_SIZE


def test_facet_ties_at_the_cut_go_to_the_first_names():
    from types import SimpleNamespace

    from search.retrieve.collect import FACET_SIZE, count_facets

    # Thirty users with 5 comments each, coded in reverse name order, user00
    # with one more; and the most comments of all by a user without a name.
    names = [f"user{i:02d}" for i in range(30)][::-1] + [""]
    user = [code for code in range(30) for _ in range(5)] + [29] + [30] * 9
    table = SimpleNamespace(
        user=user, user_names=names, month_tags=[0] * len(user), tag_sets=[("タグ",)], month_names=["2025-01"]
    )  # a DocTable's columns
    users, tags, months = count_facets(table, list(range(len(user))))
    assert users == tuple((f"user{i:02d}", 6 if i == 0 else 5) for i in range(FACET_SIZE))
    assert (tags, months) == ((("タグ", len(user)),), (("2025-01", len(user)),))
