"""A small server-rendered SVG bar chart of matches per month.

The chart has at most `MAX_BARS` bars whatever the dates: one bar a month
while the matches span up to `MAX_BARS` months, else one a year, else one
per run of years. A single comment dated year 1 or 9999 widens the span,
never the page.
"""

from __future__ import annotations

from markupsafe import Markup, escape

WIDTH, HEIGHT, LABEL = 320, 90, 14
MAX_BARS = 120


def _ordinal(month: str) -> int:
    """`YYYY-MM` (the year may lack its zero padding) as months since year 0."""
    year, mon = map(int, month.split("-"))
    return year * 12 + mon - 1


def _label(ordinal: int) -> str:
    return f"{ordinal // 12:04d}-{ordinal % 12 + 1:02d}"


def _width(first: int, last: int) -> int:
    """Months per bar: 1, 12, or whole years enough to fit in MAX_BARS bars."""
    if last - first < MAX_BARS:
        return 1
    years = last // 12 - first // 12 + 1
    return 12 * -(-years // MAX_BARS)


def bars(months) -> list[tuple[str, str, int]]:
    """(first month, last month, count) of each bar for (month, count) pairs, empty bars included."""
    counts: dict[int, int] = {}
    for month, count in months:
        key = _ordinal(month)
        counts[key] = counts.get(key, 0) + count
    if not counts:
        return []
    first, last = min(counts), max(counts)
    width = _width(first, last)
    start = first if width == 1 else first - first % 12
    end = last if width == 1 else last - last % 12 + 11  # the last month, or December of the last year
    totals = [0] * ((last - start) // width + 1)
    for ordinal, count in counts.items():
        totals[(ordinal - start) // width] += count
    return [
        (_label(start + i * width), _label(min(start + (i + 1) * width - 1, end)), total)
        for i, total in enumerate(totals)
    ]


def month_histogram(months) -> Markup:
    """Return an inline SVG of (month, count) pairs, at most MAX_BARS bars."""
    found = bars(months)
    if not found:
        return Markup("")
    peak = max(count for _, _, count in found)
    bar = WIDTH / len(found)
    parts = [
        f'<svg class="histogram" viewBox="0 0 {WIDTH} {HEIGHT + LABEL}" role="img" '
        f'aria-label="月別の件数" xmlns="http://www.w3.org/2000/svg">'
    ]
    for i, (first, last, count) in enumerate(found):
        h = round(HEIGHT * count / peak, 1) if peak else 0
        x = round(i * bar + 1, 1)
        span = first if first == last else f"{first}〜{last}"
        parts.append(
            f'<rect x="{x}" y="{HEIGHT - h}" width="{max(1, round(bar - 2, 1))}" height="{h}">'
            f"<title>{escape(span)}: {count}件</title></rect>"
        )
    parts.append(f'<text x="0" y="{HEIGHT + LABEL - 2}">{escape(found[0][0])}</text>')
    if len(found) > 1:
        parts.append(f'<text x="{WIDTH}" y="{HEIGHT + LABEL - 2}" text-anchor="end">{escape(found[-1][1])}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
