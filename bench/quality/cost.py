"""What the reading and n-gram views cost: the same build before and after.

    python -m bench.quality.cost --before REV [--posts 2000] [--seed 1]

Checks out both revisions into temporary git worktrees, then builds the
same synthetic archive with each, in one run, and reports build time, index
size and query latency of both.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.bench_index import OUT, QUERIES, percentile, run_timed
from bench.generate import generate_site

ROOT = Path(__file__).resolve().parent.parent.parent


def query_p95(root: Path, index: Path) -> tuple[float, float]:
    """Return query (p95, p50) in ms for the tree at `root`, in a fresh process."""
    code = (
        "import json,time,sys\n"
        "try:\n from search.retrieve.service import SearchService\n"
        "except ImportError:\n from search.service import SearchService\n"  # a revision of the flat layout
        "from search.records import SearchRequest as R;s=SearchService(sys.argv[1]);"
        "qs=json.loads(sys.argv[2]);[s.search(R(query=q)) for q in qs];t=[]\n"
        "for q in qs:\n a=time.perf_counter();s.search(R(query=q));t.append((time.perf_counter()-a)*1000)\n"
        "print(json.dumps(t))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(index), json.dumps(QUERIES, ensure_ascii=False)],
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    times = json.loads(out)
    return round(percentile(times, 95), 1), round(statistics.median(times), 1)


def size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", required=True, help="git revision without the views")
    parser.add_argument("--after", default="HEAD", help="git revision with them [HEAD]")
    parser.add_argument("--posts", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--keep", type=Path, help="move the 'after' index here (for bench.load)")
    opts = parser.parse_args(argv)
    site = OUT / f"site-{opts.posts}-s{opts.seed}"
    if not site.exists():
        generate_site(site, opts.posts, seed=opts.seed)
    work = Path(tempfile.mkdtemp(prefix="cost-"))
    trees = {name: work / name for name in ("before", "after")}
    for name, rev in (("before", opts.before), ("after", opts.after)):
        subprocess.run(
            ["git", "worktree", "add", "--detach", str(trees[name]), rev], cwd=ROOT, check=True, capture_output=True
        )
    results = {"posts": opts.posts, "before": opts.before, "after": opts.after}
    try:
        for name, tree in trees.items():
            index = work / f"index-{name}"
            wall, peak, _ = run_timed(
                ["index", "--site", str(site), "--index-dir", str(index), "--rebuild", "--jobs", str(opts.jobs)],
                root=tree,
            )
            p95, p50 = query_p95(tree, index)
            results[name] = {
                "build_s": round(wall, 1),
                "index_mb": round(size(index) / 2**20, 1),
                "peak_rss_mb": round(peak / 2**20),
                "query_p50_ms": p50,
                "query_p95_ms": p95,
            }
        if opts.keep:
            shutil.rmtree(opts.keep, ignore_errors=True)
            shutil.move(str(work / "index-after"), str(opts.keep))
        results["build_ratio"] = round(results["after"]["build_s"] / results["before"]["build_s"], 3)
        results["size_ratio"] = round(results["after"]["index_mb"] / results["before"]["index_mb"], 3)
    finally:
        for tree in trees.values():
            subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=ROOT)
        shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(results, indent=2))
    return results


if __name__ == "__main__":
    main()
