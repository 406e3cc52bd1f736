"""Hostile requests on loopback against `matome-search serve`: the slowest, and what they cost others.

    python -m bench.hostile --posts 100 --seed 3
    python -m bench.hostile --site SITE --index-dir INDEX --workers 2 --out hostile.json

Copies the site it is given (and its index, if given, so that only the new
post is indexed) into a work directory, or generates one with
`bench.generate`; adds one post of crafted long comments (`機械` 12,000 times,
a Latin word 12,000 times, a first line of 30,000 `[`, 20,000 alternating
`機械 学習`, 1 MB of mixed text); indexes it and starts the real server on a
free loopback port. Then:

1. sends seeded adversarial requests one at a time ("did you mean" bait,
   words repeated hundreds of times, many clauses, long kana and kanji runs,
   long OR lists and phrases, the crafted comments by relevance, deep pages,
   the HTML page of the same queries, user pages) and reports the slowest,
   p50/p95 and the statuses. A 400 is a correct answer; only a 5xx or a
   timeout is a failure;
2. measures a plain query's latency idle and while `--clients` threads keep
   fresh hostile requests in flight (fresh, so the request cache does not
   answer them), and reports both medians and their ratio.

Bounded in requests and in time; the server is stopped at the end. Prints
JSON, and writes it to `--out` when given.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import shutil
import statistics
import string
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path
from typing import NamedTuple
from urllib.parse import quote, unquote_plus, urlencode

from bench.bench_index import percentile
from bench.crafted import (
    HOSTILE_USER,
    Vocabulary,
    crafted_bodies,
    prepare,
    read_vocabulary,
    write_crafted_post,
)
from bench.procs import free_port, stop, wait_ready, wait_warmed
from bench.report import emit
from search.retrieve.validation import MAX_QUERY_LENGTH

ROOT = Path(__file__).resolve().parent.parent
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}
TARGETS = {"slowest_ms": 250, "slowest_on": "the 2,000-post archive", "loaded_over_idle": 2.0}


class Probe(NamedTuple):
    """One request: its kind (for the report) and its path with query string."""

    kind: str
    path: str


def _cli(*args) -> list[str]:
    return [sys.executable, "-m", "web.cli", *map(str, args)]


# -- hostile requests -------------------------------------------------------------


def _fit(words: list[str], sep: str, wrap: str = "") -> str:
    """Join as many of `words` as fit the query length limit (a longer query is a 400 before any work)."""
    while len(words) > 1 and len(wrap + sep.join(words) + wrap) > MAX_QUERY_LENGTH:
        words = words[:-1]
    return wrap + sep.join(words) + wrap


def _letters(rng: random.Random, first: str, size: int) -> str:
    return first + "".join(rng.choice(string.ascii_lowercase) for _ in range(size - 1))


def _typo(rng: random.Random, word: str) -> str:
    at = rng.randrange(len(word))
    return word[:at] + rng.choice(string.ascii_lowercase) + word[at + 1 :] + _letters(rng, "", rng.randint(1, 6))


def hostile_query(rng: random.Random, kind: str, vocab: Vocabulary, latin: str) -> dict:
    """The query-string parameters of one hostile query of `kind`."""
    common = vocab.common[:300]
    if kind == "did_you_mean":
        q = " ".join(_letters(rng, rng.choice(vocab.letters), rng.randint(20, 40)) for _ in range(rng.randint(2, 5)))
    elif kind == "typos":
        q = _fit([_typo(rng, rng.choice(vocab.latin)) for _ in range(rng.randint(4, 12))], " ")
    elif kind in ("repeated_joined", "repeated_spaced"):
        word, sep = rng.choice(["機械", "学習", latin, rng.choice(common)]), "" if kind == "repeated_joined" else " "
        q = _fit([word] * rng.randint(50, 400), sep)
    elif kind == "many_clauses":
        q = _fit(rng.choices(common, k=rng.randint(30, 60)), " ")
    elif kind == "kana_run":
        q = "".join(chr(rng.randint(0x3041, 0x3093)) for _ in range(rng.randint(100, 500)))
    elif kind == "kanji_run":
        q = "".join(rng.choice(vocab.kanji) for _ in range(rng.randint(100, 500)))
    elif kind == "many_or":
        q = _fit(rng.choices(common, k=rng.randint(20, 60)), " OR ")
    elif kind == "long_phrase":
        q = _fit(rng.choices(common, k=rng.randint(10, 40)), " ", wrap='"')
    else:  # crafted: the words of the crafted comments, ranked by relevance
        q = rng.choice(["機械", latin, "学習", "機械 学習", '"機械 学習"', "機械学習"])
        return {"q": q, "sort": "relevance", "per_page": rng.choice([10, 100])}
    return {"q": q}


QUERY_KINDS = [
    "did_you_mean",
    "typos",
    "repeated_joined",
    "repeated_spaced",
    "many_clauses",
    "kana_run",
    "kanji_run",
    "many_or",
    "long_phrase",
    "crafted",
]


def _other_page_size(params: dict) -> dict:
    """The same query with another page size: its own request, not the API's cached answer."""
    return {**params, "per_page": 50 if params.get("per_page") == 100 else 20}


