"""The `--watch` indexer: poll the post files, re-index what changed.

`watch_site` polls the post files' sizes and mtimes (stat only, no
reading) and runs an incremental update when they change. It runs as a
thread beside waitress, or, under gunicorn, as a process of its own:

    python -m web.watcher --site DIR --index-dir DIR [--base-url URL]

which runs at a lower CPU priority than the workers (`NICENESS`), stops
cleanly on SIGTERM or SIGINT once the update in progress is committed, and
by itself when the server that started it is gone.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import threading

from search import hugo
from search.errors import IndexLockedError, SearchError
from search.indexer import update_index

log = logging.getLogger("matome_search.server")
POLL_SECONDS = 1.0
# The watcher yields the CPU to the workers: a reader's search goes first, a
# new post becomes searchable a little later under load.
NICENESS = 10


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

    The first round always updates: whatever changed between the index
    the server started on and the first poll is picked up too. A site that
    cannot be listed (SiteError) is logged once and retried on every poll;
    the loop never dies of it.
    """
    seen, failure = None, None
    first = True
    while True:
        try:
            current = snapshot(site)
        except SearchError as exc:
            if str(exc) != failure:
                log.error("cannot list the site's posts: %s; will retry", exc)
            # None: re-index once the site can be listed again.
            seen, failure = None, str(exc)
        else:
            if first or failure is not None or current != seen:
                # jobs=1: a handful of changed posts, and no fork from a threaded server.
                refresh_index(site, index_dir, jobs=1)
            seen, failure, first = current, None, False
        if stop.wait(interval):
            return


def main(argv=None) -> None:
    """Watch one site until SIGTERM or SIGINT."""
    parser = argparse.ArgumentParser(description="Re-index a Hugo site's changed posts until stopped.")
    parser.add_argument("--site", required=True)
    parser.add_argument("--index-dir", required=True)
    parser.add_argument("--base-url")
    opts = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    if hasattr(os, "nice"):
        os.nice(NICENESS)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    threading.Thread(target=_stop_when_orphaned, args=(stop, os.getppid()), daemon=True).start()
    try:
        site = hugo.load_site(opts.site, base_url=opts.base_url)
    except SearchError as exc:
        log.error("cannot watch the site: %s", exc)
        raise SystemExit(1) from exc
    watch_site(site, opts.index_dir, stop)


def _stop_when_orphaned(stop: threading.Event, parent: int) -> None:
    """Stop once the server that started this watcher is gone (killed, or crashed).

    An orphaned watcher would go on holding the index's write lock and
    updating it behind the next server's back.
    """
    while not stop.wait(POLL_SECONDS):
        if os.getppid() != parent:
            log.warning("the server that started this watcher is gone; stopping")
            stop.set()


if __name__ == "__main__":
    main()
