"""Stories as readers see them: each with its member articles, newest story first.

`list_stories` gives every matching story at once (the `stories` command); `story_page` and
`get_story` give one page of them and one story, for the web pages.
"""

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


def _members(db: Database, story_ids: list[int]) -> dict[int, list[dict]]:
    """Member articles of each story, earliest first (the order `list_stories` uses)."""
    members: dict[int, list[dict]] = {story_id: [] for story_id in story_ids}
    if not story_ids:
        return members
    rows = db.execute(
        "SELECT a.story_id, a.id, a.url, a.source, a.title, a.published, a.mfa, a.reprint_of FROM articles a "
        "JOIN dedup_docs d ON d.article_id = a.id WHERE a.story_id IN (SELECT value FROM json_each(?)) "
        "ORDER BY d.sort_key, a.url",
        [json.dumps(story_ids)],
    )
    for story_id, i, url, source, title, published, mfa, reprint_of in rows:
        members[story_id].append({"id": i, "url": url, "source": source, "title": title, "published": published,
                                  "mfa": bool(mfa), "reprint_of": reprint_of})
    return members


def _story(row: tuple, articles: list[dict], primary: dict | None) -> dict:
    """A story for the web pages: its `primary` source (or None) and its members, the primary
    source first when it is one of them (as `list_stories` orders them)."""
    story_id, title, first_seen, last_seen, size, sources, mfa = row
    if primary:
        articles = sorted(articles, key=lambda a: a["id"] != primary["id"])  # stable: the rest keep their order
    return {"id": story_id, "title": title, "first_seen": first_seen, "last_seen": last_seen, "size": size,
            "sources": json.loads(sources), "mfa_articles": mfa, "articles": articles, "primary": primary}


def story_page(db: Database, *, all_stories: bool = False, limit: int = 30, offset: int = 0) -> tuple[list[dict], int]:
    """One page of stories, last seen newest first, with their members (the primary source
    first) and `primary` source; and how many there are.

    Without `all_stories`, only stories that contain ministry news.
    """
    where = "" if all_stories else "WHERE mfa > 0"
    total = db.execute(f"SELECT count(*) FROM stories {where}").fetchone()[0]
    rows = db.execute(
        f"SELECT id, title, first_seen, last_seen, size, sources, mfa FROM stories {where} "
        "ORDER BY last_seen DESC, id DESC LIMIT ? OFFSET ?",
        [limit, offset],
    ).fetchall()
    members = _members(db, [row[0] for row in rows])
    primaries = story_primaries(db, [row[0] for row in rows])
    return [_story(row, members[row[0]], primaries.get(row[0])) for row in rows], total


def get_story(db: Database, story_id: int) -> dict | None:
    """One story with its members (its primary source first, then earliest first) and its
    `primary` source, or None when there is no such story."""
    row = db.execute(
        "SELECT id, title, first_seen, last_seen, size, sources, mfa FROM stories WHERE id = ?", [story_id]
    ).fetchone()
    if row is None:
        return None
    return _story(row, _members(db, [story_id])[story_id], story_primaries(db, [story_id]).get(story_id))


def primary_link(db: Database, article_id: int) -> dict | None:
    """A press article's primary source (`primary_links`): the ministry's document and, for a
    document with parts, the heading of the part the article reports; None when it has none."""
    if "primary_links" not in db.table_names():  # an archive from before schema 12
        return None
    row = db.execute(
        """SELECT p.id, p.url, p.source, p.title, p.published, l.part, l.evidence,
                  (SELECT heading FROM article_parts h WHERE h.article_id = l.primary_id AND h.part = l.part
                   AND h.heading IS NOT NULL ORDER BY h.n LIMIT 1)
           FROM primary_links l JOIN articles p ON p.id = l.primary_id WHERE l.article_id = ?""",
        [article_id],
    ).fetchone()
    if row is None:
        return None
    return dict(zip(("id", "url", "source", "title", "published", "part", "evidence", "heading"), row))
