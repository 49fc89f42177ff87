"""`mfa-archive export`: write the archive as JSON Lines, CSV or Parquet with a dataset card."""

from __future__ import annotations

import argparse
import sys

from archive.cli import UserError

DEFAULT_DB = "archive.db"


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "export",
        help="export articles as jsonl, csv or parquet (ministry news unless --all)",
        description="Writes OUT atomically and a dataset card README.md beside it (docs/export-schema.md).",
    )
    parser.add_argument("--format", required=True, choices=["jsonl", "csv", "parquet"], help="file format")
    parser.add_argument("--out", required=True, metavar="PATH", help="file to write (replaced atomically)")
    parser.add_argument("--db", default=DEFAULT_DB, metavar="PATH", help="archive file (default: archive.db)")
    parser.add_argument(
        "--since", metavar="DATE|last", help="published on or after DATE, or `last`: only articles added since the last export to OUT"
    )
    parser.add_argument("--until", metavar="DATE", help="published on or before DATE (YYYY-MM-DD)")
    parser.add_argument("--source", metavar="NAME", help="only this source")
    parser.add_argument("--all", action="store_true", help="include articles that are not ministry news")
    parser.add_argument("--by-story", action="store_true", help="one row per story (its original report)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from archive.export import ExportError, export
    from archive.store import open_archive

    db = open_archive(args.db, create=False)
    try:
        result = export(
            db,
            args.format,
            args.out,
            since=args.since,
            until=args.until,
            source=args.source,
            all_articles=args.all,
            by_story=args.by_story,
        )
    except ExportError as exc:
        raise UserError(str(exc)) from None
    unit = "stories" if args.by_story else "articles"
    print(f"exported {result.rows} {unit} to {result.path} (card: {result.card_path})", file=sys.stderr)
    return 0
