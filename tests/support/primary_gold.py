"""Scoring an archive's primary-source links against the mirror's gold (content_reports), for
the tests and bench/primary_links.py."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from urllib.parse import urlsplit

from archive.demo.content_reports import PRIMARY_SOURCES


def primary_links(db: Path) -> dict[str, tuple[str, str | None] | None]:
    """Every press page's link in the archive: path -> (document path, heading of the linked
    part, None for a document without parts) or None when it has no primary source."""
    conn = sqlite3.connect(db)
    try:
        result: dict[str, tuple[str, str | None] | None] = {
            urlsplit(url).path: None for (url,) in conn.execute("SELECT url FROM articles WHERE official = 0")
        }
        for url, primary_url, primary_id, part in conn.execute(
            "SELECT a.url, p.url, l.primary_id, l.part FROM primary_links l JOIN articles a ON a.id = l.article_id "
            "JOIN articles p ON p.id = l.primary_id"
        ):
            row = conn.execute(
                "SELECT heading FROM article_parts WHERE article_id = ? AND part = ? LIMIT 1", [primary_id, part]
            ).fetchone() if part is not None else None
            result[urlsplit(url).path] = (urlsplit(primary_url).path, row[0] if row else None)
    finally:
        conn.close()
    return result


def score_links(found: dict[str, tuple[str, str | None] | None]) -> dict:
    """Precision and recall of the document links, the share of briefing reports linked to the
    right part, and the hard negatives left unlinked. A press page not in PRIMARY_SOURCES
    reports no document of the mirror."""
    linked = {path: link for path, link in found.items() if link is not None}
    expected = {path: PRIMARY_SOURCES.get(path) for path in found}
    correct = [p for p, link in linked.items() if expected[p] is not None and link[0] == expected[p][0]]
    wanted = sum(v is not None for v in expected.values())
    with_part = [p for p in correct if expected[p][1] is not None]
    negatives = [p for p in found if p in PRIMARY_SOURCES and PRIMARY_SOURCES[p] is None]
    return {
        "predicted": len(linked),
        "correct": len(correct),
        "expected": wanted,
        "precision": len(correct) / len(linked) if linked else 1.0,
        "recall": len(correct) / wanted if wanted else 1.0,
        "right_part": sum(linked[p][1] == expected[p][1] for p in with_part),
        "with_part": len(with_part),
        "wrong": sorted(p for p in linked if p not in correct),
        "missed": sorted(p for p, want in expected.items() if want is not None and p not in correct),
        "negatives_unlinked": sum(found[p] is None for p in negatives),
        "negatives": len(negatives),
    }
