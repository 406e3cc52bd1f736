"""Plain records that flow through the pipeline: files -> Post/Quote -> index -> SearchHit.

No I/O happens here; every record is a frozen dataclass so stages cannot
mutate what an earlier stage produced, but for `ClauseExplain`, which the
query compiler fills in as it reads a clause.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class ParseWarning:
    """A problem found in one post file; the rest of the archive is unaffected."""

    path: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class Quote:
    """One `matomeQuote` comment, in the order it appears in its post."""

    index: int  # 0-based position among the post's comments
    user: str
    created_at: dt.datetime  # timezone-aware, UTC
    body: str  # `<br>` already turned into "\n"; Markdown left as written
    line: int  # 1-based line of the shortcode in the post file


@dataclass(frozen=True)
class Post:
    """One Hugo post bundle and the comments it quotes."""

    path: str  # POSIX path relative to the site root
    url: str
    title: str
    date: dt.date
    tags: tuple[str, ...]
    source_url: str | None
    draft: bool
    quotes: tuple[Quote, ...] = ()


@dataclass(frozen=True)
class SearchRequest:
    """What a reader asked for; every front end builds one of these."""

    query: str = ""
    users: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    since: dt.date | None = None
    until: dt.date | None = None
    sort: str = "relevance"  # relevance | newest | oldest
    page: int = 1
    per_page: int = 10
    explain: bool = False
    group: str = "comment"  # comment | post: one result per comment, or per post


@dataclass
class ClauseExplain:
    """How the compiler read one clause of a query, and what else it searched it as.

    A field left None was not reached and is left out of the JSON; `tokens`
    and `groups` are set, even empty, for every body or title clause. The
    compiler fills the fields in as it goes (the order of the fields is the
    order of the JSON); nothing changes them once the query is compiled.
    """

    text: str
    field: str
    negated: bool
    tokens: list[str] | None = None  # the clause's words
    groups: list[list[str]] | None = None  # its runs of adjacent words
    readings: list[str] | None = None  # the readings a kana or romaji word was searched as
    romaji: list[str] | None = None  # the kana a romaji word was read as
    ngrams: list[str] | None = None  # bigrams across janome's boundaries
    superterms: list[str] | None = None  # longer words holding the word
    parts: list[str] | None = None  # the runs a word of several scripts was searched by
    loanwords: list[str] | None = None  # its forms in the other script
    synonyms: list[list[str]] | None = None  # the editor's synonyms, each as its words
    joins: list[list[str]] | None = None  # the word as the index holds it where janome read it otherwise


@dataclass(frozen=True)
class Explain:
    """How a query was compiled (`--explain`): each clause, and the Whoosh query it all became."""

    clauses: tuple[ClauseExplain, ...]
    query: str  # the Whoosh query, as `str()` prints it


@dataclass(frozen=True)
class SearchHit:
    """One matching comment, detached from the Whoosh searcher that found it."""

    post_path: str
    post_url: str
    post_title: str
    post_date: dt.date
    tags: tuple[str, ...]
    source_url: str | None
    quote_index: int
    user: str
    created_at: dt.datetime
    body: str
    snippet: str  # HTML-escaped, matches wrapped in <mark>
    score: float


@dataclass(frozen=True)
class PostGroup:
    """One post of a grouped page: how many of its comments match, and its best ones."""

    post_path: str
    post_url: str
    post_title: str
    post_date: dt.date
    tags: tuple[str, ...]
    matches: int  # its matching comments
    comments: tuple[SearchHit, ...]  # the best few, best first


@dataclass(frozen=True)
class SearchPage:
    """One page of results plus facets counted over every match.

    Grouped by post (`group == "post"`), `groups` holds the page and `total`
    counts posts; otherwise `hits` holds it and `total` counts comments.
    Facets count comments either way.
    """

    query: str
    total: int
    page: int
    per_page: int
    took_ms: float
    hits: tuple[SearchHit, ...]
    users: tuple[tuple[str, int], ...] = ()
    tags: tuple[tuple[str, int], ...] = ()
    months: tuple[tuple[str, int], ...] = ()
    notes: tuple[str, ...] = ()
    suggestion: str | None = None
    explain: Explain | None = None
    # (stage, milliseconds) of the server's own work, for `Server-Timing`.
    timings: tuple[tuple[str, float], ...] = ()
    cached: bool = False  # answered from the request cache
    group: str = "comment"
    groups: tuple[PostGroup, ...] = ()


@dataclass(frozen=True)
class IndexVersion:
    """Which version of the index answers: a generation, a commit of it, and when it was made."""

    generation: str  # the generation directory the CURRENT pointer names, e.g. `g000003`
    commit: int  # Whoosh's TOC generation within it: one more per incremental commit
    updated: dt.datetime  # when that commit was written, in UTC

    @property
    def tag(self) -> str:
        """A short name that changes with every commit or rebuild, e.g. `g000003.12`."""
        return f"{self.generation}.{self.commit}"


@dataclass(frozen=True)
class ContextRequest:
    """A comment of a post and how many of its neighbours to show on each side."""

    post_path: str
    quote_index: int
    n: int = 2  # neighbours on each side


@dataclass(frozen=True)
class ContextComment:
    """One comment of a post's conversation, as the index stores it."""

    quote_index: int
    user: str
    created_at: dt.datetime
    body: str
    hit: bool  # the comment the context was asked for


@dataclass(frozen=True)
class CommentContext:
    """A comment among its neighbours, in the post's order, with the post's fields."""

    post_path: str
    post_url: str
    post_title: str
    post_date: dt.date
    tags: tuple[str, ...]
    source_url: str | None
    quote_index: int  # the comment asked for
    quote_count: int  # comments in the post
    comments: tuple[ContextComment, ...]
