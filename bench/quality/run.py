"""Search quality, measured: judged queries and recall against substring search.

    python -m bench.quality.run [--posts 60] [--seed 11]

Builds one archive (the two real sample posts, bench/quality/extra, and a
synthetic archive), indexes it with the real indexer, then reports:

- MRR@10, recall@10 and success@1 per query kind over queries.toml;
- for the terms in terms.toml and as many drawn from the index's own
  vocabulary (half of them common: in >= 1 % of the comments), the share of
  comments whose normalized text contains the term that search finds
  (target >= 98 % overall, no term under 90 %), and whether any
  substring-only false friend (`京都` inside `東京都`) ranks above a true
  match on the first page;
- known-item MRR@10 over generated queries (bench/quality/generated.py)
  and their reader variants (targets >= 0.98 base, >= 0.95 per variant);
- the p50/p95 latency of every query it ran.

The default archive is large enough (about 24,000 comments) that common
words pass the thresholds the executor uses for large posting lists.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import re
import shutil
import statistics
import time
import tomllib
from collections import defaultdict
from pathlib import Path
from typing import NamedTuple

from bench.bench_index import percentile
from bench.generate import generate_site
from bench.quality.generated import known_items, recall_terms
from search.analysis.normalize import normalize
from search.analysis.tokenizer import analyze
from search.index.indexer import update_index
from search.index.store import open_current
from search.ingest import hugo
from search.query.synonyms import load_synonyms
from search.records import SearchRequest
from search.retrieve.service import SearchService
from search.retrieve.validation import MAX_PER_PAGE

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
OUT = ROOT / "bench" / "out" / "quality"
SYNONYMS = load_synonyms()


def build_archive(posts: int, seed: int, work: Path = OUT) -> Path:
    """Write the evaluation site into `work`: samples + hand-written extras + synthetic posts."""
    site = work / "site"
    shutil.rmtree(site, ignore_errors=True)
    generate_site(site, posts, seed=seed, start=dt.date(2025, 5, 1))
    shutil.copytree(ROOT / "data" / "content", site / "content", dirs_exist_ok=True)
    shutil.copytree(HERE / "extra" / "content", site / "content", dirs_exist_ok=True)
    return site


def load_bodies(site: Path) -> dict[str, str]:
    """Return comment id -> body of every published comment."""
    loaded = hugo.load_site(site)
    bodies = {}
    for file in hugo.iter_post_files(loaded):
        post, _, _ = hugo.read_post(loaded, file)
        if post is None or post.draft:
            continue
        for quote in post.quotes:
            bodies[f"{post.path}#{quote.index}"] = quote.body
    return bodies


def judged_text(bodies: dict[str, str]) -> dict[str, str]:
    """Return comment id -> normalized, lowercased body for judging."""
    return {cid: normalize(body)[0].lower() for cid, body in bodies.items()}


def body_vocabulary(index: Path) -> dict[str, int]:
    """Return term -> number of comments, for every word of the index's body field."""
    ix, _ = open_current(index)
    try:
        with ix.searcher() as searcher:
            return {term.decode("utf-8"): info.doc_frequency() for term, info in searcher.reader().iter_field("body")}
    finally:
        ix.close()


class Timed:
    """A service wrapper that records every search's latency."""

    def __init__(self, service):
        self.service = service
        self.ms: list[float] = []

    def search(self, request):
        start = time.perf_counter()
        page = self.service.search(request)
        self.ms.append((time.perf_counter() - start) * 1000)
        return page

    def latency(self) -> dict:
        return {
            "queries": len(self.ms),
            "p50_ms": round(percentile(self.ms, 50), 2),
            "p95_ms": round(percentile(self.ms, 95), 2),
        }


def _needle(text: str):
    """A test for one needle: a substring, or for a Latin word the word between non-letters."""
    norm = normalize(text)[0].lower()
    if norm.isascii():
        pattern = re.compile(r"(?<![a-z0-9])" + re.escape(norm) + r"(?![a-z0-9])")
        return lambda body: pattern.search(body) is not None
    return lambda body: norm in body


