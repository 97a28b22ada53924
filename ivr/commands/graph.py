"""`ivr graph FILE --format mermaid|dot [--lang zh-CN] [-o OUT]`: draw a menu tree.

A thin adapter over ``ivr.menu.diagram``: load and check the file, draw it, write the text. A file with
errors is not drawn: its errors are printed instead (as ``ivr validate`` would), because a drawing
of a tree that cannot be served would be reviewed as if it could.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from ivr.analytics import build_report
from ivr.analytics.html import traffic_of
from ivr.call.checks import check_menu
from ivr.commands.report import open_existing_store, period
from ivr.commands.store_options import add_store_options
from ivr.commands.validate import EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, format_diagnostic
from ivr.menu.diagram import FORMATS, build, to_dot, to_mermaid, with_traffic


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``graph`` sub-command to the ``ivr`` command line."""
    parser = subparsers.add_parser(
        "graph",
        help="draw a menu tree as a Mermaid or Graphviz diagram",
        description=(
            "Draw a menu tree: one box per node (id and title), shaped by kind, arrows labelled with keys, "
            "fallbacks dashed. Mermaid renders in Markdown viewers; DOT with Graphviz (dot -Tsvg)."
        ),
    )
    parser.add_argument("file", metavar="FILE", help="the menu file to draw")
    parser.add_argument("-f", "--format", choices=FORMATS, default="mermaid", help="output syntax (default: mermaid)")
    parser.add_argument("--lang", help="language of the titles (default: the tree's default language)")
    parser.add_argument("-o", "--output", metavar="OUT", help="write to this file instead of standard output")
    parser.add_argument(
        "--traffic",
        action="store_true",
        help="draw the call store's traffic on it: callers on every arrow, boxes tinted by drop-off",
    )
    parser.add_argument("--since", help="with --traffic: first day (ISO date, UTC; default: 7 days ago)")
    parser.add_argument("--until", help="with --traffic: end, exclusive (ISO date, UTC; default: now)")
    add_store_options(parser)  # with --traffic: --database-url, --spool-dir
    parser.add_argument("--database", dest="database_url", help=argparse.SUPPRESS)  # its first name
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Entry point of the sub-command; returns the exit code (0 drawn, 1 the file has errors, 2 bad usage)."""
    path = Path(args.file)
    if not path.is_file():
        print(f"ivr graph: {path}: no such file", file=sys.stderr)
        return EXIT_USAGE
    tree, diagnostics = check_menu(path)
    errors = [d for d in diagnostics if d.severity == "error"]
    if tree is None or errors:
        for diagnostic in errors:
            print(format_diagnostic(diagnostic), file=sys.stderr)
        print(f"ivr graph: {path} has errors; fix them first (ivr validate {path})", file=sys.stderr)
        return EXIT_PROBLEMS
    lang = args.lang or tree.default_language
    if lang not in tree.languages:
        print(f"ivr graph: '{lang}' is not a language of {path} ({', '.join(tree.languages)})", file=sys.stderr)
        return EXIT_USAGE
    diagram = build(tree, lang)
    if args.traffic:
        try:
            since, until = period(args.since, args.until)
        except ValueError as exc:
            print(f"ivr graph: --traffic: {exc}", file=sys.stderr)
            return EXIT_USAGE
        engine = open_existing_store(args, "graph")
        if engine is None:
            return EXIT_USAGE
        try:
            report = build_report(engine, tree, since, until)
        except SQLAlchemyError as exc:
            print(f"ivr graph: --traffic: {exc}", file=sys.stderr)
            return EXIT_USAGE
        finally:
            engine.dispose()
        diagram = with_traffic(diagram, traffic_of(report.current))
    text = to_mermaid(diagram) if args.format == "mermaid" else to_dot(diagram)
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return EXIT_OK
