"""The link stage's tables: features per article (`dedup_docs`), a change token per hour
(`dedup_hours`, see archive.link.caches) and the stories. Plain SQL, so opening an archive
imports nothing of the stage itself."""

from __future__ import annotations

from archive.store import Database

MINHASH_VERSION_KEY = "minhash_version"
_TABLES = (
    """CREATE TABLE IF NOT EXISTS dedup_docs (
        article_id INTEGER PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
        url TEXT NOT NULL, source TEXT NOT NULL, mfa INTEGER NOT NULL,
        sort_key TEXT NOT NULL, hour INTEGER NOT NULL, n_shingles INTEGER NOT NULL,
        head_key INTEGER, minhash BLOB NOT NULL, story BLOB NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS dedup_docs_hour ON dedup_docs(hour)",
    "CREATE INDEX IF NOT EXISTS dedup_docs_head_key ON dedup_docs(head_key) WHERE head_key IS NOT NULL",
    "CREATE TABLE IF NOT EXISTS dedup_hours (hour INTEGER PRIMARY KEY, token INTEGER NOT NULL)",
    """CREATE TABLE IF NOT EXISTS stories (
        id INTEGER PRIMARY KEY, title TEXT, first_seen TEXT, last_seen TEXT,
        size INTEGER NOT NULL DEFAULT 0, sources TEXT NOT NULL DEFAULT '[]',
        mfa INTEGER NOT NULL DEFAULT 0
    )""",
    "CREATE INDEX IF NOT EXISTS stories_last_seen ON stories(last_seen)",
    "CREATE INDEX IF NOT EXISTS articles_reprint_of ON articles(reprint_of) WHERE reprint_of IS NOT NULL",
)


def create_tables(db: Database) -> None:
    """Migration step (schema 5): the link tables (idempotent)."""
    # Schema 2 kept every article's band keys; they are computed from dedup_docs now.
    db.execute("DROP TABLE IF EXISTS dedup_keys")
    for statement in _TABLES:
        db.execute(statement)


def record_minhash_version(db: Database) -> None:
    """Migration step (schema 6): say which MinHash made the signatures already stored.

    Archives before schema 6 did not record it; their signatures were made by the rensa
    installed now unless it was upgraded in between, which `check` cannot tell.
    """
    from archive.link.minhash import MINHASH_VERSION

    if db.meta(MINHASH_VERSION_KEY) is None:
        db.set_meta(MINHASH_VERSION_KEY, MINHASH_VERSION)


_PRIMARY_TABLES = (
    # The ministry's own publications (articles of an `official` source), by hour.
    """CREATE TABLE IF NOT EXISTS primary_docs (
        article_id INTEGER PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
        hour INTEGER NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS primary_docs_hour ON primary_docs(hour)",
    # Press articles that name the ministry as a source, with their term counts (JSON), by hour.
    """CREATE TABLE IF NOT EXISTS press_cues (
        article_id INTEGER PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
        hour INTEGER NOT NULL, terms TEXT NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS press_cues_hour ON press_cues(hour)",
    # Each press article's primary source: the document and the part of it the article reports.
    """CREATE TABLE IF NOT EXISTS primary_links (
        article_id INTEGER PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
        primary_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        part INTEGER, start INTEGER, [end] INTEGER, score REAL NOT NULL, evidence TEXT NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS primary_links_primary ON primary_links(primary_id)",
)


def add_primary_sources(db: Database) -> None:
    """Migration step (schema 8): primary sources: `stories.primary_article_id`, the ministry's
    documents, the press articles that name it, and each press article's primary link."""
    if "primary_article_id" not in db.columns("stories"):
        db.execute("ALTER TABLE stories ADD COLUMN primary_article_id INTEGER")
    for statement in _PRIMARY_TABLES:
        db.execute(statement)
