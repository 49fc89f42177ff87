"""`mfa-archive search QUERY`: find articles in any grammatical form of the query's words."""

from __future__ import annotations

import argparse
import json
import sys

from archive.cli import UserError

DEFAULT_DB = "archive.db"
_BOLD = ("\x1b[1m", "\x1b[0m")


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "search",
        help="search the archive in any word form (ministry news unless --all)",
        description='Words match in every form (Галузин finds Галузина); "quoted words" are a phrase.',
    )
    parser.add_argument("query", help="words to look for, as you would write them")
    parser.add_argument("--db", default=DEFAULT_DB, metavar="PATH", help="archive file (default: archive.db)")
    parser.add_argument("--source", metavar="NAME", help="only this source (e.g. tass, newsru)")
    parser.add_argument("--since", metavar="DATE", help="published on or after DATE (YYYY-MM-DD)")
    parser.add_argument("--until", metavar="DATE", help="published on or before DATE (YYYY-MM-DD)")
    parser.add_argument("--all", action="store_true", help="include articles that are not ministry news")
    parser.add_argument("--by-story", action="store_true", help="show each story once, with its outlets")
    parser.add_argument("--limit", type=int, default=20, metavar="N", help="at most N hits (default 20)")
    parser.add_argument("--json", action="store_true", help="one JSON object per hit per line")
    parser.set_defaults(func=run)


def _print_hit(rank: int, hit, *, by_story: bool, bold: bool) -> None:
    from archive.search import HIGHLIGHT

    marks = _BOLD if bold else ("[", "]")
    snippet = hit.marked_snippet.replace(HIGHLIGHT[0], marks[0]).replace(HIGHLIGHT[1], marks[1])
    day = (hit.published or "")[:10] or "undated"
    title = (hit.story_title or hit.title) if by_story else hit.title
    print(f"{rank}. {day}  {hit.source}  {title}")
    print(f"   {hit.url}")
    if by_story:
        print(f"   story {hit.story_id if hit.story_id is not None else '-'}: {', '.join(hit.outlets)}")
    print(f"   {' '.join(snippet.split())}")


def run(args: argparse.Namespace) -> int:
    from archive.search import QueryError, search
    from archive.store import open_archive

    db = open_archive(args.db, create=False)
    try:
        hits = search(
            db,
            args.query,
            source=args.source,
            since=args.since,
            until=args.until,
            all_articles=args.all,
            by_story=args.by_story,
            limit=args.limit,
        )
    except QueryError as exc:
        raise UserError(str(exc)) from None
    if args.json:
        for hit in hits:
            print(json.dumps(hit.as_json(), ensure_ascii=False))
        return 0
    if not hits:
        scope = "" if args.all else " among ministry news (add --all to search everything)"
        print(f"no matches for {args.query!r}{scope}", file=sys.stderr)
        return 0
    for rank, hit in enumerate(hits, 1):
        _print_hit(rank, hit, by_story=args.by_story, bold=sys.stdout.isatty())
    return 0
