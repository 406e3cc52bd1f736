"""Indexing and query benchmark on one synthetic archive, all figures from one run.

    python -m bench.bench_index --posts 2000 --seed 1 [--jobs 2] [--skip-janome]

Reports:
- full build wall time (a fresh index directory: the janome cache cold) /
  janome-only tokenization time of the same comments in one process
  (target <= 0.75 on 2 cores);
- `--rebuild` with the janome cache warm / the same janome-only time
  (target <= 0.35); the cache's size beside the index's;
- adding one new post to the big index / indexing that post alone into an
  empty index (target <= 2);
- a no-op incremental run (target < 1 s);
- query latency p50 / p95 over 30 varied queries with snippets and facets
  (target p95 < 50 ms): the first pass of a fresh service, then a second,
  then the first pass of a service that has warmed up (and the warm-up's
  time and memory);
- peak memory (RSS summed over the indexer's process tree);
- the service's open time (searcher and facet columns) and its memory.

For context it also times janome alone on the same comments in `--jobs`
processes: the floor of the first ratio on this machine.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"

QUERIES = [
    "機械学習",
    "数学",
    "線形代数",
    "ニューラルネットワーク",
    "大規模言語モデル",
    "Rust",
    "Python",
    "C++",
    "GPT-4o",
    "セキュリティ",
    "データベース",
    "サーバー",
    "ユーザ",
    "機械学習の数学",
    "京都",
    "東京都",
    "オープンソース",
    "プライバシー",
    "k8s",
    "Node.js",
    '"勾配降下法"',
    "Rust OR Go",
    "LLM -GPU",
    "学習 データ",
    "コンピューター",
    "理解 している",
    "論文",
    "ブラウザ",
    "メモリ",
    "コンパイラ",
]


def sample_rss(pid: int) -> int:
    """Return RSS bytes summed over `pid` and its descendants."""
    total = 0
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1]) * 1024
    except OSError:
        return 0
    return total + sum(sample_rss(int(c)) for c in children)


def run_timed(args: list[str], root: Path = ROOT) -> tuple[float, int, str]:
    """Run the CLI of the source tree `root`; return (wall s, peak tree RSS, stdout)."""
    env = {**os.environ, "PYTHONPATH": str(root)}
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "web.cli", *args],
        cwd=root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    peak = [0]

    def watch():
        while proc.poll() is None:
            peak[0] = max(peak[0], sample_rss(proc.pid))
            time.sleep(0.1)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    out, _ = proc.communicate()
    wall = time.perf_counter() - started
    watcher.join()
    if proc.returncode != 0:
        raise SystemExit(f"command failed: {args}")
    return wall, peak[0], out


def published_posts(site: Path):
    """Yield the site's published posts (drafts and unreadable files left out), in file order."""
    from search.ingest import hugo

    loaded = hugo.load_site(site)
    for file in hugo.iter_post_files(loaded):
        post, _, _ = hugo.read_post(loaded, file)
        if post is not None and not post.draft:
            yield post


def comment_bodies(site: Path) -> list[str]:
    """Every comment body of the site's published posts, in file order."""
    return [q.body for post in published_posts(site) for q in post.quotes]


def _tokenize_all(bodies: list[str]) -> None:
    from search.analysis.words import get_janome

    tokenizer = get_janome()
    for body in bodies:
        for _ in tokenizer.tokenize(body):
            pass


def janome_only_seconds(bodies: list[str]) -> float:
    """Tokenize every comment body with janome alone, in this one process."""
    from search.analysis.words import get_janome

    get_janome()
    started = time.perf_counter()
    _tokenize_all(bodies)
    return time.perf_counter() - started


def janome_parallel_seconds(bodies: list[str], jobs: int) -> float:
    """Tokenize the same bodies with janome alone in `jobs` forked processes.

    Not a target: the floor a parallel build could reach on this machine,
    with no parsing and no Whoosh at all.
    """
    import multiprocessing

    from search.analysis.words import get_janome

    get_janome()  # loaded before forking, as the indexer does
    ctx = multiprocessing.get_context("fork")
    workers = [ctx.Process(target=_tokenize_all, args=(bodies[k::jobs],)) for k in range(jobs)]
    started = time.perf_counter()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    elapsed = time.perf_counter() - started
    if any(w.exitcode != 0 for w in workers):
        raise SystemExit(f"janome worker failed: exit codes {[w.exitcode for w in workers]}")
    return elapsed


