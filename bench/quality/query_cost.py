"""What a query-side change costs: two revisions searching one index, in one run.

    python -m bench.quality.query_cost --index-dir INDEX --site SITE --before REV
        [--after HEAD] [--before-index-dir INDEX] [--out FILE]

Checks both revisions out into temporary git worktrees and, for each in a
fresh process, runs three query sets against the same index: the index's
common words (in >= 1 % of the comments, the words a threshold on posting
length affects), the fixed queries of bench/bench_index.py, and a sample of
the load benchmark's queries (bench/workload.py), each query once (a repeat
would measure the request cache) in the order given, so the posting cache
fills as it would on a server. Reports p50/p95/max per set and the p95 ratio
after / before. The index must suit both revisions (same schema); when the
change is to the index too, `--before-index-dir` is the same site built by
the before revision, which it searches instead.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from bench import workload
from bench.bench_index import QUERIES, percentile
from bench.quality.generated import script
from bench.report import emit
from search.index.store import POINTER, open_current

ROOT = Path(__file__).resolve().parent.parent.parent
_TIMER = """
import json, sys, time
from search.records import SearchRequest
try:
    from search.retrieve.service import SearchService
except ImportError:  # a revision of the flat layout
    from search.service import SearchService
service = SearchService(sys.argv[1])
out = {}
for name, queries in json.loads(sys.argv[2]).items():
    times = []
    for q in queries:
        start = time.perf_counter()
        service.search(SearchRequest(query=q))
        times.append((time.perf_counter() - start) * 1000)
    out[name] = times
print(json.dumps(out))
"""


def common_words(index: Path, share: float = 0.01) -> list[str]:
    """The body words of the index in at least `share` of its comments, that a reader would type."""
    ix, _ = open_current(index)
    try:
        with ix.searcher() as searcher:
            reader = searcher.reader()
            floor = share * searcher.doc_frequency("kind", "quote")
            return sorted(
                term.decode("utf-8")
                for term, info in reader.iter_field("body")
                if info.doc_frequency() >= floor and script(term.decode("utf-8"))
            )
    finally:
        ix.close()


def time_tree(tree: Path, index: Path, sets: dict) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", _TIMER, str(index), json.dumps(sets, ensure_ascii=False)],
        cwd=tree,
        env={**os.environ, "PYTHONPATH": str(tree)},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return {
        name: {"p50_ms": round(percentile(t, 50), 2), "p95_ms": round(percentile(t, 95), 2), "max_ms": round(max(t), 1)}
        for name, t in json.loads(out).items()
    }


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index-dir", type=Path, required=True)
    parser.add_argument("--site", type=Path, required=True, help="the site the index was built from")
    parser.add_argument("--before", required=True)
    parser.add_argument("--after", default="HEAD")
    parser.add_argument(
        "--before-index-dir", type=Path, help="the site built by the before revision (default: --index-dir)"
    )
    parser.add_argument("--workload", type=int, default=500, help="load-benchmark queries sampled")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path)
    opts = parser.parse_args(argv)
    for option, index in (("--index-dir", opts.index_dir), ("--before-index-dir", opts.before_index_dir)):
        if index is not None and not (index / POINTER).is_file():
            parser.error(f"{option} {index}: no index there (build it with matome-search index)")
    drawn = [q.text for q in workload.draw_queries(workload.load_comments(opts.site), opts.workload, opts.seed)]
    sets = {"common_words": common_words(opts.index_dir), "fixed": QUERIES, "workload": drawn}
    work = Path(tempfile.mkdtemp(prefix="query-cost-"))
    results: dict = {"queries": {k: len(v) for k, v in sets.items()}}
    try:
        indexes = {"before": opts.before_index_dir or opts.index_dir, "after": opts.index_dir}
        for name, rev in (("before", opts.before), ("after", opts.after)):
            tree = work / name
            subprocess.run(
                ["git", "worktree", "add", "--detach", str(tree), rev], cwd=ROOT, check=True, capture_output=True
            )
            results[name] = {"rev": rev, "index": str(indexes[name]), **time_tree(tree, indexes[name], sets)}
    finally:
        for name in ("before", "after"):
            subprocess.run(
                ["git", "worktree", "remove", "--force", str(work / name)], cwd=ROOT, check=False, capture_output=True
            )
    results["p95_ratio"] = {
        k: round(results["after"][k]["p95_ms"] / max(0.01, results["before"][k]["p95_ms"]), 2)
        for k in results["before"]
        if k not in ("rev", "index")
    }
    return emit(results, opts.out)


if __name__ == "__main__":
    main()
