"""`mfa-archive search QUERY`: find articles in any grammatical form of the query's words."""

from __future__ import annotations

import argparse

from archive.cli.options import MAX_LIMIT, add_db, add_filters, bounded_int

_BOLD = ("\x1b[1m", "\x1b[0m")
DESCRIPTION = """Searches the archive in every word form (Галузин finds Галузина and Галузиным; "quoted
words" are a phrase), best first: articles with every word, then those with some, ranked by
bm25 with the headline counting most. Only ministry news unless --all."""


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("search", help="search the archive in any word form (ministry news unless --all)",
                            description=DESCRIPTION)
    parser.add_argument("query", help="words to look for, as you would write them")
    add_db(parser)
    add_filters(parser)
    parser.add_argument("--by-story", action="store_true",
                        help="show each story once, with its primary source first and its outlets")
    parser.add_argument("--limit", type=bounded_int(1, MAX_LIMIT, "--limit"), default=20, metavar="N",
                        help=f"at most N hits (default 20, at most {MAX_LIMIT:,})")
    parser.add_argument("--json", action="store_true", help="one JSON object per hit per line")
    parser.set_defaults(func=run)


def _print_hit(rank: int, hit, *, by_story: bool, bold: bool) -> None:
    from archive.search.snippets import HIGHLIGHT

    marks = _BOLD if bold else ("[", "]")
    snippet = hit.marked_snippet.replace(HIGHLIGHT[0], marks[0]).replace(HIGHLIGHT[1], marks[1])
    day = (hit.published or "")[:10] or "undated"
    print(f"{rank}. {day}  {hit.source}  {hit.title}")
    print(f"   {hit.url}")
    if by_story:
        story = f"story {hit.story_id}" if hit.story_id is not None else "no story"
        title = f" «{hit.story_title}»" if hit.story_title and hit.story_title != hit.title else ""
        if hit.primary_url:
            print(f"   primary source ({hit.primary_source}): {hit.primary_title}")
            print(f"     {hit.primary_url}")
        print(f"   {story}{title}: {', '.join(hit.outlets)}")
    print(f"   {' '.join(snippet.split())}")


def run(args: argparse.Namespace) -> int:
    import json
    import sys

    from archive.cli.options import article_filter
    from archive.schema import open_archive
    from archive.search.engine import count_matches, search

    db = open_archive(args.db, read_only=True)
    try:
        filters = article_filter(args, db)
        hits = search(db, args.query, filters=filters, by_story=args.by_story, limit=args.limit)
        total, more = (len(hits), False)
        if len(hits) == args.limit and not args.json:
            total, more = count_matches(db, args.query, filters=filters, by_story=args.by_story)
    finally:
        db.close()
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
    if total > len(hits) or more:
        unit = "stories" if args.by_story else "articles"
        counted = f"at least {total:,}" if more else f"{total:,}"
        print(f"\n{len(hits)} of {counted} matching {unit}; --limit N shows more.", file=sys.stderr)
    return 0
