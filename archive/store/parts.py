"""The structure of an article's text (`article_parts`): the turns of a transcript and the
parts a report can cover (a topic section, a question with its answer), as spans of
`articles.text`. Written with the article, from what extraction found; plain SQL."""

from __future__ import annotations

from archive.models import Part
from archive.store.database import Database

_COLUMNS = ("part", "kind", "start", "end", "speaker", "heading")


def create_tables(db: Database) -> None:
    """Migration step (schema 7): the `article_parts` table (idempotent)."""
    db.execute(
        """CREATE TABLE IF NOT EXISTS article_parts (
            article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
            n INTEGER NOT NULL, part INTEGER NOT NULL, kind TEXT NOT NULL,
            start INTEGER NOT NULL, [end] INTEGER NOT NULL, speaker TEXT, heading TEXT,
            PRIMARY KEY (article_id, n)
        ) WITHOUT ROWID"""
    )


def load_parts(db: Database, article_id: int) -> list[Part]:
    """The stored structure of one article, in text order (empty for unstructured text)."""
    return [
        Part(*row) for row in db.execute(
            "SELECT part, kind, start, [end], speaker, heading FROM article_parts WHERE article_id = ? ORDER BY n",
            [article_id],
        )
    ]


def save_parts(db: Database, article_id: int, parts: list[Part], *, new: bool) -> None:
    """Store `parts` as the structure of the article (replacing what it had). The caller owns
    the transaction; a new article without structure costs nothing."""
    if not new:
        if parts and load_parts(db, article_id) == parts:
            return
        db.execute("DELETE FROM article_parts WHERE article_id = ?", [article_id])
    if not parts:
        return
    db.executemany(
        "INSERT INTO article_parts (article_id, n, part, kind, start, [end], speaker, heading) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [(article_id, n, *(getattr(p, c) for c in _COLUMNS)) for n, p in enumerate(parts)],
    )
