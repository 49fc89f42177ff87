"""`mfa-archive demo`: start the local mirror, crawl it with the real crawler, show the result.

A newcomer with no internet sees the whole pipeline work: discovery through robots.txt,
feeds and sitemaps, extraction, storage and full-text search.
"""

from __future__ import annotations

import argparse

from archive.cli.options import add_db

DESCRIPTION = """Starts a local mirror of news.ru, TASS and mid.ru on loopback ports (robots.txt, RSS,
sitemaps, section and list pages, article pages with their boilerplate, the ministry's documents), crawls it with the real crawler into the
archive, and shows the run summary and an example search. Offline, no setup. Run again, it
leaves the same archive: the mirror comes back on the ports the archive's URLs name."""


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("demo", help="crawl a local mirror of news.ru, TASS and mid.ru, then search it", description=DESCRIPTION)
    add_db(parser, default="demo.db")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from archive.cli import EXIT_FAILURE, EXIT_INTERRUPTED
    from archive.demo.run import run_demo

    report = run_demo(args.db)
    if report.stopped == "interrupted":
        return EXIT_INTERRUPTED
    if report.stopped or any(rep.status == "failed" for rep in report.sources.values()):
        return EXIT_FAILURE
    return 0
