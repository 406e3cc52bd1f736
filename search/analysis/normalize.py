"""Text as the index compares it: NFKC with a map back to the original offsets, kana folded.

Every view reads normalized text, and every token's offsets are mapped back
through `normalize`'s map, so highlights land on the characters a reader
typed, whatever NFKC did to them.
"""

from __future__ import annotations

import re
import unicodedata

# What `normalize` does to text before janome sees it: bump it when that
# changes, and the janome caches of earlier builds are no longer read.
NORMALIZATION_VERSION = 1
_PROLONGED = "ー"
_KATAKANA_ONLY = re.compile(r"^[\u30a1-\u30fa\u30fc]+$")
_HIRA_TO_KATA = {c: c + 0x60 for c in range(0x3041, 0x3097)}
_KANA_WORD = re.compile(r"^[\u3041-\u3096\u30a1-\u30fa\u30fc]{2,}$")


# NFKC runs in C; a text is cut into chunks of about this many characters at
# a base character, and only the chunks that NFKC changes are mapped piece by
# piece in Python: a 1 MB comment with a few full-width letters costs
# milliseconds, not a second.
NORMALIZE_CHUNK = 256
# Unicode's stream-safe limit: a base character keeps at most 30 combining
# marks. CPython's normalization sorts marks in quadratic time, so a crafted
# run of 8,000 marks would cost a third of a second on each read.
MAX_COMBINING = 30


def normalize(text: str) -> tuple[str, list[int] | None]:
    """NFKC-normalize `text`; return it with a map to original offsets.

    The map has one entry per normalized character plus a final sentinel,
    giving the original offset where that character's source begins. It is
    None when normalization changed nothing (the common case, and cheap).

    >>> normalize("ＧＰＴ-4o")
    ('GPT-4o', [0, 1, 2, 3, 4, 5, 6])
    >>> normalize("ｶﾞｲﾄﾞ")
    ('ガイド', [0, 2, 3, 5])
    >>> normalize("機械学習")
    ('機械学習', None)
    >>> normalize("ｻｰﾊﾞｰ")[0], fold_katakana(normalize("ｻｰﾊﾞｰ")[0])
    ('サーバー', 'サーバ')
    """
    if unicodedata.is_normalized("NFKC", text):
        return text, None
    out: list[str] = []
    offsets: list[int] = []
    for start, end in _chunks(text, 0, len(text), NORMALIZE_CHUNK):
        _normalize_span(text, start, end, out, offsets)
    offsets.append(len(text))
    return "".join(out), offsets


def _normalize_span(text: str, start: int, end: int, out: list[str], offsets: list[int]) -> None:
    """Normalize text[start:end], halving it until the parts NFKC changes are small.

    A chunk that is already NFKC is copied as it is; a changed one is split
    in two at a base character, down to a few characters mapped piece by
    piece, so the Python loop runs only near the characters that change.
    """
    chunk = text[start:end]
    if unicodedata.is_normalized("NFKC", chunk):
        out.append(chunk)
        offsets.extend(range(start, end))
        return
    parts = list(_chunks(text, start, end, (end - start + 1) // 2)) if end - start > _SMALLEST_SPAN else []
    if len(parts) < 2:  # small, or one base character with its marks
        _normalize_pieces(text, start, end, out, offsets)
        return
    for part_start, part_end in parts:
        _normalize_span(text, part_start, part_end, out, offsets)


_SMALLEST_SPAN = 32


def _chunks(text: str, start: int, stop: int, size: int):
    """Yield (start, end) pieces of text[start:stop] of about `size`, each cut before a base character."""
    while start < stop:
        end = min(stop, start + size)
        while end < stop and not _is_base(text[end]):
            end += 1
        yield start, end
        start = end


def _is_base(ch: str) -> bool:
    return not unicodedata.combining(ch) and ch not in "\uff9e\uff9f"


def _normalize_pieces(text: str, i: int, stop: int, out: list[str], offsets: list[int]) -> None:
    """NFKC of text[i:stop] piece by piece: a base character with the marks that follow it."""
    while i < stop:
        j = i + 1
        # Keep combining marks and half-width voicing marks with their base
        # character: `ｶﾞ` is two characters that become one.
        while j < stop and not _is_base(text[j]):
            j += 1
        piece = unicodedata.normalize("NFKC", text[i : min(j, i + 1 + MAX_COMBINING)])
        out.append(piece)
        offsets.extend([i] * len(piece))
        i = j


def fold_katakana(word: str) -> str:
    """Drop a trailing `ー` from katakana words of four or more characters.

    >>> fold_katakana("コンピューター"), fold_katakana("サーバー")
    ('コンピュータ', 'サーバ')
    >>> fold_katakana("キー"), fold_katakana("ゲーム"), fold_katakana("ぼーー")  # short, inside, hiragana
    ('キー', 'ゲーム', 'ぼーー')
    """
    if len(word) >= 4 and word[-1] == _PROLONGED and _KATAKANA_ONLY.match(word):
        return word.rstrip(_PROLONGED)
    return word


def is_katakana(text: str) -> bool:
    """True when `text` is katakana (with `ー`) and nothing else.

    >>> is_katakana("データ"), is_katakana("データ分析"), is_katakana("")
    (True, False, False)
    """
    return bool(_KATAKANA_ONLY.match(text))


def to_katakana(text: str) -> str:
    """Fold hiragana to katakana.

    >>> to_katakana("きかいがくしゅう"), to_katakana("機械のがくしゅう")
    ('キカイガクシュウ', '機械ノガクシュウ')
    """
    return text.translate(_HIRA_TO_KATA)


def is_kana(text: str) -> bool:
    """True when `text` is two or more hiragana/katakana only (a reading a reader typed).

    >>> is_kana("きかい"), is_kana("キカイ"), is_kana("機械"), is_kana("あ")
    (True, True, False, False)
    """
    return bool(_KANA_WORD.match(text))
