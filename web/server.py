"""`matome-search serve`: index if needed, then serve on every core.

With more than one worker (the default on a machine with several cores)
gunicorn pre-forks that many processes, each running the app on a pool of
threads (the `gthread` worker): the app, janome's dictionary and the
frozen objects are loaded once in the arbiter and shared by the forked
workers; each worker opens the index read-only itself, warms its own
caches and follows new index versions. With one worker, or where `fork`
is unavailable, waitress serves from this process.

With `watch=True` one process polls the post files' sizes and mtimes
(stat only, no reading) and runs an incremental update when they change:
a thread beside waitress, or under gunicorn a process of its own that the
arbiter starts once (never one per worker) and stops on shutdown. The
workers notice each commit on their next request.

Signals under gunicorn: TERM stops gracefully (requests in flight are
answered), INT and QUIT stop at once, HUP replaces the workers gracefully.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time

from search.errors import SearchError
from search.index.watch import refresh_index, watch_site
from search.ingest import hugo
from search.settings import check_origins, check_public_url, max_post_bytes

log = logging.getLogger("matome_search.server")


def run(
    index_dir,
    site,
    host,
    port,
    threads,
    workers=None,
    base_url=None,
    watch=False,
    synonyms=None,
    public_url=None,
    proxy_headers=False,
    cors_origins=(),
) -> None:
    """Index `site` if the index is missing or stale, then serve until stopped.

    `workers` is the number of server processes (None: one per core).
    `public_url` and `proxy_headers` say where readers reach the app (see
    `web.proxy`); `cors_origins` the origins whose pages may read the API
    (see `web.cors`). A bad `public_url` or origin raises ValueError before
    indexing.
    """
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    options = {
        "INDEX_DIR": os.fspath(index_dir),
        "SYNONYMS": synonyms,
        "WARM": True,
        "WATCH": watch,
        "PUBLIC_URL": check_public_url(public_url),
        "PROXY_HEADERS": proxy_headers,
        "CORS_ORIGINS": check_origins(cors_origins),
    }
    loaded = hugo.load_site(site, base_url=base_url, max_post_bytes=max_post_bytes())
    started = time.perf_counter()
    refresh_index(loaded, index_dir)
    log.info("index ready in %.1fs", time.perf_counter() - started)
    workers = workers or os.cpu_count() or 1
    watcher = (os.fspath(site), base_url, os.fspath(index_dir)) if watch else None
    if workers > 1 and hasattr(os, "fork"):
        from .prefork import serve_prefork

        serve_prefork(options, host, port, workers, threads, watcher)
    else:
        serve_threaded(options, host, port, threads, loaded if watch else None, index_dir)


def serve_threaded(options: dict, host, port, threads, watched_site, index_dir) -> None:
    """Serve from this process through waitress; watch `watched_site` in a thread if given."""
    from waitress import serve

    from .app import create_app
    from .searching import get_service

    app = create_app(options)
    try:
        get_service(app).open()  # and start warming it
    except SearchError as exc:  # every request will say so too
        log.error("cannot open the index: %s", exc)
    stop = threading.Event()
    if watched_site is not None:
        threading.Thread(target=watch_site, args=(watched_site, index_dir, stop), daemon=True).start()
    log.info("serving on http://%s:%s/ (waitress, %d threads)", host, port, threads)
    signal.signal(signal.SIGTERM, _exit_quietly)  # as under gunicorn: TERM is a clean stop
    try:
        # waitress drops X-Forwarded-* from a proxy it was not told to trust;
        # with PROXY_HEADERS the app reads them (ProxyFix), as under gunicorn.
        serve(
            app,
            host=host,
            port=port,
            threads=threads,
            ident="matome-search",
            clear_untrusted_proxy_headers=not options["PROXY_HEADERS"],
        )
    finally:
        stop.set()


def _exit_quietly(signum, frame) -> None:
    raise SystemExit(0)
