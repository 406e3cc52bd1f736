"""What the threads serving one version of the index share, built once per version.

A version is one commit of one generation: the `CURRENT` pointer as it
stood, and the Whoosh TOC generation a searcher opened. Everything here is
derived from that version alone, so it is built at most once, shared by
every thread of the process, and dropped with the version:

- `table`: the per-document columns facets and filters read (`DocTable`);
- `post_column`: the post of every document, for results grouped by post (`PostColumn`);
- `postings`: the executor's posting cache (`PostingCache`);
- `readings`: the reading vocabulary kana queries are split over;
- `superterms`: the longer words searched for a common word (`Superterms`);
- `suggester`: the vocabulary "did you mean" corrects against;
- `frequent`: the words the warm-up reads first;
- `requests`: answers to identical requests (`RequestCache`).

Whoosh searchers are not shared: each thread opens its own on `ix`.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field

from ..index import store
from ..index.schema import KIND_POST
from ..views.superterms import Superterms
from .collect import DocTable
from .group import PostColumn
from .postcache import PostingCache
from .suggest import Suggester
from .warmup import frequent_terms

REQUEST_CACHE_SIZE = 512  # answers kept per version; a page is a few KB to 50 KB
# The text the kept answers hold, at most (about 64 MB of Python strings): a
# page of 100 hits of long comments is megabytes, and distinct requests cost a
# client nothing to make. A page over an eighth of it is not kept.
REQUEST_CACHE_CHARS = 32_000_000


class RequestCache:
    """A bounded LRU of answers to identical requests, like Elasticsearch's request cache.

    Keys are `SearchRequest`s (frozen, hashable); values are the pages
    answered for them. Thread-safe; hits and misses are counted.
    """

    def __init__(self, size: int = REQUEST_CACHE_SIZE, chars: int = REQUEST_CACHE_CHARS):
        self.size = size
        self.chars = chars
        self.held = 0  # characters of the kept pages' bodies and snippets
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
        weight = _weight(page)
        if self.size <= 0 or weight * 8 > self.chars:
            return
        with self._lock:
            old = self._pages.pop(request, None)
            if old is not None:
                self.held -= _weight(old)
            self._pages[request] = page
            self.held += weight
            while len(self._pages) > self.size or self.held > self.chars:
                _, evicted = self._pages.popitem(last=False)
                self.held -= _weight(evicted)


def _weight(page) -> int:
    """The characters a page's hits hold (grouped, its posts' comments): what its memory grows with."""
    hits = list(page.hits) + [hit for group in page.groups for hit in group.comments]
    return sum(len(hit.body) + len(hit.snippet) for hit in hits) + 1


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
    _locks: dict = field(default_factory=lambda: {name: threading.Lock() for name in _PARTS}, repr=False)
    _inherited: set = field(default_factory=set, repr=False)
    incremental: bool = False  # a commit on top of an earlier version of the same generation
    # The previous version's post column, until this version's is built from it.
    _previous_posts: PostColumn | None = field(default=None, repr=False)

    def inherit(self, previous: Snapshot, segments) -> None:
        """Start from `previous`, a commit ago of the same generation; `segments` are this version's.

        An incremental commit adds or replaces a few posts: the reading and
        correction vocabularies differ by a few words, and rebuilding them
        for every commit of a run of updates costs each worker seconds. The
        inherited ones serve until `refresh` (the warm-up, once the version
        has stood for a while) builds this version's own. The posting cache
        takes over what the segments both versions hold (`PostingCache.inherit`).
        """
        self.incremental = True
        if "frequent" in previous._parts:  # seconds to find again, and one post does not change it
            self._parts["frequent"] = previous._parts["frequent"]
        if None not in segments:
            self.postings.inherit(previous.postings, segments)
        self._previous_posts = previous._parts.get("post_column") or previous._previous_posts
        for name in _VOCABULARIES:
            found = previous._parts.get(name)
            if found is not None:
                self._parts[name] = found
                self._inherited.add(name)

    def refresh(self, reader) -> None:
        """Rebuild the inherited vocabularies from this version's own reader."""
        for name in list(self._inherited):
            built = _BUILDERS[name](reader)
            with self._locks[name]:
                self._parts[name] = built
                self._inherited.discard(name)

    def _part(self, name: str, build, reader):
        """Build part `name` from `reader` once; threads that need that part meanwhile wait for it."""
        found = self._parts.get(name)
        if found is None:
            with self._locks[name]:
                found = self._parts.get(name)
                if found is None:
                    found = self._parts[name] = build(reader)
        return found

    def table(self, reader) -> DocTable:
        """The per-document columns of this version."""
        return self._part("table", DocTable, reader)

    def post_column(self, reader) -> PostColumn:
        """The post of every document of this version (the last version's unchanged segments reused)."""

        def build(r):
            column = PostColumn.from_reader(r, self._previous_posts)
            self._previous_posts = None  # no chain of versions kept alive
            return column

        return self._part("post_column", build, reader)

    def readings(self, reader) -> frozenset:
        """The index's reading vocabulary, for splitting kana queries."""
        return self._part("readings", _BUILDERS["readings"], reader)

    def superterms(self, reader) -> Superterms:
        """The body words filed by character, for the words that hold a common word."""
        return self._part("superterms", _BUILDERS["superterms"], reader)

    def suggester(self, reader) -> Suggester:
        """The vocabulary "did you mean" corrects against."""
        return self._part("suggester", _BUILDERS["suggester"], reader)

    def frequent(self, reader, budget: int) -> list:
        """The (field, term) pairs to warm, most frequent first, within `budget` postings.

        Found once per generation: incremental commits inherit the list (a few
        posts do not change which words are frequent), so it is not refreshed.
        """
        return self._part("frequent", lambda r: frequent_terms(r, budget), reader)

    def updated(self):
        """When this version's commit was written, in UTC."""
        return self._part("updated", lambda ix: store.last_updated(ix), self.ix)

    def posts(self, searcher) -> int:
        """How many posts this version holds."""
        return self._part("posts", lambda s: len(list(s.document_numbers(kind=KIND_POST))), searcher)


_PARTS = ("table", "post_column", "updated", "readings", "superterms", "suggester", "frequent", "posts")
_VOCABULARIES = ("readings", "superterms", "suggester")  # what a commit of a few posts barely changes


def _reading_terms(reader) -> frozenset:
    return frozenset(t.decode("utf-8") for t in reader.lexicon("body_reading"))


_BUILDERS = {"readings": _reading_terms, "superterms": Superterms.from_reader, "suggester": Suggester.from_reader}
