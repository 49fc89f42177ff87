"""The articles table, its earlier versions and the pages that did not become articles.

One row per article URL (normalized). A change in text or metadata moves the previous row into
`article_versions` first, so no version is ever overwritten. `articles_fts` is the plain FTS5
index on title, lead and text, kept in sync by triggers (made by sqlite-utils, so
`sqlite-utils search archive.db articles Q` and Datasette find it).
"""

from __future__ import annotations

import json
from dataclasses import fields

from archive.dates import utc_now
from archive.models import Article, ExtractionFailure
from archive.store.database import Database
from archive.store.parts import save_parts

FTS_COLUMNS = ["title", "lead", "text"]
# How the FTS5 indexes merge their segments. A crawl commits one article at a time, and
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
    "doc_type": str,
    "official": int,
}
# Added by schema 7 (document kinds and the ministry's own publications).
DOCUMENT_COLUMNS = ("doc_type", "official")
# Columns a new version of an article replaces; identity and links stay.
_CONTENT_COLUMNS = [c for c in ARTICLE_COLUMNS if c not in ("id", "url", "reprint_of", "story_id")]
# What makes a re-fetched or re-extracted article a new version (not when or how it was fetched).
_COMPARED_COLUMNS = [
    c
    for c in _CONTENT_COLUMNS
    if c not in ("fetched_at", "updated_at", "lastmod", "raw_id", "extractor_version", "mfa", "mfa_reason")
]


def set_fts_merge(db: Database, index: str) -> None:
    """Give an FTS5 index FTS_MERGE_SETTINGS; they are kept in the index's own config table."""
    for option, value in FTS_MERGE_SETTINGS.items():
        db.execute(f"INSERT INTO {index} ({index}, rank) VALUES (?, ?)", [option, value])


def create_tables(db: Database) -> None:
    """Migration step: articles, their FTS index and versions, failures and meta (idempotent)."""
    import sqlite_utils  # only when an archive is created or upgraded: it imports numpy and pandas

    utils = sqlite_utils.Database(db.conn)
    tables = set(db.table_names())
    if "articles" not in tables:
        utils["articles"].create(ARTICLE_COLUMNS, pk="id", not_null={"url", "source", "title", "text"})
        utils["articles"].create_index(["url"], unique=True)
        utils["articles"].create_index(["source", "published"])
        utils["articles"].create_index(["published"])
        utils["articles"].create_index(["story_id"])
    else:
        existing = set(db.columns("articles"))
        for name, kind in ARTICLE_COLUMNS.items():
            if name not in existing:
                utils["articles"].add_column(name, kind)
    if "articles_fts" not in tables:
        utils["articles"].enable_fts(FTS_COLUMNS, create_triggers=True)
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
    set_fts_merge(db, "articles_fts")
    if "article_versions" not in tables:
        utils["article_versions"].create(
            {"id": int, "article_id": int, "replaced_at": str, **{c: ARTICLE_COLUMNS[c] for c in _CONTENT_COLUMNS}},
            pk="id",
            foreign_keys=[("article_id", "articles", "id")],
        )
        utils["article_versions"].create_index(["article_id"])
    if "failures" not in tables:
        utils["failures"].create(
            {"id": int, "run_id": int, "url": str, "source": str, "reason": str, "detail": str, "permanent": int, "at": str},
            pk="id",
        )
        utils["failures"].create_index(["source", "at"])
        utils["failures"].create_index(["url"])
    if "meta" not in tables:
        utils["meta"].create({"key": str, "value": str}, pk="key")


def add_document_columns(db: Database) -> None:
    """Migration step (schema 7): `doc_type` and `official` on articles and their versions."""
    import sqlite_utils  # only when an archive is upgraded

    utils = sqlite_utils.Database(db.conn)
    for table in ("articles", "article_versions"):
        existing = set(db.columns(table))
        for name in DOCUMENT_COLUMNS:
            if name not in existing:
                utils[table].add_column(name, ARTICLE_COLUMNS[name])


def _article_row(article: Article, mfa: bool, mfa_reasons: list[str], now: str) -> dict:
    # A shallow copy of the fields: the row's values are scalars or lists written as JSON below,
    # and the parts go to their own table (asdict deep-copied them, a tenth of this function).
    row = {f.name: getattr(article, f.name) for f in fields(article) if f.name != "parts"}
    row["official"] = int(article.official)
    row["authors"] = json.dumps(article.authors, ensure_ascii=False)
    row["tags"] = json.dumps(article.tags, ensure_ascii=False)
    row["word_count"] = article.word_count
    row["content_hash"] = article.content_hash
    row["fetched_at"] = article.fetched_at or now
    row["updated_at"] = now
    row["mfa"] = int(mfa)
    row["mfa_reason"] = json.dumps(mfa_reasons, ensure_ascii=False)
    return row


