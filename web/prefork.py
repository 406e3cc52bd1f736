"""gunicorn, configured in code: pre-forked workers, one watcher, graceful signals."""

from __future__ import annotations

import logging
import os
import subprocess
import sys

from gunicorn.app.base import BaseApplication

from search.analysis.words import get_janome
from search.errors import SearchError

log = logging.getLogger("matome_search.server")

# A query of 500 Japanese characters is 4,500 bytes percent-encoded: more
# than gunicorn's default request line (4,094). 8,190 is its maximum.
REQUEST_LINE_LIMIT = 8190
GRACEFUL_SECONDS = 30  # requests in flight get this long on TERM or HUP
WORKER_TIMEOUT = 60  # a worker silent this long is restarted by the arbiter
KEEPALIVE_SECONDS = 5
WATCHER_STOP_SECONDS = 30  # an update in progress may finish its commit


class PreforkServer(BaseApplication):
    """A gunicorn application whose settings are a dict, not a command line."""

    def __init__(self, app, settings: dict):
        self.application = app
        self.settings = settings
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.settings.items():
            if key in self.cfg.settings:  # a setting newer than the installed gunicorn is left out
                self.cfg.set(key, value)

    def load(self):
        return self.application


def bind_address(host: str, port: int) -> str:
    """gunicorn's bind string; an IPv6 address goes in brackets.

    >>> bind_address("::1", 8000)
    '[::1]:8000'
    """
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def serve_prefork(options: dict, host: str, port: int, workers: int, threads: int, watcher) -> None:
    """Serve the app with `workers` gunicorn processes of `threads` threads each.

    The app and janome are loaded here, before the fork, so every worker
    shares them; each worker opens (and warms) the index itself. `watcher`
    is (site, base_url, index_dir) for `--watch`, or None.
    """
    from .app import create_app
    from .searching import get_service

    get_janome()  # the dictionary, loaded once and shared copy-on-write
    app = create_app(options)
    watch = _Watcher(watcher) if watcher else None

    def post_worker_init(worker) -> None:
        try:
            get_service(app).open()  # and start warming it
        except SearchError as exc:  # every request will say so too
            log.error("worker %s cannot open the index: %s", worker.pid, exc)

    def when_ready(server) -> None:
        log.info(
            "serving on http://%s/ (gunicorn, %d workers x %d threads)", bind_address(host, port), workers, threads
        )
        if watch:
            watch.start()

    def on_exit(server) -> None:
        if watch:
            watch.stop()

    settings = {
        "bind": [bind_address(host, port)],
        "workers": workers,
        "worker_class": "gthread",
        "threads": threads,
        "preload_app": True,
        "timeout": WORKER_TIMEOUT,
        "graceful_timeout": GRACEFUL_SECONDS,
        "keepalive": KEEPALIVE_SECONDS,
        "limit_request_line": REQUEST_LINE_LIMIT,
        "proc_name": "matome-search",
        "accesslog": None,
        "errorlog": "-",
        "loglevel": "info",
        "post_worker_init": post_worker_init,
        "when_ready": when_ready,
        "on_exit": on_exit,
        # gunicorn 24+ opens a control socket in $HOME, one path for every
        # server on the machine: not wanted for several sites or test servers.
        "control_socket_disable": True,
        # gunicorn itself would take X-Forwarded-Proto from any local client:
        # forwarded headers are read by the app, and only with PROXY_HEADERS.
        "forwarded_allow_ips": "",
    }
    if os.path.isdir("/dev/shm"):  # the workers' heartbeat files, kept off the disk
        settings["worker_tmp_dir"] = "/dev/shm"
    PreforkServer(app, settings).run()


class _Watcher:
    """The one `--watch` indexer, a process of its own started by the arbiter.

    A fresh interpreter (`python -m search.index.watch`), not a fork of the
    arbiter: it holds the index's write lock and runs janome, and shares
    nothing with the workers but the index directory.
    """

    def __init__(self, args: tuple):
        self.site, self.base_url, self.index_dir = args
        self._process: subprocess.Popen | None = None

    def start(self) -> None:
        command = [sys.executable, "-m", "search.index.watch", "--site", self.site, "--index-dir", self.index_dir]
        if self.base_url:
            command += ["--base-url", self.base_url]
        self._process = subprocess.Popen(command)
        log.info("watching the site for changes (process %s)", self._process.pid)

    def stop(self) -> None:
        if self._process is None or self._process.poll() is not None:
            return
        self._process.terminate()  # it finishes the update in progress, then exits
        try:
            self._process.wait(WATCHER_STOP_SECONDS)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait(5)
