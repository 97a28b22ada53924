"""The console: server-rendered pages for the people who run the line, under ``/console/``.

``console_blueprint(settings, context)`` builds one Flask blueprint from page modules. Each page
module has ``register(blueprint, context) -> dict[endpoint, Access]``: it adds its routes and says
which rule of ``ivr.web.console.access`` each follows. To add a page: write the module, add it to
``PAGE_MODULES``, add its nav entry to ``NAV`` (endpoint, message key) and its words to
``messages.yaml``.

What every page gets from ``base.html``: the UI language switch (zh/en), the navigation, the login
state, ``csrf_token()`` for forms, and ``t(key)`` for words. No page is reachable with Twilio's
webhook signature: that opens ``/voice/`` only (``ivr.web.app``), the console has its own login.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, Response, redirect, render_template, request, url_for

from ivr.web.console import access
from ivr.web.console.access import Access, Gate
from ivr.web.console.messages import choose_ui, html_lang, translate
from ivr.web.settings import Settings

#: Page modules, each with ``register(blueprint, context)``.
PAGE_MODULES: tuple[str, ...] = (
    "ivr.web.console.phone",
    "ivr.web.console.report_page",
    "ivr.web.console.menu_page",
    "ivr.web.console.inbox_page",
)

#: The navigation: (endpoint, message key), in order.
NAV: tuple[tuple[str, str], ...] = (
    ("console.phone", "page_phone"),
    ("console.report_page", "page_report"),
    ("console.messages_page", "page_messages"),
    ("console.calls_page", "page_calls"),
    ("console.menu_page", "page_menu"),
)


@dataclass
class ConsoleContext:
    """What page modules need from the app: its settings and shared objects (menu, clock, ...)."""

    settings: Settings
    shared: dict[str, Any] = field(default_factory=dict)


def console_blueprint(settings: Settings, shared: dict[str, Any] | None = None) -> Blueprint:
    """The ``console`` blueprint (mount it at ``/console``)."""
    blueprint = Blueprint(
        "console", __name__, template_folder="templates", static_folder="static", static_url_path="/static"
    )
    context = ConsoleContext(settings, shared or {})
    rules: dict[str, Access] = {
        "console.login": Access.PUBLIC,
        "console.logout": Access.PUBLIC,
        "console.static": Access.PUBLIC,
        "console.index": Access.PUBLIC,
    }
    gate = Gate(settings, rules)

    @blueprint.before_request
    def check_access() -> Response | None:
        return gate.check()

    @blueprint.context_processor
    def page_words() -> dict[str, Any]:
        ui = choose_ui()
        nav = [(endpoint, key) for endpoint, key in NAV if gate.allows(endpoint)]
        return {
            "ui": ui,
            "html_lang": html_lang(ui),
            "t": lambda key: translate(key, ui),
            "csrf_token": access.csrf_token,
            "logged_in": access.logged_in(),
            "login_enabled": gate.enabled,
            "nav": nav,
            "other_ui": "en" if ui == "zh" else "zh",
        }

    @blueprint.get("/")
    def index() -> Any:
        if not gate.enabled:  # no staff pages without a password; the dev tools may still be open
            tools = [endpoint for endpoint, _ in NAV if gate.rule(endpoint) is Access.DEV_TOOL]
            if tools and gate.dev_tools_open():
                return redirect(url_for(tools[0]))
            return Response("Not Found", status=404)
        if not access.logged_in():
            return redirect(url_for("console.login", next=request.path))
        return render_template("console/index.html")

    @blueprint.route("/login", methods=["GET", "POST"])
    def login() -> Any:
        if not gate.enabled:
            return Response("Not Found", status=404)
        failed = False
        if request.method == "POST":
            if access.password_matches(request.form.get("password", ""), settings.console_password):
                access.log_in()
                return redirect(access.safe_next(request.args.get("next")) or url_for("console.index"))
            failed = True
        return render_template("console/login.html", failed=failed)  # 200: a form shown again, with why

    @blueprint.post("/logout")
    def logout() -> Any:
        access.log_out()
        return redirect(url_for("console.login") if gate.enabled else url_for("console.index"))

    for name in PAGE_MODULES:
        rules.update(importlib.import_module(name).register(blueprint, context))
    return blueprint


__all__ = ["NAV", "PAGE_MODULES", "Access", "ConsoleContext", "console_blueprint"]
