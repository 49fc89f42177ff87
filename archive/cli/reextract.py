"""`mfa-archive reextract`: re-run extraction on stored raw pages, with no network."""

from __future__ import annotations

import argparse

from archive.cli.options import add_config, add_db, day

SHOW_FAILURES = 10
DESCRIPTION = """Re-extracts the stored raw pages with the current extractor and each site's profile of
the day the page was fetched, with no network. Changed texts are versioned in article_versions;
a page that no longer extracts keeps its stored article and is listed (exit 1)."""


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("reextract", help="re-run extraction on stored raw HTML (no network)", description=DESCRIPTION)
    add_db(parser)
    add_config(parser, base_url=False)
    parser.add_argument("--source", metavar="NAME", help="only pages of this source")
    parser.add_argument("--since", metavar="DATE", type=day("--since"), help="only pages fetched on or after DATE (YYYY-MM-DD)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from archive.cli import EXIT_FAILURE, EXIT_OK
    from archive.config import load_config
    from archive.pipeline.reextract import reextract
    from archive.schema import open_archive

    config = load_config(args.config)
    db = open_archive(args.db, create=False, verify=True)
    try:
        report = reextract(db, config, source=args.source, since=args.since)
    finally:
        db.close()
    print(report.summary())
    for url, why in report.regressions[:SHOW_FAILURES]:
        print(f"  kept the stored article, page no longer extracts: {url} ({why})")
    if len(report.regressions) > SHOW_FAILURES:
        print(f"  ... and {len(report.regressions) - SHOW_FAILURES} more")
    return EXIT_FAILURE if report.regressions else EXIT_OK