def hostile_probes(rng: random.Random, vocab: Vocabulary, latin: str, per_kind: int = 4) -> list[Probe]:
    """Return seeded hostile requests of every kind.

    `per_kind` API queries of each kind, every other one also as the HTML
    page (snippets and text fragments), then deep pages and user pages.
    """
    queries = [(kind, hostile_query(rng, kind, vocab, latin)) for kind in QUERY_KINDS for _ in range(per_kind)]
    probes = [Probe(kind, "/api/search?" + urlencode(params)) for kind, params in queries]
    probes += [Probe("html_" + kind, "/?" + urlencode(_other_page_size(params))) for kind, params in queries[::2]]
    for word in ("機械", rng.choice(vocab.common[:20])):
        for page, per_page in ((1000, 100), (100, 100), (10000, 1)):
            params = {"q": word, "page": page, "per_page": per_page, "sort": rng.choice(["relevance", "newest"])}
            probes.append(Probe("deep_page", "/api/search?" + urlencode(params)))
    probes.append(Probe("html_deep_page", "/?" + urlencode({"q": "機械", "page": 100, "per_page": 100})))
    names = [HOSTILE_USER, *rng.sample(vocab.users, min(3, len(vocab.users))), "x" * 100, "../../etc"]
    probes += [Probe("user", "/users/" + quote(name, safe="")) for name in names]
    return probes


# -- the server and the client ----------------------------------------------------


