"""`mfa-archive crawl`: discover, fetch, extract and store new articles from every source."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from archive.cli.options import add_config, add_db, bounded_int

DESCRIPTION = """Crawls each configured source once: its feeds, sitemaps and section pages, then every
new or changed article, politely (robots.txt, one request at a time per site, delays). Prints one
paragraph per source; with --quiet only trouble: a source unreachable or blocked, a layout change,
an internal error, a full disk or an interrupted run. Exit codes: 0 ok, 1 a source or the run
failed, 2 bad arguments or configuration, 75 another crawl holds the archive, 130 interrupted."""


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("crawl", help="crawl the configured sources into the archive", description=DESCRIPTION)
    add_db(parser)
    add_config(parser)
    parser.add_argument("--source", action="append", default=[], metavar="NAME", help="crawl only this source (repeatable)")
    parser.add_argument("--quiet", action="store_true", help="print nothing unless something went wrong (for cron)")
    parser.add_argument("--log-file", metavar="PATH", help="rotating log file (default: mfa-archive.log beside the archive)")
    parser.add_argument(
        "--backfill", type=bounded_int(1, 3650, "--backfill"), metavar="DAYS",
        help="this run, read the sitemaps DAYS back for older articles (at the same polite pace)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from archive.cli import EXIT_FAILURE, EXIT_INTERRUPTED
    from archive.classify import load_rules
    from archive.config import DEFAULT_CONTACT, load_config, parse_base_url_override
    from archive.ops.runlock import crawl_lock
    from archive.store.database import check_archive_path
    from crawler.run import run_crawl

    overrides = dict(parse_base_url_override(text) for text in args.base_url)
    config = load_config(args.config, overrides)
    sources = config.select(args.source)
    load_rules()  # a broken settings/relevance.toml must stop the run here, not fail every page
    check_archive_path(Path(args.db), create=True)  # refuse what is not an archive before making its lock
    with crawl_lock(args.db):
        if not args.quiet:
            if config.crawl.contact == DEFAULT_CONTACT and not all(s.is_loopback for s in sources):
                print(f"note: set [crawl] contact in {config.path} to your own e-mail or URL: it goes in the "
                      "User-Agent so site operators can reach you")
            print("crawling " + ", ".join(f"{s.name} ({s.host})" for s in sources) + " ...", flush=True)
        report = run_crawl(config, sources, args.db, log_file=args.log_file, progress=not args.quiet,
                           backfill_days=args.backfill)
    for rep in report.sources.values():
        if rep.troubled:
            print(rep.summary(), file=sys.stderr if args.quiet else sys.stdout)
        elif not args.quiet:
            print(rep.summary())
    if report.stopped == "interrupted":
        return EXIT_INTERRUPTED
    if report.stopped or any(rep.status in ("failed", "blocked") for rep in report.sources.values()):
        return EXIT_FAILURE
    return 0
