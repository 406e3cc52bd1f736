"""The Hugo parser on the real sample posts and on every kind of bad input."""

import datetime as dt
import os

import pytest

from search.errors import SiteError
from search.ingest import hugo
from search.ingest.hugo import parse_post
from tests.builders import SAMPLE_SITE, post_text, refuse_listing, shortcode

PATH, URL = "content/posts/2025_04/x/index.md", "https://example.com/posts/2025_04/x/"
UTC = dt.UTC


@pytest.fixture(scope="module")
def samples():
    site = hugo.load_site(SAMPLE_SITE)
    return {p.path.split("/")[2]: p for p in (hugo.read_post(site, f)[0] for f in hugo.iter_post_files(site))}


def test_sample_posts_exact(samples):
    march, september = samples["2025_03"], samples["2025_09"]
    assert len(march.quotes) == 58 and len(september.quotes) == 84
    assert march.title.startswith("【2022年版】機械学習、マジで理解してる？")
    assert march.date == dt.date(2025, 3, 21)
    assert march.tags == ("機械学習", "ペンと紙", "練習問題", "深層学習", "理論と実践")
    assert march.source_url == "https://news.ycombinator.com/item?id=43440267"
    assert march.url == (
        "https://www.kaigai-tech-matome.com/posts/2025_03/2025_03_21_pen_and_paper_exercises_in_machine_learning/"
    )
    first = march.quotes[0]
    assert (first.index, first.user, first.created_at) == (
        0,
        "lucasoshiro",
        dt.datetime(2025, 3, 21, 21, 37, 25, tzinfo=UTC),
    )
    assert first.body.startswith("それめっちゃ良さそうじゃん？")
    assert september.quotes[0].created_at == dt.datetime(2025, 9, 6, 16, 36, 41, tzinfo=UTC)
    assert september.quotes[-1].user == "skydhash"
    assert [q.index for q in september.quotes] == list(range(84))


def test_br_becomes_newline_and_details_blocks_count(samples):
    quote = samples["2025_03"].quotes[2]
    assert quote.user == "danielscrubs" and "\n" in quote.body and "<br>" not in quote.body


def parse(text):
    return parse_post(text.encode() if isinstance(text, str) else text, PATH, URL)


@pytest.mark.parametrize(
    "code, body, user",
    [
        (
            '{{<matomeQuote userName="a" color="" createdAt="2025-03-21T00:00:00" body="順序は自由">}}',
            "順序は自由",
            "a",
        ),
        ('{{< matomeQuote body="空白あり" userName="b" createdAt="2025/03/21 00:00:00" >}}', "空白あり", "b"),
        (
            '{{<matomeQuote body="He said \\"hi\\"" userName="c" createdAt="2025/03/21 00:00:00" x="y">}}',
            'He said "hi"',
            "c",
        ),
        (
            '{{<matomeQuote body="a }} b >}} c > d" userName="d" createdAt="2025/03/21 00:00:00">}}',
            "a }} b >}} c > d",
            "d",
        ),
        ('{{<matomeQuote body="gs \\<br>  -dNOPAUSE \\" userName="e" createdAt="2025/03/21 00:00:00">}}', None, None),
        (
            '{{<matomeQuote body="Uncertain<T> と a < b" userName="f" createdAt="2025/03/21 00:00:00">}}',
            "Uncertain<T> と a < b",
            "f",
        ),
    ],
)
def test_shortcode_parameters(code, body, user):
    post, warnings = parse(post_text("t", quotes=[code]))
    if body is None:  # `\"` at the end is an escaped quote: the value runs on
        assert warnings and warnings[0].line == 14 and post.quotes == ()
        return
    assert warnings == [] and (post.quotes[0].body, post.quotes[0].user) == (body, user)


def test_backslash_before_other_characters_is_kept():
    post, _ = parse(
        post_text(
            "t",
            quotes=[
                '{{<matomeQuote body="gs \\<br>  -dNOPAUSE \\ end" userName="e" createdAt="2025/03/21 00:00:00">}}'
            ],
        )
    )
    assert post.quotes[0].body == "gs \\\n  -dNOPAUSE \\ end"


GOOD = shortcode("良いコメント", "good")