def start_server(index_dir: Path, site: Path, port: int, log_path: Path, workers: int | None) -> subprocess.Popen:
    """Start `matome-search serve` (its log to the file `log_path`, not a pipe), wait for /healthz."""
    extra = ["--workers", str(workers)] if workers else []
    with open(log_path, "w", encoding="utf-8") as log:
        proc = subprocess.Popen(
            _cli("serve", "--index-dir", index_dir, "--site", site, "--port", port, *extra),
            cwd=ROOT,
            env=ENV,
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
    wait_ready(proc, f"http://127.0.0.1:{port}/healthz", log_path)
    wait_warmed(log_path, max(workers or 1, 1))
    return proc


def serve_takes_workers() -> bool:
    """True when this checkout's `serve` has a --workers option."""
    result = subprocess.run(_cli("serve", "--help"), cwd=ROOT, env=ENV, capture_output=True, text=True)
    return "--workers" in result.stdout


def fetch(base: str, path: str, timeout: float) -> tuple[int | str, float]:
    """GET `path`; return (status, or "timeout"/"error", seconds)."""
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(base + path, timeout=timeout) as response:
            response.read()
            status = response.status
    except urllib.error.HTTPError as exc:
        exc.read()
        status = exc.code
    except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
        status = "timeout" if "timed out" in str(exc) else "error"
    return status, time.perf_counter() - started


def _shown(path: str) -> str:
    path = unquote_plus(path)
    return path if len(path) <= 120 else f"{path[:120]}… ({len(path)} chars)"


def _failed(status) -> bool:
    return not isinstance(status, int) or status >= 500


def run_hostile(base: str, probes: list[Probe], timeout: float, max_seconds: float) -> dict:
    """Send `probes` one at a time; report the slowest, p50/p95, statuses and failures.

    Probes still unsent after `max_seconds` are counted as skipped.
    """
    timed, deadline = [], time.monotonic() + max_seconds
    for probe in probes:
        if time.monotonic() > deadline:
            break
        status, seconds = fetch(base, probe.path, timeout)
        timed.append((seconds, probe, status))
    ms = [s * 1000 for s, _, _ in timed]
    kinds: dict = {}
    for seconds, probe, status in timed:
        entry = kinds.setdefault(probe.kind, {"n": 0, "max_ms": 0.0, "statuses": Counter()})
        entry["n"] += 1
        entry["max_ms"] = round(max(entry["max_ms"], seconds * 1000), 1)
        entry["statuses"][str(status)] += 1
    slowest = sorted(timed, key=lambda t: -t[0])[:5]
    return {
        "requests": len(timed),
        "skipped": len(probes) - len(timed),
        "p50_ms": round(percentile(ms, 50), 1),
        "p95_ms": round(percentile(ms, 95), 1),
        "slowest_ms": round(slowest[0][0] * 1000, 1),
        "slowest_kind": slowest[0][1].kind,
        "slowest": [
            {"ms": round(s * 1000, 1), "kind": p.kind, "status": st, "path": _shown(p.path)} for s, p, st in slowest
        ],
        "statuses": dict(Counter(str(st) for _, _, st in timed)),
        "failures": [{"kind": p.kind, "status": st, "path": _shown(p.path)} for _, p, st in timed if _failed(st)],
        "by_kind": {k: {**v, "statuses": dict(v["statuses"])} for k, v in kinds.items()},
    }


# -- plain latency, idle and under hostile load -------------------------------------


def plain_path(words: list[str], i: int) -> str:
    """The i-th plain query: each index a distinct request, so the request cache never answers it."""
    return "/api/search?" + urlencode({"q": words[i % len(words)], "page": 1 + i // len(words)})


def sample_plain(base: str, words: list[str], indices, timeout: float, deadline: float) -> list[float]:
    """Milliseconds of the plain queries numbered `indices`, until `deadline`."""
    samples = []
    for i in indices:
        if time.monotonic() > deadline:
            break
        status, seconds = fetch(base, plain_path(words, i), timeout)
        if status == 200:
            samples.append(seconds * 1000)
    return samples


def hostile_load(base: str, make_probes, seed: int, clients: int, timeout: float):
    """Start `clients` threads sending fresh hostile probes; return (stop, threads, record).

    Each client draws a new seeded set of probes per round, so the request
    cache answers none but the fixed deep and user pages.
    """
    stop, lock = threading.Event(), threading.Lock()
    record = {"sent": 0, "failed": 0}

    def client(number: int) -> None:
        rounds = 0
        while not stop.is_set():
            for probe in make_probes(random.Random(f"{seed}/{number}/{rounds}")):
                if stop.is_set():
                    return
                status, _ = fetch(base, probe.path, timeout)
                with lock:
                    record["sent"] += 1
                    record["failed"] += _failed(status)
            rounds += 1

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(clients)]
    for t in threads:
        t.start()
    return stop, threads, record


def measure_interference(base: str, vocab: Vocabulary, make_probes, seed: int, opts) -> dict:
    """Median latency of plain queries idle and while hostile requests are in flight."""
    words = list(dict.fromkeys(["機械", *vocab.common[:7]]))
    for word in words:  # read each word's postings once, so neither phase pays it
        fetch(base, "/api/search?" + urlencode({"q": word, "per_page": 5}), opts.timeout)
    idle = sample_plain(base, words, range(0, 2 * opts.samples, 2), opts.timeout, time.monotonic() + opts.max_seconds)
    stop, threads, record = hostile_load(base, make_probes, seed, opts.clients, opts.timeout)
    time.sleep(1.0)  # let every client get a request in flight
    loaded = sample_plain(base, words, range(1, 2 * opts.samples, 2), opts.timeout, time.monotonic() + opts.max_seconds)
    stop.set()
    for t in threads:
        t.join(opts.timeout + 5)
    idle_ms, loaded_ms = statistics.median(idle or [0]), statistics.median(loaded or [0])
    return {
        "words": words,
        "idle_samples": len(idle),
        "loaded_samples": len(loaded),
        "idle_median_ms": round(idle_ms, 1),
        "loaded_median_ms": round(loaded_ms, 1),
        "loaded_over_idle": round(loaded_ms / idle_ms, 2) if idle_ms else None,
        "clients": opts.clients,
        "hostile_sent_during": record["sent"],
        "hostile_failed_during": record["failed"],
    }


# -- main ----------------------------------------------------------------------------


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", type=Path, help="a synthetic archive to copy (else one is generated)")
    parser.add_argument("--index-dir", type=Path, help="its index, copied: only the crafted post is indexed")
    parser.add_argument("--posts", type=int, default=30, help="posts to generate without --site")
    parser.add_argument("--seed", type=int, default=1, help="seed of the generated archive")
    parser.add_argument("--request-seed", type=int, help="seed of the hostile requests [default: random, reported]")
    parser.add_argument("--workers", type=int, default=0, help="serve --workers N, when the CLI has it")
    parser.add_argument("--per-kind", type=int, default=4, help="hostile queries of each kind")
    parser.add_argument("--samples", type=int, default=30, help="plain queries timed idle and under load")
    parser.add_argument("--clients", type=int, default=4, help="threads sending hostile requests under load")
    parser.add_argument("--timeout", type=float, default=60, help="seconds before a request counts as failed")
    parser.add_argument("--max-seconds", type=float, default=300, help="bound of each phase's sending")
    parser.add_argument("--scale", type=float, default=1.0, help="size factor of the crafted comments")
    parser.add_argument("--work", type=Path, help="new work directory, kept [default: a temporary one, removed]")
    parser.add_argument("--out", type=Path, help="also write the JSON here")
    return parser.parse_args(argv)


def main(argv=None) -> dict:
    opts = parse_args(argv)
    request_seed = opts.request_seed if opts.request_seed is not None else random.randrange(10**6)
    work = opts.work or Path(tempfile.mkdtemp(prefix="hostile-"))
    try:
        result = run(opts, work, request_seed)
    finally:
        if not opts.work:
            shutil.rmtree(work, ignore_errors=True)
    return emit(result, opts.out)


def run(opts, work: Path, request_seed: int) -> dict:
    """Prepare the archive, serve it, and measure both phases."""
    site, index_dir = prepare(opts, work)
    rng = random.Random(request_seed)
    bodies = crafted_bodies(rng, opts.scale)
    latin = bodies["latin_word_x12000"].split(" ", 1)[0]
    write_crafted_post(site, bodies)
    started = time.perf_counter()
    built = subprocess.run(
        _cli("index", "--site", site, "--index-dir", index_dir, "--jobs", "1"),
        cwd=ROOT,
        env=ENV,
        capture_output=True,
        text=True,
    )
    if built.returncode:
        raise SystemExit(f"indexing failed: {built.stderr.strip()[-500:]}")
    result: dict = {
        "request_seed": request_seed,
        "targets": TARGETS,
        "index_s": round(time.perf_counter() - started, 1),
        "crafted_chars": {name: len(body) for name, body in bodies.items()},
        "crafted_latin": latin,
    }
    vocab = read_vocabulary(index_dir)
    workers = opts.workers if opts.workers > 0 and serve_takes_workers() else None
    result["workers"] = workers or "the server's default"
    port, log_path = free_port(), work / "serve.log"
    server = start_server(index_dir, site, port, log_path, workers)
    base = f"http://127.0.0.1:{port}"
    try:
        health = json.loads(urllib.request.urlopen(base + "/healthz", timeout=30).read())
        result.update(posts=health["posts"], comments=health["comments"])
        probes = hostile_probes(rng, vocab, latin, opts.per_kind)
        result["hostile"] = run_hostile(base, probes, opts.timeout, opts.max_seconds)
        result["interference"] = measure_interference(
            base, vocab, lambda r: hostile_probes(r, vocab, latin, opts.per_kind), request_seed, opts
        )
    finally:
        stop(server)
    log = log_path.read_text("utf-8", "replace")
    errors = [line for line in log.splitlines() if "ERROR" in line or "Traceback" in line]
    result["server_errors_logged"] = len(errors)
    result["server_errors"] = errors[:5]
    result["measured_vs_target"] = {
        "slowest_ms": [result["hostile"]["slowest_ms"], TARGETS["slowest_ms"]],
        "loaded_over_idle": [result["interference"]["loaded_over_idle"], TARGETS["loaded_over_idle"]],
    }
    return result


if __name__ == "__main__":
    main()
