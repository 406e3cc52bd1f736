"""`matome-search serve`: index if needed, then serve through waitress.

With `watch=True` a daemon thread polls the post files' sizes and mtimes
(stat only, no reading) and runs an incremental update when they change;
the app's searcher notices the commit on its next request.
"""

from __future__ import annotations

import logging
import os
import threading
import time

from search import hugo
from search.errors import IndexLockedError, SearchError
from search.indexer import update_index

log = logging.getLogger("matome_search.server")
POLL_SECONDS = 1.0


def snapshot(site) -> dict:
    """Return {path: (size, mtime_ns)} for every post file of `site`."""
    state = {}
    for file in hugo.iter_post_files(site):
        try:
            st = file.stat()
        except OSError:
            continue
        state[str(file)] = (st.st_size, st.st_mtime_ns)
    return state


def refresh_index(site, index_dir, jobs=None) -> None:
    """Run one incremental update and log its summary; never raises."""
    try:
        report = update_index(site, index_dir, jobs=jobs)
    except IndexLockedError:
        log.info("index is being updated by another process; will retry")
        return
    except SearchError as exc:
        log.error("re-index failed: %s", exc)
        return
    for warning in report.warnings:
        log.warning("%s", warning)
    log.info("%s", report.summary())


def watch_site(site, index_dir, stop: threading.Event, interval: float = POLL_SECONDS) -> None:
    """Re-index whenever the site's post files change, until `stop` is set.

    A site that cannot be listed (SiteError) is logged once and retried on
    every poll; the thread never dies of it.
    """
    seen, failure = None, None
    while True:
        try:
            current = snapshot(site)
        except SearchError as exc:
            if str(exc) != failure:
                log.error("cannot list the site's posts: %s; will retry", exc)
            # None: re-index once the site can be listed again.
            seen, failure = None, str(exc)
        else:
            if failure is not None or (seen is not None and current != seen):
                # jobs=1: a handful of changed posts, and no fork from a threaded server.
                refresh_index(site, index_dir, jobs=1)
            seen, failure = current, None
        if stop.wait(interval):
            return


def run(index_dir, site, host, port, threads, base_url=None, watch=False, synonyms=None) -> None:
    """Index `site` if the index is missing or stale, then serve until stopped."""
    from waitress import serve

    from web import EXTENSION, create_app

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    loaded = hugo.load_site(site, base_url=base_url)
    started = time.perf_counter()
    refresh_index(loaded, index_dir)
    log.info("index ready in %.1fs", time.perf_counter() - started)
    app = create_app({"INDEX_DIR": os.fspath(index_dir), "SYNONYMS": synonyms, "WARM": True})
    try:
        app.extensions[EXTENSION].open()  # and start warming it
    except SearchError as exc:  # every request will say so too
        log.error("cannot open the index: %s", exc)
    stop = threading.Event()
    if watch:
        threading.Thread(target=watch_site, args=(loaded, index_dir, stop), daemon=True).start()
    log.info("serving on http://%s:%s/", host, port)
    try:
        serve(app, host=host, port=port, threads=threads, ident="matome-search")
    finally:
        stop.set()