def relevant_ids(comments: dict[str, str], needles) -> set[str]:
    """Comments containing any needle; a needle that is a list needs all its strings.

    Japanese needles are substrings; Latin ones are word-bounded (`rust`
    is not in `trust`), as a reader means them.
    """
    groups = [[_needle(n) for n in (needle if isinstance(needle, list) else [needle])] for needle in needles]
    return {cid for cid, text in comments.items() if any(all(test(text) for test in g) for g in groups)}


def ranked_ids(service, query: str, pages: int = 1, per_page: int = 10):
    """Return (ids in rank order, the page object of page 1)."""
    ids, first = [], None
    for page_no in range(1, pages + 1):
        page = service.search(SearchRequest(query=query, page=page_no, per_page=per_page))
        first = first or page
        ids += [f"{h.post_path}#{h.quote_index}" for h in page.hits]
        if page_no * per_page >= page.total:
            break
    return ids, first


def judge(service, comments, queries) -> dict:
    """Return per-kind MRR@10, recall@10, success@1 and the per-query rows."""
    rows = []
    for item in queries:
        relevant = relevant_ids(comments, item["relevant"])
        ids, page = ranked_ids(service, item["q"])
        if item["kind"] == "typo" and page.suggestion:
            ids, _ = ranked_ids(service, page.suggestion)
        top = ids[:10]
        rank = next((i for i, cid in enumerate(top, 1) if cid in relevant), None)
        rows.append(
            {
                "kind": item["kind"],
                "q": item["q"],
                "relevant": len(relevant),
                "suggestion": page.suggestion,
                "rr": 1 / rank if rank else 0.0,
                "recall": len(set(top) & relevant) / min(10, len(relevant)) if relevant else 0.0,
                "s1": 1.0 if top[:1] and top[0] in relevant else 0.0,
            }
        )
    kinds = defaultdict(list)
    for row in rows:
        kinds[row["kind"]].append(row)
        kinds["all"].append(row)
    summary = {
        kind: {
            "queries": len(r),
            "mrr@10": round(statistics.mean(x["rr"] for x in r), 3),
            "recall@10": round(statistics.mean(x["recall"] for x in r), 3),
            "success@1": round(statistics.mean(x["s1"] for x in r), 3),
        }
        for kind, r in kinds.items()
    }
    return {"summary": summary, "rows": rows}


def is_true_match(term: str, body: str) -> bool:
    """True when `term`'s words, or a synonym's, occur as words of `body`, not just as characters.

    The body's words are the index's: an identifier's parts count
    (`kotlin` in `aws_kotlin`).
    """
    want = tuple(t for t, *_ in analyze(term))
    have = [t for t, *_ in analyze(body, mode="index")]
    return any(
        bool(words) and any(tuple(have[i : i + len(words)]) == words for i in range(len(have)))
        for words in (want, *SYNONYMS.alternatives(want))
    )


def substring_recall(service, comments, terms) -> dict:
    """Compare search results with substring matches for each term."""
    rows, found_total, expected_total, friends_above = [], 0, 0, []
    for term in terms:
        expected = relevant_ids(comments, [term])
        ids, page = ranked_ids(service, term, pages=1000, per_page=MAX_PER_PAGE)
        found = expected & set(ids)
        expected_total += len(expected)
        found_total += len(found)
        # A false friend holds the term's characters but not its words
        # (`京都` in `東京都`); synonym matches hold neither and are not judged.
        needle = normalize(term)[0].lower()
        kinds = [
            "true" if is_true_match(term, h.body) else "friend" if needle in normalize(h.body)[0].lower() else "other"
            for h in page.hits[:10]
        ]
        misordered = any(a == "friend" and "true" in kinds[i + 1 :] for i, a in enumerate(kinds))
        if misordered:
            friends_above.append(term)
        rows.append(
            {
                "term": term,
                "substring": len(expected),
                "found": len(found),
                "missed": sorted(expected - found)[:3],
                "false_friend_above_true": misordered,
            }
        )
    low = [
        f"{r['term']} {r['found']}/{r['substring']}"
        for r in rows
        if r["substring"] and r["found"] / r["substring"] < 0.9
    ]
    return {
        "recall": round(found_total / max(1, expected_total), 4),
        "terms": len(terms),
        "below_0.90": low,
        "false_friends_above_true": friends_above,
        "rows": rows,
    }


