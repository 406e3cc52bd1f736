"""Server processes of the web benchmarks: a free loopback port, readiness, memory, stopping."""

from __future__ import annotations

import socket
import subprocess
import time
import urllib.request
from pathlib import Path

START_TIMEOUT = 900


WARMED = "search.service warmed"  # what each serving process logs once its warm-up ends


def wait_warmed(log_path: Path, processes: int, timeout: float = START_TIMEOUT) -> float | None:
    """Wait until `processes` warm-ups are logged; return the seconds waited (None: timed out).

    A served index is warmed in the background after every start; a
    benchmark of the steady state waits for it, as a reader arriving a
    few seconds after a restart would.
    """
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if log_path.read_text("utf-8", "replace").count(WARMED) >= processes:
            return round(time.monotonic() - started, 1)
        time.sleep(0.5)
    return None


def free_port() -> int:
    """Return a TCP port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_ready(proc: subprocess.Popen, url: str, log_path: Path, timeout: float = START_TIMEOUT) -> float:
    """Poll `url` until it answers 200; return the seconds waited.

    Raises SystemExit (with the log's tail) if the process exits first, or
    after `timeout` seconds (killing it).
    """
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if proc.poll() is not None:
            tail = log_path.read_text("utf-8", "replace")[-2000:]
            raise SystemExit(f"server exited with {proc.returncode} before answering:\n{tail}")
        try:
            urllib.request.urlopen(url, timeout=5).close()
            return round(time.monotonic() - started, 1)
        except OSError:
            time.sleep(0.5)
    stop(proc)
    raise SystemExit(f"{url} did not answer within {timeout} s")


def stop(proc: subprocess.Popen) -> None:
    """Terminate a process we started (SIGTERM), and kill it if it lingers past 30 s."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=30)


def _kb_field(path: Path, name: str) -> float:
    for line in path.read_text().splitlines():
        if line.startswith(name):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def _rss_mb(pid: int) -> float:
    return _kb_field(Path(f"/proc/{pid}/status"), "VmRSS:")


def _pss_mb(pid: int) -> float:
    """Proportional set size: pages shared with forked siblings count once across them."""
    return _kb_field(Path(f"/proc/{pid}/smaps_rollup"), "Pss:")


def children(pid: int) -> list[int]:
    """The pids of a process's children (Linux)."""
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(c) for c in (task / "children").read_text().split()]
    return found


def _label(pid: int) -> str:
    args = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    return " ".join(a.decode("utf-8", "replace") for a in args if a)[:80]


def memory(pid: int) -> dict:
    """RSS and PSS in MB of process `pid` and of each descendant (with pid and command), and sums.

    RSS counts the pages forked workers share in each of them; PSS splits
    shared pages between their sharers, so `total_pss_mb` is what the tree
    really holds.
    """
    try:
        main, below, todo = {"mb": _rss_mb(pid), "pss_mb": _pss_mb(pid)}, [], children(pid)
        while todo:
            child = todo.pop(0)
            below.append({"pid": child, "mb": _rss_mb(child), "pss_mb": _pss_mb(child), "cmd": _label(child)})
            todo += children(child)
    except OSError:  # the process (or a child) has just exited
        return {"process_mb": 0.0, "children": [], "total_mb": 0.0, "total_pss_mb": 0.0}
    every = [main, *below]
    return {
        "process_mb": main["mb"],
        "process_pss_mb": main["pss_mb"],
        "children": below,
        "total_mb": round(sum(p["mb"] for p in every), 1),
        "total_pss_mb": round(sum(p["pss_mb"] for p in every), 1),
    }
