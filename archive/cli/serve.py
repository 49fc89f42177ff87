"""`mfa-archive serve`: read and search the archive in a browser (Datasette with the project's plugin)."""

from __future__ import annotations

import argparse

from archive.cli.options import add_db, bounded_int

DESCRIPTION = """Starts a web server on the archive: a search page with every word form (the engine of
`mfa-archive search`), articles made for reading, stories with every outlet, saved searches as
Atom feeds, and Datasette's tables and JSON for power users. Only this machine can connect
unless --host names another address, which also needs --public."""


def register(sub: argparse._SubParsersAction) -> None:
    from archive.web import DEFAULT_PORT

    parser = sub.add_parser("serve", help="read and search the archive in a browser", description=DESCRIPTION)
    add_db(parser)
    parser.add_argument("--host", default="127.0.0.1", metavar="ADDRESS",
                        help="address to listen on (default 127.0.0.1: this machine only)")
    parser.add_argument("--port", type=bounded_int(0, 65535, "--port"), default=DEFAULT_PORT, metavar="N",
                        help=f"port (default {DEFAULT_PORT}; 0 picks a free one)")
    parser.add_argument("--open", action="store_true", help="open the search page in a web browser")
    parser.add_argument("--public", action="store_true",
                        help="allow a non-loopback --host; shows only the readers' tables, no SQL, no downloads")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from archive.web.server import serve

    serve(args.db, host=args.host, port=args.port, public=args.public, open_browser=args.open)
    return 0
