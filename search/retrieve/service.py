"""`SearchService(index_dir).search(request) -> SearchPage`: the one search path.

The CLI, the JSON API and the HTML page all answer from this code. Each
thread keeps a long-lived Whoosh searcher of its own, reopened when the
indexer commits or swaps in a new generation; what one version of the index
lets the threads share lives in its `Snapshot`. Whoosh hits die with their
searcher, so they are converted to `SearchHit` records while it is held.

Work per request is bounded by construction: the page window
(`MAX_RESULT_WINDOW`), the query compiler's clause limits, linear snippets
and proximity, and "did you mean" over a per-version structure.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import pickle
import struct
import threading
import time
import zlib
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

from whoosh import query as wq
from whoosh import sorting
from whoosh.reading import ReaderClosed

from ..index import store
from ..errors import BadRequestError, IndexCorruptError, SearchError
from ..analysis.words import warm_dictionary
from ..query.compiled import VIEWS, known_views
from ..query.compile import compile_query
from .context import read_context, validate_context
from ..records import CommentContext, ContextRequest, IndexVersion, PostGroup, SearchHit, SearchPage, SearchRequest
from ..index.schema import KIND_QUOTE, split_tags
from .collect import collect
from .group import collect_posts
from .execute import Executor, segment_ids
from ..query.loanwords import Loanwords
from ..query.loanwords import shipped as shipped_loanwords
from .snapshot import REQUEST_CACHE_SIZE, RequestCache, Snapshot
from .snippets import literal_spans, make_snippet
from ..analysis.tokencache import cache_bytes
from .suggest import SUGGEST_BELOW
from ..query.synonyms import load_synonyms
from .warmup import WARM_SHARE

log = logging.getLogger(__name__)

WARM_DELAY = 3.0  # seconds a new version must stand before it is warmed

# What a truncated, missing or garbled index file raises from inside Whoosh.
# Anything else is a bug: a 500, logged, without dropping the index.
_READ_FAILURES = (OSError, EOFError, struct.error, zlib.error, pickle.UnpicklingError, ValueError,
                  IndexError, KeyError, ReaderClosed)

MAX_PER_PAGE = 100
# Like Elasticsearch's index.max_result_window: page x per_page at most this,
# so no request ranks more than 10,000 hits.
MAX_RESULT_WINDOW = 10_000
MAX_PAGE = MAX_RESULT_WINDOW
MAX_QUERY_LENGTH = 500
SORTS = ("relevance", "newest", "oldest")
GROUPS = ("comment", "post")  # one result per matching comment, or per post holding some


def validate(request: SearchRequest) -> None:
    """Raise BadRequestError naming the first invalid parameter of `request`."""
    if len(request.query) > MAX_QUERY_LENGTH:
        raise BadRequestError("q", f"query longer than {MAX_QUERY_LENGTH} characters")
    if request.sort not in SORTS:
        raise BadRequestError("sort", f"must be one of {', '.join(SORTS)}")
    if request.group not in GROUPS:
        raise BadRequestError("group", f"must be one of {', '.join(GROUPS)}")
    if not 1 <= request.per_page <= MAX_PER_PAGE:
        raise BadRequestError("per_page", f"must be between 1 and {MAX_PER_PAGE}")
    if request.page < 1:
        raise BadRequestError("page", "must be at least 1")
    if request.page * request.per_page > MAX_RESULT_WINDOW:
        raise BadRequestError("page", f"page x per_page must be at most {MAX_RESULT_WINDOW} "
                                      f"(the deepest result shown); narrow the search instead")
    if request.since and request.until and request.since > request.until:
        raise BadRequestError("since", "is after until")


class _View:
    """One thread's searcher and executor over a shared `Snapshot`.

    `busy` while a search runs on it; `retired` once a newer version (or
    `close()`) made it stale: an idle view is closed at once, a busy one
    by its thread when the search ends, so no idle thread pins an old
    version's files and caches.
    """

    __slots__ = ("snapshot", "searcher", "executor", "busy", "retired")

    def __init__(self, snapshot: Snapshot, searcher):
        self.snapshot = snapshot
        self.searcher = searcher
        self.executor = Executor(searcher, snapshot.postings)
        self.busy = False
        self.retired = False

    def close(self) -> None:
        self.retired = True
        if self.searcher is not None:
            self.searcher.close()
        self.snapshot = self.searcher = self.executor = None


class SearchService:
    """Answers `SearchRequest`s from the index in `index_dir`; thread-safe.

    No lock is held around a search. Each thread searches through its own
    Whoosh searcher (they read files with seek and read); what a version of
    the index lets threads share (columns, posting cache, vocabularies,
    answers) lives in its `Snapshot`, behind locks held for a dict
    operation, or by the one thread building a part that others need.
    """

    def __init__(self, index_dir, synonyms=None, warm=False, request_cache=REQUEST_CACHE_SIZE,
                 loanwords: Loanwords | None = None, views=VIEWS):
        """Serve `index_dir`; `synonyms` is a TOML file (default: the shipped list).

        `loanwords` is the English ⇄ katakana table (default: the shipped
        one); the synonym file's `[loanwords]` entries override it.

        With `warm`, every index version the service opens is warmed in a
        background thread (`warm_up`). `request_cache` is how many answers
        each version keeps for identical requests (0: none). `views` are the
        secondary views a query word may get (a subset of `query.VIEWS`; fewer
        to measure what each one finds).
        Raises SynonymsError for a bad synonym file, ValueError for an unknown view.
        """
        self.index_dir = Path(index_dir)
        self.synonyms = load_synonyms(synonyms)
        self.loanwords = (shipped_loanwords() if loanwords is None else loanwords).overridden(
            self.synonyms.loanwords)
        self.warm = warm
        self.views = known_views(views)
        self.request_cache = request_cache
        self._local = threading.local()
        self._lock = threading.Lock()  # the newest snapshot and every thread's view
        self._snapshot: Snapshot | None = None  # the newest version opened
        self._views: set[_View] = set()
        self._cache_hits = self._cache_misses = 0  # of versions already dropped

    def close(self) -> None:
        """Release every searcher and its files (a busy one when its search ends); the next search reopens."""
        with self._lock:
            self._retire(keep=None)
            self._snapshot = None

    # -- versions and views ------------------------------------------------

    def _pointer_stamp(self):
        try:
            st = os.stat(self.index_dir / store.POINTER)
        except OSError:
            return None
        return st.st_mtime_ns, st.st_ino, st.st_size

    @contextmanager
    def _leased(self):
        """This thread's up-to-date view, held busy for the duration of the block."""
        view = self._view()
        try:
            yield view
        finally:
            with self._lock:
                view.busy = False
                if view.retired:
                    self._views.discard(view)
                    view.close()
                    self._local.view = None

    def _view(self) -> _View:
        """This thread's up-to-date view of the newest version, marked busy."""
        stamp = self._pointer_stamp()
        view = getattr(self._local, "view", None)
        with self._lock:
            if view is not None and not view.retired and view.snapshot.stamp == stamp:
                view.busy = True
        if view is not None and view.busy:
            if view.searcher.up_to_date():
                return view
            with self._lock:
                view.busy = False
        with self._lock:
            if view is not None:
                self._views.discard(view)
                view.close()
            self._local.view = None
            view = self._local.view = self._open_view()
            view.busy = True
        return view

    def _open_view(self) -> _View:
        """A view on a searcher of the newest version, opening it if need be (lock held)."""
        stamp = self._pointer_stamp()  # again, under the lock: another thread may have moved on
        snapshot = self._snapshot
        if snapshot is None or snapshot.stamp != stamp:
            ix, pointer = store.open_current(self.index_dir)
            snapshot = Snapshot(ix, pointer, stamp, None)
        searcher = snapshot.ix.searcher()
        generation = searcher.reader().generation()
        if snapshot.generation != generation:
            snapshot = self._newer(snapshot, generation, searcher)
        view = _View(snapshot, searcher)
        self._views.add(view)
        return view

    def _newer(self, base: Snapshot, generation, searcher) -> Snapshot:
        """A snapshot of `base`'s index at TOC `generation` (`searcher`'s), now the newest (lock held)."""
        old = self._snapshot
        if old is not None:
            self._cache_hits += old.requests.hits
            self._cache_misses += old.requests.misses
        snapshot = Snapshot(base.ix, base.pointer, base.stamp, generation,
                            requests=RequestCache(self.request_cache))
        if old is not None and old.stamp == base.stamp:  # an incremental commit
            snapshot.inherit(old, segment_ids(searcher))
        self._snapshot = snapshot
        self._retire(keep=snapshot)
        if self.warm:
            threading.Thread(target=self._warm_quietly, args=(snapshot,),
                             name="matome-search-warm", daemon=True).start()
        return snapshot

    def _retire(self, keep: Snapshot | None) -> None:
        """Retire every view not on `keep`: idle ones are closed now (lock held)."""
        for view in list(self._views):
            if view.snapshot is keep:
                continue
            view.retired = True
            if not view.busy:
                self._views.discard(view)
                view.close()

    def open(self) -> None:
        """Open the index now rather than at the first search (and start warming it).

        The calling thread's view is closed again: it may never search.
        """
        with self._reading_guard(), self._leased() as view:
            with self._lock:
                view.retired = True

    @contextmanager
    def _reading_guard(self):
        """Turn a failure inside Whoosh into IndexCorruptError and reopen next time.

        A truncated or missing segment file surfaces as EOFError, OSError,
        struct.error and friends from deep inside Whoosh; callers get one
        typed error, and the next request starts from a fresh searcher.
        """
        try:
            yield
        except _READ_FAILURES as exc:
            with self._lock:
                self._retire(keep=None)
                self._snapshot = None
            raise IndexCorruptError(self.index_dir, f"{type(exc).__name__}: {exc}") from exc

    # -- warming -----------------------------------------------------------

    def warm_up(self, snapshot: Snapshot | None = None) -> tuple[int, int]:
        """Read the most frequent words' postings into the cache; return (words, postings).

        janome's dictionary pages are faulted in first (`warm_dictionary`).
        Runs on its own searcher, beside the searches; stops when the
        service moves to a newer version than `snapshot`.
        """
        warm_dictionary()
        if snapshot is not None and snapshot.incremental and self._settles(snapshot):
            return 0, 0  # a newer version came first
        if snapshot is None:
            with self._reading_guard(), self._leased() as view:
                snapshot = view.snapshot
        with self._reading_guard():
            searcher = snapshot.ix.searcher()
        try:
            if searcher.reader().generation() != snapshot.generation:
                return 0, 0  # the index moved on before the warm-up began
            executor = Executor(searcher, snapshot.postings)
            with self._reading_guard():
                reader = searcher.reader()
                # What the first searches of a version would otherwise wait for.
                snapshot.table(reader)
                snapshot.post_column(reader)
                snapshot.refresh(reader)
                snapshot.readings(reader)
                snapshot.superterms(reader)
                snapshot.suggester(reader)
                terms = snapshot.frequent(reader, int(executor.budget * WARM_SHARE))
            postings = 0
            for done, (fieldname, text) in enumerate(terms):
                if self._snapshot is not snapshot:
                    return done, postings
                if snapshot.postings.holds(fieldname, text):
                    continue  # taken over from the last version when first asked for
                with self._reading_guard():
                    postings += executor.warm(fieldname, text)
            return len(terms), postings
        finally:
            searcher.close()

    def _settles(self, snapshot: Snapshot) -> bool:
        """Wait WARM_DELAY seconds; True when a newer version replaced `snapshot` meanwhile.

        While posts are added one by one, versions follow each other every
        few seconds: warming each of them (seconds of CPU per worker) would
        take the CPU from the searches, so only a commit that stands is warmed.
        """
        deadline = time.monotonic() + WARM_DELAY
        while time.monotonic() < deadline:
            if self._snapshot is not snapshot:
                return True
            time.sleep(0.1)
        return self._snapshot is not snapshot

    def _warm_quietly(self, snapshot: Snapshot) -> None:
        started = time.perf_counter()
        try:
            words, postings = self.warm_up(snapshot)
        except SearchError as exc:  # the next search reports it
            log.warning("warming the index stopped: %s", exc)
            return
        log.info("warmed %d words (%d postings) in %.1fs", words, postings, time.perf_counter() - started)

    # -- searching ---------------------------------------------------------

    def search(self, request: SearchRequest) -> SearchPage:
        """Run `request`; raise BadRequestError, IndexNotFoundError, IndexVersionError."""
        validate(request)
        clock = _Clock()
        with self._reading_guard(), self._leased() as view:
            answered = view.snapshot.requests.get(request)
            if answered is not None:
                took = clock.total()
                return replace(answered, took_ms=took, timings=(("cache", took),), cached=True)
            page = self._answer(view, request, clock)
            view.snapshot.requests.put(request, page)
            return page

    def _answer(self, view: _View, request: SearchRequest, clock: "_Clock") -> SearchPage:
        searcher, snapshot = view.searcher, view.snapshot
        reader = searcher.reader()
        compiled = compile_query(
            request.query,
            snapshot.readings(reader),
            self.synonyms,
            frequency=lambda term, fieldname="body": searcher.doc_frequency(fieldname, term),
            superterms=snapshot.superterms(reader),
            loanwords=self.loanwords,
            views=self.views,
        )
        clock.mark("compile")
        sort = request.sort
        if compiled.query is None and sort == "relevance":
            sort = "newest"  # nothing to rank by: show the latest first
        found, hits, groups = self._results(view, request, compiled, sort, clock)
        clock.mark("hits")
        suggestion = None
        if found.comments < SUGGEST_BELOW and compiled.body_terms:
            suggestion = snapshot.suggester(reader).suggest(request.query, compiled.body_terms)
            clock.mark("suggest")
        return SearchPage(
            query=request.query,
            total=found.total,
            page=request.page,
            per_page=request.per_page,
            took_ms=clock.total(),
            hits=hits,
            users=found.users,
            tags=found.tags,
            months=found.months,
            notes=tuple(compiled.notes),
            suggestion=suggestion,
            explain=compiled.explanation() if request.explain else None,
            timings=clock.timings(),
            group=request.group,
            groups=groups,
        )

    def _results(self, view: _View, request: SearchRequest, compiled, sort: str, clock: _Clock):
        """(what was collected, hits, groups) of one page: comments, or posts with their best comments."""
        searcher, snapshot = view.searcher, view.snapshot
        reader = searcher.reader()
        table = snapshot.table(reader)
        if request.group == "post":
            found = collect_posts(searcher, view.executor, table, snapshot.post_column(reader), compiled.query,
                                  request, sort, near=compiled.proximity_terms)
            clock.mark("match")
            return found, (), tuple(_to_group(searcher, view.executor, post, compiled) for post in found.page)
        found = collect(searcher, view.executor, table, compiled.query, request, sort, near=compiled.proximity_terms)
        clock.mark("match")
        return found, tuple(_to_hit(searcher, view.executor, d, score, compiled) for d, score in found.page), ()

    # -- context -----------------------------------------------------------

    def context(self, request: ContextRequest) -> CommentContext:
        """A comment with `request.n` neighbours on each side, in the post's order.

        Read by id (at most 2n + 2 stored-field reads), not searched.
        Raises BadRequestError, NotFoundError (an unknown post or a quote
        index outside it), IndexNotFoundError, IndexVersionError.
        """
        validate_context(request)
        with self._reading_guard(), self._leased() as view:
            return read_context(view.searcher, request)

    # -- figures -----------------------------------------------------------

    def cache_figures(self) -> dict:
        """The request cache's figures in this process: hits, misses, hit rate, entries."""
        snapshot = self._snapshot
        hits = self._cache_hits + (snapshot.requests.hits if snapshot else 0)
        misses = self._cache_misses + (snapshot.requests.misses if snapshot else 0)
        asked = hits + misses
        return {"hits": hits, "misses": misses, "hit_rate": round(hits / asked, 4) if asked else 0.0,
                "entries": len(snapshot.requests) if snapshot else 0}

    def version(self) -> IndexVersion:
        """The index version searches are answered from now (opening it if need be).

        A caller that labels an answer with it (an ETag) asks before
        searching: a commit in between then makes the label older than the
        answer, never newer, so a client's next request fetches again.
        """
        with self._reading_guard(), self._leased() as view:
            snapshot = view.snapshot
            return IndexVersion(snapshot.pointer["generation"], snapshot.generation, snapshot.updated())

    def health(self) -> dict:
        """Return the cheap figures a monitor polls: posts, comments, last update."""
        with self._reading_guard(), self._leased() as view:
            posts = view.snapshot.posts(view.searcher)
            return {
                "posts": posts,
                "comments": view.searcher.doc_count() - posts,
                "last_updated": store.last_updated(view.snapshot.ix).isoformat(timespec="seconds"),
            }

    def stats(self) -> dict:
        """Return index-wide figures: posts, comments, users, tags, dates, size, segments."""
        with self._reading_guard(), self._leased() as view:
            searcher, snapshot = view.searcher, view.snapshot
            reader = searcher.reader()
            posts = snapshot.posts(searcher)
            comments = searcher.doc_count() - posts
            users = sum(1 for _ in reader.lexicon("user"))
            tags = sum(1 for _ in reader.lexicon("tags"))
            months = [m.decode() for m in reader.lexicon("month")]
            dates = _date_range(searcher)
            generation = snapshot.pointer["generation"]
            janome = cache_bytes(self.index_dir / generation)
            return {
                "posts": posts,
                "comments": comments,
                "users": users,
                "tags": tags,
                "first_comment": dates[0],
                "last_comment": dates[1],
                "months": len(months),
                "index_bytes": store.index_size(self.index_dir, generation) - janome,
                "janome_cache_bytes": janome,
                "generation": generation,
                "segments": len(searcher.leaf_searchers()),
                "last_updated": store.last_updated(snapshot.ix).isoformat(timespec="seconds"),
            }