def query_latencies(index_dir: Path) -> dict:
    """Per-query milliseconds in three states of a service, and what it cost.

    - "cold": the first pass of a fresh service, which reads every posting
      list from the index;
    - "warm": a second pass, which finds common words in the executor's
      posting cache, as a long-running server does between index updates;
    - "warmed": the first pass of another fresh service after its warm-up
      (`SearchService.warm_up`, what `matome-search serve` runs in the
      background on every index generation), timed apart.

    The request cache is off: a repeated query must be answered by the engine.
    """
    from search.records import SearchRequest
    from search.retrieve.service import SearchService

    def run_pass(service) -> list[float]:
        times = []
        for q in QUERIES:
            started = time.perf_counter()
            service.search(SearchRequest(query=q))
            times.append((time.perf_counter() - started) * 1000)
        return times

    service = SearchService(index_dir, request_cache=0)
    started = time.perf_counter()
    service.search(SearchRequest(query="", sort="newest"))  # open the searcher, load the columns
    opened = (time.perf_counter() - started) * 1000
    passes: dict = {"open_ms": opened, "open_rss_mb": sample_rss(os.getpid()) / 2**20}
    passes["cold"] = run_pass(service)
    passes["warm"] = run_pass(service)
    passes["rss_mb"] = sample_rss(os.getpid()) / 2**20
    service.close()

    service = SearchService(index_dir, request_cache=0)
    service.search(SearchRequest(query="", sort="newest"))
    started = time.perf_counter()
    words, postings = service.warm_up()
    passes.update(warmup_s=time.perf_counter() - started, warmup_words=words, warmup_postings=postings)
    passes["warmed"] = run_pass(service)
    passes["warmed_rss_mb"] = sample_rss(os.getpid()) / 2**20
    service.close()
    return passes


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--jobs", type=int, default=os.cpu_count())
    parser.add_argument("--skip-janome", action="store_true", help="skip the janome-only baseline")
    parser.add_argument("--out", type=Path, default=OUT, help="where the archive and indexes go")
    parser.add_argument(
        "--queries-only", type=Path, metavar="INDEX_DIR", help="only measure query latency on an existing index"
    )
    opts = parser.parse_args(argv)
    from bench.generate import add_post, generate_site

    if opts.queries_only:
        results = {"index": str(opts.queries_only)}
        _query_figures(results, opts.queries_only)
        print(json.dumps(results, ensure_ascii=False, indent=2))
        return results

    site = opts.out / f"site-{opts.posts}-s{opts.seed}"
    if not site.exists():
        generate_site(site, opts.posts, seed=opts.seed)
    work = opts.out / "work"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    big_site = work / "site"
    shutil.copytree(site, big_site)
    index = work / "index"
    results: dict = {"posts": opts.posts, "jobs": opts.jobs}

    build, peak, out = run_timed(
        ["index", "--site", str(big_site), "--index-dir", str(index), "--rebuild", "--jobs", str(opts.jobs)]
    )
    results.update(build_s=round(build, 1), build_peak_rss_mb=round(peak / 2**20), build_summary=out.strip())
    if not opts.skip_janome:
        bodies = comment_bodies(big_site)
        janome = janome_only_seconds(bodies)
        parallel = janome_parallel_seconds(bodies, opts.jobs)
        results.update(
            janome_only_s=round(janome, 1),
            comments=len(bodies),
            chars=sum(map(len, bodies)),
            build_over_janome=round(build / janome, 3),
            janome_parallel_s=round(parallel, 1),
            janome_parallel_over_janome=round(parallel / janome, 3),
        )

    rebuild, rebuild_peak, out = run_timed(
        ["index", "--site", str(big_site), "--index-dir", str(index), "--rebuild", "--jobs", str(opts.jobs)]
    )
    results.update(rebuild_warm_s=round(rebuild, 1), rebuild_peak_rss_mb=round(rebuild_peak / 2**20))
    if "janome_only_s" in results:
        results["rebuild_warm_over_janome"] = round(rebuild / results["janome_only_s"], 3)
    stats = json.loads(
        subprocess.run(
            [sys.executable, "-m", "web.cli", "stats", "--index-dir", str(index), "--json"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )
    results.update(
        index_mb=round(stats["index_bytes"] / 2**20, 1),
        janome_cache_mb=round(stats["janome_cache_bytes"] / 2**20, 1),
        cache_over_index=round(stats["janome_cache_bytes"] / stats["index_bytes"], 3),
    )

    noop, _, _ = run_timed(["index", "--site", str(big_site), "--index-dir", str(index)])
    results["noop_s"] = round(noop, 2)

    new_file = add_post(big_site, seed=opts.seed + 999)
    add_one, _, _ = run_timed(["index", "--site", str(big_site), "--index-dir", str(index)])
    alone_site = work / "alone"
    shutil.copy(big_site / "hugo.toml", alone_site / "hugo.toml") if alone_site.mkdir() is None else None
    target = alone_site / new_file.relative_to(big_site)
    target.parent.mkdir(parents=True)
    shutil.copy(new_file, target)
    alone, _, _ = run_timed(["index", "--site", str(alone_site), "--index-dir", str(work / "alone-index")])
    results.update(
        add_one_s=round(add_one, 2), one_alone_s=round(alone, 2), add_one_over_alone=round(add_one / alone, 2)
    )

    _query_figures(results, index)
    print(json.dumps(results, ensure_ascii=False, indent=2))
    return results


def _query_figures(results: dict, index: Path) -> None:
    passes = query_latencies(index)
    for name in ("cold", "warm", "warmed"):
        times = passes[name]
        results.update(
            {
                f"query_{name}_p50_ms": round(statistics.median(times), 1),
                f"query_{name}_p95_ms": round(percentile(times, 95), 1),
                f"query_{name}_max_ms": round(max(times), 1),
            }
        )
    results.update(
        service_open_ms=round(passes["open_ms"]),
        service_open_rss_mb=round(passes["open_rss_mb"]),
        query_service_rss_mb=round(passes["rss_mb"]),
        warmup_s=round(passes["warmup_s"], 2),
        warmup_words=passes["warmup_words"],
        warmup_postings=passes["warmup_postings"],
        warmed_service_rss_mb=round(passes["warmed_rss_mb"]),
    )


if __name__ == "__main__":
    main()