def known_item_mrr(service, comments, items) -> dict:
    """MRR@10 per kind; a comment holding every needle counts as the item found."""
    rows, kinds = [], defaultdict(list)
    for item in items:
        relevant = relevant_ids(comments, [item.needles])
        ids, _ = ranked_ids(service, item.q)
        rank = next((i for i, cid in enumerate(ids[:10], 1) if cid in relevant), None)
        kinds[item.kind].append(1 / rank if rank else 0.0)
        if not rank:
            rows.append({"kind": item.kind, "q": item.q, "target": item.target})
    summary = {
        kind: {
            "queries": len(rr),
            "mrr@10": round(statistics.mean(rr), 3),
            "success@10": round(sum(map(bool, rr)) / len(rr), 3),
        }
        for kind, rr in sorted(kinds.items())
    }
    return {"summary": summary, "misses": rows}


class JudgedSets(NamedTuple):
    """What a quality run searches for and judges against, drawn from one archive and seed."""

    comments: dict[str, str]  # comment id -> normalized, lowercased body
    queries: list[dict]  # the hand-judged queries of queries.toml
    listed: list[str]  # the terms of terms.toml
    common: list[str]  # terms drawn from the index's vocabulary, in >= 1 % of the comments
    rare: list[str]
    known: list  # known-item queries and their reader variants


def judged_sets(site: Path, index: Path, seed: int) -> JudgedSets:
    """The judged sets of `site` and its `index`: the same for the same seed, whatever is measured."""
    bodies = load_bodies(site)
    comments = judged_text(bodies)
    rng = random.Random(seed)
    drawn = recall_terms(body_vocabulary(index), len(comments), rng)
    return JudgedSets(
        comments=comments,
        queries=tomllib.loads((HERE / "queries.toml").read_text("utf-8"))["query"],
        listed=tomllib.loads((HERE / "terms.toml").read_text("utf-8"))["terms"],
        common=drawn["common"],
        rare=drawn["rare"],
        known=known_items(bodies, rng),
    )


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description="Measure search quality.")
    parser.add_argument("--posts", type=int, default=300)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--work-dir", type=Path, default=OUT, help=f"archive, index and report [{OUT}]")
    parser.add_argument(
        "--reuse", action="store_true", help="search the archive and index the last run built (query-side changes)"
    )
    opts = parser.parse_args(argv)
    work = opts.work_dir
    index = work / "index"
    if opts.reuse:
        site = work / "site"
        if not (site / "content").is_dir() or not index.is_dir():
            parser.error(f"--reuse: no archive and index of an earlier run in {work}; run without --reuse first")
    else:
        site = build_archive(opts.posts, opts.seed, work)
        update_index(hugo.load_site(site), index, rebuild=True, jobs=opts.jobs)
    sets = judged_sets(site, index, opts.seed)
    comments = sets.comments
    service = Timed(SearchService(index))
    report = {
        "comments": len(comments),
        "judged": judge(service, comments, sets.queries),
        "substring": substring_recall(service, comments, sets.listed),
        "substring_common": substring_recall(service, comments, sets.common),
        "substring_rare": substring_recall(service, comments, sets.rare),
        "known_item": known_item_mrr(service, comments, sets.known),
        "latency": service.latency(),
    }
    service.service.close()
    (work / "report.json").write_text(json.dumps(report, ensure_ascii=False, indent=1), "utf-8")
    summary = {
        "comments": report["comments"],
        **report["judged"]["summary"],
        **{
            name: {k: report[name][k] for k in ("recall", "terms", "below_0.90", "false_friends_above_true")}
            for name in ("substring", "substring_common", "substring_rare")
        },
        "known_item": report["known_item"]["summary"],
        "latency": report["latency"],
    }
    print(json.dumps(summary, ensure_ascii=False, indent=1))
    return report


if __name__ == "__main__":
    main()
