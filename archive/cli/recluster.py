"""`mfa-archive recluster`: recompute reprints and stories from scratch (after changing parameters)."""

from __future__ import annotations

import argparse

DEFAULT_DB = "archive.db"


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("recluster", help="recompute reprint links and stories for the whole archive")
    parser.add_argument("--db", default=DEFAULT_DB, metavar="PATH", help="archive file (default: archive.db)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from archive.dedup import recluster
    from archive.store import open_archive

    db = open_archive(args.db, create=False, verify=True)
    try:
        stats = recluster(db)
    finally:
        db.conn.close()
    print(f"articles {stats.articles}, stories {stats.stories} ({stats.multi_source_stories} with several outlets), "
          f"reprints {stats.reprints}")
    return 0
