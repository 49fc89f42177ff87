"""`mfa-archive stories`: events with every outlet that reported them, newest first."""

from __future__ import annotations

import argparse

from archive.cli.options import add_db, day


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "stories",
        help="list stories (one event, all outlets), newest first",
        description="Lists stories, newest first, each with its primary source (the ministry's own publication) "
        "first and every article that reported it (copies marked). "
        "By default only stories that contain ministry news; --all lists every story.",
    )
    add_db(parser)
    parser.add_argument("--since", metavar="DATE", type=day("--since"), help="stories last seen on or after DATE (YYYY-MM-DD)")
    parser.add_argument("--until", metavar="DATE", type=day("--until"), help="stories first seen on or before DATE (YYYY-MM-DD)")
    parser.add_argument("--all", action="store_true", help="include stories without ministry news")
    parser.add_argument("--json", action="store_true", help="one JSON object per story per line")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import json

    from archive.errors import UserError
    from archive.link.listing import list_stories
    from archive.schema import open_archive

    if args.since and args.until and args.since > args.until:
        raise UserError(f"--since {args.since} is after --until {args.until}")
    db = open_archive(args.db, read_only=True)
    try:
        stories = list_stories(db, since=args.since, until=args.until, all_stories=args.all)
    finally:
        db.close()
    for story in stories:
        if args.json:
            print(json.dumps(story, ensure_ascii=False))
            continue
        print(f"{story['first_seen'][:10]}  [{story['size']}] {story['title']}")
        print(f"   outlets: {', '.join(story['sources'])}")
        primary = story.get("primary")
        if primary:
            kind = f", {primary['doc_type']}" if primary["doc_type"] else ""
            how = "" if primary["grouped"] else ", reported by this story"
            print(f"   primary source ({primary['source']}{kind}{how}): {primary['title']}")
            print(f"     {primary['url']}")
        for article in story["articles"]:
            if primary and primary["grouped"] and article["id"] == primary["id"]:
                continue
            copy = f"  (copy of #{article['reprint_of']})" if article["reprint_of"] else ""
            print(f"   - {article['source']}: {article['title'] or '(untitled)'}{copy}")
            print(f"     {article['url']}")
    return 0
