"""The figures of one index version: `health_figures` for monitors, `index_figures` for `stats`.

Both read through a leased `ThreadView` (its searcher and snapshot); the
service holds the lease and the reading guard around them.
"""

from __future__ import annotations

from pathlib import Path

from whoosh import query as wq
from whoosh import sorting

from ..analysis.tokencache import cache_bytes
from ..index import store
from ..index.schema import KIND_QUOTE
from .hits import utc
from .searchers import ThreadView


def health_figures(view: ThreadView) -> dict:
    """The cheap figures a monitor polls: posts, comments, last update."""
    posts = view.snapshot.posts(view.searcher)
    return {
        "posts": posts,
        "comments": view.searcher.doc_count() - posts,
        "last_updated": store.last_updated(view.snapshot.ix).isoformat(timespec="seconds"),
    }


def index_figures(index_dir: Path, view: ThreadView) -> dict:
    """Index-wide figures: posts, comments, users, tags, dates, size, segments."""
    searcher, snapshot = view.searcher, view.snapshot
    reader = searcher.reader()
    posts = snapshot.posts(searcher)
    comments = searcher.doc_count() - posts
    users = sum(1 for _ in reader.lexicon("user"))
    tags = sum(1 for _ in reader.lexicon("tags"))
    months = [m.decode() for m in reader.lexicon("month")]
    dates = _date_range(searcher)
    generation = snapshot.pointer["generation"]
    janome = cache_bytes(index_dir / generation)
    return {
        "posts": posts,
        "comments": comments,
        "users": users,
        "tags": tags,
        "first_comment": dates[0],
        "last_comment": dates[1],
        "months": len(months),
        "index_bytes": store.index_size(index_dir, generation) - janome,
        "janome_cache_bytes": janome,
        "generation": generation,
        "segments": len(searcher.leaf_searchers()),
        "last_updated": store.last_updated(snapshot.ix).isoformat(timespec="seconds"),
    }


def _date_range(searcher):
    facet = sorting.FieldFacet("created_at")
    every = wq.Term("kind", KIND_QUOTE)
    first = searcher.search(every, limit=1, sortedby=facet)
    last = searcher.search(every, limit=1, sortedby=sorting.FieldFacet("created_at", reverse=True))
    if not first:
        return None, None
    fmt = lambda hit: utc(hit["created_at"]).isoformat().replace("+00:00", "Z")  # noqa: E731
    return fmt(first[0]), fmt(last[0])
