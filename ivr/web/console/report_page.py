"""Console page: the report (``ivr report``'s figures and charts) for a chosen period, and its downloads."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Blueprint, Response, render_template, request

from ivr.analytics import build_report
from ivr.analytics.html import STYLE, render_html, report_sections
from ivr.web.console.access import Access
from ivr.web.console.store_access import StoreUnavailable, store_engine


def register(blueprint: Blueprint, context: Any) -> dict[str, Access]:
    def period() -> tuple[datetime, datetime]:
        until = _day(request.args.get("until"))
        since = _day(request.args.get("since"))
        now = context.shared["clock"]() if "clock" in context.shared else datetime.now(UTC)
        end = until + timedelta(days=1) if until else now
        start = since or end - timedelta(days=7)
        return (start, end) if start < end else (end - timedelta(days=7), end)

    def report() -> Any:
        tree = context.shared["menu"].current()
        since, until = period()
        return build_report(store_engine(context.shared, context.settings), tree, since, until), tree

    @blueprint.get("/report")
    def report_page() -> Any:
        try:
            built, tree = report()
        except StoreUnavailable as exc:
            return render_template("console/report.html", error=str(exc), body="", style=STYLE, since="", until="")
        last_day = built.current.until - timedelta(microseconds=1)
        return render_template(
            "console/report.html",
            error=None,
            body=report_sections(built, tree),
            style=STYLE,
            since=f"{built.current.since:%Y-%m-%d}",
            until=f"{last_day:%Y-%m-%d}",
        )

    @blueprint.get("/report.html")
    def report_file() -> Response:
        built, tree = report()
        return Response(render_html(built, tree), mimetype="text/html")

    @blueprint.get("/report.json")
    def report_json() -> Response:
        built, _ = report()
        return Response(json.dumps(built.to_dict(), ensure_ascii=False, indent=2), mimetype="application/json")

    return dict.fromkeys(("console.report_page", "console.report_file", "console.report_json"), Access.STAFF)


def _day(text: str | None) -> datetime | None:
    """A ``YYYY-MM-DD`` from the page's date fields as the start of that day (UTC); None if unreadable."""
    if not text:
        return None
    try:
        day = datetime.strptime(text, "%Y-%m-%d")
    except ValueError:
        return None
    return day.replace(tzinfo=UTC)
