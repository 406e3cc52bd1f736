"""Where a search request's time goes, measured in-process under cProfile.

    python -m bench.profile_search --index-dir INDEX --site SITE [--queries 400] [--repo CHECKOUT]
        [--out FILE] [--pstats FILE]

Builds the Flask app (`web.create_app`) on the index, sends a warm-up set and
then `--queries` distinct queries (`bench.workload`, the load benchmark's
generator: mostly `/api/search`, some `/?q=`) through its test client, with
the profiler on only inside the WSGI app, and sorts every function's own time
into buckets:

- phrase: phrase matching (functions named *phrase* in the executor);
- suggest: did-you-mean (suggest.py);
- stored: stored fields and snippets (service.py's *to_hit*, snippets.py);
- scoring: the rest of matching and scoring (the executor's modules,
  `EXECUTOR`: execute.py, terms.py, postings.py, postcache.py, merging.py,
  phrase.py);
- collect: facets and collection (collect.py, columns.py);
- query: query compilation and janome (search/query/, search/views/);
- web: WSGI, JSON and templates (flask, werkzeug, jinja2, json, web/,
  serialize.py);
- other: the rest (the service's own steps, opening searchers, ...).

Rules go by module file name, so they survive renamed functions and moved
packages. Code that belongs to no bucket (Whoosh, janome, search/analysis/,
search/internals.py, the executor's position and block readers, builtins) is
charged to whoever called it: its own time per direct caller as cProfile
records it, and further up in proportion to each caller's share of its
cumulative time. So janome under query compilation counts as query, janome
under highlighting as stored.

cProfile slows Python calls unevenly; the shares are the breakdown to compare
before and after, and an unprofiled pass over another distinct set gives the
real mean per request (with the app's Server-Timing stages, when it sends
them).
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import re
import sys
import time
from collections import defaultdict
from pathlib import Path

from bench import workload
from bench.report import emit

BUCKETS = {
    "phrase": "phrase matching (the executor's *phrase*)",
    "suggest": "did-you-mean (suggest.py)",
    "stored": "stored fields and snippets (service.py *to_hit*, snippets.py)",
    "scoring": "matching and scoring (the executor, the rest)",
    "collect": "facets and collection (collect.py, columns.py)",
    "query": "query compilation and janome (search/query/, search/views/)",
    "web": "WSGI, JSON and templates (flask, werkzeug, jinja2, json, web/, serialize.py)",
    "other": "the rest (service steps, searcher opening, ...)",
}
BY_MODULE = {
    "suggest": "suggest",
    "snippets": "stored",
    "collect": "collect",
    "columns": "collect",
    "serialize": "web",
    "internals": None,
}
BY_PACKAGE = {"query": "query", "views": "query", "analysis": None}
# The executor's modules in search/retrieve/: execute.py and its parts.
EXECUTOR = {"execute", "merging", "phrase", "postcache", "postings", "terms"}
# The executor's helpers that read positions and blocks for whoever asks (phrases, proximity, highlights).
EXECUTE_SHARED = re.compile(r"position|char_span|values|in_sequence|block", re.IGNORECASE)
WEB_LIBRARIES = ("flask", "werkzeug", "jinja2", "markupsafe", "json")


def bucket_of(func: tuple, project: Path) -> str | None:
    """The bucket of a pstats function key (file, line, name), or None to charge its callers."""
    filename, _, name = func
    path = Path(filename)
    if path.suffix == ".html":  # a compiled Jinja template
        return "web"
    try:
        parts = path.resolve().relative_to(project).parts
    except (ValueError, OSError):
        parts = ()
    if parts and parts[0] == "web":
        return "web"
    if parts and parts[0] == "search":
        if len(parts) > 2 and parts[1] in BY_PACKAGE:
            return BY_PACKAGE[parts[1]] if not name.startswith("<") or name == "<module>" else None
        return _project_bucket(path.stem, name)
    if any(lib in path.parts for lib in WEB_LIBRARIES):
        return "web"
    return None


def _project_bucket(stem: str, name: str) -> str | None:
    """The bucket of a function of search/ outside `BY_PACKAGE`, by module stem and function name.

    >>> [_project_bucket(stem, name) for stem, name in [
    ...     ("execute", "_phrase"), ("phrase", "phrase_scores"), ("phrase", "in_sequence"),
    ...     ("terms", "entry"), ("terms", "positions"), ("postings", "leaf_values"),
    ...     ("postcache", "remember"), ("merging", "union"), ("internals", "read_blocks")]]
    ['phrase', 'phrase', None, 'scoring', None, None, 'scoring', 'scoring', None]
    """
    if name.startswith("<") and name != "<module>":  # a comprehension or lambda: its enclosing function's
        return None
    if stem in EXECUTOR:
        if "phrase" in name.lower():
            return "phrase"
        return None if EXECUTE_SHARED.search(name) else "scoring"
    if stem == "service" and "to_hit" in name:
        return "stored"
    return BY_MODULE.get(stem, "other")


def attribute(stats: dict, project: Path) -> dict[str, float]:
    """Seconds of own time per bucket, from a pstats `stats` dict (see the module docstring).

    >>> root, leaf = ("/p/search/query/compile.py", 1, "compile_query"), ("/lib/janome.py", 1, "tokenize")
    >>> stats = {root: (1, 1, 0.1, 0.4, {}), leaf: (1, 1, 0.3, 0.3, {root: (1, 1, 0.3, 0.3)})}
    >>> attribute(stats, Path("/p"))["query"]
    0.4
    """
    shares: dict = {}
    busy: set = set()  # functions whose share is being worked out: recursion edges are skipped

    def share(func) -> dict[str, float]:
        if func in shares:
            return shares[func]
        own = bucket_of(func, project)
        if own is not None:
            shares[func] = {own: 1.0}
            return shares[func]
        busy.add(func)
        callers = {c: edge[3] for c, edge in stats[func][4].items() if c in stats and c not in busy}
        weight = sum(callers.values())
        result: dict = defaultdict(float)
        for caller, ct in callers.items():
            for name, part in share(caller).items():
                result[name] += part * (ct / weight if weight else 1 / len(callers))
        busy.discard(func)
        shares[func] = dict(result) or {"other": 1.0}
        return shares[func]

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 20_000))
    seconds = dict.fromkeys(BUCKETS, 0.0)
    for func, (_, _, tottime, _, callers) in stats.items():
        if bucket_of(func, project) is not None or not callers:
            for name, part in share(func).items():
                seconds[name] += tottime * part
            continue
        for caller, edge in callers.items():  # own time split exactly by direct caller
            for name, part in (share(caller) if caller in stats else {"other": 1.0}).items():
                seconds[name] += edge[2] * part
    return seconds


def profiled(wsgi_app, profiler: cProfile.Profile):
    """Wrap a WSGI app so that the profiler runs only while it answers (body included)."""

    def app(environ, start_response):
        profiler.enable()
        try:
            return list(wsgi_app(environ, start_response))
        finally:
            profiler.disable()

    return app


def _send(client, queries) -> tuple[int, dict]:
    """GET each query; return (failures, summed Server-Timing stages in ms)."""
    failures, stages = 0, defaultdict(float)
    for query in queries:
        response = client.get(query.path())
        failures += response.status_code != 200
        for metric in response.headers.get("Server-Timing", "").split(","):
            name, _, dur = metric.strip().partition(";dur=")
            if dur:
                stages[name] += float(dur)
    return failures, stages


def profile(
    index_dir: Path,
    site: Path,
    queries: int = 400,
    warmup: int = 100,
    plain: int = 200,
    seed: int = 2,
    project: Path | None = None,
    warm: bool = True,
) -> tuple[dict, pstats.Stats]:
    """Profile `queries` distinct requests on the app over `index_dir`; return (report, raw stats).

    With `warm` the service is first warmed as `matome-search serve` warms
    every index version it opens (`SearchService.warm_up`), so the profile
    is that of a served index, not of cold posting reads.
    """
    from web import create_app, get_service

    project = project or Path(sys.modules["web"].__file__).resolve().parent.parent
    comments = workload.load_comments(site)
    drawn = workload.draw_queries(comments, warmup + queries + plain, seed=seed)
    sets = workload.split_sets(drawn, {"warmup": warmup, "measured": queries, "plain": plain})
    app = create_app({"INDEX_DIR": str(index_dir), "WARM": False})
    try:
        client = app.test_client()
        if warm:
            get_service(app).warm_up()
        _send(client, sets["warmup"])
        profiler, original = cProfile.Profile(), app.wsgi_app
        app.wsgi_app = profiled(original, profiler)
        started = time.perf_counter()
        failures, _ = _send(client, sets["measured"])
        profiled_s = time.perf_counter() - started
        app.wsgi_app = original
        started = time.perf_counter()
        plain_failures, stages = _send(client, sets["plain"])
        plain_s = time.perf_counter() - started
    finally:
        get_service(app).close()
    stats = pstats.Stats(profiler)
    report = _report(stats, project, len(sets["measured"]), profiled_s, len(sets["plain"]), plain_s, stages)
    report.update(
        index_dir=str(index_dir),
        project=str(project),
        failures=failures + plain_failures,
        requests={name: len(s) for name, s in sets.items()},
    )
    return report, stats


def _report(
    stats: pstats.Stats, project: Path, n: int, profiled_s: float, plain_n: int, plain_s: float, stages: dict
) -> dict:
    seconds = attribute(stats.stats, project)
    total = sum(seconds.values()) or 1.0
    buckets = {
        name: {
            "share": round(sec / total, 3),
            "ms_per_request": round(sec * 1000 / max(n, 1), 2),
            "what": BUCKETS[name],
        }
        for name, sec in seconds.items()
    }
    top = sorted(stats.stats.items(), key=lambda item: item[1][2], reverse=True)[:15]
    return {
        "buckets": buckets,
        "profiled_ms_per_request": round(profiled_s * 1000 / max(n, 1), 2),
        "plain_ms_per_request": round(plain_s * 1000 / max(plain_n, 1), 2),
        "server_timing_ms_per_request": {k: round(v / max(plain_n, 1), 2) for k, v in stages.items()},
        "top_own_time": [
            {
                "function": f"{Path(f[0]).name}:{f[1]}({f[2]})",
                "own_ms": round(v[2] * 1000, 1),
                "bucket": bucket_of(f, project) or "(callers)",
            }
            for f, v in top
        ],
    }


def main(argv=None) -> dict:
    """Profile, print the JSON report and return it."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index-dir", type=Path, required=True)
    parser.add_argument("--site", type=Path, required=True, help="the indexed site (queries come from it)")
    parser.add_argument("--queries", type=int, default=1000, help="distinct profiled requests")
    parser.add_argument("--warmup", type=int, default=300, help="distinct requests sent first, unprofiled")
    parser.add_argument("--plain", type=int, default=500, help="distinct requests timed without the profiler")
    parser.add_argument("--seed", type=int, default=2)
    parser.add_argument("--repo", type=Path, help="profile the search/ and web/ of this checkout instead")
    parser.add_argument("--out", type=Path, help="also write the JSON here")
    parser.add_argument("--pstats", type=Path, help="dump the raw profile here (for snakeviz, pstats)")
    parser.add_argument("--cold", action="store_true", help="skip the warm-up a served index gets")
    opts = parser.parse_args(argv)
    if opts.repo:
        if "search" in sys.modules or "web" in sys.modules:
            raise SystemExit("--repo must be chosen before search/web are imported")
        sys.path.insert(0, str(opts.repo.resolve()))
    report, stats = profile(
        opts.index_dir, opts.site, opts.queries, opts.warmup, opts.plain, opts.seed, warm=not opts.cold
    )
    if opts.pstats:
        stats.dump_stats(str(opts.pstats))
    return emit(report, opts.out)


if __name__ == "__main__":
    main()
