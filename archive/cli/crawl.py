"""`mfa-archive crawl`: discover, fetch, extract and store new articles from every source."""

from __future__ import annotations

import argparse
import sys

from archive.config import load_config, parse_base_url_override
from archive.relevance import load_rules

DEFAULT_DB = "archive.db"


def add_source_options(parser: argparse.ArgumentParser) -> None:
    """Options shared by the commands that read settings/sources.toml."""
    parser.add_argument("--config", metavar="FILE", help="sources file (default: settings/sources.toml)")
    parser.add_argument(
        "--base-url",
        metavar="NAME=URL",
        action="append",
        default=[],
        help="point source NAME at another origin, e.g. a local mirror (repeatable)",
    )


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("crawl", help="crawl the configured sources into the archive")
    parser.add_argument("--db", default=DEFAULT_DB, metavar="PATH", help="archive file (default: archive.db)")
    add_source_options(parser)
    parser.add_argument(
        "--source", action="append", default=[], metavar="NAME", help="crawl only this source (repeatable)"
    )
    parser.add_argument("--quiet", action="store_true", help="print nothing unless something went wrong")
    parser.add_argument(
        "--log-file",
        metavar="PATH",
        help="rotating log file (default: mfa-archive.log beside the archive)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from archive.cli import EXIT_LOCKED
    from archive.crawl import run_crawl
    from archive.runlock import Locked, crawl_lock

    overrides = dict(parse_base_url_override(text) for text in args.base_url)
    config = load_config(args.config, overrides)
    sources = config.select(args.source)
    load_rules()  # a broken settings/relevance.toml must stop the run here, not fail every page
    try:
        with crawl_lock(args.db):
            report = run_crawl(config, sources, args.db, log_file=args.log_file, progress=not args.quiet)
    except Locked as exc:
        print(f"mfa-archive crawl: {exc}", file=sys.stderr)
        return EXIT_LOCKED
    failed = [rep for rep in report.sources.values() if rep.status in ("failed", "blocked")]
    troubled = [rep for rep in report.sources.values() if rep.status != "ok" or rep.layout_changed]
    for rep in report.sources.values():
        if not args.quiet or rep in troubled:
            print(rep.summary(), file=sys.stderr if rep in troubled and args.quiet else sys.stdout)
    return 1 if failed else 0
