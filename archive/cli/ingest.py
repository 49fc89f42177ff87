"""`mfa-archive ingest FILE.jsonl`: import pre-extracted articles (one JSON object per line)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from archive.cli import EXIT_FAILURE, EXIT_OK, UserError

DEFAULT_DB = "archive.db"


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "ingest",
        help="import articles from a JSON Lines file",
        description="Each line: {url, title, text, published (ISO date/datetime or null), source (optional)}. "
        "Bad lines are reported with their number and skipped.",
    )
    parser.add_argument("file", metavar="FILE.jsonl", help="JSON Lines file to import")
    parser.add_argument("--db", default=DEFAULT_DB, metavar="PATH", help="archive file (default: archive.db)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from archive.ingest import ingest_file
    from archive.store import open_archive

    path = Path(args.file)
    if not path.is_file():
        raise UserError(f"no such file: {path}")
    db = open_archive(args.db, verify=True)
    try:
        summary = ingest_file(db, path, errors=sys.stderr)
    finally:
        db.conn.close()
    print(summary.line())
    return EXIT_FAILURE if summary.failed else EXIT_OK
