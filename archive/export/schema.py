"""The `exports` table: past exports, for `--since last` and for `check`. Plain SQL."""

from __future__ import annotations

from pathlib import Path

from archive.store import Database


def create_tables(db: Database) -> None:
    """Migration step (schema 5): the `exports` table that remembers past exports (for `--since last`)."""
    db.execute(
        """CREATE TABLE IF NOT EXISTS exports (
            id INTEGER PRIMARY KEY, prefix TEXT NOT NULL, path TEXT NOT NULL, format TEXT NOT NULL,
            by_story INTEGER NOT NULL, exported_at TEXT NOT NULL, rows INTEGER NOT NULL,
            max_article_id INTEGER, schema_version INTEGER NOT NULL, command TEXT)"""
    )
    # Steps run again when an archive's version stamp is older than its tables: schema 7
    # dropped `prefix` and its index.
    if "prefix" in {row[1] for row in db.execute("PRAGMA table_info(exports)")}:
        db.execute("CREATE INDEX IF NOT EXISTS exports_prefix ON exports(prefix, id)")


def add_release_streams(db: Database) -> None:
    """Migration step (schema 7): exports belong to release streams, not to path prefixes.

    `stream` is the release stream's identity (archive.export.releases), NULL for an export
    without `--since last`; a release covers the article ids `from_id` < id <= `max_article_id`.
    `prefix` (the path without its extension) is dropped: it keyed `--since last` on file
    names, which lost deltas. The table is rebuilt rather than altered, because SQLite before
    3.35 cannot drop a column; its rows are kept, with no stream.
    """
    columns = {row[1] for row in db.execute("PRAGMA table_info(exports)")}
    if "stream" in columns:
        return
    kept = "id, path, format, by_story, exported_at, rows, max_article_id, schema_version, command"
    db.execute("DROP INDEX IF EXISTS exports_prefix")
    db.execute("ALTER TABLE exports RENAME TO exports_before_streams")
    db.execute(
        """CREATE TABLE exports (
            id INTEGER PRIMARY KEY, path TEXT NOT NULL, format TEXT NOT NULL,
            by_story INTEGER NOT NULL, exported_at TEXT NOT NULL, rows INTEGER NOT NULL,
            max_article_id INTEGER, schema_version INTEGER NOT NULL, command TEXT,
            stream TEXT, from_id INTEGER)"""
    )
    db.execute(f"INSERT INTO exports ({kept}) SELECT {kept} FROM exports_before_streams")
    db.execute("DROP TABLE exports_before_streams")
    db.execute("CREATE INDEX exports_stream ON exports(stream, id) WHERE stream IS NOT NULL")


def export_directories(db: Database) -> list[Path]:
    """Every directory an export was written to: where `check` looks for the temporary files
    of killed exports."""
    return sorted({Path(path).parent for (path,) in db.execute("SELECT DISTINCT path FROM exports")})
