"""Console pages: the message inbox (play a message, mark it handled) and the calls (list, one journey).

Both read the call store through ``ivr.store.queries``, the same functions ``ivr messages`` and
``ivr calls`` use, so the console and the command line never disagree. Caller numbers are shown in
full here (the team calls them back); the pages need the staff login, and marking a message handled
is a CSRF-protected form.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, abort, redirect, render_template, request, url_for

from ivr.store import queries
from ivr.web.console.access import Access
from ivr.web.console.store_access import StoreUnavailable, store_engine

STATUSES = ("new", "handled")


def register(blueprint: Blueprint, context: Any) -> dict[str, Access]:
    def engine() -> Any:
        return store_engine(context.shared, context.settings)

    @blueprint.get("/messages")
    def messages_page() -> Any:
        status = request.args.get("status", "new")
        status = status if status in STATUSES else None
        try:
            with engine().connect() as connection:
                found = queries.list_messages(connection, status=status, limit=200)
        except StoreUnavailable as exc:
            return render_template("console/messages.html", error=str(exc), messages=[], status=status)
        return render_template("console/messages.html", error=None, messages=found, status=status)

    @blueprint.post("/messages/<int:message_id>/handled")
    def handle(message_id: int) -> Any:
        try:
            with engine().begin() as connection:
                found = queries.handle_message(connection, message_id, datetime.now(UTC))
        except StoreUnavailable:
            abort(503)
        if not found:
            abort(404)
        return redirect(url_for("console.messages_page", status=request.args.get("status", "new")))

    @blueprint.get("/calls")
    def calls_page() -> Any:
        try:
            with engine().connect() as connection:
                found = queries.recent_calls(connection, limit=100, now=datetime.now(UTC))
        except StoreUnavailable as exc:
            return render_template("console/calls.html", error=str(exc), calls=[])
        return render_template("console/calls.html", error=None, calls=found)

    @blueprint.get("/calls/<call_sid>")
    def call_page(call_sid: str) -> Any:
        try:
            with engine().connect() as connection:
                found = queries.call_with_events(connection, call_sid, now=datetime.now(UTC))
        except StoreUnavailable as exc:
            return render_template("console/calls.html", error=str(exc), calls=[])
        if found is None:
            abort(404)
        call, journey = found
        return render_template("console/call.html", call=call, journey=journey)

    return dict.fromkeys(
        ("console.messages_page", "console.handle", "console.calls_page", "console.call_page"), Access.STAFF
    )
