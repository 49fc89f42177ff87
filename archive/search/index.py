"""The lemma index beside the plain FTS5 index: its tables, and how it follows the articles.

`articles_morph` holds each article as lemma keys (archive.search.lemmas), with its own FTS5
table `articles_morph_fts`. SQL triggers on `articles` queue every inserted or changed article in
`articles_morph_pending` and drop its stale lemma row in the same transaction, whoever writes
(the store, `sqlite-utils`, a manual UPDATE). `index_pending` lemmatizes the queue; the pipeline
calls it at the end of each write transaction, and a search calls `catch_up` first, so a search
never sees stale lemmas. The plain `articles_fts` stays untouched for `sqlite-utils search` and
Datasette.
"""

from __future__ import annotations

import sqlite3

from archive.search.lemmas import drop_stale_keys, indexed_rows
from archive.search.schema import MORPH_FTS, MORPH_TABLE, PENDING_TABLE, create_morph_triggers
from archive.store import Database, transaction
from archive.store.database import writable_twin

INDEX_BATCH = 2_000


def rebuild_index(db: Database) -> int:
    """Re-lemmatize every article in bulk (after a bulk load without triggers); returns how many.

    Faster than index_pending for a whole archive: the FTS table is rebuilt once at the end
    instead of row by row through its triggers.
    """
    with transaction(db):
        for suffix in ("ai", "ad", "au"):
            db.execute(f"DROP TRIGGER IF EXISTS {MORPH_TABLE}_{suffix}")
        db.execute(f"DELETE FROM {MORPH_TABLE}")
        drop_stale_keys(db)
        cursor = db.conn.execute("SELECT id, title, lead, text FROM articles")
        while rows := cursor.fetchmany(INDEX_BATCH):
            db.conn.executemany(
                f"INSERT INTO {MORPH_TABLE} (id, title, lead, text) VALUES (?, ?, ?, ?)", indexed_rows(db, rows)
            )
        db.execute(f"INSERT INTO {MORPH_FTS} ({MORPH_FTS}) VALUES ('rebuild')")
        create_morph_triggers(db)
        db.execute(f"DELETE FROM {PENDING_TABLE}")
    return db.execute(f"SELECT count(*) FROM {MORPH_TABLE}").fetchone()[0]


def index_pending(db: Database, lemmatized: dict[int, tuple[str, str, str]] | None = None) -> int:
    """Lemmatize the queued articles into the lemma index; returns how many.

    `lemmatized` holds the lemma-index rows (`lemmas.index_fields`) of queued articles made
    beforehand, by id (a backfill makes them in its worker processes). Runs inside the
    caller's transaction when there is one (the store's write), else in its own transactions
    of INDEX_BATCH articles.
    """
    lemmatized = lemmatized or {}
    done = 0
    while True:
        rows = db.execute(
            f"""SELECT p.id, a.title, a.lead, a.text FROM {PENDING_TABLE} p JOIN articles a ON a.id = p.id
                ORDER BY p.id LIMIT {INDEX_BATCH}"""
        ).fetchall()
        if not rows:
            return done
        with transaction(db):
            db.conn.executemany(f"DELETE FROM {MORPH_TABLE} WHERE id = ?", [(r[0],) for r in rows])
            made = [(r[0], *lemmatized[r[0]]) for r in rows if r[0] in lemmatized]
            db.conn.executemany(
                f"INSERT INTO {MORPH_TABLE} (id, title, lead, text) VALUES (?, ?, ?, ?)",
                made + indexed_rows(db, [r for r in rows if r[0] not in lemmatized]),
            )
            db.conn.executemany(f"DELETE FROM {PENDING_TABLE} WHERE id = ?", [(r[0],) for r in rows])
        done += len(rows)


def catch_up(db: Database) -> None:
    """Index articles written since the last index_pending, if the archive can be written now.

    Waits at most a moment for the write lock: a search must not stall behind a crawl, whose
    own transaction indexes its articles anyway. A read-only connection does it through a
    writable twin; where the file cannot be written, the search uses what is indexed.
    """
    if db.execute(f"SELECT 1 FROM {PENDING_TABLE} LIMIT 1").fetchone() is None:
        return
    try:
        writer = writable_twin(db) if db.read_only else db
    except sqlite3.Error:
        return
    timeout = writer.execute("PRAGMA busy_timeout").fetchone()[0]
    writer.execute("PRAGMA busy_timeout = 200")
    try:
        index_pending(writer)
    except sqlite3.OperationalError:
        pass  # locked or read-only: search what is indexed
    finally:
        writer.execute(f"PRAGMA busy_timeout = {timeout}")
        if writer is not db:
            writer.close()
