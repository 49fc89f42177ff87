"""`mfa-archive check`: integrity and consistency checks, with `--repair`."""

from __future__ import annotations

import argparse

from archive.cli.options import add_db

DESCRIPTION = """Verifies the archive: SQLite's integrity check, the full-text and lemma indexes against
the articles, stories, versions, whether the lemma keys and MinHash signatures were made by
the installed pymorphy3 and rensa, temporary files killed exports left beside their files, and
the kept raw pages against the SHA-256 stored with each (a random sample of 1,000; every page
with --full). Without --repair nothing is written or removed. Exit 1 while a problem remains."""


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("check", help="check the archive's integrity and consistency", description=DESCRIPTION)
    add_db(parser)
    parser.add_argument("--full", action="store_true", help="check every raw page's SHA-256, not a sample")
    parser.add_argument("--repair", action="store_true",
                        help="rebuild what can be rebuilt (indexes, stories) and remove the temporary files of killed exports")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from archive.ops.check import find_problems, repair
    from archive.schema import open_archive

    db = open_archive(args.db, create=False, read_only=not args.repair)
    try:
        problems = find_problems(db, full=args.full)
        for problem in problems:
            print(f"PROBLEM {problem.check}: {problem.detail}")
        if problems and args.repair:
            for action in repair(db, problems):
                print(f"REPAIRED {action}")
            problems = find_problems(db, full=args.full)
            for problem in problems:
                print(f"STILL {problem.check}: {problem.detail}")
    finally:
        db.close()
    if not problems:
        print(f"{args.db}: ok")
    return 1 if problems else 0
