"""`mfa-archive status`: the last run per source, daily counts and health warnings."""

from __future__ import annotations

import argparse
import json

from archive.cli.crawl import DEFAULT_DB


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("status", help="show the last runs, articles per day and health warnings")
    parser.add_argument("--db", default=DEFAULT_DB, metavar="PATH", help="archive file (default: archive.db)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--check", action="store_true", help="exit 1 when any warning is active (for monitoring)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from archive.health import check_health, sparkline
    from archive.runlock import is_locked
    from archive.store import open_archive

    db = open_archive(args.db, create=False)
    health = check_health(db, crawl_running=is_locked(args.db))
    if args.json:
        print(json.dumps(health.as_dict(), ensure_ascii=False))
    else:
        for run_row in health.last_runs:
            print(f"{run_row['source']}: last run {run_row['started_at']}, {run_row['status']}: {run_row['message']}")
        for run_row in health.running:
            print(f"{run_row['source']}: crawling now, since {run_row['started_at']}")
        if not health.last_runs and not health.running:
            print("No crawl has run on this archive yet.")
        counts = [n for _, n in health.per_day]
        print(f"Articles per day, last {len(counts)} days: {sparkline(counts)} (total {sum(counts)}, max {max(counts)})")
        for warning in health.warnings:
            print(f"WARNING {warning}")
        if not health.warnings:
            print("No warnings.")
    return 1 if args.check and health.warnings else 0
