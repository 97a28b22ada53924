"""``ivr serve``: the webhook service on Flask's development server.

For production run it under gunicorn (see docs/running.md): ``gunicorn -w 4 -b 0.0.0.0:5000 'ivr.web:create_app()'``.
"""

from __future__ import annotations

import argparse
import os
import sys


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("serve", help="run the webhook service (development server)")
    parser.add_argument("--menu", help="menu file (default: $MENU_FILE or menus/wallet.yaml)")
    parser.add_argument("--audio-dir", help="pre-rendered prompts (default: $AUDIO_DIR or audio)")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=_port, help="default $PORT or 5000")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Exit 2 with one line on stderr for a setting the service cannot run with, 1 for a menu with
    errors, never a traceback."""
    from ivr.menu.diagnostics import ConfigError
    from ivr.web import create_app
    from ivr.web.logs import configure_console_log
    from ivr.web.settings import SettingError, Settings

    overrides = {"MENU_FILE": args.menu, "AUDIO_DIR": args.audio_dir}
    try:
        port = args.port if args.port is not None else _port(os.environ.get("PORT", "").strip() or "5000", "PORT")
        settings = Settings.from_env({k: v for k, v in overrides.items() if v})
        configure_console_log(settings.log_level)
        app = create_app(settings)
    except SettingError as exc:
        print(f"refusing to start: {exc}", file=sys.stderr)
        return 2
    except ConfigError as exc:
        print(f"the menu has errors; fix them and start again:\n{exc}", file=sys.stderr)
        return 1
    except (RuntimeError, ValueError) as exc:  # the call store's own checks, the menu source's
        print(f"refusing to start: {exc}", file=sys.stderr)
        return 1
    base = f"http://{args.host}:{port}"
    print(f"Serving the IVR on {base}  (Twilio Voice URL: <public URL>/voice/incoming, POST)")
    if not settings.production or settings.console_password:
        print(f"Call it from a browser:   {base}/console/phone")
    print(f"Call it in the terminal:  ivr simulate {base}/voice/incoming")
    app.run(host=args.host, port=port, threaded=True)
    return 0


def _port(text: str, name: str = "--port") -> int:
    """A TCP port; ``$PORT`` is read when the command runs, so a bad one fails ``ivr serve`` alone
    (it used to be parsed when any ``ivr`` command built its arguments: a traceback for all)."""
    if text.strip().isdigit() and 0 <= int(text) <= 65535:
        return int(text)
    message = f"{name}={text!r} is not valid: give a TCP port from 0 to 65535"
    if name == "--port":
        raise argparse.ArgumentTypeError(message)
    from ivr.web.settings import SettingError

    raise SettingError(f"setting {message}")
