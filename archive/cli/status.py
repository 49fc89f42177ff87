"""`mfa-archive status`: the last run per source, daily counts and health warnings."""

from __future__ import annotations

import argparse

from archive.cli.options import add_db

DESCRIPTION = """Shows the last run of each source, a crawl in progress, articles per day for the last 30
days, and warnings: a source gone quiet, a layout change, a block, a run that did not finish or
was interrupted, unusual growth. With --check it exits 1 while any warning is active."""


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("status", help="show the last runs, articles per day and health warnings", description=DESCRIPTION)
    add_db(parser)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--check", action="store_true", help="exit 1 when any warning is active (for monitoring)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import json

    from archive.ops.health import check_health, sparkline
    from archive.ops.runlock import is_locked
    from archive.schema import open_archive

    db = open_archive(args.db, read_only=True)
    try:
        health = check_health(db, crawl_running=is_locked(args.db))
    finally:
        db.close()
    if args.json:
        print(json.dumps(health.as_dict(), ensure_ascii=False))
    else:
        for run_row in health.last_runs:
            message = (run_row["message"] or "").removeprefix(f"{run_row['source']}: ")
            print(f"{run_row['source']}: last run {run_row['started_at']}, {run_row['status']}: {message}")
        for run_row in health.running:
            print(f"{run_row['source']}: crawling now, since {run_row['started_at']}")
        if not health.last_runs and not health.running:
            print("No crawl has finished on this archive yet." if health.ever_started else "No crawl has run on this archive yet.")
        counts = [n for _, n in health.per_day]
        print(f"Articles per day, last {len(counts)} days: {sparkline(counts)} (total {sum(counts)}, max {max(counts)})")
        for warning in health.warnings:
            print(f"WARNING {warning}")
        if not health.warnings:
            print("No warnings.")
    return 1 if args.check and health.warnings else 0
