"""The archive file: one SQLite database, opened the same way by every command.

WAL mode and a busy timeout let a cron crawl write while searches, exports and `status` read
from other processes. Every write that spans statements runs in `transaction(db)`, so a crash
never leaves half an article.

The connection is plain `sqlite3` in autocommit mode: transactions are explicit, and opening
an archive imports nothing heavy (sqlite-utils imports numpy and pandas when they are
installed, 0.4 s, for a search that takes milliseconds).

Storage knows no stage: each stage declares its own tables as `Migration` steps, and one
ordered list (`archive.schema.MIGRATIONS`) owns the schema version.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import stat
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

from archive.dates import utc_now
from archive.errors import ArchiveError

DEFAULT_ARCHIVE = "archive.db"
VERIFY_EVERY = timedelta(hours=24)
BUSY_TIMEOUT_MS = 30_000
# WAL pages between checkpoints (SQLite's default is 1,000). An article's transaction writes
# ~90 pages, and a checkpoint copies them to places all over a large file; checkpointing 20x
# less often copies a page changed by many articles once (a day of 500 into a 1M archive wrote
# 590 MB with the default and 450-470 MB with this, bench/stories_scale.py and /proc/self/io).
# The WAL grows to ~80 MB at most; the last connection to close checkpoints the rest. On a
# small disk the WAL may take at most a quarter of the free space (wal_pages_for), since a WAL
# that fills the disk can no longer be checkpointed into the database it belongs to.
WAL_AUTOCHECKPOINT_PAGES = 20_000
MIN_WAL_PAGES = 100


class Database:
    """An open archive: an SQLite connection plus the few conveniences the stages share."""

    def __init__(self, conn: sqlite3.Connection, path: Path | None = None, *, read_only: bool = False) -> None:
        self.conn = conn
        self.path = path
        self.read_only = read_only
        # Per-connection caches of the stages (see archive.link.caches), by name.
        self.caches: dict[str, object] = {}

    def execute(self, sql: str, params: Sequence | dict = ()) -> sqlite3.Cursor:
        return self.conn.execute(sql, params)

    def executemany(self, sql: str, rows) -> sqlite3.Cursor:
        return self.conn.executemany(sql, rows)

    def table_names(self) -> list[str]:
        return [name for (name,) in self.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]

    def columns(self, table: str) -> list[str]:
        return [row[1] for row in self.conn.execute(f"PRAGMA table_info([{table}])")]

    def insert(self, table: str, row: dict) -> int:
        """Insert one row (column -> value); returns its rowid."""
        names = ", ".join(f"[{c}]" for c in row)
        marks = ", ".join("?" for _ in row)
        return self.conn.execute(f"INSERT INTO [{table}] ({names}) VALUES ({marks})", list(row.values())).lastrowid

    def update(self, table: str, rowid: int, values: dict) -> None:
        assignments = ", ".join(f"[{c}] = ?" for c in values)
        self.conn.execute(f"UPDATE [{table}] SET {assignments} WHERE rowid = ?", [*values.values(), rowid])

    def meta(self, key: str) -> str | None:
        """A value of the `meta` table (None when absent, or before the table exists)."""
        try:
            row = self.conn.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
        except sqlite3.OperationalError:
            return None
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        self.conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", [key, value])

    def close(self) -> None:
        self.conn.close()


@contextmanager
def transaction(db: Database) -> Iterator[None]:
    """Run the block as one write transaction: all of it is committed, or none of it.

    Inside an open transaction the block becomes a savepoint of it. IMMEDIATE takes the write
    lock up front (waiting up to the busy timeout), so no other process can commit between this
    one's reads and its writes.
    """
    conn = db.conn
    if conn.in_transaction:
        conn.execute("SAVEPOINT nested")
        try:
            yield
        except BaseException:
            conn.execute("ROLLBACK TO nested")
            conn.execute("RELEASE nested")
            raise
        conn.execute("RELEASE nested")
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:  # also after a failed COMMIT, which leaves the transaction open
            conn.execute("ROLLBACK")
        raise


@dataclass(frozen=True)
class Migration:
    """One step of the schema: the tables (and their upgrades) that schema `version` adds.

    Each step belongs to the stage whose tables it makes; `archive.schema.MIGRATIONS` orders
    them. Steps run inside one transaction with the version stamp, so an archive either has
    a version and everything it implies, or neither.
    """

    version: int
    name: str
    steps: tuple[Callable[[Database], None], ...] = field(default_factory=tuple)


def schema_version(db: Database) -> int | None:
    value = db.meta("schema_version")
    return int(value) if value is not None else None


def migrate(db: Database, migrations: Sequence[Migration]) -> None:
    """Bring the archive to the newest schema in `migrations`, in one transaction.

    Opening a current archive (the common case, often read-only) writes nothing. An archive of
    a newer schema than this code knows is refused: writing to it could damage it.
    """
    newest = migrations[-1].version
    current = schema_version(db)
    if current == newest:
        return
    if current is not None and current > newest:
        raise ArchiveError(
            f"{db.path} has schema {current}, newer than this mfa-archive knows ({newest}): upgrade mfa-archive"
        )
    if db.read_only:
        raise ArchiveError(f"{db.path} has schema {current}; open it once with a writing command to upgrade it")
    with transaction(db):
        current = schema_version(db)  # another process may have upgraded it meanwhile
        for migration in migrations:
            if current is None or migration.version > current:
                for step in migration.steps:
                    step(db)
        db.set_meta("schema_version", str(newest))


def check_archive_path(path: Path, *, create: bool) -> bool:
    """Refuse what cannot be an archive before SQLite touches it; True if the file is new.

    A device, a FIFO or a directory is never opened (SQLite would create a journal beside it),
    and a read-only command never creates a file or fills an empty one.
    """
    try:
        info = path.stat()
    except FileNotFoundError:
        if not create:
            raise ArchiveError(f"no archive at {path}") from None
        if not path.parent.is_dir():
            raise ArchiveError(f"cannot create {path}: directory {path.parent} does not exist") from None
        return True
    except OSError as exc:
        raise ArchiveError(f"cannot open {path}: {exc.strerror}") from None
    if stat.S_ISDIR(info.st_mode):
        raise ArchiveError(f"{path} is a directory, not an archive file")
    if not stat.S_ISREG(info.st_mode):
        raise ArchiveError(f"{path} is not a regular file, so not an archive")
    if info.st_size == 0:
        if not create:
            raise ArchiveError(f"{path} is an empty file, not an archive")
        return True
    with open(path, "rb") as handle:
        if handle.read(16) != b"SQLite format 3\x00":
            raise ArchiveError(f"{path} is not an SQLite file, so not an archive")
    return False


def open_database(
    path: str | Path,
    migrations: Sequence[Migration],
    *,
    create: bool = False,
    read_only: bool = False,
    verify: bool = False,
) -> Database:
    """Open the archive at `path` with the pragmas every process needs, at the newest schema.

    `create`: a missing file becomes a new archive. `read_only`: for commands that only read;
    nothing is created or written (an archive that needs a schema upgrade is opened for
    writing, as it is ours). `verify` (for every command that writes): a file not checked for
    VERIFY_EVERY is checked first, so a damaged archive is refused instead of being written to,
    every 15 minutes, for months. Raises ArchiveError with one line.
    """
    path = Path(path)
    fresh = check_archive_path(path, create=create and not read_only)
    try:
        db = _connect(path, read_only=read_only)
        tables = set(db.table_names())
        if not fresh and "articles" not in tables:
            db.close()
            raise ArchiveError(f"{path} is an SQLite database but not an mfa-archive")
        if read_only and schema_version(db) != migrations[-1].version:
            db.close()
            db = _connect(path, read_only=False)
        if not db.read_only:
            if db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                db.execute("PRAGMA journal_mode = WAL")
            db.execute("PRAGMA synchronous = NORMAL")
            pages = wal_pages_for(path, db.execute("PRAGMA page_size").fetchone()[0])
            db.execute(f"PRAGMA wal_autocheckpoint = {pages}")
            # After a checkpoint the WAL file shrinks back to this, instead of keeping its peak size.
            db.execute(f"PRAGMA journal_size_limit = {pages * 4096}")
            if verify and not fresh:
                _verify(db, path)
        migrate(db, migrations)
    except sqlite3.DatabaseError as exc:
        raise ArchiveError(f"{path} is not a usable archive: {exc}") from None
    return db


def wal_pages_for(path: Path, page_size: int) -> int:
    """WAL pages between checkpoints for an archive at `path`: WAL_AUTOCHECKPOINT_PAGES, or
    fewer when a quarter of the disk's free space holds fewer pages."""
    try:
        free = shutil.disk_usage(path.parent if path.parent.exists() else ".").free
    except OSError:
        return WAL_AUTOCHECKPOINT_PAGES
    return max(MIN_WAL_PAGES, min(WAL_AUTOCHECKPOINT_PAGES, free // 4 // max(page_size, 512)))


def writable_twin(db: Database) -> Database:
    """A second, writable connection to the archive `db` reads (already at the current schema),
    for the upkeep a read-only command may do on its own archive (the lemma index's queue)."""
    twin = _connect(db.path, read_only=False)
    twin.execute("PRAGMA synchronous = NORMAL")
    return twin


def _connect(path: Path, *, read_only: bool) -> Database:
    uri = f"file:{_quote(os.path.abspath(path))}?mode={'ro' if read_only else 'rwc'}"
    conn = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA foreign_keys = ON")
    return Database(conn, path, read_only=read_only)


def _quote(path: str) -> str:
    """A file path as the path of an SQLite URI (`?` and `#` would end it)."""
    return path.replace("%", "%25").replace("?", "%3f").replace("#", "%23")


def _verify(db: Database, path: Path) -> None:
    """Run SQLite's quick_check unless one passed within VERIFY_EVERY; it reads the whole file,
    so it is not done on every open."""
    last = db.meta("verified_at")
    try:
        recent = last is not None and datetime.fromisoformat(last) > datetime.now(timezone.utc) - VERIFY_EVERY
    except ValueError:
        recent = False
    if recent:
        return
    result = [r[0] for r in db.execute("PRAGMA quick_check").fetchall()]
    if result != ["ok"]:
        raise ArchiveError(f"{path} is damaged ({result[0]}); nothing was written. See mfa-archive check")
    if "meta" in db.table_names():
        with transaction(db):
            db.set_meta("verified_at", utc_now())


_SQLITE_FULL = 13
_NO_SPACE = {28, 122, 27}  # ENOSPC, EDQUOT, EFBIG


def is_disk_full(exc: BaseException) -> bool:
    """True for a write that failed because the disk, a quota or a size limit is full."""
    if isinstance(exc, sqlite3.Error):
        return getattr(exc, "sqlite_errorcode", None) == _SQLITE_FULL or "disk is full" in str(exc)
    return isinstance(exc, OSError) and exc.errno in _NO_SPACE
