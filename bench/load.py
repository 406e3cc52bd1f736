"""HTTP load benchmark with wrk on loopback: matome-search and its peer, Datasette, side by side.

    python -m bench.load --index-dir INDEX --site SITE [--workers 2] [--repo CHECKOUT]
        [--seconds 60] [--connections 16] [--phases quiet,cached,during_updates,during_rebuild,peer]
        [--out FILE]

Starts the server of the checkout `--repo` (default: this one) with
`matome-search serve` on a free 127.0.0.1 port (`--workers N` when N > 0,
`--threads T` when given; the thread-only server when `--workers 0`), draws distinct
queries from the archive's own comments (`bench.workload`), warms the server
up on a separate set, then runs wrk (`bench.wrk`: 2 threads, 16 connections,
no path sent twice) in these phases:

- quiet: the measured set on an idle server;
- cached: the very requests quiet sent, again (the server's cache, if any);
- during_updates: a fresh set while posts are added to the site one by one and
  the server's own watcher (`serve --watch`) indexes them; reports when each
  new post's unique word became searchable, and the rate against quiet's;
- during_rebuild: a fresh set while `matome-search index --rebuild` runs, then
  wrk again in chunks until the rebuild exits and once after the new index
  is in place (errors only: these repeat paths);
- peer: Datasette over an SQLite FTS5 trigram table of the same comments
  (`bench.peer`), warmed up and measured on the same sets as quiet.

Memory (RSS and PSS of the server process and of each child: forked workers
share pages, which PSS counts once) is sampled after every phase. One JSON
document is printed (and written to `--out`), with the targets beside the
figures and `checks` against them. The index is left as a rebuild makes it;
the posts added during updates are removed again.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from bench import peer, workload
from bench.procs import free_port, memory, stop, wait_ready, wait_warmed
from bench.report import emit
from bench.wrk import THREADS, ensure_wrk, run_wrk

ROOT = Path(__file__).resolve().parent.parent
PHASES = ("quiet", "cached", "during_updates", "during_rebuild", "peer")
TARGETS = {"quiet_rps_min": 100, "quiet_p99_ms_max": 250, "errors": 0, "during_updates_rate_min": 0.7}


def cli(*args: str, repo: Path = ROOT) -> list[str]:
    """The command line running `matome-search ARGS` of the checkout `repo` (its cwd and env name it)."""
    module = "web.cli" if (repo / "web" / "cli.py").exists() else "search.cli"  # or a flat-layout revision
    return [sys.executable, "-m", module, *args]


def repo_env(repo: Path) -> dict:
    """The environment that makes `python -m web.cli` import the checkout `repo`."""
    return {**os.environ, "PYTHONPATH": str(repo)}


def serve_command(opts, port: int, watch: bool) -> list[str]:
    """`matome-search serve` for this run; raises SystemExit if --workers is asked of a server without it."""
    args = [
        "serve",
        "--index-dir",
        str(opts.index_dir),
        "--site",
        str(opts.site),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    if opts.threads:
        args += ["--threads", str(opts.threads)]
    if opts.workers > 0:
        helped = subprocess.run(
            cli("serve", "--help", repo=opts.repo),
            cwd=opts.repo,
            env=repo_env(opts.repo),
            capture_output=True,
            text=True,
            timeout=120,
        ).stdout
        if "--workers" not in helped:
            raise SystemExit(f"the server in {opts.repo} has no --workers option; use --workers 0")
        args += ["--workers", str(opts.workers)]
    return cli(*args, *(["--watch"] if watch else []), repo=opts.repo)


def search_total(base: str, query: str) -> int:
    """The `total` of /api/search for `query` (-1 when the request fails)."""
    try:
        with urllib.request.urlopen(f"{base}{workload.Query((query,)).path()}", timeout=10) as response:
            return json.loads(response.read())["total"]
    except (OSError, ValueError, KeyError):
        return -1


def sent_paths(paths: list[str], result: dict, threads: int) -> list[str]:
    """The paths a wrk run actually sent: each thread's stride, up to its count."""
    counts = result["sent_by_thread"]
    return [p for i in range(threads) for p in paths[i::threads][: counts[i] if i < len(counts) else 0]]


