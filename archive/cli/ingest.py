"""`mfa-archive ingest FILE...`: pages from web archives (WARC) and articles from JSON Lines."""

from __future__ import annotations

import argparse
import os

from archive.cli.options import add_config, add_db, bounded_int, day

CORES = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
MAX_JOBS = 64
WARC_OPTIONS = ("--source", "--since", "--until", "--jobs", "--update")

DESCRIPTION = f"""Fills the archive from files, each taken by its content: WARC files (.warc or .warc.gz,
as Common Crawl's CC-NEWS and every web archive write them) or JSON Lines.

A WARC file is read record by record with no network: the `response` records whose URL is an
article of a configured source (by its URL rules; http, https and www. are the same page) go
through the crawl's own path, raw page kept, with the capture time (WARC-Date) as the fetch
time. URLs already archived are skipped unless --update. What is stored is the page as a
browser decodes it (chunked and gzip/deflate/br/zstd codings undone; the original headers kept
as X-Archive-Orig-*). Revisits, redirects, other statuses and truncated records are counted,
not stored. A damaged part of a file is reported with its offset and skipped, and reading goes
on at the next record. A run stopped in the middle (Ctrl-C, a kill) is continued by running
the same command again. It prints, per source: records read, new, skipped and failed with
reasons. Exit 1 if a file had damaged parts.

A JSON Lines file holds one object per line: url, title, text, published (ISO date or
datetime, or null) and optionally source (else the URL's host). Its articles go through the
same relevance, reprint, story and search path. A bad line is reported with its number and
skipped (exit 1 if any failed); the rest of the file is imported.

{", ".join(WARC_OPTIONS)} apply to WARC files."""


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("ingest", help="fill the archive from WARC files or JSON Lines", description=DESCRIPTION)
    parser.add_argument("files", nargs="+", metavar="FILE", help="WARC (.warc, .warc.gz) or JSON Lines files")
    add_db(parser)
    add_config(parser, base_url=False)
    parser.add_argument("--source", metavar="NAME", help="take only this configured source's pages")
    parser.add_argument("--since", metavar="DATE", type=day("--since"),
                        help="only pages captured on or after DATE (WARC-Date, UTC)")
    parser.add_argument("--until", metavar="DATE", type=day("--until"),
                        help="only pages captured on or before DATE (WARC-Date, UTC)")
    parser.add_argument("--jobs", metavar="N", type=bounded_int(1, MAX_JOBS, "--jobs"),
                        help=f"processes that extract pages, while this one stores them in order "
                             f"(default: the number of cores, {CORES}; 1 does everything in this process)")
    parser.add_argument("--update", action="store_true",
                        help="also take pages of URLs already archived (a changed article becomes a new version)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import itertools
    import sys
    from pathlib import Path

    from archive.cli import EXIT_FAILURE, EXIT_INTERRUPTED, EXIT_OK
    from archive.errors import UserError
    from archive.pipeline.ingest import input_kind

    paths = [Path(name) for name in args.files]
    kinds = [input_kind(path) for path in paths]  # every file is checked before any is read
    warc_options = [name for name in WARC_OPTIONS if getattr(args, name[2:]) not in (None, False)]
    if warc_options and "warc" not in kinds:
        raise UserError(f"{warc_options[0]} applies to WARC files only, and none was given")
    if args.since and args.until and args.since > args.until:
        raise UserError(f"--since {args.since} is after --until {args.until}")
    config = None
    if "warc" in kinds:
        from archive.config import load_config

        config = load_config(args.config)
        config.select([args.source] if args.source else None)  # an unknown source is refused before any work
    failed = False
    for kind, group in itertools.groupby(zip(kinds, paths), key=lambda pair: pair[0]):
        files = [path for _, path in group]
        if kind == "warc":
            from archive.pipeline.backfill import backfill

            report = backfill(args.db, config, files, only=args.source, since=args.since, until=args.until,
                              jobs=args.jobs or CORES, update=args.update, problems=sys.stderr)
            for line in report.lines():
                print(line)
            if report.interrupted:
                stored = sum(t.new + t.updated for t in report.sources.values())
                sys.stderr.write(f"mfa-archive ingest: interrupted; the {stored:,} articles counted above are stored, "
                                 f"and running the same command again goes on from there\n")
                return EXIT_INTERRUPTED
            failed |= bool(report.damaged or report.stopped)
        else:
            failed |= _ingest_lines(args.db, files, several=len(paths) > 1)
    return EXIT_FAILURE if failed else EXIT_OK


def _ingest_lines(db_path: str, files: list, *, several: bool) -> bool:
    """Import JSON Lines files; True if any line failed."""
    import sys

    from archive.pipeline.ingest import ingest_file
    from archive.schema import open_archive

    db = open_archive(db_path, create=True, verify=True)
    failed = False
    try:
        for path in files:
            summary = ingest_file(db, path, errors=sys.stderr)
            print(f"{path}: {summary.line()}" if several else summary.line())
            failed |= bool(summary.failed)
    finally:
        db.close()
    return failed
