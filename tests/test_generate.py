"""The synthetic archive generator: deterministic, real format, realistic text."""

import datetime as dt
import re
import tomllib

import pytest

from bench.generate import (
    CORPUS, SAMPLE_SENTENCES, TAGS, TECH_SENTENCES, VOCABULARY, add_post, describe_site,
    generate_site, main,
)
from search import hugo

QUOTE = re.compile(
    r'\{\{<matomeQuote body="((?:[^"\\]|\\.)*)" userName="([^"]*)" '
    r'createdAt="([^"]*)" color="([^"]*)">\}\}'
)
USER = re.compile(r"[A-Za-z0-9_-]+")
COLOR = re.compile(r"|#[0-9a-f]{6}")
SLASH, ISO = "%Y/%m/%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S"
FRONT_KEYS = {"date", "months", "draft", "title", "tags", "featureimage"}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A 24-post site: more posts than VOCABULARY words, small enough to stay fast."""
    return generate_site(tmp_path_factory.mktemp("gen") / "site", 24, seed=3)


def read_all(root):
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file()}


def split_post(text):
    """Return (front matter dict, body text) of one post file."""
    _, front, body = text.split("+++\n", 2)
    return tomllib.loads(front), body


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path):
    generate_site(tmp_path / "a", 6, seed=7)
    generate_site(tmp_path / "b", 6, seed=7)
    generate_site(tmp_path / "c", 6, seed=8)
    assert read_all(tmp_path / "a") == read_all(tmp_path / "b")
    assert read_all(tmp_path / "a").keys() != read_all(tmp_path / "c").keys()


def test_regenerating_replaces_the_previous_site(tmp_path):
    generate_site(tmp_path / "site", 8, seed=1)
    again = generate_site(tmp_path / "site", 3, seed=2)
    assert sorted((tmp_path / "site").rglob("index.md")) == sorted(again.files)


def test_refuses_to_overwrite_a_site_it_did_not_write(tmp_path):
    (tmp_path / "hugo.toml").write_text('baseURL = "https://example.com/"\n')
    with pytest.raises(FileExistsError):
        generate_site(tmp_path, 2)


def test_layout_config_and_dates(site):
    assert site.posts == 24 and len(site.files) == 24
    config = tomllib.loads((site.root / "hugo.toml").read_text("utf-8"))
    assert config["baseURL"] == "https://www.kaigai-tech-matome.com/"
    days = []
    for path in site.files:
        rel = path.relative_to(site.root).as_posix()
        match = re.fullmatch(r"content/posts/(\d{4}_\d\d)/((\d{4}_\d\d_\d\d)_[a-z0-9_]+)/index\.md", rel)
        assert match and match[3].startswith(match[1])
        front, _ = split_post(path.read_text("utf-8"))
        day = dt.date.fromisoformat(front["date"][:10])
        assert front["date"] == f"{day}T00:00:00" and front["months"] == f"{day:%Y/%m}"
        assert match[3] == f"{day:%Y_%m_%d}"
        days.append(day)
    assert days == sorted(days) and days[0] == dt.date(2025, 2, 1)
    assert 2 <= (days[-1] - days[0]).days <= 5  # about 7 posts a day


def test_front_matter_title_and_source_lines(site):
    for path in site.files:
        front, body = split_post(path.read_text("utf-8"))
        assert set(front) == FRONT_KEYS and front["draft"] is False
        assert 3 <= len(front["tags"]) <= 6 and len(set(front["tags"])) == len(front["tags"])
        assert set(front["tags"]) <= set(TAGS)
        assert body.startswith(f"\n> {front['title']}\n\n引用元：[https://news.ycombinator.com/item?id=")
        assert re.search(r"^引用元：\[(https://[^\]]+)\]\(\1\)$", body, re.MULTILINE)
        assert body.endswith('\n[記事一覧へ]({{% ref "/posts/" %}})\n')


def test_every_shortcode_is_well_formed(site):
    total = 0
    for path in site.files:
        text = path.read_text("utf-8")
        lines = [line for line in text.splitlines() if line.startswith("{{<matomeQuote")]
        assert len(lines) == text.count("{{<matomeQuote")
        for line in lines:
            body, user, created, color = QUOTE.fullmatch(line).groups()
            assert body and USER.fullmatch(user) and COLOR.fullmatch(color)
        total += len(lines)
    assert total == site.comments


def test_details_blocks_are_numbered_and_closed(site):
    shapes = set()
    for path in site.files:
        text = path.read_text("utf-8")
        opens = re.findall(r'\{\{< details summary="もっとコメントを表示（(\d+)）">\}\}', text)
        closes = re.findall(r"\{\{< /details >\}\}|\{\{</details>\}\}", text)
        assert [int(n) for n in opens] == list(range(1, len(opens) + 1))
        assert len(closes) == len(opens) and len(set(closes)) <= 1
        shapes.update(closes)
        shown = text[: text.find("{{< details")] if opens else text
        assert shown.count("{{<matomeQuote") in (20, 30) or not opens
    assert shapes == {"{{< /details >}}", "{{</details>}}"}  # both real layouts occur


def test_double_quotes_in_bodies_are_escaped(site):
    escaped = 0
    for path in site.files:
        for body, *_ in QUOTE.findall(path.read_text("utf-8")):
            assert re.search(r'(?<!\\)"', body) is None
            tail = len(body) - len(body.rstrip("\\"))
            assert tail % 2 == 0  # a trailing backslash would escape the closing quote
            escaped += body.count('\\"')
    assert escaped > 0


def test_both_date_formats_on_the_post_day_or_the_next(site):
    formats = set()
    for path in site.files:
        text = path.read_text("utf-8")
        day = dt.date.fromisoformat(split_post(text)[0]["date"][:10])
        for *_, created, _color in QUOTE.findall(text):
            fmt = SLASH if "/" in created else ISO
            formats.add(fmt)
            assert dt.datetime.strptime(created, fmt).date() in (day, day + dt.timedelta(days=1))
    assert formats == {SLASH, ISO}


@pytest.mark.parametrize(("draft_every", "drafts"), [(5, [2, 7]), (0, []), (2000, [])])
def test_draft_every(tmp_path, draft_every, drafts):
    generated = generate_site(tmp_path / "site", 12, seed=3, draft_every=draft_every)
    found = [i for i, path in enumerate(generated.files)
             if split_post(path.read_text("utf-8"))[0]["draft"]]
    assert found == drafts


def test_real_parser_reads_every_post_without_warnings(site):
    loaded = hugo.load_site(site.root)
    comments = 0
    for file in hugo.iter_post_files(loaded):
        post, warnings, _ = hugo.read_post(loaded, file)
        assert warnings == []
        comments += len(post.quotes)
    assert comments == site.comments


def test_corpus_and_vocabulary(site):
    assert len(SAMPLE_SENTENCES) > 300 and len(TECH_SENTENCES) >= 150 and len(TAGS) >= 250
    text = "".join(path.read_text("utf-8") for path in site.files)
    for word in VOCABULARY:
        assert any(word in sentence for sentence in CORPUS), word
        assert word in text, word
    assert re.search(r"サーバ(?!ー)", text) and re.search(r"(?<!東)京都", text)


def test_figures_look_like_the_real_archive(site):
    figures = describe_site(site.root)
    assert figures["posts"] == 24 and figures["comments"] == site.comments
    assert 40 <= site.comments / site.posts <= 130
    assert 80 <= figures["median_chars"] <= 130
    assert 0.15 <= figures["br"] <= 0.35 and 0.04 <= figures["url"] <= 0.15
    assert 0.55 <= figures["slash_date"] <= 0.9
    assert figures["users"] <= 24 * 15


def test_add_post_adds_one_new_parseable_post(tmp_path):
    generated = generate_site(tmp_path / "site", 3, seed=1)
    path = add_post(tmp_path / "site", seed=5, comments=30)
    loaded = hugo.load_site(tmp_path / "site")
    post, warnings, _ = hugo.read_post(loaded, path)
    assert warnings == [] and len(post.quotes) == 30
    last = dt.date.fromisoformat(split_post(generated.files[-1].read_text("utf-8"))[0]["date"][:10])
    assert post.date == last + dt.timedelta(days=1)
    assert path.parent.name.startswith(f"{last + dt.timedelta(days=1):%Y_%m_%d}_")
    assert sorted((tmp_path / "site").rglob("index.md")) == sorted([*generated.files, path])


def test_add_post_is_deterministic_and_never_overwrites(tmp_path):
    paths = []
    for name in ("a", "b"):
        generate_site(tmp_path / name, 2, seed=1)
        paths.append(add_post(tmp_path / name, seed=9, day=dt.date(2025, 12, 1)))
    first = paths[0].read_bytes()
    assert first == paths[1].read_bytes()
    again = add_post(tmp_path / "a", seed=9, day=dt.date(2025, 12, 1))
    assert again != paths[0] and paths[0].read_bytes() == first


def test_cli_writes_a_site_and_reports_it(tmp_path, capsys):
    main(["--posts", "3", "--seed", "2", "--out", str(tmp_path / "site"), "--stats"])
    out = capsys.readouterr().out
    assert out.startswith("3 posts, ") and "median_chars" in out
    assert len(list((tmp_path / "site").rglob("index.md"))) == 3
