"""`mfa-archive recluster`: recompute reprints, stories, primary sources and quotes from scratch."""

from __future__ import annotations

import argparse

from archive.cli.options import add_db

DESCRIPTION = """Recomputes every article's reprint link, story, primary source and quotes from
scratch, in one transaction: after a change of the linking parameters or of rensa, and once for
an archive from an earlier version (`check` says when). Same result as linking the articles one
by one, in any order."""


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("recluster", help="recompute reprints, stories, primary sources and quotes for the whole archive",
                            description=DESCRIPTION)
    add_db(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from archive.link.linking import recluster
    from archive.schema import open_archive

    db = open_archive(args.db, create=False, verify=True)
    try:
        stats = recluster(db)
    finally:
        db.close()
    print(f"articles {stats.articles}, stories {stats.stories} ({stats.multi_source_stories} with several outlets), "
          f"reprints {stats.reprints}")
    return 0
