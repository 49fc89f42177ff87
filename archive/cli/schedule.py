"""`mfa-archive schedule`: crawl each source on its own cron schedule, in the foreground."""

from __future__ import annotations

import argparse
import sys

from archive.cli.crawl import DEFAULT_DB, add_source_options
from archive.config import load_config, parse_base_url_override
from archive.relevance import load_rules
from archive.store import open_archive


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("schedule", help="run crawls on each source's schedule until stopped")
    parser.add_argument("--db", default=DEFAULT_DB, metavar="PATH", help="archive file (default: archive.db)")
    add_source_options(parser)
    parser.add_argument("--source", action="append", default=[], metavar="NAME", help="schedule only this source")
    parser.add_argument(
        "--every",
        type=float,
        metavar="SECONDS",
        help="ignore the cron expressions and crawl every SECONDS (for trying it out)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from archive.cli import UserError
    from archive.schedule import CrawlScheduler, build_jobs

    if args.every is not None and args.every <= 0:
        raise UserError("--every must be a positive number of seconds")
    overrides = dict(parse_base_url_override(text) for text in args.base_url)
    config = load_config(args.config, overrides)
    sources = config.select(args.source)
    jobs = build_jobs(sources, args.every)
    load_rules()
    open_archive(args.db, verify=True).conn.close()  # refuse an unusable archive now, not at every run
    command = [sys.executable, "-m", "archive", "crawl", "--db", args.db, "--quiet"]
    if args.config:
        command += ["--config", args.config]
    for text in args.base_url:
        command += ["--base-url", text]
    print(f"mfa-archive schedule: {', '.join(j.source for j in jobs)} scheduled; Ctrl-C or SIGTERM stops.", flush=True)
    CrawlScheduler(jobs, command).run()
    return 0
