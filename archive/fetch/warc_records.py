"""The WARC records `ingest` took in: one row per record that went through the page path.

A row is written in the same transaction as the record's raw page and article (or failure),
so it is there exactly when they are: a second run over the same files, or one resumed after
a kill, skips the records found here and loses or repeats nothing. It also says which record
of which file each raw page came from. Plain SQL, so opening an archive imports no WARC code.
"""

from __future__ import annotations

from archive.dates import utc_now
from archive.store import Database


def create_tables(db: Database) -> None:
    """Migration step (schema 10): `warc_records` (idempotent)."""
    db.execute(
        """CREATE TABLE IF NOT EXISTS warc_records (
            record_id TEXT PRIMARY KEY,     -- WARC-Record-ID
            url TEXT NOT NULL,              -- WARC-Target-URI as captured
            captured_at TEXT NOT NULL,      -- WARC-Date, as the raw page's fetched_at
            file TEXT NOT NULL,             -- the file's name (not its directory)
            file_offset INTEGER NOT NULL,   -- where the record (its gzip member) starts in it
            raw_id INTEGER,                 -- the raw page kept from it
            outcome TEXT NOT NULL,          -- new, updated, unchanged, or "failed: REASON"
            ingested_at TEXT NOT NULL
        ) WITHOUT ROWID"""
    )


def taken_in(db: Database, record_id: str) -> bool:
    """True if the record went through the page path in an earlier (or this) run."""
    return db.execute("SELECT 1 FROM warc_records WHERE record_id = ?", [record_id]).fetchone() is not None


def remember(
    db: Database, *, record_id: str, url: str, captured_at: str, file: str, offset: int, raw_id: int | None,
    outcome: str,
) -> None:
    """Note a record as taken in; the caller's transaction holds its page and article too."""
    db.execute(
        "INSERT INTO warc_records (record_id, url, captured_at, file, file_offset, raw_id, outcome, ingested_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [record_id, url, captured_at, file, offset, raw_id, outcome, utc_now()],
    )
