"""The lemma index's tables and triggers: plain SQL, so opening an archive imports no
morphology. What they hold and how they follow `articles`: archive.search.index."""

from __future__ import annotations

from archive.store import Database
from archive.store.articles import set_fts_merge

KEYS_TABLE = "morph_keys"
MORPH_TABLE = "articles_morph"
MORPH_FTS = "articles_morph_fts"
PENDING_TABLE = "articles_morph_pending"


def create_tables(db: Database) -> None:
    """Migration step: the lemma index, its FTS table and the triggers that keep it in sync.

    On an archive that predates it, every article is queued for indexing.
    """
    tables = set(db.table_names())
    if KEYS_TABLE not in tables:
        db.execute(f"CREATE TABLE {KEYS_TABLE} (form TEXT PRIMARY KEY, key TEXT NOT NULL) WITHOUT ROWID")
    if PENDING_TABLE not in tables:
        db.execute(f"CREATE TABLE {MORPH_TABLE} (id INTEGER PRIMARY KEY, title TEXT, lead TEXT, text TEXT)")
        db.execute(f"CREATE TABLE {PENDING_TABLE} (id INTEGER PRIMARY KEY)")
        # content='...' in single quotes: sqlite-utils and Datasette then keep treating
        # articles_fts as the articles table's full-text index.
        db.execute(
            f"CREATE VIRTUAL TABLE {MORPH_FTS} USING fts5(title, lead, text, content='{MORPH_TABLE}', content_rowid='id')"
        )
        create_morph_triggers(db)
        db.execute(
            f"""CREATE TRIGGER {MORPH_TABLE}_article_added AFTER INSERT ON articles BEGIN
                  INSERT OR IGNORE INTO {PENDING_TABLE} (id) VALUES (new.id); END"""
        )
        db.execute(
            f"""CREATE TRIGGER {MORPH_TABLE}_article_changed AFTER UPDATE OF title, lead, text ON articles BEGIN
                  DELETE FROM {MORPH_TABLE} WHERE id = old.id;
                  INSERT OR IGNORE INTO {PENDING_TABLE} (id) VALUES (new.id); END"""
        )
        db.execute(
            f"""CREATE TRIGGER {MORPH_TABLE}_article_deleted AFTER DELETE ON articles BEGIN
                  DELETE FROM {MORPH_TABLE} WHERE id = old.id;
                  DELETE FROM {PENDING_TABLE} WHERE id = old.id; END"""
        )
        db.execute(f"INSERT INTO {PENDING_TABLE} (id) SELECT id FROM articles")
    set_fts_merge(db, MORPH_FTS)


def create_morph_triggers(db: Database) -> None:
    """The usual external-content triggers between articles_morph and its FTS table."""
    columns = "title, lead, text"
    old = "old.title, old.lead, old.text"
    db.execute(
        f"""CREATE TRIGGER IF NOT EXISTS {MORPH_TABLE}_ai AFTER INSERT ON {MORPH_TABLE} BEGIN
              INSERT INTO {MORPH_FTS} (rowid, {columns}) VALUES (new.id, new.title, new.lead, new.text); END"""
    )
    db.execute(
        f"""CREATE TRIGGER IF NOT EXISTS {MORPH_TABLE}_ad AFTER DELETE ON {MORPH_TABLE} BEGIN
              INSERT INTO {MORPH_FTS} ({MORPH_FTS}, rowid, {columns}) VALUES ('delete', old.id, {old}); END"""
    )
    db.execute(
        f"""CREATE TRIGGER IF NOT EXISTS {MORPH_TABLE}_au AFTER UPDATE ON {MORPH_TABLE} BEGIN
              INSERT INTO {MORPH_FTS} ({MORPH_FTS}, rowid, {columns}) VALUES ('delete', old.id, {old});
              INSERT INTO {MORPH_FTS} (rowid, {columns}) VALUES (new.id, new.title, new.lead, new.text); END"""
    )


WATCHES_TABLE = "watches"


def create_watches(db: Database) -> None:
    """Migration step (schema 8): saved searches (`mfa-archive watch`), each published as a feed.

    A watch keeps the query as the user wrote it and the filters as `search` takes them; it is
    searched afresh each time, so a better lemmatizer or new articles need no upkeep here.
    """
    db.execute(
        f"""CREATE TABLE IF NOT EXISTS {WATCHES_TABLE} (
            name TEXT PRIMARY KEY,
            query TEXT NOT NULL,
            source TEXT,
            since TEXT,
            until TEXT,
            all_articles INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL
        )"""
    )
