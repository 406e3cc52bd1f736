"""Drive an HTTP server on loopback with wrk over a file of request paths, none sent twice.

Each wrk thread walks its own stride of the paths file (thread i takes lines
i, i + T, i + 2T, ...), so no two requests carry the same path. A thread that
runs out stops and says so (`ran_out`): a measurement that repeated paths, or
stopped short, is not the one asked for. With `wrap=True` (the cached
phase) a thread walks its stride again instead.

A response outside 2xx is an error; so are wrk's connect, read, write and
timeout errors. Latency percentiles are wrk's own (microseconds, reported
here in ms).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path

THREADS = 2
TIMEOUT = "10s"

LUA = r"""
local threads = {}
local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  paths = {}
  local n = 0
  local wanted = tonumber(args[3])
  for line in io.lines(args[1]) do
    if n % wanted == id then
      table.insert(paths, line)
    end
    n = n + 1
  end
  wrap = args[2] == "1"
  available = #paths
  used = 0
  sent = 0
  ran_out = false
  non2xx = 0
  statuses = ""
end

function request()
  if used >= #paths then
    if wrap and #paths > 0 then
      used = 0
    else
      ran_out = true
      wrk.thread:stop()
      return wrk.format("GET", "/healthz?ran_out=" .. id)
    end
  end
  used = used + 1
  sent = sent + 1
  return wrk.format("GET", paths[used])
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
    if #statuses < 60 then
      statuses = statuses .. status .. " "
    end
  end
end

function done(summary, latency, requests)
  local sent, available, non2xx, ran_out, statuses, by_thread = 0, 0, 0, false, "", ""
  for i, t in ipairs(threads) do
    sent = sent + t:get("sent")
    by_thread = by_thread .. (i > 1 and ", " or "") .. t:get("sent")
    available = available + t:get("available")
    non2xx = non2xx + t:get("non2xx")
    ran_out = ran_out or t:get("ran_out")
    statuses = statuses .. t:get("statuses")
  end
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests": %d, "duration_us": %d, "bytes": %d, ' ..
    '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d, "non2xx": %d}, ' ..
    '"latency_us": {"p50": %d, "p90": %d, "p99": %d, "max": %d, "mean": %.1f}, ' ..
    '"paths_sent": %d, "sent_by_thread": [%s], "paths_available": %d, "ran_out": %s, ' ..
    '"bad_statuses": "%s"}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout, non2xx,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean,
    sent, by_thread, available, tostring(ran_out), statuses))
end
"""


def ensure_wrk() -> str:
    """Return wrk's path, installing Debian's package first when it is missing.

    Raises RuntimeError when wrk is missing and apt-get cannot install it.
    """
    found = shutil.which("wrk")
    if found:
        return found
    if not shutil.which("apt-get"):
        raise RuntimeError("wrk is not installed and apt-get is not available to install it")
    install = ["apt-get", "install", "-y", "wrk"]
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "timeout": 600}
    if subprocess.run(install, **quiet).returncode != 0:
        subprocess.run(["apt-get", "update"], **quiet)
        subprocess.run(install, **quiet)
    found = shutil.which("wrk")
    if not found:
        raise RuntimeError("`apt-get install -y wrk` did not install wrk")
    return found


def run_wrk(
    base_url: str, paths: list[str], seconds: float, connections: int = 16, threads: int = THREADS, wrap: bool = False
) -> dict:
    """Run wrk against `base_url` over `paths` for `seconds`; return its figures as a dict.

    Keys: requests, seconds, rps, p50_ms, p90_ms, p99_ms, max_ms, errors (by
    kind), error_total, paths_sent, paths_available, ran_out. Raises
    RuntimeError when wrk fails or prints no figures.
    """
    wrk = ensure_wrk()
    threads = max(1, min(threads, connections))
    with tempfile.TemporaryDirectory(prefix="bench-wrk-") as tmp:
        script, listing = Path(tmp) / "paths.lua", Path(tmp) / "paths.txt"
        script.write_text(LUA, "utf-8")
        listing.write_text("".join(p + "\n" for p in paths), "utf-8")
        command = [
            wrk,
            "-t",
            str(threads),
            "-c",
            str(connections),
            "-d",
            f"{max(1, round(seconds))}s",
            "--latency",
            "--timeout",
            TIMEOUT,
            "-s",
            str(script),
            base_url,
            "--",
            str(listing),
            "1" if wrap else "0",
            str(threads),
        ]
        done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 120)
    line = next((out for out in done.stdout.splitlines() if out.startswith("WRK_JSON ")), None)
    if done.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr.strip() or done.stdout[-500:]}")
    return summarize(json.loads(line.split(" ", 1)[1]))


def summarize(raw: dict) -> dict:
    """Turn wrk's raw figures (µs, counts) into the report's (ms, requests/s, error total)."""
    seconds = raw["duration_us"] / 1e6
    errors = raw["errors"]
    # wrk counts statuses > 399 itself; non2xx also catches 1xx and 3xx (and includes the > 399).
    total = (
        errors["connect"]
        + errors["read"]
        + errors["write"]
        + errors["timeout"]
        + max(errors["status"], errors["non2xx"])
    )
    latency = {k: round(v / 1000, 1) for k, v in raw["latency_us"].items()}
    return {
        "requests": raw["requests"],
        "seconds": round(seconds, 1),
        "rps": round(raw["requests"] / seconds, 1) if seconds else 0.0,
        "p50_ms": latency["p50"],
        "p90_ms": latency["p90"],
        "p99_ms": latency["p99"],
        "max_ms": latency["max"],
        "mean_ms": latency["mean"],
        "errors": errors,
        "error_total": total,
        "bad_statuses": raw["bad_statuses"].split(),
        "paths_sent": raw["paths_sent"],
        "sent_by_thread": raw["sent_by_thread"],
        "paths_available": raw["paths_available"],
        "ran_out": raw["ran_out"],
    }