class Updates(threading.Thread):
    """Add posts one by one, each with a unique word, and time until the server finds each."""

    def __init__(self, base: str, site: Path, interval: float, limit: int, deadline: float):
        super().__init__(daemon=True)
        self.base, self.site, self.interval, self.limit, self.deadline = base, site, interval, limit, deadline
        self.token = f"{os.getpid():x}{int(time.time()) % 100000:x}"
        self.added: list[Path] = []
        self.words: list[str] = []
        self.searchable_after_s: list[float | None] = []

    def run(self) -> None:
        from bench.generate import add_post

        for n in range(self.limit):
            if n and time.monotonic() > self.deadline:
                return
            word = f"zqload{self.token}n{n}"
            with tempfile.TemporaryDirectory(dir=self.site) as staging:
                # Written aside, then renamed in: the watcher never sees half a post.
                staged = add_post(staging, seed=9000 + n)
                staged.write_text(staged.read_text("utf-8").replace("。", f" {word}。", 1), "utf-8")
                path = self.site / staged.relative_to(staging)
                path.parent.parent.mkdir(parents=True, exist_ok=True)
                os.rename(staged.parent, path.parent)
            self.added.append(path)
            self.words.append(word)
            written = time.monotonic()
            while search_total(self.base, word) <= 0 and time.monotonic() - written < 120:
                time.sleep(0.1)
            found = search_total(self.base, word) > 0
            self.searchable_after_s.append(round(time.monotonic() - written, 2) if found else None)
            time.sleep(self.interval)

    def remove_posts(self) -> float:
        """Delete the added posts and wait (at most 120 s) until the watcher drops them; return the wait."""
        for path in self.added:
            path.unlink(missing_ok=True)
            path.parent.rmdir()
            if not any(path.parent.parent.iterdir()):  # the month add_post opened
                path.parent.parent.rmdir()
        started = time.monotonic()
        while self.words and search_total(self.base, self.words[-1]) != 0 and time.monotonic() - started < 120:
            time.sleep(0.2)
        return round(time.monotonic() - started, 1)


def during_updates(base: str, paths: list[str], opts, quiet_rps: float | None) -> dict:
    """Load the server while posts are added under its watcher; see `Updates`."""
    # No new post in the last 5 s: its indexing would outlast the load (one post is always added).
    updates = Updates(base, opts.site, opts.update_interval, opts.updates, time.monotonic() + opts.seconds - 5)
    updates.start()
    result = run_wrk(base, paths, opts.seconds, opts.connections)
    updates.join(timeout=180)
    result["posts_added"] = len(updates.added)
    result["searchable_after_s"] = updates.searchable_after_s
    result["removal_indexed_after_s"] = updates.remove_posts()
    if quiet_rps:
        result["rate_vs_quiet"] = round(result["rps"] / quiet_rps, 2)
    return result


def during_rebuild(base: str, paths: list[str], opts, log) -> dict:
    """Load the server during `index --rebuild`, then check for errors until it has finished."""
    started = time.monotonic()
    rebuild = subprocess.Popen(
        cli("index", "--site", str(opts.site), "--index-dir", str(opts.index_dir), "--rebuild", repo=opts.repo),
        cwd=opts.repo,
        env=repo_env(opts.repo),
        stdout=log,
        stderr=log,
    )
    time.sleep(2)
    result = run_wrk(base, paths, opts.seconds, opts.connections)
    result["rebuild_running_after_load"] = rebuild.poll() is None
    rest = {"requests": 0, "error_total": 0, "runs": 0}
    chunk = min(30.0, opts.seconds)
    while rebuild.poll() is None and time.monotonic() - started < opts.rebuild_timeout:
        _add_run(rest, run_wrk(base, paths, chunk, opts.connections, wrap=True))
    if rebuild.poll() is None:
        stop(rebuild)
    rebuild.wait()
    rebuild_s = round(time.monotonic() - started, 1)
    _add_run(rest, run_wrk(base, paths, min(10.0, opts.seconds), opts.connections, wrap=True))
    result.update(
        rebuild_s=rebuild_s,
        rebuild_returncode=rebuild.returncode,
        until_rebuilt_and_after=rest,
        comments_after=_health(base).get("comments"),
    )
    return result


def _add_run(total: dict, run: dict) -> None:
    for key in ("requests", "error_total"):
        total[key] += run[key]
    total["runs"] += 1


def _health(base: str) -> dict:
    try:
        with urllib.request.urlopen(base + "/healthz", timeout=10) as response:
            return json.loads(response.read())
    except (OSError, ValueError):
        return {}


def draw_sets(opts, phases: set) -> dict[str, list[workload.Query]]:
    """Warm-up and measured query sets, disjoint, as large as asked (or as the archive allows)."""
    measured = [
        name
        for name, wanted in (
            ("quiet", phases & {"quiet", "cached", "peer"}),
            ("during_updates", "during_updates" in phases),
            ("during_rebuild", "during_rebuild" in phases),
        )
        if wanted
    ]
    sizes = {"warmup": opts.warmup_queries, **{name: opts.queries for name in measured}}
    comments = workload.load_comments(opts.site)
    queries = workload.draw_queries(comments, sum(sizes.values()), seed=opts.seed)
    return workload.split_sets(queries, sizes)


