"""``ivr phone [URL]``: serve the browser phone and print its address (it opens nothing).

Without a URL the page calls this project's app in-process (``--menu`` chooses the menu); with one it
calls any TwiML app over HTTP, signing like Twilio with ``--auth-token`` (default
``$TWILIO_AUTH_TOKEN``). The token stays in this process: the page never sees it. The same page is
also served by ``ivr serve`` (``bash scripts/serve.sh``) at ``/console/phone``.
"""

from __future__ import annotations

import argparse
import os
import sys

DEFAULT_PORT = 5001  # beside `ivr serve`'s 5000, so both can run


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "phone",
        help="serve the browser phone (keypad, real sound, transcript, diagram) and print its address",
        description=(
            "Serve the phone page: call the line from a browser. Without URL it calls this project's app "
            "in-process; with URL, any TwiML app's voice webhook over HTTP."
        ),
    )
    parser.add_argument("url", nargs="?", help="voice webhook URL of a running TwiML app (default: this app)")
    parser.add_argument("--menu", help="menu file for the in-process app (default: $MENU_FILE or menus/wallet.yaml)")
    parser.add_argument("--audio-dir", help="pre-rendered prompts (default: $AUDIO_DIR or audio)")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT}; 0: any free)")
    parser.add_argument(
        "--auth-token",
        default=os.environ.get("TWILIO_AUTH_TOKEN"),
        help="sign the simulator's requests like Twilio with this token (default: $TWILIO_AUTH_TOKEN)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from werkzeug.serving import make_server

    from ivr.menu.diagnostics import ConfigError
    from ivr.web import create_app
    from ivr.web.logs import configure_console_log

    configure_console_log("INFO")  # the service's one format (ivr.web.logs), as ivr serve writes it
    if args.url and not args.url.startswith(("http://", "https://")):
        print(f"ivr phone: {args.url!r} is not an http(s) URL of a voice webhook", file=sys.stderr)
        return 2
    overrides = {
        "MENU_FILE": args.menu,
        "AUDIO_DIR": args.audio_dir,
        "PHONE_TARGET": args.url,
        "TWILIO_AUTH_TOKEN": args.auth_token,
    }
    try:
        app = create_app({k: v for k, v in overrides.items() if v})
        server = make_server(args.host, args.port, app, threaded=True)
    except ConfigError as exc:
        print(f"the menu has errors; fix them and start again:\n{exc}", file=sys.stderr)
        return 1
    except (RuntimeError, ValueError) as exc:
        print(f"ivr phone: refusing to start: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"ivr phone: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 1
    host = args.host if args.host not in ("0.0.0.0", "::") else "127.0.0.1"
    print(f"Phone: http://{host}:{server.server_port}/console/phone", flush=True)
    print(f"Calling: {args.url or 'this app, in-process'}  (Ctrl-C stops)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        app.extensions["ivr"]["phone_calls"].shutdown()
    return 0
