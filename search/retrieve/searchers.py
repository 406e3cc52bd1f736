"""Each thread's Whoosh searcher over the newest index version: `Searchers.leased()`.

Each thread keeps a long-lived searcher of its own (they read files with
seek and read), reopened when the indexer commits or swaps in a new
generation; what one version of the index lets the threads share lives in
its `Snapshot`. No lock is held around a search: the lock here guards the
newest snapshot and the set of every thread's view, for a few operations.

A failure inside Whoosh (a truncated or missing segment file) becomes one
typed error, `IndexCorruptError`, and the next request starts afresh
(`reading_guard`).
"""

from __future__ import annotations

import os
import pickle
import struct
import threading
import zlib
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

from whoosh.reading import ReaderClosed

from ..errors import IndexCorruptError
from ..index import store
from .execute import Executor
from .postings import segment_ids
from .snapshot import RequestCache, Snapshot

# What a truncated, missing or garbled index file raises from inside Whoosh.
# Anything else is a bug: a 500, logged, without dropping the index.
_READ_FAILURES = (
    OSError,
    EOFError,
    struct.error,
    zlib.error,
    pickle.UnpicklingError,
    ValueError,
    IndexError,
    KeyError,
    ReaderClosed,
)


class ThreadView:
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
        """Close the searcher and let go of the snapshot."""
        self.retired = True
        if self.searcher is not None:
            self.searcher.close()
        self.snapshot = self.searcher = self.executor = None


class Searchers:
    """Every thread's view of the index in `index_dir`, each on the newest version; thread-safe.

    `request_cache` is how many answers each version keeps for identical
    requests. `on_newer(snapshot)` is called (the lock held) each time a
    version becomes the newest one.
    """

    def __init__(self, index_dir: Path, request_cache: int, on_newer: Callable[[Snapshot], None] | None = None):
        self.index_dir = index_dir
        self.request_cache = request_cache
        self._on_newer = on_newer
        self._local = threading.local()
        self._lock = threading.Lock()  # the newest snapshot and every thread's view
        self.newest: Snapshot | None = None  # the newest version opened
        self._views: set[ThreadView] = set()
        self._cache_hits = self._cache_misses = 0  # of versions already dropped

    def close(self) -> None:
        """Release every searcher and its files (a busy one when its search ends); the next lease reopens."""
        with self._lock:
            self._retire(keep=None)
            self.newest = None

    def _pointer_stamp(self):
        try:
            st = os.stat(self.index_dir / store.POINTER)
        except OSError:
            return None
        return st.st_mtime_ns, st.st_ino, st.st_size

    @contextmanager
    def leased(self):
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

    def _view(self) -> ThreadView:
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

    def _open_view(self) -> ThreadView:
        """A view on a searcher of the newest version, opening it if need be (lock held)."""
        stamp = self._pointer_stamp()  # again, under the lock: another thread may have moved on
        snapshot = self.newest
        if snapshot is None or snapshot.stamp != stamp:
            ix, pointer = store.open_current(self.index_dir)
            snapshot = Snapshot(ix, pointer, stamp, None)
        searcher = snapshot.ix.searcher()
        generation = searcher.reader().generation()
        if snapshot.generation != generation:
            snapshot = self._newer(snapshot, generation, searcher)
        view = ThreadView(snapshot, searcher)
        self._views.add(view)
        return view

    def _newer(self, base: Snapshot, generation, searcher) -> Snapshot:
        """A snapshot of `base`'s index at TOC `generation` (`searcher`'s), now the newest (lock held)."""
        old = self.newest
        if old is not None:
            self._cache_hits += old.requests.hits
            self._cache_misses += old.requests.misses
        snapshot = Snapshot(base.ix, base.pointer, base.stamp, generation, requests=RequestCache(self.request_cache))
        if old is not None and old.stamp == base.stamp:  # an incremental commit
            snapshot.inherit(old, segment_ids(searcher))
        self.newest = snapshot
        self._retire(keep=snapshot)
        if self._on_newer is not None:
            self._on_newer(snapshot)
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

    @contextmanager
    def reading(self):
        """This thread's view, as `leased`, with a failure inside Whoosh made IndexCorruptError."""
        with self.reading_guard(), self.leased() as view:
            yield view

    def open(self) -> None:
        """Open the newest version now rather than at the first lease.

        The calling thread's view is closed again: it may never search.
        """
        with self.reading() as view:
            with self._lock:
                view.retired = True

    @contextmanager
    def reading_guard(self):
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
                self.newest = None
            raise IndexCorruptError(self.index_dir, f"{type(exc).__name__}: {exc}") from exc

    def cache_figures(self) -> dict:
        """The request cache's figures in this process: hits, misses, hit rate, entries."""
        snapshot = self.newest
        hits = self._cache_hits + (snapshot.requests.hits if snapshot else 0)
        misses = self._cache_misses + (snapshot.requests.misses if snapshot else 0)
        asked = hits + misses
        return {
            "hits": hits,
            "misses": misses,
            "hit_rate": round(hits / asked, 4) if asked else 0.0,
            "entries": len(snapshot.requests) if snapshot else 0,
        }
