"""The archive: one SQLite file, opened the same way by every command.

WAL mode and a busy timeout let a cron crawl write while searches, exports and `status` read
from other processes. Every article write happens inside one transaction together with its
FTS rows (maintained by triggers), so a crash never leaves half an article.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path

import sqlite_utils

from archive.models import Article, ExtractionFailure

SCHEMA_VERSION = 5
VERIFY_EVERY = timedelta(hours=24)
BUSY_TIMEOUT_MS = 30_000
# WAL pages between checkpoints (SQLite's default is 1,000). An article's transaction writes
# ~90 pages, and a checkpoint copies them to places all over a large file; checkpointing 20x
# less often copies a page changed by many articles once (a day of 500 into a 1M archive wrote
# 590 MB with the default and 450-470 MB with this, bench/stories_scale.py and /proc/self/io).
# The WAL grows to ~80 MB at most; the last connection to close checkpoints the rest.
WAL_AUTOCHECKPOINT_PAGES = 20_000
FTS_COLUMNS = ["title", "lead", "text"]
# How the two FTS5 indexes merge their segments. A crawl commits one article at a time, and
# each commit adds a segment. FTS5 merges a level once `automerge` segments share it (SQLite's
# default is 4), and inside one commit once `crisismerge` do (default 16). Merging 16 at a time
# passes each article's postings through fewer levels. A day of 500 into the benchmark's 1M
# archive (built in bulk) writes ~135 MB instead of ~233 MB (bench/stories_scale.py --days 5);
# in an index grown one commit at a time it saves 10-15% (bench/fts_merge.py, where common-word
# queries got faster and rare-word ones 0.1 ms slower). crisismerge stays above automerge:
# at 16/16, a merge that FTS5 would spread over many commits ran inside one (a 1 s commit).
FTS_MERGE_SETTINGS = {"automerge": 16, "crisismerge": 64}

ARTICLE_COLUMNS = {
    "id": int,
    "url": str,
    "canonical_url": str,
    "source": str,
    "title": str,
    "lead": str,
    "text": str,
    "published": str,
    "modified": str,
    "authors": str,
    "tags": str,
    "section": str,
    "image_url": str,
    "image_caption": str,
    "image_credit": str,
    "language": str,
    "word_count": int,
    "dateline_city": str,
    "dateline_agency": str,
    "extraction_method": str,
    "extractor_version": str,
    "content_hash": str,
    "lastmod": str,
    "raw_id": int,
    "fetched_at": str,
    "updated_at": str,
    "mfa": int,
    "mfa_reason": str,
    "reprint_of": int,
    "story_id": int,
}
# Columns a new version of an article replaces; identity and dedup links stay.
_CONTENT_COLUMNS = [c for c in ARTICLE_COLUMNS if c not in ("id", "url", "reprint_of", "story_id")]


# What makes a re-fetched or re-extracted article a new version (not when or how it was fetched).
_COMPARED_COLUMNS = [
    c
    for c in _CONTENT_COLUMNS
    if c not in ("fetched_at", "updated_at", "lastmod", "raw_id", "extractor_version", "mfa", "mfa_reason")
]


class ArchiveError(Exception):
    """A problem with the archive file that the user can act on; its message is one line."""


@contextmanager
def transaction(db: sqlite_utils.Database) -> Iterator[None]:
    """Run the block as one write transaction: all of it is committed, or none of it.

    Inside an open transaction the block becomes a savepoint of it. Not `with db.conn`:
    that opens no transaction, and sqlite-utils commits each write statement made outside
    one, so a crash could leave half an article. IMMEDIATE takes the write lock up front
    (waiting up to the busy timeout), so no other process can commit between this one's
    reads and its writes.
    """
    if db.conn.in_transaction:
        with db.atomic():
            yield
        return
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        yield
        db.conn.commit()
    except BaseException:
        db.conn.rollback()  # also after a failed commit, which leaves the transaction open
        raise


def utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def open_archive(path: str | Path, *, create: bool = True, verify: bool = False) -> sqlite_utils.Database:
    """Open (and if needed create) the archive at `path`, with the pragmas every process needs.

    Raises ArchiveError for a missing file (when `create` is false), a file that is not SQLite,
    or an SQLite database that is not an mfa-archive. With `verify` (for every command that writes),
    a file not checked for VERIFY_EVERY is checked first, so a damaged archive is refused
    instead of being written to, every 15 minutes, for months.
    """
    path = Path(path)
    if not path.exists() and not create:
        raise ArchiveError(f"no archive at {path}")
    if path.is_dir():
        raise ArchiveError(f"{path} is a directory, not an archive file")
    fresh = not path.exists() or path.stat().st_size == 0
    try:
        conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000)
        db = sqlite_utils.Database(conn)
        db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        tables = set(db.table_names())
        if not fresh and tables and "articles" not in tables:
            raise ArchiveError(f"{path} is an SQLite database but not an mfa-archive")
        if db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = NORMAL")
        db.execute(f"PRAGMA wal_autocheckpoint = {WAL_AUTOCHECKPOINT_PAGES}")
        db.execute("PRAGMA foreign_keys = ON")
        if verify and not fresh:
            _verify(db, path)
        ensure_schema(db)
    except sqlite3.DatabaseError as exc:
        raise ArchiveError(f"{path} is not a usable archive: {exc}") from None
    return db


def _verify(db: sqlite_utils.Database, path: Path) -> None:
    """Run SQLite's quick_check unless one passed within VERIFY_EVERY; it reads the whole file,
    so it is not done on every open."""
    try:
        last = db.execute("SELECT value FROM meta WHERE key = 'verified_at'").fetchone()
    except sqlite3.OperationalError:
        last = None
    if last and datetime.fromisoformat(last[0]) > datetime.now(timezone.utc) - VERIFY_EVERY:
        return
    result = [r[0] for r in db.execute("PRAGMA quick_check").fetchall()]
    if result != ["ok"]:
        raise ArchiveError(f"{path} is damaged ({result[0]}); nothing was written. See mfa-archive check")
    with transaction(db):
        db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('verified_at', ?)", [utc_now()])


def _schema_version(db: sqlite_utils.Database) -> int | None:
    try:
        row = db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    except sqlite3.OperationalError:
        return None
    return int(row[0]) if row else None


def ensure_schema(db: sqlite_utils.Database) -> None:
    """Create missing tables, columns and indexes, all in one transaction.

    The schema version is written last, in the same transaction, so an archive that has it
    is complete: a process killed while creating a new archive leaves nothing behind, and
    opening a current archive (the common case, often read-only) writes nothing.
    """
    if _schema_version(db) == SCHEMA_VERSION:
        return
    db.execute("BEGIN IMMEDIATE")
    try:
        _create_missing(db)
        db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', ?)", [str(SCHEMA_VERSION)])
        db.conn.commit()
    except BaseException:
        db.conn.rollback()
        raise


def _create_missing(db: sqlite_utils.Database) -> None:
    """Create what an older or new archive lacks; the caller holds the transaction."""
    if "articles" not in db.table_names():
        db["articles"].create(ARTICLE_COLUMNS, pk="id", not_null={"url", "source", "title", "text"})
        db["articles"].create_index(["url"], unique=True)
        db["articles"].create_index(["source", "published"])
        db["articles"].create_index(["published"])
        db["articles"].create_index(["story_id"])
    else:
        existing = db["articles"].columns_dict
        for name, kind in ARTICLE_COLUMNS.items():
            if name not in existing:
                db["articles"].add_column(name, kind)
    if "articles_fts" not in db.table_names():
        db["articles"].enable_fts(FTS_COLUMNS, create_triggers=True)
        # sqlite-utils' update trigger fires on any column, so setting story_id or lastmod
        # re-indexed the whole text (0.4 ms an article); only the indexed columns need it.
        db.execute("DROP TRIGGER articles_au")
        db.execute(
            """CREATE TRIGGER articles_au AFTER UPDATE OF title, lead, text ON articles BEGIN
              INSERT INTO articles_fts (articles_fts, rowid, title, lead, text)
                VALUES ('delete', old.rowid, old.title, old.lead, old.text);
              INSERT INTO articles_fts (rowid, title, lead, text) VALUES (new.rowid, new.title, new.lead, new.text);
            END"""
        )
    if "article_versions" not in db.table_names():
        db["article_versions"].create(
            {"id": int, "article_id": int, "replaced_at": str, **{c: ARTICLE_COLUMNS[c] for c in _CONTENT_COLUMNS}},
            pk="id",
            foreign_keys=[("article_id", "articles", "id")],
        )
        db["article_versions"].create_index(["article_id"])
    if "failures" not in db.table_names():
        db["failures"].create(
            {
                "id": int,
                "run_id": int,
                "url": str,
                "source": str,
                "reason": str,
                "detail": str,
                "permanent": int,
                "at": str,
            },
            pk="id",
        )
        db["failures"].create_index(["source", "at"])
        db["failures"].create_index(["url"])
    if "runs" not in db.table_names():
        db["runs"].create(
            {
                "id": int,
                "source": str,
                "started_at": str,
                "finished_at": str,
                "status": str,
                "discovered": int,
                "requested": int,
                "new": int,
                "updated": int,
                "skipped": int,
                "failed": int,
                "failed_by_reason": str,
                "extraction_failed": int,
                "layout_changed": int,
                "lastmod_mark": str,
                "bytes": int,
                "duration_s": float,
                "message": str,
            },
            pk="id",
        )
        db["runs"].create_index(["source", "started_at"])
    if "frontier" not in db.table_names():
        # Article URLs discovered but not archived yet: retried by the next run.
        db["frontier"].create(
            {
                "url": str,
                "source": str,
                "lastmod": str,
                "first_seen": str,
                "attempts": int,
                "last_error": str,
                "next_try": str,
            },
            pk="url",
        )
        db["frontier"].create_index(["source"])
    if "http_cache" not in db.table_names():
        # Validators of feeds and sitemaps, for conditional requests.
        db["http_cache"].create({"url": str, "etag": str, "last_modified": str, "saved_at": str}, pk="url")
    if "meta" not in db.table_names():
        db["meta"].create({"key": str, "value": str}, pk="key")
    # The stages that keep tables of their own; imported here to avoid import cycles.
    from archive import dedup, export, rawstore, search

    rawstore.ensure_schema(db)
    dedup.ensure_schema(db)
    search.ensure_schema(db)
    export.ensure_schema(db)
    for index in ("articles_fts", search.MORPH_FTS):
        for option, value in FTS_MERGE_SETTINGS.items():  # kept in the index's own config table
            db.execute(f"INSERT INTO {index} ({index}, rank) VALUES (?, ?)", [option, value])


def _article_row(article: Article, relevance_mfa: bool, relevance_reasons: list[str], now: str) -> dict:
    row = article.as_dict()
    row["authors"] = json.dumps(article.authors, ensure_ascii=False)
    row["tags"] = json.dumps(article.tags, ensure_ascii=False)
    row["word_count"] = article.word_count
    row["content_hash"] = article.content_hash
    row["fetched_at"] = article.fetched_at or now
    row["updated_at"] = now
    row["mfa"] = int(relevance_mfa)
    row["mfa_reason"] = json.dumps(relevance_reasons, ensure_ascii=False)
    return row


def upsert_article(
    db: sqlite_utils.Database, article: Article, *, mfa: bool, mfa_reasons: list[str]
) -> tuple[int, str]:
    """Store `article`; return its id and `new`, `updated` or `unchanged`.

    A change in text or metadata moves the previous row into `article_versions` first, so no
    version is ever overwritten. The caller owns the transaction.
    """
    now = utc_now()
    row = _article_row(article, mfa, mfa_reasons, now)
    existing = db.execute(
        f"SELECT id, {', '.join(_CONTENT_COLUMNS)} FROM articles WHERE url = ?", [article.url]
    ).fetchone()
    if existing is None:
        cur = db.execute(
            f"INSERT INTO articles ({', '.join(row)}) VALUES ({', '.join('?' for _ in row)})",
            list(row.values()),
        )
        return cur.lastrowid, "new"
    article_id, *old_values = existing
    old = dict(zip(_CONTENT_COLUMNS, old_values))
    if all(old[c] == row[c] for c in _COMPARED_COLUMNS):
        db.execute(
            "UPDATE articles SET lastmod = coalesce(?, lastmod), fetched_at = ? WHERE id = ?",
            [row["lastmod"], row["fetched_at"], article_id],
        )
        return article_id, "unchanged"
    db["article_versions"].insert({"article_id": article_id, "replaced_at": now, **old})
    assignments = ", ".join(f"{c} = ?" for c in _CONTENT_COLUMNS)
    db.execute(
        f"UPDATE articles SET {assignments} WHERE id = ?",
        [row[c] for c in _CONTENT_COLUMNS] + [article_id],
    )
    return article_id, "updated"


def record_failure(db: sqlite_utils.Database, failure: ExtractionFailure, *, permanent: bool) -> None:
    """Remember a page that could not be stored as an article, with its reason.

    A permanent failure (a listing page, a 404) is not requested again unless its lastmod
    moves; a temporary one (a 503, an anti-bot stub) is retried by later runs.
    """
    db["failures"].insert(
        {
            "url": failure.url,
            "source": failure.source,
            "reason": failure.reason,
            "detail": failure.detail[:500],
            "permanent": int(permanent),
            "at": utc_now(),
        }
    )


def archived_lastmods(db: sqlite_utils.Database, source: str) -> dict[str, str | None]:
    """Map every archived URL of `source` to the lastmod it was fetched at."""
    return dict(db.execute("SELECT url, lastmod FROM articles WHERE source = ?", [source]).fetchall())
