"""The synthetic archive's vocabulary beside the real archive's.

    python -m bench.vocabulary_report [--comments 8000] [--seed 1] [--out FILE]

Generates posts until it holds `--comments` comments, runs janome over them
the way ARCHIVE-FORMAT.md measured the real archive (symbols excluded), and
reports distinct surface forms by comment count, part-of-speech shares, the
script of nouns, the share of comments with a Latin word and the share
holding each common word, each beside the real figure.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import re
from collections import Counter

from bench.generate import COMMON_WORDS, render_post, user_pool
from bench.report import emit
from search.analysis.words import get_janome

REAL_GROWTH = {100: 1738, 500: 5371, 1000: 8149, 2000: 12153, 4000: 18247, 8000: 26916}
REAL_POS = {"名詞": 0.42, "助詞": 0.31, "動詞": 0.13, "助動詞": 0.09, "副詞": 0.02, "形容詞": 0.02}
REAL_SCRIPTS = {"kanji": 0.42, "latin": 0.19, "katakana": 0.15, "other": 0.25}
REAL_LATIN_COMMENTS = 0.70
_BODY = re.compile(r'body="((?:[^"\\]|\\.)*)"')
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


def sample_comments(count: int, seed: int) -> list[str]:
    """The bodies of the first `count` comments of a synthetic archive."""
    rng = random.Random(seed)
    users = user_pool(rng, 500)
    bodies: list[str] = []
    day = dt.date(2025, 2, 1)
    while len(bodies) < count:
        _, text, _ = render_post(rng, day, users)
        bodies += [b.replace("<br>", "\n") for b in _BODY.findall(text)]
        day += dt.timedelta(days=1)
    return bodies[:count]


def script(word: str) -> str:
    if re.fullmatch(r"[\u4e00-\u9fff々]+", word):
        return "kanji"
    if re.fullmatch(r"[A-Za-z][A-Za-z0-9._\-+#]*", word):
        return "latin"
    if re.fullmatch(r"[\u30a1-\u30fa\u30fc]+", word):
        return "katakana"
    return "other"


def measure(bodies: list[str]) -> dict:
    """The vocabulary figures of `bodies`, as ARCHIVE-FORMAT.md gives the real ones."""
    janome = get_janome()
    seen: set[str] = set()
    growth, pos, scripts = {}, Counter(), Counter()
    for i, body in enumerate(bodies, 1):
        for token in janome.tokenize(body):
            kind = token.part_of_speech.split(",")[0]
            if kind == "記号" or not token.surface.strip():
                continue
            seen.add(token.surface)
            pos[kind] += 1
            if kind == "名詞":
                scripts[script(token.surface)] += 1
        if i in REAL_GROWTH:
            growth[i] = len(seen)
    tokens, nouns = sum(pos.values()), sum(scripts.values())
    return {
        "distinct_forms": {
            n: {"synthetic": growth.get(n), "real": real} for n, real in REAL_GROWTH.items() if n <= len(bodies)
        },
        "pos_share": {k: {"synthetic": round(pos[k] / tokens, 3), "real": v} for k, v in REAL_POS.items()},
        "noun_scripts": {k: {"synthetic": round(scripts[k] / nouns, 3), "real": v} for k, v in REAL_SCRIPTS.items()},
        "comments_with_latin_word": {
            "synthetic": round(sum(bool(_LATIN_WORD.search(b)) for b in bodies) / len(bodies), 3),
            "real": REAL_LATIN_COMMENTS,
        },
        "common_words": {
            w: {"synthetic": round(sum(w in b for b in bodies) / len(bodies), 3), "real": share}
            for w, share in COMMON_WORDS
        },
    }


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description="Compare the synthetic vocabulary with the real one.")
    parser.add_argument("--comments", type=int, default=8000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", default=None)
    opts = parser.parse_args(argv)
    return emit(measure(sample_comments(opts.comments, opts.seed)), opts.out)


if __name__ == "__main__":
    main()
