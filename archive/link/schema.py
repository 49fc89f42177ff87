"""The link stage's tables: features per article (`dedup_docs`), a change token per hour
(`dedup_hours`, see archive.link.caches) and the stories. Plain SQL, so opening an archive
imports nothing of the stage itself."""

from __future__ import annotations

from archive.store import Database
from archive.store.articles import set_fts_merge

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


STORY_RULE_VERSION_KEY = "story_rule_version"
# The grouping rule the stored stories were made by; `check` reports an archive grouped by
# another, and `recluster` (or `check --repair`) regroups it. Change it with the rule.
STORY_RULE_VERSION = "5: story terms and names without background sentences (Ранее, Напомним)"
# Columns the link stage adds to tables it does not own the rows of.
_DATE_COLUMNS = {
    "dedup_docs": (("undated", "INTEGER NOT NULL DEFAULT 0"), ("dateline", "INTEGER"),
                   ("date_source", "TEXT NOT NULL DEFAULT 'page'"), ("anchor_id", "INTEGER")),
    # Where the date used for grouping came from (page, dateline, reprint, content, none), and the
    # date inferred for an article whose page gave none; `published` keeps what the page said.
    "articles": (("date_source", "TEXT"), ("inferred_date", "TEXT")),
}
STORY_KEYS = "story_keys"
_KEY_TABLES = (
    # Every article's story keys (as words `k` + 8 hex digits, rowid = article id), for an
    # undated article to find the dated ones on its event at any distance in time. A B-tree of
    # (key, article) rows put 16 rows in random pages per article: a day of 500 into a 40k
    # archive wrote 274 MB instead of 214 (bench/stories_scale.py). An FTS5 index appends each
    # commit's keys as one small segment and merges them in bulk; it needs no content and no
    # positions.
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {STORY_KEYS} USING fts5(keys, content='', detail='none')",
    # The undated articles' keys, for a dated article to find them: few rows, looked up per article.
    "CREATE TABLE IF NOT EXISTS undated_keys (key INTEGER NOT NULL, article_id INTEGER NOT NULL, "
    "PRIMARY KEY (key, article_id)) WITHOUT ROWID",
)


def key_words(keys: list[int]) -> str:
    """Story keys as the words `story_keys` indexes."""
    return " ".join(f"k{key:08x}" for key in keys)


def add_date_evidence(db: Database) -> None:
    """Migration step (schema 9): undated articles in stories.

    Adds what an article's date evidence needs (`dedup_docs.undated`, `dateline`, `date_source`,
    `anchor_id`, `articles.date_source`, `inferred_date`) and the key tables. Existing rows keep
    their old grouping until `mfa-archive recluster` (which `check` asks for: the stored story
    rule version is left unset here).
    """
    for table, columns in _DATE_COLUMNS.items():
        existing = set(db.columns(table))
        for name, kind in columns:
            if name not in existing:
                db.execute(f"ALTER TABLE {table} ADD COLUMN {name} {kind}")
    for statement in _KEY_TABLES:
        db.execute(statement)
    set_fts_merge(db, STORY_KEYS)
    if db.execute("SELECT 1 FROM dedup_docs LIMIT 1").fetchone() is None:
        db.set_meta(STORY_RULE_VERSION_KEY, STORY_RULE_VERSION)  # nothing grouped yet


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
    """Migration step (schema 12): primary sources: `stories.primary_article_id`, the ministry's
    documents, the press articles that name it, and each press article's primary link."""
    if "primary_article_id" not in db.columns("stories"):
        db.execute("ALTER TABLE stories ADD COLUMN primary_article_id INTEGER")
    for statement in _PRIMARY_TABLES:
        db.execute(statement)
