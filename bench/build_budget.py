"""Where a full build's time goes, against the first-build target, in one run.

    python -m bench.build_budget --posts 200 --seed 1 [--jobs 2]

The target is: full build wall time / janome alone on the same comments in
one process <= 0.6 on 2 cores. On one synthetic archive this measures:

- janome alone in 1 process (the target's denominator) and in `--jobs`
  processes (the floor: no parsing, no analysis around janome, no Whoosh);
- our analyzer in 1 process: janome plus normalisation, identifiers,
  base forms, stop words and readings;
- a 1-process build whose analysis was computed beforehand, so that it
  times parsing and Whoosh only: for the full schema, and for the required
  fields alone (body, user, date, tags: no reading, n-gram or compound views);
- the real build in 1 process and in `--jobs` processes.

From these it derives `bound_required_fields`: the ratio a `--jobs` build
of the required fields alone would reach if the analyzer around janome were
free and Whoosh's work spread over the processes as well as janome's does;
and `bound_full_schema`, the same for the schema we ship, analyzer included.
The target is out of reach on this machine when a bound is above it.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import tempfile
import time
from pathlib import Path

from bench.bench_index import OUT, janome_only_seconds, janome_parallel_seconds, published_posts
from bench.generate import generate_site

VIEWS = ("body_reading", "body_ngram", "body_compound")


def site_texts(root: Path) -> tuple[list[str], list[str]]:
    """Return (comment bodies, every text the indexer analyzes) of a site's published posts."""
    bodies, texts = [], []
    for post in published_posts(root):
        bodies.extend(q.body for q in post.quotes)
        texts.append(post.title)
    return bodies, bodies + texts


def analyze_all(texts: list[str]) -> tuple[float, dict]:
    """Run our analyzer over `texts` in this process; return (seconds, text -> analysis)."""
    from search.analysis import words

    words.get_janome()
    done = {}
    started = time.perf_counter()
    for text in texts:
        if text not in done:
            done[text] = words.analyze_fresh(text, "index")
    return time.perf_counter() - started, done


def required_fields_only() -> dict:
    """`update_index`'s arguments to build the required fields alone: no reading, n-gram or compound views."""
    from search.index import schema

    def make_schema():
        built = schema.make_schema()
        for name in VIEWS:
            built.remove(name)
        return built

    def iter_documents(post):
        for doc in schema.iter_documents(post):
            yield {k: v for k, v in doc.items() if k not in VIEWS}

    return {"schema": make_schema, "documents": iter_documents}


def build_seconds(site, jobs: int, **build) -> float:
    """Time a full build of `site` into a scratch directory; `build` goes to `update_index`."""
    from search.analysis import words
    from search.index.indexer import update_index

    words.clear_caches()
    with tempfile.TemporaryDirectory(prefix="matome-budget-") as scratch:
        started = time.perf_counter()
        report = update_index(site, Path(scratch) / "index", rebuild=True, jobs=jobs, **build)
        elapsed = time.perf_counter() - started
    if report.added == 0:
        raise SystemExit("the build indexed no post")
    return elapsed


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--jobs", type=int, default=os.cpu_count())
    parser.add_argument("--out", type=Path, default=OUT, help="where the archive goes")
    opts = parser.parse_args(argv)
    if opts.posts < 1 or opts.jobs < 1:
        parser.error("--posts and --jobs must be at least 1")
    from search.analysis import words
    from search.ingest import hugo

    root = opts.out / f"site-{opts.posts}-s{opts.seed}"
    if not root.exists():
        generate_site(root, opts.posts, seed=opts.seed)
    site = hugo.load_site(root)
    bodies, texts = site_texts(root)
    janome = janome_only_seconds(bodies)
    r: dict = {
        "posts": opts.posts,
        "jobs": opts.jobs,
        "comments": len(bodies),
        "janome_1p_s": janome,
        "janome_np_s": janome_parallel_seconds(bodies, opts.jobs),
    }
    r["analyzer_1p_s"], done = analyze_all(texts)
    # Millions of long-lived tuples: frozen, so that the garbage collections
    # of the builds that use them do not walk them (a cost no real build has).
    gc.freeze()
    with words.given_analysis(done):
        r["whoosh_full_1p_s"] = build_seconds(site, 1)
        r["whoosh_required_1p_s"] = build_seconds(site, 1, **required_fields_only())
    r["build_1p_s"] = build_seconds(site, 1)
    r["build_np_s"] = build_seconds(site, opts.jobs)
    floor = r["janome_np_s"] / janome
    r.update(
        {
            "floor": floor,
            "analyzer_over_janome": r["analyzer_1p_s"] / janome,
            "whoosh_full_over_janome": r["whoosh_full_1p_s"] / janome,
            "whoosh_required_over_janome": r["whoosh_required_1p_s"] / janome,
            "build_1p_over_janome": r["build_1p_s"] / janome,
            "build_over_janome": r["build_np_s"] / janome,
            "bound_required_fields": floor * (1 + r["whoosh_required_1p_s"] / janome),
            "bound_full_schema": floor * (r["analyzer_1p_s"] + r["whoosh_full_1p_s"]) / janome,
        }
    )
    r = {k: round(v, 3) if isinstance(v, float) else v for k, v in r.items()}
    print(json.dumps(r, indent=2))
    return r


if __name__ == "__main__":
    main()
