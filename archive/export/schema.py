"""The `exports` table: past exports, for `--since last` and for `check`. Plain SQL."""

from __future__ import annotations

from pathlib import Path

from archive.store import Database


def create_tables(db: Database) -> None:
    """Migration step: the `exports` table that remembers past exports (for `--since last`)."""
    db.execute(
        """CREATE TABLE IF NOT EXISTS exports (
            id INTEGER PRIMARY KEY, prefix TEXT NOT NULL, path TEXT NOT NULL, format TEXT NOT NULL,
            by_story INTEGER NOT NULL, exported_at TEXT NOT NULL, rows INTEGER NOT NULL,
            max_article_id INTEGER, schema_version INTEGER NOT NULL, command TEXT)"""
    )
    db.execute("CREATE INDEX IF NOT EXISTS exports_prefix ON exports(prefix, id)")


def export_directories(db: Database) -> list[Path]:
    """Every directory an export was written to: where `check` looks for the temporary files
    of killed exports."""
    return sorted({Path(path).parent for (path,) in db.execute("SELECT DISTINCT path FROM exports")})