class _Clock:
    """Milliseconds spent in each stage of one search, for `Server-Timing`."""

    def __init__(self):
        self.started = self._last = time.perf_counter()
        self._marks: list[tuple[str, float]] = []

    def mark(self, stage: str) -> None:
        now = time.perf_counter()
        self._marks.append((stage, round((now - self._last) * 1000, 2)))
        self._last = now

    def timings(self) -> tuple[tuple[str, float], ...]:
        return tuple(self._marks)

    def total(self) -> float:
        return round((time.perf_counter() - self.started) * 1000, 2)


def _date_range(searcher):
    facet = sorting.FieldFacet("created_at")
    every = wq.Term("kind", KIND_QUOTE)
    first = searcher.search(every, limit=1, sortedby=facet)
    last = searcher.search(every, limit=1, sortedby=sorting.FieldFacet("created_at", reverse=True))
    if not first:
        return None, None
    fmt = lambda hit: _utc(hit["created_at"]).isoformat().replace("+00:00", "Z")  # noqa: E731
    return fmt(first[0]), fmt(last[0])


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
        tags=split_tags(fields.get("tags")),
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


def _to_group(searcher, executor, post, compiled) -> PostGroup:
    """One post of a grouped page, its details taken from its best comment."""
    comments = tuple(_to_hit(searcher, executor, docnum, score, compiled) for docnum, score in post.comments)
    first = comments[0]
    return PostGroup(post_path=first.post_path, post_url=first.post_url, post_title=first.post_title,
                     post_date=first.post_date, tags=first.tags, matches=post.matches, comments=comments)
