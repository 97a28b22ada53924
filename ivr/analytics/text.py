"""The report for a terminal: one screen, the previous period beside every figure."""

from __future__ import annotations

from ivr.analytics.figures import OUTCOMES, Figures, Report


def render_text(report: Report) -> str:
    now, before = report.current, report.previous
    lines = [
        f"ivr report: {report.menu_file}",
        f"  period    {now.since:%Y-%m-%d %H:%M} to {now.until:%Y-%m-%d %H:%M} UTC"
        f"   (previous: {before.since:%Y-%m-%d %H:%M} to {before.until:%Y-%m-%d %H:%M})",
        "",
        f"  {'':34}{'this period':>14}{'previous':>12}",
        _row("calls", now.calls, before.calls),
        _row("containment", _pct(now.containment), _pct(before.containment)),
        _row("keypad share of inputs", _pct(now.keypad_share), _pct(before.keypad_share)),
        _row("median s to a topic", _num(now.median_seconds_to_topic), _num(before.median_seconds_to_topic)),
        _row("after-hours arrivals", now.after_hours_attempts, before.after_hours_attempts),
        _row("messages left", now.messages_left, before.messages_left),
        "",
        "  outcomes (each call once)",
    ]
    lines += [_row(f"  {name.replace('_', ' ')}", now.outcomes[name], before.outcomes[name]) for name in OUTCOMES]
    lines += ["", "  languages"]
    for lang in sorted(set(now.languages) | set(before.languages)):
        lines.append(_row(f"  {lang}", now.languages.get(lang, 0), before.languages.get(lang, 0)))
    lines += ["", "  top topics (calls that heard the guidance)"]
    for node, count in list(now.topics.items())[:10]:
        lines.append(_row(f"  {report.titles.get(node, node)} ({node})", count, before.topics.get(node, 0)))
    if not now.topics:
        lines.append("    none in this period")
    lines += ["", f"  {'menu':30}{'entries':>8}{'no-input':>10}{'no-match':>10}{'fallbacks':>10}{'abandoned':>10}"]
    for menu in sorted(now.menus, key=lambda m: -m.entries):
        if menu.entries or menu.abandoned_here:
            lines.append(
                f"  {menu.node:30}{menu.entries:>8}{_pct(menu.no_input_rate):>10}{_pct(menu.no_match_rate):>10}"
                f"{menu.fallbacks:>10}{menu.abandoned_here:>10}"
            )
    lines += ["", "  transfers"]
    lines += _transfers(report, now) or ["    none in this period"]
    return "\n".join(lines) + "\n"


def _transfers(report: Report, figures: Figures) -> list[str]:
    out = []
    for hotline in sorted(set(figures.transfers) | set(figures.transfer_attempts)):
        outcomes = ", ".join(f"{status} {n}" for status, n in sorted(figures.transfers.get(hotline, {}).items()))
        name = report.hotline_names.get(hotline, hotline)
        out.append(f"    {name} ({hotline}): {figures.transfer_attempts.get(hotline, 0)} dialled; {outcomes or '-'}")
    return out


def _row(label: str, now: object, before: object) -> str:
    return f"  {label:34}{now!s:>14}{before!s:>12}"


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.1f}%"


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"
