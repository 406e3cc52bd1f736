"""Build HTML-escaped snippets with `<mark>` around matched character spans."""

from __future__ import annotations

import html

from ..analysis.normalize import normalize

SNIPPET_CHARS = 160
LITERAL_SCAN_CHARS = 10_000  # of a comment, searched for the n-gram view's literals
CONTEXT_BEFORE = 40


def merge_spans(spans) -> list[tuple[int, int]]:
    """Sort spans and merge the ones that overlap or touch.

    >>> merge_spans([(5, 8), (0, 3), (3, 4), (6, 7)])
    [(0, 4), (5, 8)]
    """
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(s, e) for s, e in merged]


def _window(length: int, spans, size: int) -> tuple[int, int]:
    """Pick the `size`-character window holding the most matches.

    Each candidate window opens CONTEXT_BEFORE characters ahead of a match;
    the first one holding the most whole matches wins. `spans` are sorted
    and disjoint (`make_snippet` merges them), so their starts and their
    ends both ascend: a window holds the matches from the first one starting
    in it to the last one ending in it, and two pointers that only move
    forward count them in one pass, whatever the number of matches.
    """
    if length <= size or not spans:
        return 0, min(length, size)
    best_start, best_count = 0, -1
    first = ended = 0  # first span starting at or after lo; spans ending by lo + size
    for start, _ in spans:
        lo = max(0, start - CONTEXT_BEFORE)
        while spans[first][0] < lo:
            first += 1
        while ended < len(spans) and spans[ended][1] <= lo + size:
            ended += 1
        count = max(0, ended - first)
        if count > best_count:
            best_start, best_count = lo, count
    best_start = min(best_start, max(0, length - size))
    return best_start, best_start + size


def make_snippet(text: str, spans, size: int = SNIPPET_CHARS) -> str:
    """Return an escaped excerpt of `text` around `spans`, matches in <mark>.

    Escaping happens piece by piece around the marks, so a comment such as
    `<script>` stays literal right next to a highlight. A long text is cut
    to the `size` characters holding the most matches, with `…` where cut.

    >>> make_snippet("<b>京都</b>の寺と京都の庭", [(3, 5), (12, 14)])
    '&lt;b&gt;<mark>京都</mark>&lt;/b&gt;の寺と<mark>京都</mark>の庭'
    >>> make_snippet("ab" * 30 + "京都" + "cd" * 30, [(60, 62)], size=50)
    '…abababababababababababababababababababab<mark>京都</mark>cdcdcdcd…'
    """
    spans = [(max(0, s), min(len(text), e)) for s, e in merge_spans(spans) if e > s]
    lo, hi = _window(len(text), spans, size)
    out = ["…" if lo > 0 else ""]
    cursor = lo
    for start, end in spans:
        if end <= lo or start >= hi:
            continue
        start, end = max(start, lo), min(end, hi)
        out.append(html.escape(text[cursor:start]))
        out.append(f"<mark>{html.escape(text[start:end])}</mark>")
        cursor = end
    out.append(html.escape(text[cursor:hi]))
    if hi < len(text):
        out.append("…")
    return "".join(out)


def literal_spans(text: str, literals) -> list[tuple[int, int]]:
    """Return spans where a literal query string occurs in `text`.

    Matching is on NFKC, lowercased text and the spans are mapped back to
    the original characters; this marks what the n-gram view matched. Only
    the first LITERAL_SCAN_CHARS characters are searched: the words' own
    spans come from the index for the whole comment, and normalizing a
    1 MB comment for every hit would cost a request hundreds of ms.

    >>> literal_spans("ＣＰＵとcpu", ["CPU"])
    [(0, 3), (4, 7)]
    """
    if not literals:
        return []
    norm, offsets = normalize(text[:LITERAL_SCAN_CHARS])
    folded = norm.lower()
    spans = []
    for literal in literals:
        needle = normalize(literal)[0].lower()
        start = folded.find(needle) if needle else -1
        while start >= 0:
            end = start + len(needle)
            spans.append((offsets[start], offsets[end]) if offsets else (start, end))
            start = folded.find(needle, end)
    return spans
