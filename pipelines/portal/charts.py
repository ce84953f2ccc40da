"""Small SVG charts of a column's distribution, drawn on the server from its codebook figures.

Categorical columns get horizontal bars of their most frequent values, numbers a histogram,
dates bars per year. Plain SVG with a title and labels, so the page needs no JavaScript and
screen readers get the figures as text.
"""

from __future__ import annotations

import re
from html import escape
from typing import Any

WIDTH = 360
BAR = 16
GAP = 4
LABEL = 130
MAX_BARS = 12


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _svg(height: int, title: str, body: list[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" '
        f'aria-label="{escape(title)}"><title>{escape(title)}</title>' + "".join(body) + "</svg>"
    )


def bars(items: list[tuple[str, int]], title: str) -> str:
    """Horizontal bars, one per (label, count)."""
    items = items[:MAX_BARS]
    top = max((c for _, c in items), default=0) or 1
    span = WIDTH - LABEL - 50
    body = []
    for i, (label, count) in enumerate(items):
        y = i * (BAR + GAP)
        width = max(1, round(span * count / top)) if count else 0
        text = label if len(label) <= 20 else label[:19] + "…"
        body.append(
            f'<text x="{LABEL - 6}" y="{y + BAR - 4}" text-anchor="end" class="label">'
            f"{escape(text)}</text>"
            f'<rect x="{LABEL}" y="{y}" width="{width}" height="{BAR}" class="bar">'
            f"<title>{escape(label)}: {count}</title></rect>"
            f'<text x="{LABEL + width + 4}" y="{y + BAR - 4}" class="count">{count}</text>'
        )
    return _svg(max(BAR, len(items) * (BAR + GAP)), title, body)


def histogram(edges: list[float], counts: list[int], title: str) -> str:
    """Vertical bars over equal-width bins, with the range written underneath."""
    height, plot = 120, 90
    top = max(counts, default=0) or 1
    width = WIDTH / max(1, len(counts))
    body = []
    for i, count in enumerate(counts):
        h = round(plot * count / top)
        low, high = _fmt(edges[i]), _fmt(edges[i + 1])
        body.append(
            f'<rect x="{i * width + 1:.1f}" y="{plot - h}" width="{width - 2:.1f}" '
            f'height="{h}" class="bar"><title>{escape(low)} – {escape(high)}: {count}'
            "</title></rect>"
        )
    body.append(f'<text x="0" y="{height - 14}" class="label">{escape(_fmt(edges[0]))}</text>')
    body.append(
        f'<text x="{WIDTH}" y="{height - 14}" text-anchor="end" class="label">'
        f"{escape(_fmt(edges[-1]))}</text>"
    )
    return _svg(height, title, body)


def _ordinal(labels: list[str]) -> bool:
    """Labels that read as numbers, bands or dates ("2024-03", "80+", "<18") sort by value."""
    return all(label == "*" or label[:1].isdigit() or label[:1] == "<" for label in labels)


def _natural(label: str) -> tuple[bool, bool, int, str]:
    """ "*" last, "<18" first, then by the leading number ("5-9" before "10-14")."""
    digits = re.match(r"\d+", label)
    return label == "*", not label.startswith("<"), int(digits.group()) if digits else 0, label


def column_chart(column: dict[str, Any]) -> str | None:
    """The chart that fits a codebook column, or None when its values are withheld."""
    stats = column.get("statistics", {})
    name = column["name"]
    if stats.get("top_values"):
        items = [(_fmt(t["value"]), int(t["count"])) for t in stats["top_values"]][:MAX_BARS]
        if _ordinal([label for label, _ in items]):
            items.sort(key=lambda item: _natural(item[0]))
        if stats.get("other_count"):
            items = [*items[: MAX_BARS - 1], ("(other / övriga)", int(stats["other_count"]))]
        return bars(items, f"Most frequent values of {name}")
    if stats.get("histogram"):
        hist = stats["histogram"]
        return histogram(hist["edges"], hist["counts"], f"Distribution of {name}")
    if stats.get("by_year"):
        return bars(
            [(t["value"], int(t["count"])) for t in stats["by_year"]], f"Values of {name} per year"
        )
    return None
