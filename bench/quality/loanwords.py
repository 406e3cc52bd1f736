"""Loanword recall: the comments that hold only the other script's form, found or missed.

    python -m bench.quality.loanwords [--posts 300] [--seed 11] [--work-dir DIR] [--reuse]

Builds the quality archive (bench/quality/run.py) and keeps the English
word, in place of its katakana loanword, in a seeded tenth of the comments
holding one of the judged pairs (loanwords.toml): the real archive's
translators kept `browser` in 193 comments and wrote `ブラウザ` in 2,094.
Then, for each pair and each direction, the comments that hold only the
other form (word-bounded: `ログ` is not in `ブログ`, `log` not in `blog`)
are the truth, and the report gives the share a search for the typed form
finds, without the loanword table and with it, and the p50/p95 latency of
those queries and of the recall terms (terms.toml) either way, measured
alternately in one run.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import tomllib
from pathlib import Path

from bench.quality.run import (
    HERE,
    OUT,
    Timed,
    build_archive,
    judged_text,
    load_bodies,
    ranked_ids,
)
from search.analysis.normalize import normalize
from search.index.indexer import update_index
from search.ingest import hugo
from search.query.loanwords import Loanwords
from search.retrieve.service import SearchService
from search.retrieve.validation import MAX_PER_PAGE

KEEP_ENGLISH = 0.1  # share of comments whose translator kept the English word
_KATAKANA = "\u30a1-\u30fa\u30fc"


def pairs() -> list[tuple[str, str]]:
    """The judged (English, katakana) pairs."""
    return [tuple(p) for p in tomllib.loads((HERE / "loanwords.toml").read_text("utf-8"))["pairs"]]


def word_pattern(form: str) -> re.Pattern:
    """`form` as a whole word: Latin between non-letters, katakana between non-katakana."""
    norm = normalize(form)[0].lower()
    if norm.isascii():
        return re.compile(rf"(?<![a-z0-9]){re.escape(norm)}(?![a-z0-9])")
    return re.compile(rf"(?<![{_KATAKANA}]){re.escape(norm)}(?![{_KATAKANA}])")


def keep_english(site: Path, judged, rng: random.Random, share: float = KEEP_ENGLISH) -> int:
    """In `share` of the comments holding a judged katakana word, write its English source instead."""
    kept = 0
    patterns = [(english, word_pattern(katakana)) for english, katakana in judged]
    for path in sorted(site.rglob("index.md")):
        lines = path.read_text("utf-8").split("\n")
        for i, line in enumerate(lines):
            if "matomeQuote" not in line:
                continue
            for english, pattern in patterns:
                if pattern.search(line) and rng.random() < share:
                    lines[i] = line = pattern.sub(english, line)
                    kept += 1
        path.write_text("\n".join(lines), "utf-8")
    return kept


def only(comments: dict[str, str], holds: re.Pattern, lacks: re.Pattern) -> set[str]:
    return {cid for cid, text in comments.items() if holds.search(text) and not lacks.search(text)}


def measure(services: dict[str, Timed], comments, judged) -> dict:
    """Per pair and direction: the comments holding only the other form, and the share each service finds."""
    rows, totals = [], {name: {"english": [0, 0], "katakana": [0, 0]} for name in services}
    for english, katakana in judged:
        en, ka = word_pattern(english), word_pattern(katakana)
        for typed, truth, direction in (
            (english, only(comments, ka, en), "english"),
            (katakana, only(comments, en, ka), "katakana"),
        ):
            row = {"typed": typed, "other_form_only": len(truth)}
            for name, service in services.items():
                ids, _ = ranked_ids(service, typed, pages=1000, per_page=MAX_PER_PAGE)
                found = len(truth & set(ids))
                row[name] = found
                totals[name][direction][0] += found
                totals[name][direction][1] += len(truth)
            rows.append(row)
    recall = {
        name: {direction: round(found / max(1, total), 4) for direction, (found, total) in t.items()}
        for name, t in totals.items()
    }
    return {"recall": recall, "truth": {d: n for d, (_, n) in next(iter(totals.values())).items()}, "rows": rows}


def latency(services: dict[str, Timed], queries) -> dict:
    """p50/p95 of `queries` on each service, the services taking turns query by query."""
    for service in services.values():
        service.ms.clear()
    for query in queries:
        for service in services.values():
            ranked_ids(service, query)
    return {name: service.latency() for name, service in services.items()}


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description="Measure loanword recall.")
    parser.add_argument("--posts", type=int, default=300)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--work-dir", type=Path, default=OUT.parent / "loanwords")
    parser.add_argument("--reuse", action="store_true", help="search the archive and index the last run built")
    opts = parser.parse_args(argv)
    work, judged = opts.work_dir, pairs()
    site, index = work / "site", work / "index"
    if opts.reuse:
        if not (site / "content").is_dir() or not index.is_dir():
            parser.error(f"--reuse: no archive and index of an earlier run in {work}; run without --reuse first")
    else:
        site = build_archive(opts.posts, opts.seed, work)
        keep_english(site, judged, random.Random(opts.seed))
        update_index(hugo.load_site(site), index, rebuild=True, jobs=opts.jobs)
    comments = judged_text(load_bodies(site))
    services = {
        "without": Timed(SearchService(index, loanwords=Loanwords(), request_cache=0)),
        "with": Timed(SearchService(index, request_cache=0)),
    }
    try:
        listed = tomllib.loads((HERE / "terms.toml").read_text("utf-8"))["terms"]
        typed = [form for pair in judged for form in pair]
        latency(services, typed[:10])  # warm both
        report = {
            "comments": len(comments),
            "pairs": len(judged),
            **measure(services, comments, judged),
            "latency_pairs": latency(services, typed),
            "latency_terms": latency(services, listed),
        }
    finally:
        for service in services.values():
            service.service.close()
    (work / "report.json").write_text(json.dumps(report, ensure_ascii=False, indent=1), "utf-8")
    print(json.dumps({k: v for k, v in report.items() if k != "rows"}, ensure_ascii=False, indent=1))
    return report


if __name__ == "__main__":
    main()
