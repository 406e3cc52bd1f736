"""The app's one `SearchService`, and the timings each response reports.

`init_app(app)` gives the app its service and times every response; every
view, and the server code that opens the index before serving, reaches the
service through `get_service()` and searches through `search()`, which
also keeps the page's stage timings for the `Server-Timing` header added
to every response.
"""

from __future__ import annotations

import time

from flask import current_app, g

from search.records import SearchPage, SearchRequest
from search.retrieve.service import SearchService

EXTENSION = "matome_search"


def init_app(app) -> None:
    """Give `app` its SearchService, from INDEX_DIR, SYNONYMS and WARM, and time every response.

    Raises SynonymsError for a bad synonym file. No teardown closes the
    service after a request, as flaskr's does its database connection: it
    keeps each thread's searcher and every cache from one request to the
    next, for the app's life; `get_service(app).close()` releases them.
    """
    app.extensions[EXTENSION] = SearchService(
        app.config["INDEX_DIR"], synonyms=app.config["SYNONYMS"], warm=app.config["WARM"]
    )
    app.before_request(_start_clock)
    app.after_request(_add_server_timing)


def get_service(app=None) -> SearchService:
    """The SearchService of `app`, by default of the app handling the current request."""
    return (current_app if app is None else app).extensions[EXTENSION]


def search(request: SearchRequest) -> SearchPage:
    """Run `request` through the app's service, keeping its timings for the response."""
    page = get_service().search(request)
    g.setdefault("search_pages", []).append(page)
    return page


def _start_clock() -> None:
    g.started = time.perf_counter()


def server_timing(pages, app_ms: float) -> str:
    """The `Server-Timing` value: each search's stages, its total, and the whole response.

    >>> from search.records import SearchPage
    >>> page = SearchPage("q", 0, 1, 10, 2.5, (), timings=(("compile", 1.0), ("match", 1.5)))
    >>> server_timing([page], 3.25)
    'compile;dur=1.0, match;dur=1.5, search;dur=2.5, app;dur=3.2'
    """
    metrics = []
    for page in pages:
        metrics += [f"{stage};dur={ms:.1f}" for stage, ms in page.timings if stage != "cache"]
        if page.cached:
            metrics.append('cache;desc="hit"')
        metrics.append(f"search;dur={page.took_ms:.1f}")
    metrics.append(f"app;dur={app_ms:.1f}")
    return ", ".join(metrics)


def _add_server_timing(response):
    started = g.get("started")
    if started is not None:
        app_ms = (time.perf_counter() - started) * 1000
        response.headers["Server-Timing"] = server_timing(g.get("search_pages", ()), app_ms)
    return response
