"""HTTP load test on loopback against `matome-search serve`.

    python -m bench.load --index-dir bench/out/work/index --site bench/out/work/site

Starts the real server on a free loopback port, then runs 16 client threads
(bounded by request count and by time) over a mix of queries, once on a
quiet server and once while `matome-search index --rebuild` runs. Reports
requests/s, p50/p95/p99 latency and failures for both.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

from bench.bench_index import QUERIES, percentile

ROOT = Path(__file__).resolve().parent.parent
PATHS = [f"/api/search?{urlencode({'q': q})}" for q in QUERIES] + [
    f"/?{urlencode({'q': q})}" for q in QUERIES[:10]
] + ["/api/search?q=%E6%95%B0%E5%AD%A6&sort=newest&page=3", "/healthz"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(index_dir: Path, site: Path, port: int, log) -> subprocess.Popen:
    """Start `matome-search serve`; its log goes to the file `log`.

    A file, not a pipe: nobody reads a pipe while the load runs, and once
    its buffer is full (waitress logs every deep task queue) the server
    blocks in its logging call and stops answering.
    """
    proc = subprocess.Popen(
        [sys.executable, "-m", "search.cli", "serve", "--index-dir", str(index_dir), "--site", str(site),
         "--port", str(port), "--threads", "8"],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL, stderr=log,
    )
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2).close()
            return proc
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise SystemExit("server did not start")


def hammer(base: str, clients: int, max_requests: int, max_seconds: float) -> dict:
    """Run `clients` threads until `max_requests` are sent or time is up."""
    latencies, failures, lock = [], [], threading.Lock()
    counter = iter(range(max_requests))
    deadline = time.monotonic() + max_seconds

    def client(seed: int) -> None:
        i = seed
        while time.monotonic() < deadline:
            with lock:
                if next(counter, None) is None:
                    return
            path = PATHS[i % len(PATHS)]
            i += 7
            started = time.perf_counter()
            try:
                with urllib.request.urlopen(base + path, timeout=30) as response:
                    response.read()
                    ok = response.status == 200
            except (urllib.error.URLError, OSError) as exc:
                ok, path = False, f"{path}: {exc}"
            with lock:
                latencies.append((time.perf_counter() - started) * 1000)
                if not ok:
                    failures.append(path)

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    return {
        "requests": len(latencies), "seconds": round(wall, 1),
        "rps": round(len(latencies) / wall, 1),
        "p50_ms": round(percentile(latencies, 50), 1), "p95_ms": round(percentile(latencies, 95), 1),
        "p99_ms": round(percentile(latencies, 99), 1), "failed": len(failures),
        "failures": failures[:5],
    }


def during_updates(base: str, site: Path, index_dir: Path, opts, updates: int = 5) -> dict:
    """Hammer the server while new posts are added and indexed one by one.

    Returns the load figures plus, per update, the seconds from the indexer's
    exit until the new post's unique word is found through the API.
    """
    from bench.generate import add_post

    result: dict = {}
    worker = threading.Thread(target=lambda: result.update(hammer(base, opts.clients, opts.requests, opts.seconds)))
    worker.start()
    visible = []
    for n in range(updates):
        word = f"負荷試験語{n}号ズ"
        path = add_post(site, seed=9000 + n, comments=30)
        path.write_text(path.read_text("utf-8").replace("。", f"{word}。", 1), "utf-8")
        subprocess.run([sys.executable, "-m", "search.cli", "index", "--site", str(site), "--index-dir",
                        str(index_dir), "--jobs", "1"], cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                       check=True, capture_output=True)
        done = time.perf_counter()
        while time.perf_counter() - done < 30:
            data = json.loads(urllib.request.urlopen(f"{base}/api/search?{urlencode({'q': word})}").read())
            if data["total"]:
                break
            time.sleep(0.05)
        visible.append(round(time.perf_counter() - done, 2))
        shutil.rmtree(path.parent)
    worker.join()
    subprocess.run([sys.executable, "-m", "search.cli", "index", "--site", str(site), "--index-dir",
                    str(index_dir), "--jobs", "1"], cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                   check=True, capture_output=True)
    result["searchable_after_s"] = visible
    return result


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index-dir", type=Path, required=True)
    parser.add_argument("--site", type=Path, required=True)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--phases", default="quiet,rebuild", help="comma list of quiet, rebuild, updates")
    opts = parser.parse_args(argv)
    port = free_port()
    log = tempfile.TemporaryFile("w+", encoding="utf-8")
    server = start_server(opts.index_dir, opts.site, port, log)
    base = f"http://127.0.0.1:{port}"
    phases = set(opts.phases.split(","))
    result: dict = {}
    try:
        if "quiet" in phases:
            result["quiet"] = hammer(base, opts.clients, opts.requests, opts.seconds)
        if "updates" in phases:
            result["during_updates"] = during_updates(base, opts.site, opts.index_dir, opts)
        if "rebuild" in phases:
            result["during_rebuild"] = during_rebuild(base, opts)
        result["comments_after"] = json.loads(urllib.request.urlopen(base + "/healthz").read())["comments"]
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.seek(0)
        stderr = log.read()
        log.close()
    errors = [line for line in stderr.splitlines() if "ERROR" in line or "Traceback" in line]
    result["warmups_logged"] = [line.split("search.service ", 1)[1] for line in stderr.splitlines()
                                if "search.service warmed" in line]
    result["server_errors_logged"] = len(errors)
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return result


def during_rebuild(base: str, opts) -> dict:
    """Hammer the server while `matome-search index --rebuild` runs."""
    rebuild = subprocess.Popen(
        [sys.executable, "-m", "search.cli", "index", "--site", str(opts.site),
         "--index-dir", str(opts.index_dir), "--rebuild"],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    time.sleep(2)
    during = hammer(base, opts.clients, opts.requests, opts.seconds)
    during["rebuild_still_running"] = rebuild.poll() is None
    rebuild.wait()
    return during


if __name__ == "__main__":
    main()
