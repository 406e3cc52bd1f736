"""Distinct reader queries drawn from an archive's own comments, for the web benchmarks.

    >>> q = Query(("機械学習", "論文"), html=False, sort="newest")
    >>> q.path()
    '/api/search?q=%E6%A9%9F%E6%A2%B0%E5%AD%A6%E7%BF%92+%E8%AB%96%E6%96%87&sort=newest'

A query is one, two or three content words of one comment (so they occur
together somewhere), in the comment's order: nouns and noun compounds as
janome reads them, and Latin words (product names, code). Words are drawn
uniformly from a comment's words, so a common word turns up in queries as
often as it does in comments. Most queries go to `/api/search`, some to the
HTML page `/`; a few sort by date, filter by the comment's user or one of its
post's tags, or ask for page 2, and a few carry a typo (two letters of one
word swapped), as readers' queries do, which is what "did you mean" is for.

`draw_queries` is seeded and distinct by construction (one set of paths), so
a caller can cut the list into disjoint warm-up and measured sets.
"""

from __future__ import annotations

import random
import re
import time
from pathlib import Path
from typing import NamedTuple
from urllib.parse import urlencode

from bench.bench_index import published_posts

WORDS_PER_QUERY = {1: 0.35, 2: 0.45, 3: 0.20}
HTML_SHARE = 0.2
NEWEST_SHARE = 0.1
USER_SHARE = 0.05
TAG_SHARE = 0.05
PAGE2_SHARE = 0.05
TYPO_SHARE = 0.03
QUERIES_PER_COMMENT = 5

_URL = re.compile(r"https?://\S+")
_LATIN = re.compile(r"[A-Za-z][A-Za-z0-9_]*(?:[.\-][A-Za-z0-9]+)*[+#]*")
_NOUN_KINDS = frozenset({"一般", "固有名詞", "サ変接続", "形容動詞語幹"})
_LATIN_SKIP = frozenset({"http", "https", "www", "com", "org", "html", "br"})


class Query(NamedTuple):
    """One reader's request: its words and the page, sort, filter and page number asked for."""

    words: tuple[str, ...]
    html: bool = False
    sort: str = ""
    user: str = ""
    tag: str = ""
    page: int = 1

    @property
    def text(self) -> str:
        """The query as typed: the words joined by spaces."""
        return " ".join(self.words)

    def path(self) -> str:
        """Return the request path of this query on matome-search."""
        params = {"q": self.text}
        for name in ("sort", "user", "tag"):
            if getattr(self, name):
                params[name] = getattr(self, name)
        if self.page > 1:
            params["page"] = str(self.page)
        return ("/?" if self.html else "/api/search?") + urlencode(params)


class Comment(NamedTuple):
    """What the generator needs of one comment: its text, user and its post's tags."""

    body: str
    user: str
    tags: tuple[str, ...]


def load_comments(site: Path) -> list[Comment]:
    """Every comment of the site's published posts, in file order."""
    return [Comment(q.body, q.user, tuple(post.tags)) for post in published_posts(site) for q in post.quotes]


def content_words(body: str) -> list[str]:
    """Return the comment's nouns, noun compounds and Latin words, in order, each once.

    >>> content_words("RustとC++で機械学習の勉強をした。https://example.com")
    ['Rust', 'C++', '機械', '機械学習', '学習', '勉強']
    """
    from search.analysis.words import get_janome

    text = _URL.sub(" ", body.replace("<br>", "\n"))
    found: list[tuple[int, str]] = []
    for m in _LATIN.finditer(text):
        if len(m.group()) >= 2 and m.group().lower() not in _LATIN_SKIP:
            found.append((m.start(), m.group()))
    cursor, run = 0, None  # run: (start, end) of the nouns just read, for compounds
    for tok in get_janome().tokenize(text):
        start = text.find(tok.surface, cursor)
        start = cursor if start < 0 else start
        cursor = start + len(tok.surface)
        pos = tok.part_of_speech.split(",")
        if pos[0] != "名詞" or pos[1] not in _NOUN_KINDS or tok.surface.isascii():
            run = None
            continue
        if run is not None and run[1] == start:
            run = (run[0], cursor)
            found.append((run[0], text[run[0] : cursor]))
        else:
            run = (start, cursor)
        if len(tok.surface) >= 2:
            found.append((start, tok.surface))
    return list(dict.fromkeys(word for _, word in sorted(found, key=lambda f: f[0])))


def _weighted(rng: random.Random, weights: dict):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def with_typo(word: str, at: int) -> str:
    """Swap the letters at `at` and `at + 1` (a reader's slip).

    >>> with_typo("データベース", 1)
    'デターベース'
    """
    return word[:at] + word[at + 1] + word[at] + word[at + 2 :]


def _one_query(rng: random.Random, words: list[str], comment: Comment) -> Query:
    count = min(len(words), _weighted(rng, WORDS_PER_QUERY))
    picked = [words[i] for i in sorted(rng.sample(range(len(words)), count))]
    if rng.random() < TYPO_SHARE:
        n = rng.randrange(len(picked))
        if len(picked[n]) >= 3:
            picked[n] = with_typo(picked[n], rng.randrange(len(picked[n]) - 1))
    picked = tuple(picked)
    return Query(
        picked,
        html=rng.random() < HTML_SHARE,
        sort="newest" if rng.random() < NEWEST_SHARE else "",
        user=comment.user if rng.random() < USER_SHARE else "",
        tag=rng.choice(comment.tags) if comment.tags and rng.random() < TAG_SHARE else "",
        page=2 if rng.random() < PAGE2_SHARE else 1,
    )


def draw_queries(comments: list[Comment], count: int, seed: int = 0, max_seconds: float = 300) -> list[Query]:
    """Return up to `count` queries with distinct paths, in a seeded random order.

    Each comment read gives a few queries; once every comment has been read,
    further rounds draw again from the words already found (no new janome
    pass), until `count` is reached, a round adds nothing new, or
    `max_seconds` have passed. Returns fewer when the archive runs dry: the
    caller checks the length.
    """
    rng = random.Random(seed)
    order = list(range(len(comments)))
    rng.shuffle(order)
    seen: dict[str, Query] = {}
    read: list[tuple[list[str], Comment]] = []
    deadline = time.monotonic() + max_seconds

    def draw(words, comment) -> None:
        for _ in range(QUERIES_PER_COMMENT):
            if len(seen) >= count:
                return
            query = _one_query(rng, words, comment)
            seen.setdefault(query.path(), query)

    for n in order:
        if len(seen) >= count or time.monotonic() > deadline:
            break
        words = content_words(comments[n].body)
        if words:
            read.append((words, comments[n]))
            draw(words, comments[n])
    grew = True
    while grew and len(seen) < count and time.monotonic() < deadline:
        before = len(seen)
        for words, comment in read:
            draw(words, comment)
        grew = len(seen) > before
    queries = list(seen.values())
    rng.shuffle(queries)
    return queries


def split_sets(queries: list[Query], sizes: dict[str, int]) -> dict[str, list[Query]]:
    """Cut `queries` into consecutive disjoint named sets of the given sizes (the last may be short)."""
    sets, start = {}, 0
    for name, size in sizes.items():
        sets[name] = queries[start : start + size]
        start += size
    return sets