def upsert_article(db: Database, article: Article, *, mfa: bool, mfa_reasons: list[str]) -> tuple[int, str]:
    """Store `article`; return its id and `new`, `updated` or `unchanged`.

    A change in text or metadata moves the previous row into `article_versions` first. An
    unchanged article records when it was fetched again and which extractor confirmed it.
    The caller owns the transaction.
    """
    now = utc_now()
    row = _article_row(article, mfa, mfa_reasons, now)
    existing = db.execute(
        f"SELECT id, {', '.join(_CONTENT_COLUMNS)} FROM articles WHERE url = ?", [article.url]
    ).fetchone()
    if existing is None:
        article_id = db.insert("articles", row)
        save_parts(db, article_id, article.parts, new=True)
        return article_id, "new"
    article_id, *old_values = existing
    old = dict(zip(_CONTENT_COLUMNS, old_values))
    if all(old[c] == row[c] for c in _COMPARED_COLUMNS):
        db.execute(
            "UPDATE articles SET lastmod = coalesce(?, lastmod), fetched_at = ?, "
            "extractor_version = coalesce(?, extractor_version) WHERE id = ?",
            [row["lastmod"], row["fetched_at"], row["extractor_version"], article_id],
        )
        save_parts(db, article_id, article.parts, new=False)
        return article_id, "unchanged"
    db.insert("article_versions", {"article_id": article_id, "replaced_at": now, **old})
    assignments = ", ".join(f"{c} = ?" for c in _CONTENT_COLUMNS)
    db.execute(f"UPDATE articles SET {assignments} WHERE id = ?", [row[c] for c in _CONTENT_COLUMNS] + [article_id])
    save_parts(db, article_id, article.parts, new=False)
    return article_id, "updated"


def record_failure(db: Database, failure: ExtractionFailure, *, permanent: bool) -> None:
    """Remember a page that could not be stored as an article, with its reason.

    A permanent failure (a listing page, a 404) is not requested again unless its lastmod
    moves; a temporary one (a 503, an anti-bot stub) is retried by later runs.
    """
    db.insert(
        "failures",
        {
            "url": failure.url,
            "source": failure.source,
            "reason": failure.reason,
            "detail": failure.detail[:500],
            "permanent": int(permanent),
            "at": utc_now(),
        },
    )


def _json_list(value: str | None) -> list[str]:
    """A stored JSON list column as a list of strings (a damaged value becomes one item)."""
    if not value:
        return []
    try:
        items = json.loads(value)
    except ValueError:
        return [value]
    return [str(item) for item in items] if isinstance(items, list) else [str(items)]


def read_article(db: Database, article_id: int) -> dict | None:
    """One article as a dict of its columns, JSON lists decoded; None when there is none."""
    cursor = db.execute(f"SELECT {', '.join(ARTICLE_COLUMNS)} FROM articles WHERE id = ?", [article_id])
    row = cursor.fetchone()
    if row is None:
        return None
    article = dict(zip(ARTICLE_COLUMNS, row))
    for name in ("authors", "tags", "mfa_reason"):
        article[name] = _json_list(article[name])
    return article


def earlier_versions(db: Database, article_id: int) -> list[dict]:
    """The article's replaced versions, the most recently replaced first."""
    columns = ["id", "replaced_at", "title", "lead", "text", "published", "modified"]
    rows = db.execute(
        f"SELECT {', '.join(columns)} FROM article_versions WHERE article_id = ? ORDER BY replaced_at DESC, id DESC",
        [article_id],
    ).fetchall()
    return [dict(zip(columns, row)) for row in rows]


def article_sources(db: Database) -> list[str]:
    """The sources the archive holds, in order.

    Walks the (source, published) index from one source to the next instead of reading every
    row, so it costs a few lookups per source in an archive of millions (the web search form
    asks on every page).
    """
    return [source for (source,) in db.execute(
        """WITH RECURSIVE next(source) AS (
               SELECT min(source) FROM articles
               UNION ALL
               SELECT (SELECT min(source) FROM articles WHERE source > next.source) FROM next WHERE source IS NOT NULL)
           SELECT source FROM next WHERE source IS NOT NULL"""
    )]
