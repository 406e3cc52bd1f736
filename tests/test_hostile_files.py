"""Hostile post files: generated round trips, arbitrary bytes, truncation, giants."""

import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from search.index.indexer import update_index
from search.ingest import hugo
from search.ingest.hugo import parse_post
from search.records import SearchRequest
from search.retrieve.service import SearchService
from tests.builders import SAMPLE_SITE, copy_sample_site, post_text, shortcode, write_post

PATH, URL = "content/posts/2025_01/x/index.md", "https://example.com/posts/2025_01/x/"
SAMPLE = next(SAMPLE_SITE.rglob("index.md")).read_bytes()
SAMPLE_QUOTES = parse_post(SAMPLE, PATH, URL)[0].quotes

# Comment text: Japanese, ASCII, and the characters the format must escape or
# tolerate (quotes, `}}`, `>`, `<`, backslashes not followed by a quote).
body_text = (
    st.text(
        alphabet=st.sampled_from(list("機械学習のデータユーザーabcXYZ 019\"'}{><＞`*[]()#&;:/\\\n")),
        min_size=1,
        max_size=80,
    )
    .map(lambda s: s.replace('\\"', '"').rstrip("\\").strip())
    .filter(lambda s: s and not s.endswith("\\") and '\\"' not in s and "<br" not in s.lower())
)
user_name = st.from_regex(r"[A-Za-z][A-Za-z0-9_-]{0,14}", fullmatch=True)
moment = st.datetimes(min_value=dt.datetime(1990, 1, 1), max_value=dt.datetime(2026, 1, 1)).map(
    lambda d: d.replace(microsecond=0)
)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(body_text, user_name, moment, st.booleans()), min_size=0, max_size=8))
def test_generated_posts_parse_back_to_the_same_records(comments):
    quotes = [
        shortcode(body, user, when.strftime("%Y/%m/%d %H:%M:%S" if slash else "%Y-%m-%dT%H:%M:%S"))
        for body, user, when, slash in comments
    ]
    post, warnings = parse_post(post_text("題名", quotes=quotes).encode(), PATH, URL)
    assert warnings == []
    assert [(q.body, q.user, q.created_at.replace(tzinfo=None)) for q in post.quotes] == [
        (body, user, when) for body, user, when, _ in comments
    ]
    assert [q.index for q in post.quotes] == list(range(len(comments)))


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2000))
def test_arbitrary_bytes_never_raise(data):
    post, warnings = parse_post(data, PATH, URL)
    if post is None:
        assert warnings and all(w.path == PATH for w in warnings)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(min_value=0, max_value=len(SAMPLE)))
def test_truncated_real_post_keeps_what_it_can(cut):
    post, warnings = parse_post(SAMPLE[:cut], PATH, URL)
    if post is None:
        assert warnings
    else:
        # Every comment that survives is one of the real ones, in order, or
        # the last one cut short; nothing is invented.
        assert len(post.quotes) <= len(SAMPLE_QUOTES)
        for got, real in zip(post.quotes[:-1], SAMPLE_QUOTES):
            assert got == real


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet='{}<>"\\ =matomeQuotebody', max_size=300))
def test_nested_and_unterminated_shortcodes(noise):
    text = post_text("題名", quotes=[noise, shortcode("生き残る本文", "survivor")])
    post, warnings = parse_post(text.encode(), PATH, URL)
    assert post is not None
    assert all(w.line is not None for w in warnings)


def test_odd_encodings_warn_and_keep_the_rest():
    text = post_text("題名", quotes=[shortcode("本文です", "u1")])
    for data, reason in [
        (text.encode("utf-16"), "binary"),  # NUL bytes
        (text.encode("shift_jis"), "invalid UTF-8"),
        (text.encode("utf-8-sig"), None),
        (text.replace("\n", "\r\n").encode(), None),
    ]:
        post, warnings = parse_post(data, PATH, URL)
        if reason is None:
            assert warnings == [] and post.quotes[0].body == "本文です"
        else:
            assert reason in " ".join(w.message for w in warnings)


def test_giant_comment_and_ten_thousand_comments(tmp_path):
    site = copy_sample_site(tmp_path / "site")
    giant = "巨大なコメント。" * 125_000  # 1 M characters
    write_post(
        site, "2025_06_01_giant", post_text("巨大", quotes=[shortcode(giant + "ユニコーン", "big")]), "2025-06-01"
    )
    many = [shortcode(f"コメント番号{i}です", f"user{i % 50}") for i in range(10_000)]
    write_post(site, "2025_06_02_many", post_text("大量", quotes=many), "2025-06-02")
    write_post(site, "2025_06_03_junk", bytes(range(256)) * 100, "2025-06-03")
    report = update_index(hugo.load_site(site), tmp_path / "index", jobs=2)
    assert report.comments == 142 + 1 + 10_000
    assert any("2025_06_03_junk" in str(w) for w in report.warnings)
    service = SearchService(tmp_path / "index")
    try:
        assert service.search(SearchRequest(query="ユニコーン")).total == 1
        assert service.search(SearchRequest(query="コメント番号9999")).total >= 1
    finally:
        service.close()