def run_matome(opts, phases: set, sets: dict, work: Path, proc: subprocess.Popen, base: str) -> dict:
    """Warm up, then run each selected phase of ours against the running server `proc`."""
    out: dict = {}
    paths = {name: [q.path() for q in queries] for name, queries in sets.items()}
    warm = run_wrk(base, paths["warmup"], opts.warmup_seconds, opts.connections)
    out["warmup"] = {k: warm[k] for k in ("requests", "rps", "error_total")} | {"memory": memory(proc.pid)}
    if "quiet" in phases or "cached" in phases:
        out["quiet"] = run_wrk(base, paths["quiet"], opts.seconds, opts.connections)
        out["quiet"]["memory"] = memory(proc.pid)
    if "cached" in phases:
        again = sent_paths(paths["quiet"], out["quiet"], THREADS)
        out["cached"] = run_wrk(base, again, opts.seconds, opts.connections, wrap=True)
        out["cached"]["memory"] = memory(proc.pid)
    if "during_updates" in phases:
        quiet_rps = out.get("quiet", {}).get("rps")
        out["during_updates"] = during_updates(base, paths["during_updates"], opts, quiet_rps)
        out["during_updates"]["memory"] = memory(proc.pid)
    if "during_rebuild" in phases:
        with open(work / "rebuild.log", "w", encoding="utf-8") as log:
            out["during_rebuild"] = during_rebuild(base, paths["during_rebuild"], opts, log)
        out["during_rebuild"]["memory"] = memory(proc.pid)
    return out


