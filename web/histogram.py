"""A small server-rendered SVG bar chart of matches per month."""

from __future__ import annotations

from markupsafe import Markup, escape

WIDTH, HEIGHT, LABEL = 320, 90, 14


def _all_months(first: str, last: str) -> list[str]:
    year, month = map(int, first.split("-"))
    months = []
    while f"{year:04d}-{month:02d}" <= last:
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def month_histogram(months) -> Markup:
    """Return an inline SVG of (month, count) pairs, empty months included."""
    counts = dict(months)
    if not counts:
        return Markup("")
    labels = _all_months(min(counts), max(counts))
    peak = max(counts.values())
    bar = WIDTH / len(labels)
    parts = [
        f'<svg class="histogram" viewBox="0 0 {WIDTH} {HEIGHT + LABEL}" role="img" '
        f'aria-label="月別の件数" xmlns="http://www.w3.org/2000/svg">'
    ]
    for i, month in enumerate(labels):
        count = counts.get(month, 0)
        h = round(HEIGHT * count / peak, 1) if peak else 0
        x = round(i * bar + 1, 1)
        parts.append(
            f'<rect x="{x}" y="{HEIGHT - h}" width="{max(1, round(bar - 2, 1))}" height="{h}">'
            f"<title>{escape(month)}: {count}件</title></rect>"
        )
    parts.append(f'<text x="0" y="{HEIGHT + LABEL - 2}">{escape(labels[0])}</text>')
    if len(labels) > 1:
        parts.append(f'<text x="{WIDTH}" y="{HEIGHT + LABEL - 2}" text-anchor="end">{escape(labels[-1])}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
