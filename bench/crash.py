"""Crash consistency: SIGKILL the indexer at seeded moments and check what is left.

    python -m bench.crash --kills 50 --seed 1

A synthetic archive (state A) is indexed; then the site moves to state B
(posts changed, deleted, added) and `matome-search index` runs, incremental
for half of the kill points and `--rebuild` for the other half, and is
killed with SIGKILL after a seeded delay. After every kill:

- the index opens and answers a query;
- every post is present entirely in its A version or entirely in its B
  version, never a mix, and its manifest entry names that same version;
- the next plain `matome-search index` converges to exactly the documents a
  clean build of state B has (ids and every stored field).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

from bench.generate import add_post, generate_site
from search.index import store
from search.index.indexer import update_index
from search.ingest import hugo
from search.records import SearchRequest
from search.retrieve.service import SearchService

ROOT = Path(__file__).resolve().parent.parent


def snapshot(index_dir: Path) -> dict[str, dict]:
    """Return every stored document of the live index, keyed by id."""
    ix, _ = store.open_current(index_dir)
    try:
        with ix.searcher() as searcher:
            docs = {}
            for doc in searcher.all_stored_fields():
                doc = dict(doc)
                docs[doc["id"]] = doc
            return docs
    finally:
        ix.close()


def by_post(docs: dict[str, dict]) -> dict[str, tuple]:
    """Group a snapshot per post: (manifest hash, frozenset of comment docs)."""
    posts: dict[str, list] = defaultdict(lambda: [None, set()])
    for doc in docs.values():
        entry = posts[doc["post_path"]]
        if doc["kind"] == "post":
            entry[0] = doc["post_hash"]
        else:
            entry[1].add(json.dumps(doc, sort_keys=True, default=str, ensure_ascii=False))
    return {path: (h, frozenset(quotes)) for path, (h, quotes) in posts.items()}


def make_states(work: Path, posts: int, seed: int) -> tuple[Path, Path]:
    """Write site A and site B (B = A with edits, deletions and additions)."""
    site_a = work / "site-a"
    generate_site(site_a, posts, seed=seed, draft_every=0)
    site_b = work / "site-b"
    shutil.copytree(site_a, site_b)
    rng = random.Random(seed)
    files = sorted(site_b.rglob("index.md"))
    picked = rng.sample(files, 7)
    for path in picked[:4]:
        path.write_text(path.read_text("utf-8").replace("。", "！", 5), "utf-8")
    for path in picked[4:]:
        shutil.rmtree(path.parent)
    for i in range(4):
        add_post(site_b, seed=seed * 100 + i, comments=rng.randint(20, 60))
    return site_a, site_b


def check_consistent(index_dir: Path, ref_a: dict, ref_b: dict) -> list[str]:
    """Return the problems of an index that was killed mid-update (none expected)."""
    problems = []
    service = SearchService(index_dir)
    try:
        service.search(SearchRequest(query="機械学習"))
    except Exception as exc:  # the index must open and answer
        problems.append(f"search failed: {exc!r}")
    finally:
        service.close()
    got = by_post(snapshot(index_dir))
    for path in set(got) | set(ref_a) | set(ref_b):
        now = got.get(path, (None, frozenset()))
        allowed = [ref.get(path, (None, frozenset())) for ref in (ref_a, ref_b)]
        if now not in allowed:
            problems.append(f"{path}: neither the old nor the new version (or manifest disagrees)")
    return problems


def kill_once(site_a: Path, site_b: Path, base_index: Path, work: Path, rebuild: bool, delay: float):
    """Run the indexer from state A to B, SIGKILL it after `delay` seconds."""
    index, site = work / "index", work / "site"
    for path in (index, site):
        shutil.rmtree(path, ignore_errors=True)
    shutil.copytree(base_index, index)
    shutil.copytree(site_b, site)
    args = [sys.executable, "-m", "web.cli", "index", "--site", str(site), "--index-dir", str(index), "--jobs", "2"] + (
        ["--rebuild"] if rebuild else []
    )
    proc = subprocess.Popen(
        args,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(delay)
    finished = proc.poll() is not None
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    return index, site, finished


def run(kills: int, seed: int, posts: int, work: Path) -> dict:
    """Run `kills` seeded kill points; return the tally."""
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    site_a, site_b = make_states(work, posts, seed)
    base = work / "base-index"
    update_index(hugo.load_site(site_a), base, jobs=2)
    ref_b_index = work / "ref-b"
    update_index(hugo.load_site(site_b), ref_b_index, jobs=2)
    ref_a, ref_b_docs = by_post(snapshot(base)), snapshot(ref_b_index)
    ref_b = by_post(ref_b_docs)
    rng = random.Random(seed)
    tally = {"kill_points": kills, "killed_mid_run": 0, "inconsistent": 0, "not_converged": 0, "problems": []}
    for k in range(kills):
        rebuild = k % 2 == 1
        delay = rng.uniform(0.05, 6.0 if rebuild else 3.0)
        index, site, finished = kill_once(site_a, site_b, base, work, rebuild, delay)
        tally["killed_mid_run"] += not finished
        problems = check_consistent(index, ref_a, ref_b)
        update_index(hugo.load_site(site), index, jobs=2)
        if snapshot(index) != ref_b_docs:
            tally["not_converged"] += 1
            problems.append("did not converge to the clean build")
        if problems:
            tally["inconsistent"] += 1
            tally["problems"].append(
                {"kill": k, "rebuild": rebuild, "delay": round(delay, 2), "problems": problems[:3]}
            )
    return tally


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=50)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--posts", type=int, default=30)
    opts = parser.parse_args(argv)
    tally = run(opts.kills, opts.seed, opts.posts, ROOT / "bench" / "out" / "crash")
    print(json.dumps(tally, indent=2, ensure_ascii=False))
    return tally


if __name__ == "__main__":
    main()