@pytest.mark.parametrize(
    "data, line, message, survives",
    [
        (b"+++\ntitle = 'x\ndate = 2025-04-04\n+++\n", 3, "invalid TOML", False),
        (b"no front matter\n", 1, "missing +++", False),
        (b"+++\ntitle = 'x'\n", 1, "unterminated front matter", False),
        (post_text("t", quotes=[GOOD, '{{<matomeQuote body="never closed']).encode(), 16, "unterminated", True),
        (
            post_text("t", quotes=[GOOD, '{{<matomeQuote userName="u" createdAt="2025/03/21 00:00:00">}}']).encode(),
            16,
            "without body",
            True,
        ),
        (
            post_text("t", quotes=[GOOD, '{{<matomeQuote body="x" createdAt="2025/03/21 00:00:00">}}']).encode(),
            16,
            "without userName",
            True,
        ),
        (
            post_text("t", quotes=[GOOD, '{{<matomeQuote body="x" userName="u" createdAt="2025-13-45">}}']).encode(),
            16,
            "invalid createdAt",
            True,
        ),
        (post_text("t", quotes=[GOOD]).encode().replace("良い".encode(), b"\xff\xfe"), 14, "invalid UTF-8", True),
        (b"", None, "empty file", False),
        (b"\x00\x01\x02binary", None, "binary file", False),
        (
            post_text("t", quotes=[GOOD]).encode().replace(b'tags = ["', b'tags = "').replace(b'"]\n', b'"\n', 1),
            6,
            "tags is not a list",
            True,
        ),
    ],
)
def test_bad_input_warns_with_file_and_line(data, line, message, survives):
    post, warnings = parse(data)
    assert warnings, "expected a warning"
    assert warnings[0].path == PATH and warnings[0].line == line
    assert message in warnings[0].message
    if survives:
        assert post is not None and post.quotes[0].user == "good"
    else:
        assert post is None


def test_bom_and_crlf_parse_like_plain_utf8():
    text = post_text("t", quotes=[GOOD, shortcode("二つ目<br>改行", "second")])
    plain, _ = parse(text)
    for variant in (text.encode("utf-8-sig"), text.replace("\n", "\r\n").encode()):
        post, warnings = parse(variant)
        assert warnings == [] and post.quotes == plain.quotes


def test_drafts_are_parsed_and_marked():
    post, _ = parse(post_text("t", draft=True, quotes=[GOOD]))
    assert post.draft is True


@pytest.mark.parametrize("config", ["hugo.toml", "config.toml", "config/_default/hugo.toml"])
def test_site_configs(tmp_path, config):
    (tmp_path / config).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / config).write_text('baseURL = "https://x.example/"\n')
    (tmp_path / "content" / "posts").mkdir(parents=True)
    assert hugo.load_site(tmp_path).base_url == "https://x.example/"


def test_bare_directory_needs_base_url(tmp_path):
    (tmp_path / "2025_04" / "slug").mkdir(parents=True)
    (tmp_path / "2025_04" / "slug" / "index.md").write_text(post_text("t", quotes=[GOOD]))
    (tmp_path / "2025_04" / "slug" / "feature.jpg").write_bytes(b"\xff\xd8")
    (tmp_path / ".hidden.md").write_text("x")
    with pytest.raises(SiteError, match="no base URL given") as raised:
        hugo.load_site(tmp_path)
    assert "--base-url" in raised.value.hint  # the CLI prints it after the message
    site = hugo.load_site(tmp_path, base_url="https://x.example/posts")
    (file,) = hugo.iter_post_files(site)
    assert hugo.post_url(site, file) == "https://x.example/posts/2025_04/slug/"
    assert hugo.post_path(site, file) == "2025_04/slug/index.md"


def test_invalid_config_names_the_file(tmp_path):
    (tmp_path / "hugo.toml").write_text("baseURL = \n")
    with pytest.raises(SiteError, match="hugo.toml"):
        hugo.load_site(tmp_path)


def make_site(root):
    (root / "hugo.toml").parent.mkdir(parents=True, exist_ok=True)
    (root / "hugo.toml").write_text('baseURL = "https://x.example/"\n')
    (root / "content" / "posts").mkdir(parents=True)
    return root


def put_post(site_root, rel, title="t"):
    path = site_root / "content" / "posts" / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(post_text(title, quotes=[GOOD]), "utf-8")
    return path


def listed(site):
    return [hugo.post_path(site, f) for f in hugo.iter_post_files(site)]


