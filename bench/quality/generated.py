"""Judged sets drawn from the archive itself: recall terms and known-item queries.

Both are seeded and built from the comments being searched, so they grow
with the archive and need no hand judging:

- `recall_terms`: words of the index's vocabulary, half of them common
  (in at least 1 % of the comments), by script;
- `known_items`: the two or three rarest content words of a sampled comment,
  and the same query as a reader might type it: katakana in hiragana, a
  kanji word as its reading (and that reading in romaji), Latin in another
  case or width, a verb or adjective in its dictionary form.
"""

from __future__ import annotations

import random
import re
import unicodedata
from dataclasses import dataclass, field

import jaconv

from search.analysis.normalize import normalize
from search.analysis.words import get_janome

_KANJI = re.compile(r"^[\u4e00-\u9fff々]{2,}$")
_KATAKANA = re.compile(r"^[\u30a1-\u30fa\u30fc]{3,}$")
_LATIN = re.compile(r"^[a-z][a-z0-9]{2,}$")
_URL = re.compile(r"https?://\S+")
_CONTENT_NOUNS = ("名詞,一般", "名詞,サ変接続", "名詞,固有名詞", "名詞,形容動詞語幹")
_HALF_WIDTH = {unicodedata.normalize("NFKC", c): c for c in map(chr, range(0xFF66, 0xFF9E))}
_HALF_WIDTH.update(
    {
        unicodedata.normalize("NFKC", c + "ﾞ"): c + "ﾞ"
        for c in map(chr, range(0xFF76, 0xFF9E))
        if len(unicodedata.normalize("NFKC", c + "ﾞ")) == 1
    }
)
_HALF_WIDTH["ー"] = "ｰ"


def script(word: str) -> str | None:
    """`kanji`, `katakana` or `latin` for a word a reader would type alone, else None."""
    for name, pattern in (("kanji", _KANJI), ("katakana", _KATAKANA), ("latin", _LATIN)):
        if pattern.match(word):
            return name
    return None


def recall_terms(vocabulary: dict[str, int], comments: int, rng: random.Random, per_kind: int = 30) -> dict:
    """Pick `per_kind` common and `per_kind` rarer terms from `vocabulary` (term -> comments).

    Common terms are in at least 1 % of the comments; rarer ones in 5
    comments or more but under 1 %. Each half is spread over the scripts.
    """
    common_floor = max(5, comments // 100)
    picked = {}
    for kind, keep in (("common", lambda df: df >= common_floor), ("rare", lambda df: 5 <= df < common_floor)):
        by_script: dict[str, list[str]] = {}
        for term, df in sorted(vocabulary.items()):
            name = script(term)
            if name and keep(df):
                by_script.setdefault(name, []).append(term)
        pools = [rng.sample(words, len(words)) for _, words in sorted(by_script.items())]
        chosen: list[str] = []
        while len(chosen) < per_kind and any(pools):
            for pool in pools:
                if pool and len(chosen) < per_kind:
                    chosen.append(pool.pop())
        picked[kind] = sorted(chosen)
    return picked


@dataclass
class Word:
    """A content word of a comment as it stands in the text."""

    surface: str
    pos: str
    base: str
    reading: str


@dataclass
class KnownItem:
    """A query for one comment; `needles` are what a relevant comment must contain."""

    kind: str
    q: str
    target: str
    needles: list[str] = field(default_factory=list)


def content_words(body: str) -> list[Word]:
    """The nouns, verbs and adjectives of `body`, as janome reads them in context.

    Words of URLs and words with symbols (`]:`) are left out: readers do not type them.
    """
    words = []
    for token in get_janome().tokenize(_URL.sub(" ", body)):
        pos = token.part_of_speech
        if not token.surface.isalnum():
            continue
        if pos.startswith(_CONTENT_NOUNS) or pos.startswith(("動詞,自立", "形容詞,自立")):
            words.append(Word(token.surface, pos, token.base_form, token.reading))
    return words


def to_hiragana(text: str) -> str:
    return "".join(chr(ord(c) - 0x60) if "\u30a1" <= c <= "\u30f6" else c for c in text)


def half_width(text: str) -> str:
    return "".join(_HALF_WIDTH.get(c, c) for c in text)


def full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def _variant(kind: str, word: Word, rng: random.Random) -> str | None:
    """`word` as a reader might type it for the variant `kind`, or None."""
    if kind == "hiragana" and _KATAKANA.match(word.surface):
        return to_hiragana(word.surface)
    if kind == "reading" and _KANJI.match(word.surface) and word.reading not in ("*", ""):
        return to_hiragana(word.reading)
    if kind == "width_case":
        if re.fullmatch(r"[A-Za-z][A-Za-z0-9]+", word.surface):
            return full_width(word.surface) if rng.random() < 0.5 else word.surface.swapcase()
        if _KATAKANA.match(word.surface):
            return half_width(word.surface)
    if kind == "inflection" and word.pos.startswith(("動詞", "形容詞")) and word.surface != word.base:
        return word.base
    return None


VARIANTS = ("hiragana", "reading", "width_case", "inflection")


def known_items(comments: dict[str, str], rng: random.Random, count: int = 300) -> list[KnownItem]:
    """`count` base queries and up to as many of each variant kind, from sampled comments.

    `comments` maps comment id -> original body. A base query is the two or
    three rarest nouns of the comment (fewest comments holding them); a
    variant swaps one word of a sampled comment for its reader's form.
    """
    texts = {cid: normalize(body)[0].lower() for cid, body in comments.items()}
    items: list[KnownItem] = []
    ids = sorted(comments)
    variants = {kind: 0 for kind in VARIANTS}
    for cid in rng.sample(ids, min(len(ids), count * 3)):
        if len([i for i in items if i.kind == "base"]) >= count:
            break
        words = content_words(comments[cid])
        nouns = {w.surface: w for w in words if w.pos.startswith("名詞") and len(w.surface) >= 2}
        if len(nouns) < 2:
            continue
        rarity = {s: sum(normalize(s)[0].lower() in t for t in texts.values()) for s in nouns}
        chosen = sorted(nouns, key=lambda s: (rarity[s], s))[: rng.choice((2, 3))]
        items.append(KnownItem("base", " ".join(chosen), cid, chosen))
        for kind in VARIANTS:
            if variants[kind] >= count:
                continue
            candidates = [(w, v) for w in words if (v := _variant(kind, w, rng))]
            if candidates:
                word, typed = rng.choice(candidates)
                rest = [s for s in chosen if s != word.surface][:2]
                items.append(KnownItem(kind, " ".join(rest + [typed]), cid, rest + [word.surface]))
                variants[kind] += 1
                if kind == "reading" and (latin := jaconv.kana2alphabet(typed)).isascii():
                    # The same reading typed in romaji on a keyboard without an IME (no `n'`).
                    items.append(KnownItem("romaji", " ".join(rest + [latin]), cid, rest + [word.surface]))
    return items
