"""`mfa-archive stories`: events with every outlet that reported them, newest first."""

from __future__ import annotations

import argparse
import json
from datetime import date

from archive.cli import UserError

DEFAULT_DB = "archive.db"


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "stories",
        help="list stories (one event, all outlets), newest first",
        description="By default only stories that contain ministry news; --all lists every story.",
    )
    parser.add_argument("--db", default=DEFAULT_DB, metavar="PATH", help="archive file (default: archive.db)")
    parser.add_argument("--since", metavar="DATE", help="stories last seen on or after DATE (YYYY-MM-DD)")
    parser.add_argument("--until", metavar="DATE", help="stories first seen on or before DATE (YYYY-MM-DD)")
    parser.add_argument("--all", action="store_true", help="include stories without ministry news")
    parser.add_argument("--json", action="store_true", help="one JSON object per story per line")
    parser.set_defaults(func=run)


def _day(value: str | None, option: str) -> str | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise UserError(f"{option} {value!r} is not a date (YYYY-MM-DD)") from None


def load_stories(db, *, since: str | None, until: str | None, all_stories: bool) -> list[dict]:
    """Stories matching the filters with their member articles (earliest first)."""
    clauses, params = [], []
    if not all_stories:
        clauses.append("mfa > 0")
    if since:
        clauses.append("last_seen >= ?")
        params.append(since)
    if until:
        clauses.append("substr(first_seen, 1, 10) <= ?")
        params.append(until)
    where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
    stories = []
    for story_id, title, first_seen, last_seen, size, sources in db.execute(
        f"SELECT id, title, first_seen, last_seen, size, sources FROM stories {where} ORDER BY last_seen DESC, id DESC",
        params,
    ).fetchall():
        articles = [
            {"id": i, "url": url, "source": source, "title": t, "published": published, "mfa": bool(mfa),
             "reprint_of": reprint_of}
            for i, url, source, t, published, mfa, reprint_of in db.execute(
                "SELECT a.id, a.url, a.source, a.title, a.published, a.mfa, a.reprint_of FROM articles a "
                "JOIN dedup_docs d ON d.article_id = a.id WHERE a.story_id = ? ORDER BY d.sort_key, a.url",
                [story_id],
            )
        ]
        stories.append({"id": story_id, "title": title, "first_seen": first_seen, "last_seen": last_seen,
                        "size": size, "sources": json.loads(sources), "articles": articles})
    return stories


def run(args: argparse.Namespace) -> int:
    from archive.store import open_archive

    since, until = _day(args.since, "--since"), _day(args.until, "--until")
    db = open_archive(args.db, create=False)
    try:
        stories = load_stories(db, since=since, until=until, all_stories=args.all)
    finally:
        db.conn.close()
    for story in stories:
        if args.json:
            print(json.dumps(story, ensure_ascii=False))
            continue
        print(f"{story['first_seen'][:10]}  [{story['size']}] {story['title']}")
        print(f"   outlets: {', '.join(story['sources'])}")
        for article in story["articles"]:
            copy = f"  (copy of #{article['reprint_of']})" if article["reprint_of"] else ""
            print(f"   - {article['source']}: {article['title'] or '(untitled)'}{copy}")
            print(f"     {article['url']}")
    return 0
