"""The crafted archive of `bench.hostile`: long comments in the real format, and the words to attack it with.

One post holds the comments that made single requests take seconds: `機械`
12,000 times, a Latin word 12,000 times, a first line of 30,000 `[`, 20,000
alternating `機械 学習`, 1 MB of mixed text. `read_vocabulary` reads the
index's own words and users, so hostile queries hit real postings.
"""

from __future__ import annotations

import datetime as dt
import random
import re
import shutil
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from bench.generate import CORPUS, URLS, generate_site

HOSTILE_USER = "hostile_bench"
LATIN_WORDS = ["kernel", "compiler", "latency", "robot", "vector", "cluster", "sandbox", "router"]


@dataclass(frozen=True)
class Vocabulary:
    """Words of the index that hostile queries are made of."""

    common: list  # body words, the most frequent first
    latin: list  # Latin body words
    letters: str  # first letters shared by the most Latin words, the most shared first
    kanji: str  # kanji seen in body words
    users: list


def crafted_bodies(rng: random.Random, scale: float = 1.0) -> dict[str, str]:
    """The crafted long comments by name; `scale` shrinks them (for smoke tests)."""

    def n(count):
        return max(2, int(count * scale))

    latin = rng.choice(LATIN_WORDS)
    return {
        "kanji_word_x12000": "機械" * n(12000),
        "latin_word_x12000": " ".join([latin] * n(12000)),
        "brackets_x30000_first_line": "[" * n(30000) + "\n括弧の行のあとに本文が続く。",
        "alternating_x20000": " ".join(["機械", "学習"] * (n(20000) // 2)),
        "mixed_1mb": mixed_text(rng, n(1_000_000)),
    }


def mixed_text(rng: random.Random, size: int) -> str:
    """About `size` characters of archive sentences, Latin words, URLs, markup and line breaks."""
    parts, length = [], 0
    while length < size:
        part = rng.choice(
            [
                rng.choice(CORPUS),
                rng.choice(CORPUS),
                rng.choice(LATIN_WORDS) + " ",
                rng.choice(URLS) + " ",
                "**強調**",
                "[リンク](https://example.com/a) ",
                "\n",
            ]
        )
        parts.append(part)
        length += len(part)
    return "".join(parts)[:size]


def write_crafted_post(site: Path, bodies: dict, day: dt.date = dt.date(2025, 12, 2)) -> Path:
    """Write the crafted comments as one post in the archive's real format."""
    lines = [
        "+++",
        f"date = '{day:%Y-%m-%d}T00:00:00'",
        f"months = '{day:%Y/%m}'",
        "draft = false",
        "title = '長いコメントの試験'",
        'tags = ["試験"]',
        "featureimage = 'thumbnails/blue4.jpg'",
        "+++",
        "",
        "> 長いコメントの試験",
        "",
        "引用元：[https://news.ycombinator.com/item?id=1](https://news.ycombinator.com/item?id=1)",
        "",
    ]
    for body in bodies.values():
        body = body.replace('"', '\\"').replace("\n", "<br>")
        lines += [
            f'{{{{<matomeQuote body="{body}" userName="{HOSTILE_USER}" '
            f'createdAt="{day:%Y/%m/%d} 10:00:00" color="">}}}}',
            "",
        ]
    lines.append('[記事一覧へ]({{% ref "/posts/" %}})')
    path = site / "content" / "posts" / f"{day:%Y_%m}" / "hostile_bench" / "index.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", "utf-8")
    return path


def prepare(opts, work: Path) -> tuple[Path, Path]:
    """Copy or generate the site (and copy the index) into `work`; return (site, index_dir)."""
    site, index_dir = work / "site", work / "index"
    if opts.site:
        shutil.copytree(opts.site, site)
    else:
        generate_site(site, opts.posts, seed=opts.seed)
    if opts.index_dir:
        shutil.copytree(opts.index_dir, index_dir, ignore=shutil.ignore_patterns(".lock"))
    return site, index_dir


def read_vocabulary(index_dir: Path) -> Vocabulary:
    """Read the words and users that hostile queries are built from out of the index.

    Words are ranked by how many comments hold them, so the crafted
    comments' thousands of repeats do not make their words look common.
    """
    from search.index import store

    ix, _ = store.open_current(index_dir)
    with ix.reader() as reader:
        counted = [(info.doc_frequency(), text.decode("utf-8")) for text, info in reader.iter_field("body")]
        users = list(reader.field_terms("user"))
    body = [t for _, t in counted]
    common = [t for _, t in sorted(counted, key=lambda c: -c[0]) if len(t) > 1][:400]
    latin = [t for t in body if re.fullmatch(r"[a-z]{3,}", t)]
    letters = "".join(c for c, _ in Counter(t[0] for t in latin).most_common(6)) or "s"
    kanji = "".join(sorted({c for t in body for c in t if "\u4e00" <= c <= "\u9fff"}))
    return Vocabulary(common or ["機械"], latin or ["server"], letters, kanji or "機械学習", users)
