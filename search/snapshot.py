"""What the threads serving one version of the index share, built once per version.

A version is one commit of one generation: the `CURRENT` pointer as it
stood, and the Whoosh TOC generation a searcher opened. Everything here is
derived from that version alone, so it is built at most once, shared by
every thread of the process, and dropped with the version:

- `table`: the per-document columns facets and filters read (`DocTable`);
- `postings`: the executor's posting cache (`PostingCache`);
- `readings`: the reading vocabulary kana queries are split over;
- `suggester`: the vocabulary "did you mean" corrects against;
- `requests`: answers to identical requests (`RequestCache`).

Whoosh searchers are not shared: each thread opens its own on `ix`.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field

from .collect import DocTable
from .execute import PostingCache
from .schema import KIND_POST
from .suggest import Suggester

REQUEST_CACHE_SIZE = 512  # answers kept per version; a page is a few KB to 50 KB


class RequestCache:
    """A bounded LRU of answers to identical requests, like Elasticsearch's request cache.

    Keys are `SearchRequest`s (frozen, hashable); values are the pages
    answered for them. Thread-safe; hits and misses are counted.
    """

    def __init__(self, size: int = REQUEST_CACHE_SIZE):
        self.size = size
        self.hits = 0
        self.misses = 0
        self._pages: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._pages)

    def get(self, request):
        """The page answered for `request`, or None (counted as a miss)."""
        with self._lock:
            page = self._pages.get(request)
            if page is None:
                self.misses += 1
                return None
            self._pages.move_to_end(request)
            self.hits += 1
            return page

    def put(self, request, page) -> None:
        """Remember `page` as the answer to `request`, evicting the oldest beyond the size."""
        if self.size <= 0:
            return
        with self._lock:
            self._pages[request] = page
            self._pages.move_to_end(request)
            while len(self._pages) > self.size:
                self._pages.popitem(last=False)


@dataclass
class Snapshot:
    """The shared state of one index version; its parts are built on first use."""

    ix: object  # the Whoosh index of the generation
    pointer: dict  # the CURRENT pointer that named it
    stamp: tuple  # the pointer file's (mtime_ns, inode, size)
    generation: int | None  # Whoosh's TOC generation
    postings: PostingCache = field(default_factory=PostingCache)
    requests: RequestCache = field(default_factory=RequestCache)
    _parts: dict = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def key(self) -> tuple:
        return self.stamp, self.generation

    def _part(self, name: str, build, reader):
        """Build part `name` from `reader` once; threads that need it meanwhile wait for it."""
        found = self._parts.get(name)
        if found is None:
            with self._lock:
                found = self._parts.get(name)
                if found is None:
                    found = self._parts[name] = build(reader)
        return found

    def table(self, reader) -> DocTable:
        """The per-document columns of this version."""
        return self._part("table", DocTable, reader)

    def readings(self, reader) -> frozenset:
        """The index's reading vocabulary, for splitting kana queries."""
        return self._part("readings", _reading_terms, reader)

    def suggester(self, reader) -> Suggester:
        """The vocabulary "did you mean" corrects against."""
        return self._part("suggester", Suggester.from_reader, reader)

    def posts(self, searcher) -> int:
        """How many posts this version holds."""
        return self._part("posts", lambda s: len(list(s.document_numbers(kind=KIND_POST))), searcher)


def _reading_terms(reader) -> frozenset:
    return frozenset(t.decode("utf-8") for t in reader.lexicon("body_reading"))
