"""The `--watch` indexer: poll the post files, re-index what changed.

`watch_site` polls the post files' sizes and mtimes (stat only, no
reading) and runs an incremental update when they change. It runs as a
thread beside waitress, or, under gunicorn, as a process of its own:

    python -m search.index.watch --site DIR --index-dir DIR [--base-url URL]

which runs at a lower CPU priority than the workers (`NICENESS`), stops
cleanly on SIGTERM or SIGINT once the update in progress is committed, and
by itself when the server that started it is gone.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import os
import signal
import stat
import threading
from pathlib import Path

from ..errors import IndexLockedError, SearchError
from ..ingest import hugo
from ..settings import max_post_bytes
from .files import replace_file
from .indexer import update_index

log = logging.getLogger("matome_search.server")
POLL_SECONDS = 1.0
STATUS_FILE = ".watch-status.json"  # in the index directory: what /healthz reports of the watcher
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


RETRY = "retry"  # what `refresh_index` returns when another indexer held the lock
_FIELDS = ("last_success", "last_error", "last_error_at")


def refresh_index(site, index_dir, jobs=None) -> str | None:
    """Run one incremental update and log its summary. Never raises.

    Returns None when it indexed, RETRY when another indexer held the lock,
    else the kind of error (its class name: what /healthz may show; the
    message, which names paths, is logged). An exception no one foresaw is
    logged with its traceback: the watch loop must outlive it.
    """
    try:
        report = update_index(site, index_dir, jobs=jobs)
    except IndexLockedError:
        log.info("index is being updated by another process; will retry")
        return RETRY
    except SearchError as exc:
        log.error("re-index failed: %s", exc)
        return type(exc).__name__
    except Exception as exc:  # a bug in one round must not end the watching (logged with its traceback)
        log.exception("re-index failed")
        return type(exc).__name__
    for warning in report.warnings:
        log.warning("%s", warning)
    log.info("%s", report.summary())
    return None


class WatchStatus:
    """The watcher's last success and last error, kept in the index directory for /healthz.

    Only this process writes the file; the error is recorded by its kind,
    never its message.
    """

    def __init__(self, index_dir):
        self.path = Path(index_dir) / STATUS_FILE
        self.figures = {"pid": os.getpid(), **dict.fromkeys(_FIELDS)}

    def record(self, error: str | None) -> None:
        """Stamp a success (`error` None) or the kind of a failed round."""
        now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        if error is None:
            self.figures["last_success"] = now
        else:
            self.figures.update(last_error=error, last_error_at=now)
        try:
            replace_file(
                self.path,
                json.dumps(self.figures).encode("utf-8"),
                tmp=self.path.with_name(STATUS_FILE + ".tmp"),
                fsync=False,
            )
        except OSError as exc:
            log.warning("cannot record the watcher's status in %s: %s", self.path, exc)


def read_status(index_dir) -> dict:
    """What the watcher of `index_dir` last recorded, and whether it still runs.

    The file is read as CURRENT is: never through a link, never blocking
    on a FIFO, a few KB at most.
    """
    try:
        fd = os.open(Path(index_dir) / STATUS_FILE, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        with os.fdopen(fd, "rb") as fh:
            if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
                raise ValueError("not a regular file")
            figures = json.loads(fh.read(4096))
        pid = int(figures["pid"])
    except (OSError, ValueError, KeyError, TypeError):
        return {"running": False, **dict.fromkeys(_FIELDS)}
    return {"running": _alive(pid), **{k: figures.get(k) for k in _FIELDS}}


def _alive(pid: int) -> bool:
    if pid <= 0:  # 0 and negatives name process groups
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's process: alive
        return True
    return True


def watch_site(site, index_dir, stop: threading.Event, interval: float = POLL_SECONDS) -> None:
    """Re-index whenever the site's post files change, until `stop` is set.

    The first round always updates: whatever changed between the index
    the server started on and the first poll is picked up too. A site that
    cannot be listed is logged once and retried on every poll; a round that
    fails is retried on the next change, and one that found the index
    locked on the next poll. The loop never dies of any of them, and
    records each round's outcome in the index directory (`WatchStatus`).
    """
    status = WatchStatus(index_dir)
    seen, failure = None, None
    first = True
    while True:
        try:
            current = snapshot(site)
        except Exception as exc:  # noqa: BLE001 -- SiteError, or an OSError of a vanishing directory
            if str(exc) != failure:
                log.error("cannot list the site's posts: %s; will retry", exc)
                status.record(type(exc).__name__)
            # None: re-index once the site can be listed again.
            seen, failure = None, str(exc)
        else:
            if first or failure is not None or current != seen:
                # jobs=1: a handful of changed posts, and no fork from a threaded server.
                outcome = refresh_index(site, index_dir, jobs=1)
                if outcome == RETRY:
                    current = None  # not indexed: the next poll tries again
                else:
                    status.record(outcome)
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
        site = hugo.load_site(opts.site, base_url=opts.base_url, max_post_bytes=max_post_bytes())
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
