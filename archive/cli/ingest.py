"""`mfa-archive ingest FILE.jsonl`: import pre-extracted articles (one JSON object per line)."""

from __future__ import annotations

import argparse

from archive.cli.options import add_db

DESCRIPTION = """Imports articles from a JSON Lines file, one object per line: url, title, text, published
(ISO date or datetime, or null) and optionally source (else the URL's host). They go through the
same relevance, reprint, story and search path as crawled articles. A bad line is reported with
its number and skipped (exit 1 if any failed); the rest of the file is imported."""


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("ingest", help="import articles from a JSON Lines file", description=DESCRIPTION)
    parser.add_argument("file", metavar="FILE.jsonl", help="JSON Lines file to import")
    add_db(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import sys
    from pathlib import Path

    from archive.cli import EXIT_FAILURE, EXIT_OK
    from archive.errors import UserError
    from archive.pipeline.ingest import ingest_file
    from archive.schema import open_archive

    path = Path(args.file)
    if not path.is_file():
        raise UserError(f"no such file: {path}")
    db = open_archive(args.db, create=True, verify=True)
    try:
        summary = ingest_file(db, path, errors=sys.stderr)
    finally:
        db.close()
    print(summary.line())
    return EXIT_FAILURE if summary.failed else EXIT_OK
