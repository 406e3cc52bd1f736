"""`SearchService(index_dir).search(request) -> SearchPage`: the one search path.

The service owns a long-lived Whoosh searcher, refreshed when the indexer
commits or swaps in a new generation, so the CLI, the JSON API and the HTML
page all answer from the same code. Whoosh hits die with their searcher, so
they are converted to `SearchHit` records while the searcher is held.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import threading
import time
from contextlib import contextmanager
from pathlib import Path

from whoosh import query as wq
from whoosh import sorting

from . import store
from .errors import BadRequestError, IndexCorruptError, SearchError
from .analysis import warm_dictionary
from .query import compile_query
from .records import SearchHit, SearchPage, SearchRequest
from .schema import KIND_POST, KIND_QUOTE
from .collect import DocTable, collect
from .execute import Executor
from .snippets import literal_spans, make_snippet
from .suggest import SUGGEST_BELOW, suggest
from .synonyms import load_synonyms
from .warmup import WARM_SHARE, frequent_terms

log = logging.getLogger(__name__)

MAX_PER_PAGE = 100
MAX_PAGE = 1000
MAX_QUERY_LENGTH = 500
SORTS = ("relevance", "newest", "oldest")


def validate(request: SearchRequest) -> None:
    """Raise BadRequestError naming the first invalid parameter of `request`."""
    if len(request.query) > MAX_QUERY_LENGTH:
        raise BadRequestError("q", f"query longer than {MAX_QUERY_LENGTH} characters")
    if request.sort not in SORTS:
        raise BadRequestError("sort", f"must be one of {', '.join(SORTS)}")
    if not 1 <= request.page <= MAX_PAGE:
        raise BadRequestError("page", f"must be between 1 and {MAX_PAGE}")
    if not 1 <= request.per_page <= MAX_PER_PAGE:
        raise BadRequestError("per_page", f"must be between 1 and {MAX_PER_PAGE}")
    if request.since and request.until and request.since > request.until:
        raise BadRequestError("since", "is after until")


class SearchService:
    """Answers `SearchRequest`s from the index in `index_dir`; thread-safe."""

    def __init__(self, index_dir, synonyms=None, warm=False):
        """Serve `index_dir`; `synonyms` is a TOML file (default: the shipped list).

        With `warm`, every index generation the service opens is warmed in a
        background thread (`warm_up`). Raises SynonymsError for a bad synonym file.
        """
        self.index_dir = Path(index_dir)
        self.synonyms = load_synonyms(synonyms)
        self._readings: frozenset = frozenset()
        self._lock = threading.Lock()
        self._ix = None
        self._searcher = None
        self._pointer_stamp = None
        self._table: DocTable | None = None
        self._executor: Executor | None = None
        self.warm = warm

    def close(self) -> None:
        """Release the searcher and its files."""
        with self._lock:
            self._drop()

    def _drop(self) -> None:
        if self._searcher is not None:
            self._searcher.close()
        self._ix = self._searcher = self._pointer_stamp = None

    def _pointer_changed(self) -> bool:
        try:
            st = os.stat(self.index_dir / store.POINTER)
            stamp = (st.st_mtime_ns, st.st_ino, st.st_size)
        except OSError:
            stamp = None
        changed = stamp != self._pointer_stamp
        self._pointer_stamp = stamp
        return changed

    def _current(self):
        """Return an up-to-date searcher (call with the lock held)."""
        if self._pointer_changed() or self._searcher is None:
            stamp = self._pointer_stamp
            self._drop()
            self._ix, self.pointer = store.open_current(self.index_dir)
            self._searcher = self._ix.searcher()
            self._pointer_stamp = stamp
            self._opened()
        elif not self._searcher.up_to_date():
            # A fresh searcher, not Searcher.refresh(): refresh() reuses the
            # readers of segments whose ids did not change, and with them
            # their old deletion sets, so a replaced post stayed findable.
            old, self._searcher = self._searcher, self._ix.searcher()
            old.close()
            self._opened()
        return self._searcher

    def _opened(self) -> None:
        """Forget what the old searcher knew; warm the new one when asked to."""
        self._forget_vocabulary()
        if self.warm:
            threading.Thread(target=self._warm_quietly, args=(self._searcher,),
                             name="matome-search-warm", daemon=True).start()

    def open(self) -> None:
        """Open the index now rather than at the first search (and start warming it)."""
        with self._lock, self._reading_guard():
            self._current()

    def warm_up(self, searcher=None) -> tuple[int, int]:
        """Read the most frequent words' postings into the cache; return (words, postings).

        janome's dictionary pages are faulted in first (`warm_dictionary`).

        One word per hold of the lock, so searches go on meanwhile. Stops
        when the service moves to a newer searcher than `searcher`.
        """
        warm_dictionary()
        with self._lock, self._reading_guard():
            if searcher is None:
                searcher = self._current()
            elif searcher is not self._searcher:
                return 0, 0
            executor = self._tools()[1]
            self._reading_terms(searcher)
            terms = frequent_terms(searcher.reader(), int(executor.budget * WARM_SHARE))
        postings = 0
        for done, (fieldname, text) in enumerate(terms):
            with self._lock, self._reading_guard():
                if self._searcher is not searcher:
                    return done, postings
                postings += executor.warm(fieldname, text)
        return len(terms), postings

    def _warm_quietly(self, searcher) -> None:
        started = time.perf_counter()
        try:
            words, postings = self.warm_up(searcher)
        except SearchError as exc:  # the next search reports it
            log.warning("warming the index stopped: %s", exc)
            return
        log.info("warmed %d words (%d postings) in %.1fs", words, postings, time.perf_counter() - started)

    @contextmanager
    def _reading_guard(self):
        """Turn a failure inside Whoosh into IndexCorruptError and reopen next time.

        A truncated or missing segment file surfaces as EOFError, OSError,
        struct.error and friends from deep inside Whoosh; callers get one
        typed error, and the next request starts from a fresh searcher.
        """
        try:
            yield
        except SearchError:
            raise
        except Exception as exc:
            self._drop()
            raise IndexCorruptError(self.index_dir, f"{type(exc).__name__}: {exc}") from exc

    def _forget_vocabulary(self) -> None:
        self._table = None
        self._executor = None
        self._readings = frozenset()

    def _reading_terms(self, searcher) -> frozenset:
        """The index's reading vocabulary, for splitting kana queries."""
        if not self._readings:
            lexicon = searcher.reader().lexicon("body_reading")
            self._readings = frozenset(t.decode("utf-8") for t in lexicon)
        return self._readings

    def search(self, request: SearchRequest) -> SearchPage:
        """Run `request`; raise BadRequestError, IndexNotFoundError, IndexVersionError."""
        validate(request)
        started = time.perf_counter()
        with self._lock, self._reading_guard():
            searcher = self._current()
            compiled = compile_query(
                request.query,
                self._reading_terms(searcher),
                self.synonyms,
                frequency=lambda term: searcher.doc_frequency("body", term),
            )
            sort = request.sort
            if compiled.query is None and sort == "relevance":
                sort = "newest"  # nothing to rank by: show the latest first
            page = self._run(searcher, request, sort, compiled)
            if page["total"] < SUGGEST_BELOW and compiled.body_terms:
                suggestion = suggest(searcher, request.query, compiled.body_terms)
                if suggestion:
                    page["suggestion"] = suggestion
        took = (time.perf_counter() - started) * 1000
        return SearchPage(
            query=request.query,
            total=page["total"],
            page=request.page,
            per_page=request.per_page,
            took_ms=round(took, 2),
            hits=page["hits"],
            users=page["users"],
            tags=page["tags"],
            months=page["months"],
            notes=tuple(compiled.notes),
            suggestion=page.get("suggestion"),
            explain={"clauses": compiled.explain, "query": str(compiled.query)} if request.explain else None,
        )

    def _tools(self) -> tuple[DocTable, Executor]:
        """The current searcher's columns and executor, made on first use."""
        if self._table is None:
            self._table = DocTable(self._searcher.reader())
        if self._executor is None:
            self._executor = Executor(self._searcher)
        return self._table, self._executor

    def _run(self, searcher, request, sort, compiled) -> dict:
        table, executor = self._tools()
        found = collect(searcher, executor, table, compiled.query, request, sort,
                        near=compiled.proximity_terms)
        hits = tuple(_to_hit(searcher, executor, docnum, score, compiled)
                     for docnum, score in found.page)
        return {"total": found.total, "hits": hits, "users": found.users,
                "tags": found.tags, "months": found.months}

    def health(self) -> dict:
        """Return the cheap figures a monitor polls: posts, comments, last update."""
        with self._lock, self._reading_guard():
            searcher = self._current()
            posts = len(list(searcher.document_numbers(kind=KIND_POST)))
            return {
                "posts": posts,
                "comments": searcher.doc_count() - posts,
                "last_updated": store.last_updated(self._ix).isoformat(timespec="seconds"),
            }

    def stats(self) -> dict:
        """Return index-wide figures: posts, comments, users, tags, dates, size."""
        with self._lock, self._reading_guard():
            searcher = self._current()
            reader = searcher.reader()
            posts = len(list(searcher.document_numbers(kind=KIND_POST)))
            comments = searcher.doc_count() - posts
            users = sum(1 for _ in reader.lexicon("user"))
            tags = sum(1 for _ in reader.lexicon("tags"))
            months = [m.decode() for m in reader.lexicon("month")]
            dates = _date_range(searcher)
            return {
                "posts": posts,
                "comments": comments,
                "users": users,
                "tags": tags,
                "first_comment": dates[0],
                "last_comment": dates[1],
                "months": len(months),
                "index_bytes": store.index_size(self.index_dir, self.pointer["generation"]),
                "generation": self.pointer["generation"],
                "last_updated": store.last_updated(self._ix).isoformat(timespec="seconds"),
            }


