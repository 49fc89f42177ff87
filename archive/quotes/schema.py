"""The `quotes` table: every quotation of a press article, its speaker, and its verdict against
the article's primary text. Plain SQL, so opening an archive imports nothing of the stage."""

from __future__ import annotations

from archive.store import Database


def create_tables(db: Database) -> None:
    """Migration step (schema 9): the `quotes` table (idempotent)."""
    db.execute(
        """CREATE TABLE IF NOT EXISTS quotes (
            id INTEGER PRIMARY KEY,
            article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
            position INTEGER NOT NULL, [end] INTEGER NOT NULL, quote TEXT NOT NULL, kind TEXT NOT NULL,
            speaker TEXT, speaker_key TEXT, ministry INTEGER NOT NULL DEFAULT 0,
            primary_id INTEGER REFERENCES articles(id) ON DELETE SET NULL,
            verdict TEXT, score REAL, match_start INTEGER, match_end INTEGER, issue TEXT, issue_detail TEXT
        )"""
    )
    db.execute("CREATE INDEX IF NOT EXISTS quotes_article ON quotes(article_id, position)")
    db.execute("CREATE INDEX IF NOT EXISTS quotes_speaker ON quotes(speaker_key)")
    db.execute("CREATE INDEX IF NOT EXISTS quotes_primary ON quotes(primary_id)")