def test_unlistable_directory_raises_instead_of_a_partial_listing(tmp_path):
    root = make_site(tmp_path / "site")
    put_post(root, "2025_03/a/index.md")
    locked = put_post(root, "2025_04/b/index.md").parent.parent
    locked.chmod(0)
    try:
        if os.access(locked, os.R_OK):
            pytest.skip("running as root: chmod 000 does not stop listing")
        with pytest.raises(SiteError, match="cannot list directory") as raised:
            listed(hugo.load_site(root))
        assert raised.value.path == str(locked)
    finally:
        locked.chmod(0o755)


def test_listing_error_names_the_directory_even_as_root(tmp_path, monkeypatch):
    root = make_site(tmp_path / "site")
    put_post(root, "2025_03/a/index.md")
    locked = put_post(root, "2025_04/b/index.md").parent.parent
    refuse_listing(monkeypatch, locked)
    with pytest.raises(SiteError, match="cannot list directory: Permission denied") as raised:
        listed(hugo.load_site(root))
    assert raised.value.path == str(locked)


def test_symlinks_inside_the_site_only(tmp_path):
    root = make_site(tmp_path / "site")
    inside = put_post(root, "2025_03/a/index.md")
    outside = tmp_path / "secret.md"
    outside.write_text(post_text("秘密", quotes=[GOOD]), "utf-8")
    elsewhere = tmp_path / "elsewhere" / "c"
    elsewhere.mkdir(parents=True)
    (elsewhere / "index.md").write_text(post_text("外", quotes=[GOOD]), "utf-8")
    month = root / "content" / "posts" / "2025_04"
    month.mkdir()
    (month / "alias.md").symlink_to(inside)
    (month / "leak.md").symlink_to(outside)
    (month / "dangling.md").symlink_to(tmp_path / "missing.md")
    (month / "linked_dir").symlink_to(elsewhere, target_is_directory=True)
    site = hugo.load_site(root)
    assert listed(site) == ["content/posts/2025_03/a/index.md", "content/posts/2025_04/alias.md"]
    post, warnings, _ = hugo.read_post(site, root / "content/posts/2025_04/alias.md")
    assert warnings == [] and post.url == "https://x.example/posts/2025_04/alias/"


def test_posts_dir_itself_may_be_a_symlink(tmp_path):
    archive = tmp_path / "archive"
    (archive / "2025_03" / "a").mkdir(parents=True)
    (archive / "2025_03" / "a" / "index.md").write_text(post_text("t", quotes=[GOOD]), "utf-8")
    (archive / "2025_03" / "b.md").symlink_to(archive / "2025_03" / "a" / "index.md")
    root = tmp_path / "site"
    (root / "content").mkdir(parents=True)
    (root / "hugo.toml").write_text('baseURL = "https://x.example/"\n')
    (root / "content" / "posts").symlink_to(archive, target_is_directory=True)
    site = hugo.load_site(root)
    assert listed(site) == ["content/posts/2025_03/a/index.md", "content/posts/2025_03/b.md"]


def test_bare_directory_urls_match_the_hugo_site(tmp_path):
    root = make_site(tmp_path / "site")
    put_post(root, "2025_03/a/index.md")
    put_post(root, "2025_03/single.md")
    hugo_site = hugo.load_site(root)
    bare = hugo.load_site(root / "content" / "posts", base_url="https://x.example/posts")
    assert [hugo.post_url(hugo_site, f) for f in hugo.iter_post_files(hugo_site)] == [
        "https://x.example/posts/2025_03/a/",
        "https://x.example/posts/2025_03/single/",
    ]
    assert [hugo.post_url(bare, f) for f in hugo.iter_post_files(bare)] == [
        "https://x.example/posts/2025_03/a/",
        "https://x.example/posts/2025_03/single/",
    ]


def test_matome_quotes_shortcode_is_not_ours():
    other = '{{< matomeQuotes body="別物" userName="x" createdAt="2025/03/21 00:00:00" >}}'
    post, warnings = parse(post_text("t", quotes=[other, GOOD]))
    assert warnings == [] and [q.user for q in post.quotes] == ["good"]


def test_backtick_raw_value_spans_lines_without_escapes():
    raw = (
        '{{<matomeQuote body=`一行目\n"引用" と \\" そのまま<br>三行目` userName="r" createdAt="2025/03/21 00:00:00">}}'
    )
    post, warnings = parse(post_text("t", quotes=[raw, GOOD]))
    assert warnings == []
    assert post.quotes[0].body == '一行目\n"引用" と \\" そのまま\n三行目'
    assert (post.quotes[0].line, post.quotes[1].user, post.quotes[1].line) == (14, "good", 17)


