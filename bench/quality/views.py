"""What each secondary view's postings buy: their share of the index against what they find.

    python -m bench.quality.views [--work-dir DIR] [--seed 11]

Reads the archive and index `bench.quality.run` left in `--work-dir` and
reports, for each field of the comment text, its terms, postings (term and
comment pairs) and positions. Then it runs the quality measures of
`bench.quality.run` (recall against substring search, known-item MRR@10 and
its reader variants, the hand-judged queries) with every view, and again
with each view turned off at query time (`SearchService(views=...)`):

- `readings`: the reading view (`body_reading`), with romaji read through it;
- `ngrams`: bigrams of the runs janome splits (`body_ngram`);
- `superterms`: the index's longer words holding a word (no postings of
  its own: it reads the body field's);
- `ngrams` and `superterms` together: no way to find a word inside others.

The compound view (`body_compound`) is left out: it answers exactly what a
phrase over the body field would (`tests/test_compounds.py`), so what its
postings buy is time, which `bench.quality.query_cost` measures.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from bench.quality.run import (
    OUT,
    JudgedSets,
    judge,
    judged_sets,
    known_item_mrr,
    substring_recall,
)
from search.index.store import open_current
from search.query.compiled import VIEWS
from search.retrieve.service import SearchService

FIELDS = ("body", "body_reading", "body_ngram", "body_compound")
ABLATIONS = {
    "every view": VIEWS,
    "no readings": VIEWS - {"readings"},
    "no ngrams": VIEWS - {"ngrams"},
    "no superterms": VIEWS - {"superterms"},
    "no ngrams, no superterms": VIEWS - {"ngrams", "superterms"},
}


def field_sizes(index: Path) -> dict[str, dict[str, int]]:
    """Terms, postings and positions of each field of the comment text."""
    ix, _ = open_current(index)
    try:
        with ix.searcher() as searcher:
            sizes = {}
            for name in FIELDS:
                terms = postings = positions = 0
                for _, info in searcher.reader().iter_field(name):
                    terms += 1
                    postings += info.doc_frequency()
                    positions += int(info.weight())
                sizes[name] = {"terms": terms, "postings": postings, "positions": positions}
            return sizes
    finally:
        ix.close()


def measure(index: Path, views, sets: JudgedSets) -> dict:
    """The quality figures of one set of views."""
    service = SearchService(index, views=views)
    try:
        recall = [substring_recall(service, sets.comments, terms) for terms in (sets.listed, sets.common, sets.rare)]
        known = known_item_mrr(service, sets.comments, sets.known)["summary"]
        judged = judge(service, sets.comments, sets.queries)["summary"]["all"]
    finally:
        service.close()
    return {
        "recall listed / common / rare": [r["recall"] for r in recall],
        "terms under 0.90": sum(len(r["below_0.90"]) for r in recall),
        "known-item MRR@10": {kind: figures["mrr@10"] for kind, figures in known.items()},
        "judged MRR@10": judged["mrr@10"],
    }


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work-dir", type=Path, default=OUT, help=f"the quality run's archive and index [{OUT}]")
    parser.add_argument("--seed", type=int, default=11, help="the quality run's seed")
    opts = parser.parse_args(argv)
    site, index = opts.work_dir / "site", opts.work_dir / "index"
    if not (site / "content").is_dir() or not index.is_dir():
        parser.error(f"no archive and index in {opts.work_dir}: run python -m bench.quality.run first")
    sets = judged_sets(site, index, opts.seed)
    sizes = field_sizes(index)
    total = sum(s["postings"] for s in sizes.values())
    for figures in sizes.values():
        figures["share of postings"] = round(figures["postings"] / total, 3)
    report = {
        "comments": len(sets.comments),
        "fields": sizes,
        "views": {name: measure(index, views, sets) for name, views in ABLATIONS.items()},
    }
    (opts.work_dir / "views.json").write_text(json.dumps(report, ensure_ascii=False, indent=1), "utf-8")
    print(json.dumps(report, ensure_ascii=False, indent=1))
    return report


if __name__ == "__main__":
    main()
