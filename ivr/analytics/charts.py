"""Charts as inline SVG: horizontal bars (with the previous period as a thin bar) and a funnel.

Drawn here rather than by a charting library so the HTML report is one self-contained file that
opens anywhere (no CDN, no script), and so every count is also in the SVG as text: people read the
numbers, tests and screen readers find them.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

BAR = "#1e88e5"
BAR_BEFORE = "#b0bec5"
WIDTH = 640


def bars(title: str, rows: Sequence[tuple[str, int, int | None]], *, unit: str = "calls") -> str:
    """One bar per row: label, this period's count, the previous period's (or None)."""
    if not rows:
        return f'<p class="empty">{escape(title)}: none in this period</p>'
    label_w, bar_w, row_h = 230, WIDTH - 230 - 70, 30
    top = max([now for _, now, _ in rows] + [before or 0 for _, _, before in rows] + [1])
    height = row_h * len(rows) + 28
    out = [
        f'<svg class="chart" role="img" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" '
        f'aria-label="{escape(title)}"><title>{escape(title)}</title>',
        f'<text x="0" y="16" class="chart-title">{escape(title)}</text>',
    ]
    for index, (label, now, before) in enumerate(rows):
        y = 28 + index * row_h
        width = bar_w * now / top
        out.append(f'<text x="{label_w - 8}" y="{y + 15}" text-anchor="end" class="label">{escape(label)}</text>')
        out.append(
            f'<rect x="{label_w}" y="{y + 3}" width="{width:.1f}" height="16" fill="{BAR}">'
            f"<title>{escape(label)}: {now} {unit}</title></rect>"
        )
        if before is not None:
            out.append(
                f'<rect x="{label_w}" y="{y + 21}" width="{bar_w * before / top:.1f}" height="4" fill="{BAR_BEFORE}">'
                f"<title>previous period: {before}</title></rect>"
            )
        out.append(f'<text x="{label_w + width + 6:.1f}" y="{y + 15}" class="count">{now}</text>')
    out.append("</svg>")
    return "".join(out)


def funnel(title: str, stages: Sequence[tuple[str, int]]) -> str:
    """Stages from widest to narrowest, each a centred band as wide as its share of the first."""
    if not stages or stages[0][1] == 0:
        return f'<p class="empty">{escape(title)}: no calls in this period</p>'
    first = stages[0][1]
    row_h, height = 44, 44 * len(stages) + 28
    out = [
        f'<svg class="chart funnel" role="img" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" '
        f'aria-label="{escape(title)}"><title>{escape(title)}</title>',
        f'<text x="0" y="16" class="chart-title">{escape(title)}</text>',
    ]
    for index, (label, count) in enumerate(stages):
        y = 28 + index * row_h
        width = max(2.0, (WIDTH - 40) * count / first)
        x = (WIDTH - width) / 2
        share = f"{100 * count / first:.0f}%"
        out.append(
            f'<rect x="{x:.1f}" y="{y}" width="{width:.1f}" height="36" rx="4" fill="{BAR}" '
            f'fill-opacity="{1 - 0.15 * index:.2f}"><title>{escape(label)}: {count} ({share})</title></rect>'
        )
        out.append(
            f'<text x="{WIDTH / 2}" y="{y + 23}" text-anchor="middle" class="funnel-label">'
            f"{escape(label)}: {count} ({share})</text>"
        )
    out.append("</svg>")
    return "".join(out)
