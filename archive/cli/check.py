"""`mfa-archive check`: integrity and consistency checks, with `--repair`."""

from __future__ import annotations

import argparse

from archive.cli.crawl import DEFAULT_DB


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("check", help="check the archive's integrity and consistency")
    parser.add_argument("--db", default=DEFAULT_DB, metavar="PATH", help="archive file (default: archive.db)")
    parser.add_argument("--repair", action="store_true", help="rebuild what can be rebuilt (the FTS index, stories)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from archive.check import find_problems, repair
    from archive.store import open_archive

    db = open_archive(args.db, create=False)
    problems = find_problems(db)
    for problem in problems:
        print(f"PROBLEM {problem.check}: {problem.detail}")
    if problems and args.repair:
        for action in repair(db, problems):
            print(f"REPAIRED {action}")
        problems = find_problems(db)
        for problem in problems:
            print(f"STILL {problem.check}: {problem.detail}")
    if not problems:
        print(f"{args.db}: ok")
    return 1 if problems else 0
