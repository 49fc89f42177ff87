"""What an export holds: its columns and their types, the query that selects its rows, and
each row as a record.

Rows stream from an SQLite cursor in batches, so memory stays flat however large the archive.
The columns are documented in docs/export-schema.md; SCHEMA_VERSION changes whenever they do.
"""

from __future__ import annotations

import json
from typing import Iterator

from archive import __version__
from archive.export import quotes as quote_export
from archive.store import Database
from archive.store.articles import ARTICLE_COLUMNS

SCHEMA_VERSION = 2  # 2: quotes, official as a boolean, doc_type; --by-story: the primary source
BATCH_ROWS = 5_000
LIST_COLUMNS = ("authors", "tags", "mfa_reason")  # JSON lists in the archive, lists in the export
STORY_COLUMNS = ("story_size", "story_sources", quote_export.STORY_PRIMARY_COLUMN)  # only with --by-story


def export_columns(by_story: bool) -> list[str]:
    """The exported columns, in file order."""
    return list(ARTICLE_COLUMNS) + [quote_export.QUOTES_COLUMN] + (list(STORY_COLUMNS) if by_story else [])


def arrow_schema(by_story: bool):
    """The Parquet schema, with explicit types and the schema version in its metadata."""
    import pyarrow as pa

    kinds = {int: pa.int64(), str: pa.string()}
    fields = []
    for name, kind in ARTICLE_COLUMNS.items():
        if name in LIST_COLUMNS:
            fields.append(pa.field(name, pa.list_(pa.string())))
        elif name in quote_export.FLAG_COLUMNS:
            fields.append(pa.field(name, pa.bool_()))
        else:
            fields.append(pa.field(name, kinds[kind]))
    fields.append(pa.field(quote_export.QUOTES_COLUMN, quote_export.arrow_type()))
    if by_story:
        fields += [pa.field("story_size", pa.int64()), pa.field("story_sources", pa.list_(pa.string())),
                   pa.field(quote_export.STORY_PRIMARY_COLUMN, pa.int64())]
    metadata = {"schema_version": str(SCHEMA_VERSION), "producer": f"mfa-archive {__version__}"}
    return pa.schema(fields, metadata=metadata)


def select_sql(where: str, by_story: bool) -> str:
    """The export query. With `by_story`, one row per story: its representative article.

    The representative is the story's primary source (the ministry's own publication) when it
    has one among the exported articles, else its original report: not a reprint, earliest
    published, then lowest id. Articles without a story count as a story of their own.
    """
    columns = ", ".join(f"a.{c}" for c in ARTICLE_COLUMNS)
    if not by_story:
        return f"SELECT {columns} FROM articles a WHERE {where} ORDER BY a.id"
    plain = ", ".join(ARTICLE_COLUMNS)
    return f"""
        WITH chosen AS (SELECT {columns}, coalesce(a.story_id, -a.id) AS grp,
                          (SELECT s.primary_article_id FROM stories s WHERE s.id = a.story_id) AS story_primary_id
                        FROM articles a WHERE {where}),
        sizes AS (SELECT grp, count(*) AS story_size, json_group_array(DISTINCT source) AS story_sources
                  FROM chosen GROUP BY grp),
        ranked AS (SELECT *, row_number() OVER (
                     PARTITION BY grp ORDER BY id IS NOT story_primary_id, reprint_of IS NOT NULL, published IS NULL,
                                              published, id) AS n
                   FROM chosen)
        SELECT {plain}, sizes.story_size, sizes.story_sources, story_primary_id
        FROM ranked JOIN sizes USING (grp) WHERE n = 1 ORDER BY id
    """


def count_rows(db: Database, where: str, params: dict, by_story: bool) -> int:
    """How many rows the export will have: articles, or stories with --by-story."""
    counted = "DISTINCT coalesce(a.story_id, -a.id)" if by_story else "*"
    return db.execute(f"SELECT count({counted}) FROM articles a WHERE {where}", params).fetchone()[0]


def _clean(row: tuple, columns: list[str]) -> dict:
    """One export record: JSON lists decoded, `mfa` and `official` booleans."""
    record = dict(zip((c for c in columns if c != quote_export.QUOTES_COLUMN), row))
    for name in (*LIST_COLUMNS, "story_sources"):
        if name in record:
            try:
                value = json.loads(record[name]) if record[name] else []
            except ValueError:
                value = [record[name]]
            record[name] = [str(v) for v in value] if isinstance(value, list) else [str(value)]
    for flag in quote_export.FLAG_COLUMNS:
        record[flag] = bool(record[flag]) if record[flag] is not None else None
    return record


def record_batches(db: Database, where: str, params: dict, by_story: bool) -> Iterator[list[dict]]:
    """The selected rows as records, BATCH_ROWS at a time."""
    columns = export_columns(by_story)
    cursor = db.conn.execute(select_sql(where, by_story), params)
    try:
        while rows := cursor.fetchmany(BATCH_ROWS):
            batch = [_clean(row, columns) for row in rows]
            quote_export.attach_quotes(db, batch)
            yield [{c: record[c] for c in columns} for record in batch]
    finally:
        cursor.close()


def summary(db: Database, where: str, params: dict) -> dict:
    """Counts, date range and sources of the exported articles, for the dataset card."""
    row = db.execute(
        f"""SELECT count(*), sum(a.mfa), count(DISTINCT a.story_id), min(a.published), max(a.published)
            FROM articles a WHERE {where}""",
        params,
    ).fetchone()
    sources = db.execute(
        f"SELECT a.source, count(*) FROM articles a WHERE {where} GROUP BY a.source ORDER BY count(*) DESC", params
    ).fetchall()
    return {
        "articles": row[0], "mfa_articles": row[1] or 0, "stories": row[2], "first_published": row[3],
        "last_published": row[4], "sources": dict(sources),
    }
