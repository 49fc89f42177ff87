"""`mfa-archive export`: write the archive as JSON Lines, CSV or Parquet with a dataset card, or
its fetched pages as a WARC file with a CDXJ index."""

from __future__ import annotations

import argparse
import os

from archive.cli.options import add_db, day

DESCRIPTION = """Writes a regular file OUT atomically (a temporary file renamed into place) with a dataset
card beside it: README.md, or OUT's name plus .README.md when a README.md that mfa-archive did
not write is there. `--out -`, a FIFO or a character device gets the data as a stream, without
a card. A selection of 0 rows leaves a file OUT as it was.

--format warc writes the fetched pages instead of the articles: a WARC file (gzip per record)
with a response and a request record per raw page and a revisit record per later capture of a
kept body, and its CDXJ index beside it as OUT.cdxj (no card; a stream gets no index).
--since/--until then select by fetch day (UTC). See docs/export-schema.md."""


def _since(value: str):
    return value if value == "last" else day("--since")(value)


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("export", help="export articles as jsonl, csv or parquet (ministry news unless --all), "
                                              "or fetched pages as warc",
                            description=DESCRIPTION)
    parser.add_argument("--format", required=True, choices=["jsonl", "csv", "parquet", "warc"],
                        help="file format (warc: the fetched pages, with a CDXJ index)")
    parser.add_argument("--out", required=True, metavar="PATH",
                        help="file to write (replaced atomically), or - for stdout, a FIFO or a character device")
    add_db(parser)
    parser.add_argument("--since", metavar="DATE|last", type=_since,
                        help="published (warc: fetched) on or after DATE, or `last`: the next release of a "
                             "release stream, the articles (warc: pages) added since its previous release")
    parser.add_argument("--stream", metavar="NAME",
                        help="with --since last: the release stream (default: default); each format, "
                             "--source, --all and --by-story has its own")
    parser.add_argument("--until", metavar="DATE", type=day("--until"), help="published (warc: fetched) on or before DATE (YYYY-MM-DD)")
    parser.add_argument("--source", metavar="NAME", help="only this source")
    parser.add_argument("--all", action="store_true", help="include articles that are not ministry news")
    parser.add_argument("--by-story", action="store_true", help="one row per story (its primary source, else its original report)")
    parser.add_argument("--config", metavar="FILE",
                        help="sources file (default: settings/sources.toml): the sources --source may name, and "
                             "for warc the crawl settings (User-Agent, politeness) its warcinfo record names")
    parser.add_argument("--bom", action="store_true",
                        help="CSV only: start with a UTF-8 byte-order mark, so Excel reads the Cyrillic right")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import sys

    from archive.cli.options import article_filter
    from archive.export.dataset import export
    from archive.schema import open_archive

    since_last = args.since == "last"
    if since_last:
        args.since = None
    db = open_archive(args.db, create=False)
    try:
        filters = article_filter(args, db, config_path=args.config)
        result = export(db, args.format, args.out, filters=filters, since_last=since_last, by_story=args.by_story,
                        stream=args.stream, bom=args.bom, config_path=args.config)
    finally:
        db.close()
    unit = "pages" if args.format == "warc" else "stories" if args.by_story else "articles"
    print(_report(result, unit), file=sys.stderr)
    return 0


def _report(result, unit: str) -> str:
    """What the export did, in one line."""
    release = result.release
    if not result.written:
        if release:
            what = f"no new {unit} for {release.stream} after {'raw page' if unit == 'pages' else 'article'} {release.from_id}"
        else:
            what = f"no {unit} match"
        kept = "left as it was" if os.path.lexists(result.target) else "not created"
        return f"nothing to export: {what}; {result.target} {kept}"
    line = f"exported {result.rows} {unit} to {result.target}"
    if result.card_path:
        beside = ", as README.md there is not an mfa-archive card" if result.card_beside_readme else ""
        line += f" (card: {result.card_path}{beside})"
    if result.index_path:
        line += f" (CDXJ index: {result.index_path})"
    if release and release.keeps_earlier:
        line += f"; it still holds the earlier release it replaces (articles after {release.from_id})"
    return line