def serve_and_measure(opts, phases: set, work: Path) -> tuple[dict, dict, dict]:
    """Start our server, draw the query sets meanwhile, run our phases; return (server, sets, phases)."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log_path = work / "server.log"
    command = serve_command(opts, port, watch="during_updates" in phases)
    with open(log_path, "w", encoding="utf-8") as log:
        proc = subprocess.Popen(command, cwd=opts.repo, env=repo_env(opts.repo), stdout=log, stderr=log)
        try:
            sets = draw_sets(opts, phases)
            server = {"command": command[2:], "ready_after_s": wait_ready(proc, base + "/healthz", log_path)}
            server["warmed_after_s"] = wait_warmed(log_path, max(opts.workers, 1))
            server["memory_ready"] = memory(proc.pid)
            measured = run_matome(opts, phases, sets, work, proc, base)
        finally:
            log.flush()
            served = log_path.stat().st_size  # what follows is the server shutting down
            stop(proc)
    text = log_path.read_bytes()
    server.update(
        errors_logged=_errors(text[:served]), shutdown_errors_logged=_errors(text[served:]), log=str(log_path)
    )
    return server, sets, measured


def _errors(log: bytes) -> dict:
    """Count the ERROR and Traceback lines of a server log, with the first few."""
    text = log.decode("utf-8", "replace")
    lines = [line for line in text.splitlines() if "ERROR" in line or "Traceback" in line]
    return {"count": len(lines), "first": lines[:5]}


def check_targets(phases: dict) -> dict:
    """Each target against its figure: True, False, or None when the phase did not run.

    A phase that sent no request, or ran out of distinct paths, passes nothing.
    """

    def get(phase, key):
        figures = phases.get(phase)
        if figures is None:
            return None
        return figures.get(key) if figures["requests"] > 0 and not figures["ran_out"] else False

    def ok(value, test):
        return None if value is None else value is not False and bool(test(value))

    rest = (phases.get("during_rebuild") or {}).get("until_rebuilt_and_after")
    return {
        "quiet_rps": ok(get("quiet", "rps"), lambda v: v >= TARGETS["quiet_rps_min"]),
        "quiet_p99": ok(get("quiet", "p99_ms"), lambda v: v <= TARGETS["quiet_p99_ms_max"]),
        "quiet_errors": ok(get("quiet", "error_total"), lambda v: v == 0),
        "during_updates_rate": ok(
            get("during_updates", "rate_vs_quiet"), lambda v: v >= TARGETS["during_updates_rate_min"]
        ),
        "during_updates_errors": ok(get("during_updates", "error_total"), lambda v: v == 0),
        "during_rebuild_errors": ok(get("during_rebuild", "error_total"), lambda v: v == 0),
        "until_rebuilt_errors": None if rest is None else rest["requests"] > 0 and rest["error_total"] == 0,
    }


def side_by_side(phases: dict) -> dict:
    """Quiet matome-search beside the peer: requests/s, p50/p90/p99, errors, memory."""
    keys = ("rps", "p50_ms", "p90_ms", "p99_ms", "error_total", "ran_out")
    rows = {}
    for name, phase in (("matome-search", phases.get("quiet")), ("datasette", phases.get("peer"))):
        if phase:
            mem = phase["memory"]
            rows[name] = {k: phase[k] for k in keys} | {
                "memory_rss_mb": mem["total_mb"],
                "memory_pss_mb": mem["total_pss_mb"],
            }
    return rows


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index-dir", type=Path, required=True)
    parser.add_argument("--site", type=Path, required=True)
    parser.add_argument("--repo", type=Path, default=ROOT, help="checkout whose server is measured")
    parser.add_argument("--workers", type=int, default=0, help="serve --workers N (0: do not pass it)")
    parser.add_argument("--threads", type=int, help="serve --threads T [default: the server's own]")
    parser.add_argument("--seconds", type=float, default=60, help="length of each measured phase")
    parser.add_argument("--warmup-seconds", type=float, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--queries", type=int, default=25000, help="distinct queries in each measured set")
    parser.add_argument("--warmup-queries", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--updates", type=int, default=12, help="most posts added during updates")
    parser.add_argument("--update-interval", type=float, default=3.0, help="pause after each post is found")
    parser.add_argument("--rebuild-timeout", type=float, default=3600)
    parser.add_argument("--phases", default=",".join(PHASES), help=f"comma list of {', '.join(PHASES)}")
    parser.add_argument("--work-dir", type=Path, help="logs and the peer's db (default: a new temporary dir)")
    parser.add_argument("--out", type=Path, help="also write the JSON here")
    opts = parser.parse_args(argv)
    opts.repo, opts.site, opts.index_dir = opts.repo.resolve(), opts.site.resolve(), opts.index_dir.resolve()
    # The old names (README, docs/robustness.md) still work.
    opts.phases = ",".join(
        {"updates": "during_updates", "rebuild": "during_rebuild"}.get(p, p) for p in opts.phases.split(",")
    )
    unknown = set(opts.phases.split(",")) - set(PHASES)
    if unknown:
        parser.error(f"unknown phases: {', '.join(sorted(unknown))}")
    return opts


def main(argv=None) -> dict:
    """Run the benchmark; print the JSON document and return it."""
    opts = parse_args(argv)
    phases = set(opts.phases.split(","))
    ensure_wrk()
    work = opts.work_dir or Path(tempfile.mkdtemp(prefix="bench-load-"))
    work.mkdir(parents=True, exist_ok=True)
    if phases - {"peer"}:
        server, sets, measured = serve_and_measure(opts, phases, work)
    else:
        server, sets, measured = None, draw_sets(opts, phases), {}
    if "peer" in phases:
        measured["peer"] = peer.measure(
            opts.site, work / "peer", sets["warmup"], sets["quiet"], opts.seconds, opts.warmup_seconds, opts.connections
        )
        if not opts.work_dir:  # keep the logs, not a copy of the archive
            (work / "peer" / f"{peer.DB_NAME}.db").unlink(missing_ok=True)
    result = {
        "config": {
            "repo": str(opts.repo),
            "commit": _commit(opts.repo),
            "site": str(opts.site),
            "index_dir": str(opts.index_dir),
            "workers": opts.workers,
            "threads": opts.threads,
            "seconds": opts.seconds,
            "connections": opts.connections,
            "wrk_threads": THREADS,
            "phases": [p for p in PHASES if p in phases],
            "watch": "during_updates" in phases,
        },
        "targets": TARGETS,
        "queries": {name: len(q) for name, q in sets.items()},
        "warnings": warnings(opts, sets, measured),
        "side_by_side": side_by_side(measured),
        "checks": check_targets(measured),
        "phases": measured,
        "server": server,
    }
    return emit(result, opts.out)


def warnings(opts, sets: dict, measured: dict) -> list[str]:
    """What makes a figure of this run not the one asked for."""
    found = []
    for name, queries in sets.items():
        wanted = opts.warmup_queries if name == "warmup" else opts.queries
        if len(queries) < wanted:
            found.append(f"{name}: only {len(queries)} distinct queries of {wanted} (the archive ran dry)")
    for name, figures in measured.items():
        if figures.get("ran_out") and name != "warmup":
            found.append(f"{name}: wrk ran out of distinct paths; its rate is too low (raise --queries)")
    if (measured.get("during_rebuild") or {}).get("rebuild_returncode") not in (None, 0):
        found.append("during_rebuild: the rebuild failed or was stopped at --rebuild-timeout")
    return found


def _commit(repo: Path) -> str:
    done = subprocess.run(["git", "-C", str(repo), "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    return done.stdout.strip()


if __name__ == "__main__":
    main()