def _date_range(searcher):
    facet = sorting.FieldFacet("created_at")
    every = wq.Term("kind", KIND_QUOTE)
    first = searcher.search(every, limit=1, sortedby=facet)
    last = searcher.search(every, limit=1, sortedby=sorting.FieldFacet("created_at", reverse=True))
    if not first:
        return None, None
    fmt = lambda hit: _utc(hit["created_at"]).isoformat().replace("+00:00", "Z")  # noqa: E731
    return fmt(first[0]), fmt(last[0])


def _split_tags(value) -> tuple[str, ...]:
    return tuple(t for t in (value or "").split(",") if t)


def _utc(value: dt.datetime) -> dt.datetime:
    return value.replace(tzinfo=dt.timezone.utc)


def _to_hit(searcher, executor, docnum: int, score: float, compiled) -> SearchHit:
    fields = searcher.stored_fields(docnum)
    body = fields["body"]
    return SearchHit(
        post_path=fields["post_path"],
        post_url=fields["post_url"],
        post_title=fields["title"],
        post_date=dt.date.fromisoformat(fields["post_date"]),
        tags=_split_tags(fields.get("tags")),
        source_url=fields.get("source_url"),
        quote_index=fields["quote_index"],
        user=fields["user"],
        created_at=_utc(fields["created_at"]),
        body=body,
        snippet=make_snippet(
            body,
            [span for term in compiled.highlight_terms
             for span in executor.char_spans("body", term, docnum)]
            + literal_spans(body, compiled.literals),
        ),
        score=round(float(score or 0.0), 4),
    )
