"""`mfa-archive schedule`: crawl each source on its own cron schedule, in the foreground."""

from __future__ import annotations

import argparse

from archive.cli.options import add_config, add_db, seconds

DESCRIPTION = """Runs in the foreground and crawls each source on the cron expression in its `schedule`
key (settings/sources.toml), once at start-up and then on schedule, each crawl in its own
subprocess, one at a time. SIGTERM or Ctrl-C lets the running crawl finish its in-flight pages
(killed after 60 s), then exits."""


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("schedule", help="run crawls on each source's schedule until stopped", description=DESCRIPTION)
    add_db(parser)
    add_config(parser)
    parser.add_argument("--source", action="append", default=[], metavar="NAME", help="schedule only this source")
    parser.add_argument("--every", type=seconds, metavar="SECONDS",
                        help="ignore the cron expressions and crawl every SECONDS (for trying it out)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import sys

    from archive.classify import load_rules
    from archive.config import load_config, parse_base_url_override
    from archive.ops.schedule import CrawlScheduler, build_jobs
    from archive.schema import open_archive

    overrides = dict(parse_base_url_override(text) for text in args.base_url)
    config = load_config(args.config, overrides)
    sources = config.select(args.source)
    jobs = build_jobs(sources, args.every)
    load_rules()
    open_archive(args.db, create=True, verify=True).close()  # refuse an unusable archive now, not at every run
    command = [sys.executable, "-m", "archive", "crawl", "--db", args.db, "--quiet"]
    if args.config:
        command += ["--config", args.config]
    for text in args.base_url:
        command += ["--base-url", text]
    print(f"mfa-archive schedule: {', '.join(j.source for j in jobs)} scheduled; Ctrl-C or SIGTERM stops.", flush=True)
    CrawlScheduler(jobs, command).run()
    return 0
