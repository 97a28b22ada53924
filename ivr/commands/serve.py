"""``ivr serve``: the webhook service on Flask's development server.

For production run it under gunicorn (see docs/running.md): ``gunicorn -w 4 -b 0.0.0.0:5000 'ivr.web:create_app()'``.
"""

from __future__ import annotations

import argparse
import logging
import os


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("serve", help="run the webhook service (development server)")
    parser.add_argument("--menu", help="menu file (default: $MENU_FILE or menus/wallet.yaml)")
    parser.add_argument("--audio-dir", help="pre-rendered prompts (default: $AUDIO_DIR or audio)")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "5000")), help="default 5000")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ivr.menu.diagnostics import ConfigError
    from ivr.web import create_app

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    overrides = {"MENU_FILE": args.menu, "AUDIO_DIR": args.audio_dir}
    try:
        app = create_app({k: v for k, v in overrides.items() if v})
    except ConfigError as exc:
        print(f"the menu has errors; fix them and start again:\n{exc}")
        return 1
    except (RuntimeError, ValueError) as exc:  # a production check, or a setting that is not valid
        print(f"refusing to start: {exc}")
        return 1
    base = f"http://{args.host}:{args.port}"
    print(f"Serving the IVR on {base}  (Twilio Voice URL: <public URL>/voice/incoming, POST)")
    settings = app.extensions["ivr"]["settings"]
    if not settings.production or settings.console_password:
        print(f"Call it from a browser:   {base}/console/phone")
    print(f"Call it in the terminal:  ivr simulate {base}/voice/incoming")
    app.run(host=args.host, port=args.port, threaded=True)
    return 0
