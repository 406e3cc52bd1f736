"""Fuzz the post parser and what shows its output: hostile front matter, dates, text and links.

    python -m bench.fuzz_posts [--examples 20000] [--seed 1] [--out FILE]

The strategies here are shared with `tests/test_fuzz_posts.py`, which runs
each property with a fixed seed and a few hundred examples; this script is
the longer campaign, by hand, and prints one JSON document: per property,
the examples tried, the seconds taken and the failure found (none expected).

The properties:

- `front_matter`: TOML front matter of any shape (values of every type,
  nested up to 2,000 deep, `title`/`date`/`tags`/`draft` of the wrong
  type) never makes `parse_post` raise; a post it returns is well typed;
- `created_at`: any date from year 1 to 9999, any offset, either archive
  format: a UTC datetime or None, never an exception, and the month it is
  filed under is `YYYY-MM`;
- `text`: control and bidi characters in every field (title, tags, user,
  body) are kept as data; the CLI's rendering of the hit holds none that a
  terminal acts on (judged by Unicode's tables, not the CLI's own list) and
  no line that was not its own;
- `links`: a source link of any scheme becomes `source_url` only when it
  is http(s) with a host.
"""

from __future__ import annotations

import argparse
import datetime as dt
import html
import io
import re
import time
import unicodedata
from contextlib import redirect_stdout
from pathlib import Path

from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from bench.report import emit
from search.cli import print_page, terminal_safe
from search.index.schema import to_document
from search.ingest.hugo import parse_created_at, parse_post
from search.records import SearchHit, SearchPage

PATH, URL = "content/posts/2025_01/x/index.md", "https://example.com/posts/2025_01/x/"
CONTROLS = [chr(c) for c in [*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0)]] + list(
    "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200f"
)

# -- strategies ------------------------------------------------------------

hostile_text = st.text(
    alphabet=st.one_of(
        st.sampled_from(CONTROLS),
        st.sampled_from(list("機械学習ab \"'\\<>&{}[]=#")),
        st.characters(blacklist_categories=("Cs",)),
    ),
    max_size=40,
)


def _toml_string(text: str) -> str:
    """A TOML basic string: every character TOML forbids raw, escaped."""
    out = []
    for ch in text:
        if ch in '"\\' or ord(ch) < 0x20 or ord(ch) == 0x7F or 0xD800 <= ord(ch) <= 0xDFFF:
            out.append(f"\\u{ord(ch):04x}" if not 0xD800 <= ord(ch) <= 0xDFFF else "\\ufffd")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


scalars = st.one_of(
    st.integers(-(2**63), 2**63 - 1).map(str),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.booleans().map(lambda b: "true" if b else "false"),
    hostile_text.map(_toml_string),
    st.datetimes(min_value=dt.datetime(1, 1, 1), max_value=dt.datetime(9999, 12, 31)).map(
        lambda d: d.isoformat(timespec="seconds")
    ),
    st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31)).map(lambda d: d.isoformat()),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4).map(lambda items: "[" + ", ".join(items) + "]"),
        st.dictionaries(st.from_regex(r"[a-z]{1,6}", fullmatch=True), inner, max_size=3).map(
            lambda table: "{" + ", ".join(f"{k} = {v}" for k, v in table.items()) + "}"
        ),
    ),
    max_leaves=12,
)
deep = st.integers(1, 2000).map(lambda n: "[" * n + "]" * n)
keys = st.sampled_from(["title", "date", "tags", "draft", "Title", "DATE", "months", "x", "featureimage"])
front_matters = st.lists(st.tuples(keys, st.one_of(values, deep)), max_size=6).map(
    lambda pairs: "".join(f"{k} = {v}\n" for k, v in dict(pairs).items())
)

offsets = st.one_of(
    st.just(""),
    st.just("Z"),
    st.tuples(st.sampled_from("+-"), st.integers(0, 23), st.integers(0, 59)).map(
        lambda t: f"{t[0]}{t[1]:02d}:{t[2]:02d}"
    ),
)
created_ats = st.tuples(
    st.datetimes(min_value=dt.datetime(1, 1, 1), max_value=dt.datetime(9999, 12, 31, 23, 59, 59)),
    st.booleans(),
    offsets,
).map(
    lambda t: (
        (t[0].strftime("%Y/%m/%d %H:%M:%S").rjust(19, "0") if t[1] else f"{t[0].year:04d}-{t[0]:%m-%dT%H:%M:%S}")
        + ("" if t[1] else t[2])
    )
)

schemes = st.sampled_from(
    [
        "http",
        "https",
        "HTTPS",
        "javascript",
        "data",
        "file",
        "ftp",
        "vbscript",
        "",
        "mailto",
        "ht\ttp",
        " https",
        "intent",
    ]
)
links = st.tuples(
    schemes,
    st.sampled_from([":", "://", ":/", ":///"]),
    st.from_regex(r"[a-z0-9.\-@:%]{0,20}(/[a-z0-9?=&#%]{0,10})?", fullmatch=True),
).map("".join)