def test_unterminated_raw_value_stops_the_scan():
    post, warnings = parse(post_text("t", quotes=[GOOD, "{{<matomeQuote body=`never closed", GOOD]))
    assert [q.user for q in post.quotes] == ["good"]
    assert [(w.line, w.message) for w in warnings] == [
        (16, "unterminated `raw` value in matomeQuote; rest of the post skipped")
    ]


def test_front_matter_keys_are_case_insensitive():
    text = post_text("t", quotes=[GOOD]).replace("title = 't'", "Title = '大文字'").replace("date = ", "Date = ")
    post, warnings = parse(text)
    assert warnings == [] and post.title == "大文字" and post.date == dt.date(2025, 3, 21)


@pytest.mark.parametrize(
    "old, new, line, message, survives",
    [
        ("title = 't'", "title = '  '", 5, "front matter without title", False),
        ("title = 't'", "", 1, "front matter without title", False),
        ("date = '2025-03-21T00:00:00'", "date = 'someday'", 2, "invalid front matter date 'someday'", False),
        ('tags = ["テスト"]', "tags = 3", 6, "tags is not a list (int); ignored", True),
        ('tags = ["テスト"]', 'tags = ["テスト", 1, ""]', 6, "tags that are not non-empty strings were ignored", True),
        ("draft = false", "draft = 'yes'", 4, "draft should be true or false", True),
    ],
)
def test_front_matter_warnings_name_the_key_line(old, new, line, message, survives):
    text = post_text("t", quotes=[GOOD])
    assert old in text
    post, warnings = parse(text.replace(old, new))
    assert [(w.line, w.message) for w in warnings] == [(line, message)]
    assert (post is not None) == survives


@pytest.mark.parametrize("value, draft", [("'true'", True), ("1", True), ("0", False), ("'no'", False)])
def test_non_bool_draft_is_read_as_hugo_does(value, draft):
    post, warnings = parse(post_text("t", quotes=[GOOD]).replace("draft = false", f"draft = {value}"))
    assert post.draft is draft and warnings[0].line == 4


def test_toml_error_gives_line_and_column():
    post, warnings = parse(b"+++\ntitle = 'x'\ndate = @\n+++\n")
    assert post is None and warnings[0].line == 3 and "(column 8)" in warnings[0].message


def test_unterminated_quoted_value_costs_only_its_comment():
    broken = '{{<matomeQuote userName="u" createdAt="2025/03/21 00:00:00" body="閉じていない>}}'
    post, warnings = parse(post_text("t", quotes=[broken + "\n" + GOOD]))
    assert [(q.user, q.line) for q in post.quotes] == [("good", 15)]
    assert [(w.line, w.message) for w in warnings] == [
        (14, "unterminated quoted value in matomeQuote; comment skipped")
    ]


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("2025-03-21T21:37:25", dt.datetime(2025, 3, 21, 21, 37, 25, tzinfo=UTC)),
        ("2025/09/06 16:36:41", dt.datetime(2025, 9, 6, 16, 36, 41, tzinfo=UTC)),
        ("2025-03-21T21:37:25Z", dt.datetime(2025, 3, 21, 21, 37, 25, tzinfo=UTC)),
        ("2025-03-22T06:37:25+09:00", dt.datetime(2025, 3, 21, 21, 37, 25, tzinfo=UTC)),
        ("2025-03-21T16:37:25-05:00", dt.datetime(2025, 3, 21, 21, 37, 25, tzinfo=UTC)),
        ("2025-03-01", None),
        ("2025/03/01", None),
        ("2025-03-21T21:37:25 と後ろ", None),
        ("２０２５-03-21T21:37:25", None),
    ],
)
def test_parse_created_at(raw, expected):
    parsed = hugo.parse_created_at(raw)
    assert parsed == expected
    if parsed is not None:
        assert parsed.utcoffset() == dt.timedelta(0)


def test_bare_date_created_at_skips_the_comment():
    bare = '{{<matomeQuote body="日付だけ" userName="d" createdAt="2025-03-01">}}'
    post, warnings = parse(post_text("t", quotes=[bare, GOOD]))
    assert [q.user for q in post.quotes] == ["good"]
    assert warnings[0].line == 14 and "invalid createdAt '2025-03-01'" in warnings[0].message
