"""`SearchService(index_dir).search(request) -> SearchPage`: the one search path.

The CLI, the JSON API and the HTML page all answer from this code. Each
thread searches through its own long-lived Whoosh searcher (`searchers`);
what one version of the index lets the threads share lives in its
`Snapshot`. Whoosh hits die with their searcher, so they are converted to
`SearchHit` records (`hits`) while it is held.

Work per request is bounded by construction: the page window
(`MAX_RESULT_WINDOW`, see `validation`), the query compiler's clause
limits, linear snippets and proximity, and "did you mean" over a
per-version structure.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import replace
from pathlib import Path

from ..analysis.words import warm_dictionary
from ..errors import SearchError
from ..query.compile import compile_query
from ..query.compiled import VIEWS, known_views
from ..query.loanwords import Loanwords
from ..query.loanwords import shipped as shipped_loanwords
from ..query.synonyms import load_synonyms
from ..records import CommentContext, ContextRequest, IndexVersion, SearchPage, SearchRequest
from .collect import collect
from .context import read_context, validate_context
from .execute import Executor
from .group import collect_posts
from .hits import to_group, to_hit
from .searchers import Searchers, ThreadView
from .snapshot import REQUEST_CACHE_SIZE, Snapshot
from .stats import health_figures, index_figures
from .suggest import SUGGEST_BELOW
from .validation import validate
from .warmup import WARM_SHARE

log = logging.getLogger("search.service")  # the name server logs have always shown

WARM_DELAY = 3.0  # seconds a new version must stand before it is warmed


class SearchService:
    """Answers `SearchRequest`s from the index in `index_dir`; thread-safe.

    No lock is held around a search. Each thread searches through its own
    Whoosh searcher (they read files with seek and read); what a version of
    the index lets threads share (columns, posting cache, vocabularies,
    answers) lives in its `Snapshot`, behind locks held for a dict
    operation, or by the one thread building a part that others need.
    """

    def __init__(
        self,
        index_dir,
        synonyms=None,
        warm=False,
        request_cache=REQUEST_CACHE_SIZE,
        loanwords: Loanwords | None = None,
        views=VIEWS,
    ):
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
        self.loanwords = (shipped_loanwords() if loanwords is None else loanwords).overridden(self.synonyms.loanwords)
        self.warm = warm
        self.views = known_views(views)
        self.request_cache = request_cache
        # Only a warming service is called back: the call keeps it alive.
        self._searchers = Searchers(self.index_dir, request_cache, on_newer=self._start_warming if warm else None)

    def close(self) -> None:
        """Release every searcher and its files (a busy one when its search ends); the next search reopens."""
        self._searchers.close()

    def open(self) -> None:
        """Open the index now rather than at the first search (and start warming it)."""
        self._searchers.open()

    def _start_warming(self, snapshot: Snapshot) -> None:
        """Warm `snapshot`, the newest version, in a background thread."""
        threading.Thread(target=self._warm_quietly, args=(snapshot,), name="matome-search-warm", daemon=True).start()

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
        searchers = self._searchers
        if snapshot is None:
            with searchers.reading() as view:
                snapshot = view.snapshot
        with searchers.reading_guard():
            searcher = snapshot.ix.searcher()
        try:
            if searcher.reader().generation() != snapshot.generation:
                return 0, 0  # the index moved on before the warm-up began
            executor = Executor(searcher, snapshot.postings)
            with searchers.reading_guard():
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
                if searchers.newest is not snapshot:
                    return done, postings
                if snapshot.postings.holds(fieldname, text):
                    continue  # taken over from the last version when first asked for
                with searchers.reading_guard():
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
            if self._searchers.newest is not snapshot:
                return True
            time.sleep(0.1)
        return self._searchers.newest is not snapshot

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
        with self._searchers.reading() as view:
            answered = view.snapshot.requests.get(request)
            if answered is not None:
                took = clock.total()
                return replace(answered, took_ms=took, timings=(("cache", took),), cached=True)
            page = self._answer(view, request, clock)
            view.snapshot.requests.put(request, page)
            return page

    def _answer(self, view: ThreadView, request: SearchRequest, clock: _Clock) -> SearchPage:
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

    def _results(self, view: ThreadView, request: SearchRequest, compiled, sort: str, clock: _Clock):
        """(what was collected, hits, groups) of one page: comments, or posts with their best comments."""
        searcher, snapshot = view.searcher, view.snapshot
        reader = searcher.reader()
        table = snapshot.table(reader)
        if request.group == "post":
            found = collect_posts(
                searcher,
                view.executor,
                table,
                snapshot.post_column(reader),
                compiled.query,
                request,
                sort,
                near=compiled.proximity_terms,
            )
            clock.mark("match")
            return found, (), tuple(to_group(searcher, view.executor, post, compiled) for post in found.page)
        found = collect(searcher, view.executor, table, compiled.query, request, sort, near=compiled.proximity_terms)
        clock.mark("match")
        return found, tuple(to_hit(searcher, view.executor, d, score, compiled) for d, score in found.page), ()

    # -- context -----------------------------------------------------------

    def context(self, request: ContextRequest) -> CommentContext:
        """A comment with `request.n` neighbours on each side, in the post's order.

        Read by id (at most 2n + 2 stored-field reads), not searched.
        Raises BadRequestError, NotFoundError (an unknown post or a quote
        index outside it), IndexNotFoundError, IndexVersionError.
        """
        validate_context(request)
        with self._searchers.reading() as view:
            return read_context(view.searcher, request)

    # -- figures -----------------------------------------------------------

    def cache_figures(self) -> dict:
        """The request cache's figures in this process: hits, misses, hit rate, entries."""
        return self._searchers.cache_figures()

    def version(self) -> IndexVersion:
        """The index version searches are answered from now (opening it if need be).

        A caller that labels an answer with it (an ETag) asks before
        searching: a commit in between then makes the label older than the
        answer, never newer, so a client's next request fetches again.
        """
        with self._searchers.reading() as view:
            snapshot = view.snapshot
            return IndexVersion(snapshot.pointer["generation"], snapshot.generation, snapshot.updated())

    def health(self) -> dict:
        """Return the cheap figures a monitor polls: posts, comments, last update."""
        with self._searchers.reading() as view:
            return health_figures(view)

    def stats(self) -> dict:
        """Return index-wide figures: posts, comments, users, tags, dates, size, segments."""
        with self._searchers.reading() as view:
            return index_figures(self.index_dir, view)


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
