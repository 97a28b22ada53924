"""The report as one self-contained HTML file: figures, a funnel, bars, and the menu coloured by drop-off.

Everything is inline (CSS, SVG charts from ``ivr.analytics.charts``, the menu diagram rendered to
SVG by Graphviz's ``dot``), so the file can be mailed, archived or opened offline and shows the
same thing. Where ``dot`` is not installed the diagram section says so and the rest still renders.
"""

from __future__ import annotations

import shutil
import subprocess
from html import escape

from ivr.analytics.charts import bars, funnel
from ivr.analytics.figures import DEFINITIONS, OUTCOMES, Figures, Report
from ivr.menu.diagram import Traffic, build, to_dot, with_traffic
from ivr.menu.model import Tree

FUNNEL_LABELS = {
    "calls": "calls",
    "main_menu": "reached the main menu",
    "topic_or_hotline": "reached a topic or a hotline",
    "helped": "helped",
}
OUTCOME_LABELS = {
    "message": "left a message",
    "transferred": "transferred, answered",
    "transfer_failed": "transfer not answered",
    "contained": "helped by guidance",
    "abandoned": "gave up",
}

STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI","Noto Sans CJK SC",sans-serif;margin:2rem auto;max-width:980px;
color:#212121;padding:0 1rem}
h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #e0e0e0;padding-bottom:.2rem}
table{border-collapse:collapse;margin:.5rem 0}td,th{padding:.25rem .6rem;text-align:right;border-bottom:1px solid #eee}
td:first-child,th:first-child{text-align:left}.kpis{display:flex;flex-wrap:wrap;gap:1rem}
.kpi{border:1px solid #e0e0e0;border-radius:6px;padding:.6rem 1rem;min-width:9rem}
.kpi b{display:block;font-size:1.4rem}.kpi small{color:#616161}
.chart-title{font-weight:600;font-size:14px}.label,.count{font-size:12px}.funnel-label{font-size:13px;fill:#fff}
.diagram svg{max-width:100%;height:auto}.empty{color:#757575}dl{font-size:.9rem}dt{font-weight:600}
"""


def render_html(report: Report, tree: Tree | None = None) -> str:
    """The whole page. With ``tree``, the menu diagram coloured by this period's drop-off is included."""
    now = report.current
    return (
        "\n".join(
            [
                "<!doctype html>",
                '<html lang="en"><head><meta charset="utf-8">',
                f"<title>Line report {now.since:%Y-%m-%d} to {now.until:%Y-%m-%d}</title>",
                f"<style>{STYLE}</style></head><body>",
                f"<h1>Line report: {escape(report.menu_file)}</h1>",
                report_sections(report, tree),
                "</body></html>",
            ]
        )
        + "\n"
    )


def report_sections(report: Report, tree: Tree | None = None) -> str:
    """The report's body (figures, charts, tables, diagram, definitions), for a page of its own or the
    console's report page; it expects ``STYLE``'s classes."""
    now, before = report.current, report.previous
    parts = [
        f"<p>{now.since:%Y-%m-%d %H:%M} to {now.until:%Y-%m-%d %H:%M} UTC; previous period "
        f"{before.since:%Y-%m-%d %H:%M} to {before.until:%Y-%m-%d %H:%M} shown in grey.</p>",
        _kpis(now, before),
        "<h2>Where callers get to</h2>",
        funnel("Funnel", [(FUNNEL_LABELS[k], now.funnel.get(k, 0)) for k in FUNNEL_LABELS]),
        "<h2>How calls ended</h2>",
        bars("Outcomes", [(OUTCOME_LABELS[o], now.outcomes[o], before.outcomes[o]) for o in OUTCOMES]),
        "<h2>What callers ask for</h2>",
        bars(
            "Top topics",
            [(report.titles.get(n, n), c, before.topics.get(n, 0)) for n, c in list(now.topics.items())[:12]],
        ),
        "<h2>Menus</h2>",
        _menus_table(now),
        "<h2>Transfers</h2>",
        _transfers_table(report, now),
    ]
    if tree is not None:
        parts += ["<h2>The menu, coloured by drop-off</h2>", _diagram(tree, now)]
    parts += ["<h2>Definitions</h2>", "<dl>"]
    parts += [f"<dt>{escape(name)}</dt><dd>{escape(text)}</dd>" for name, text in DEFINITIONS.items()]
    parts += ["</dl>"]
    return "\n".join(parts)


def traffic_of(figures: Figures) -> Traffic:
    """The report's counts in the shape the menu diagram draws."""
    return Traffic(
        edges=figures.edges,
        entries={m.node: m.callers for m in figures.menus if m.callers},
        drop_off={m.node: m.drop_off_rate or 0.0 for m in figures.menus if m.callers},
    )


def _kpis(now: Figures, before: Figures) -> str:
    def kpi(label: str, value: str, previous: str) -> str:
        return f'<div class="kpi"><small>{escape(label)}</small><b>{value}</b><small>previous {previous}</small></div>'

    return (
        '<div class="kpis">'
        + kpi("calls", str(now.calls), str(before.calls))
        + kpi("containment", _pct(now.containment), _pct(before.containment))
        + kpi("keypad share", _pct(now.keypad_share), _pct(before.keypad_share))
        + kpi("after-hours arrivals", str(now.after_hours_attempts), str(before.after_hours_attempts))
        + kpi("messages left", str(now.messages_left), str(before.messages_left))
        + kpi("median s to a topic", _num(now.median_seconds_to_topic), _num(before.median_seconds_to_topic))
        + "</div>"
    )


def _menus_table(figures: Figures) -> str:
    rows = [m for m in sorted(figures.menus, key=lambda m: -m.entries) if m.entries]
    if not rows:
        return '<p class="empty">No menu was entered in this period.</p>'
    head = (
        "<table><thead><tr><th>menu</th><th>entries</th><th>callers</th><th>no-input</th><th>no-match</th>"
        "<th>fallbacks</th><th>gave up here</th></tr></thead><tbody>"
    )
    body = "".join(
        f"<tr><td>{escape(m.title)} <small>({escape(m.node)})</small></td><td>{m.entries}</td><td>{m.callers}</td>"
        f"<td>{_pct(m.no_input_rate)}</td><td>{_pct(m.no_match_rate)}</td><td>{m.fallbacks}</td>"
        f"<td>{m.abandoned_here}</td></tr>"
        for m in rows
    )
    return head + body + "</tbody></table>"


def _transfers_table(report: Report, figures: Figures) -> str:
    hotlines = sorted(set(figures.transfers) | set(figures.transfer_attempts) | set(figures.after_hours_by_hotline))
    if not hotlines:
        return '<p class="empty">No transfers in this period.</p>'
    statuses = sorted({s for outcomes in figures.transfers.values() for s in outcomes})
    head = (
        "<table><thead><tr><th>hotline</th><th>dialled</th>"
        + "".join(f"<th>{escape(s)}</th>" for s in statuses)
        + "<th>reached while closed</th></tr></thead><tbody>"
    )
    body = "".join(
        f"<tr><td>{escape(report.hotline_names.get(h, h))}</td><td>{figures.transfer_attempts.get(h, 0)}</td>"
        + "".join(f"<td>{figures.transfers.get(h, {}).get(s, 0)}</td>" for s in statuses)
        + f"<td>{figures.after_hours_by_hotline.get(h, 0)}</td></tr>"
        for h in hotlines
    )
    return head + body + "</tbody></table>"


def _diagram(tree: Tree, figures: Figures) -> str:
    return diagram_svg(to_dot(with_traffic(build(tree), traffic_of(figures))))


def diagram_svg(source: str) -> str:
    """A DOT drawing as inline SVG (Graphviz's ``dot``), or a line saying why there is none."""
    dot = shutil.which("dot")
    if dot is None:
        return '<p class="empty">Graphviz (dot) is not installed, so the diagram is left out.</p>'
    done = subprocess.run([dot, "-Tsvg"], input=source.encode(), capture_output=True, timeout=60, check=False)
    if done.returncode != 0:
        return f'<p class="empty">Graphviz could not draw the diagram: {escape(done.stderr.decode()[:200])}</p>'
    svg = done.stdout.decode("utf-8")
    return f'<div class="diagram">{svg[svg.find("<svg") :]}</div>'


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.1f}%"


def _num(value: float | None) -> str:
    return "–" if value is None else f"{value:.0f}"
