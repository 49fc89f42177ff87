"""Stories as readers see them: each with its member articles, newest story first."""

from __future__ import annotations

import json
from datetime import date

from archive.link.primary import story_primaries
from archive.store import Database


def list_stories(db: Database, *, since: date | None = None, until: date | None = None, all_stories: bool = False) -> list[dict]:
    """Stories matching the filters with their member articles (the ministry's own document
    first, then earliest first) and their `primary` source (archive.link.primary).

    `since`: last seen on or after that day; `until`: first seen on or before it; without
    `all_stories`, only stories that contain ministry news.
    """
    clauses, params = [], []
    if not all_stories:
        clauses.append("mfa > 0")
    if since:
        clauses.append("last_seen >= ?")
        params.append(since.isoformat())
    if until:
        clauses.append("substr(first_seen, 1, 10) <= ?")
        params.append(until.isoformat())
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
    primaries = story_primaries(db, [s["id"] for s in stories])
    for story in stories:
        story["primary"] = primaries.get(story["id"])
        if story["primary"]:
            story["articles"].sort(key=lambda a: a["id"] != story["primary"]["id"])  # stable: the rest keep their order
    return stories