def post_file(
    front: str = "",
    title="題名",
    tags=("テスト",),
    user="alice",
    body="本文",
    created="2025-03-21T10:00:00",
    source="https://news.ycombinator.com/item?id=1",
) -> bytes:
    """A post in the archive's format, with every field given as is."""
    quote = body.replace('"', '\\"').replace("\n", "<br>")
    tag_list = ", ".join(_toml_string(t) for t in tags)
    return (
        f"+++\ndate = '2025-03-21T00:00:00'\ndraft = false\ntitle = {_toml_string(title)}\n"
        f"tags = [{tag_list}]\n{front}+++\n\n> {title}\n\n引用元：[{source}]({source})\n\n"
        f'{{{{<matomeQuote body="{quote}" userName="{user}" createdAt="{created}" color="">}}}}\n'
    ).encode()


# -- properties -------------------------------------------------------------


def _parse(data: bytes):
    """`parse_post`, failing when its last-resort net caught an exception: the fuzz looks beneath it."""
    post, warnings = parse_post(data, PATH, URL)
    caught = [w for w in warnings if w.message.startswith("cannot parse the post")]
    assert not caught, caught[0].message
    return post, warnings


def check_front_matter(front: str) -> None:
    post, warnings = _parse(post_file(front=front))
    assert all(w.path == PATH for w in warnings)
    if post is not None:
        assert isinstance(post.title, str) and post.title
        assert isinstance(post.date, dt.date)
        assert all(isinstance(t, str) and t for t in post.tags)
        assert isinstance(post.draft, bool)


def check_created_at(created: str) -> None:
    parsed = parse_created_at(created)
    if parsed is not None:
        assert parsed.utcoffset() == dt.timedelta(0)
    post, _ = _parse(post_file(created=created))
    for quote in post.quotes:
        assert re.fullmatch(r"\d{4}-\d\d", to_document(post, quote)["month"])


def check_text(title: str, tag: str, user: str, body: str) -> None:
    post, warnings = _parse(post_file(title=title or "t", tags=(tag or "t",), user=user, body=body))
    shown = [terminal_safe(str(w)) for w in warnings]
    if post is not None and post.quotes:
        quote = post.quotes[0]
        hit = SearchHit(
            post.path,
            post.url,
            post.title,
            post.date,
            post.tags,
            post.source_url,
            quote.index,
            quote.user,
            quote.created_at,
            quote.body,
            html.escape(quote.body),
            1.0,
        )
        out = io.StringIO()
        with redirect_stdout(out):
            print_page(SearchPage("q", 1, 1, 10, 1.0, (hit,)), color=False)
        lines = out.getvalue().split("\n")
        assert len(lines) == 6, lines  # "1 matches", "", the hit's three lines, the end: nothing faked
        shown.append(out.getvalue())
    for text in shown:
        bad = [ch for ch in text if _reaches_the_terminal(ch)]
        assert not bad, (bad, text)


def _reaches_the_terminal(ch: str) -> bool:
    """A character a terminal acts on or reorders text by, judged by Unicode's own tables, not the CLI's."""
    category, direction = unicodedata.category(ch), unicodedata.bidirectional(ch)
    return (
        (category == "Cc" and ch not in "\n\t")
        or direction in _BIDI_CONTROLS
        or (category == "Cf" and direction in ("L", "R", "AL"))
    )  # the marks: LRM, RLM, ALM


_BIDI_CONTROLS = {"LRE", "RLE", "LRO", "RLO", "PDF", "LRI", "RLI", "FSI", "PDI"}


def check_link(link: str) -> None:
    post, _ = _parse(post_file(source=link))
    if post is not None and post.source_url is not None:
        assert post.source_url.lower().startswith(("http://", "https://"))
        assert not post.source_url.lower().startswith(("http:///", "https:///"))


PROPERTIES = {
    "front_matter": (check_front_matter, (front_matters,)),
    "created_at": (check_created_at, (created_ats,)),
    "text": (
        check_text,
        (hostile_text, hostile_text, hostile_text.filter(lambda s: '"' not in s and ">" not in s), hostile_text),
    ),
    "links": (check_link, (links,)),
}


def run(name: str, examples: int, seed_value: int) -> dict:
    """Run one property for `examples` examples; return what it found."""
    check, strategies = PROPERTIES[name]
    test = seed(seed_value)(
        settings(max_examples=examples, deadline=None, database=None, suppress_health_check=list(HealthCheck))(
            given(*strategies)(check)
        )
    )
    started = time.perf_counter()
    try:
        test()
        failure = None
    except Exception as exc:  # reported, not raised: the campaign goes on
        failure = f"{type(exc).__name__}: {exc}"[:2000]
    return {"examples": examples, "seconds": round(time.perf_counter() - started, 1), "failure": failure}


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=20000, help="examples per property")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--only", choices=sorted(PROPERTIES), action="append")
    parser.add_argument("--out", type=Path)
    opts = parser.parse_args(argv)
    result = {name: run(name, opts.examples, opts.seed) for name in opts.only or PROPERTIES}
    return emit(result, opts.out)


if __name__ == "__main__":
    main()
