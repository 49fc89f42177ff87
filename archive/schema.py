"""The archive's schema: one ordered list of migrations, each made of the stages' own steps.

Storage knows no stage; each stage declares its tables in a `create_tables` (or later) step of
its own, and this list, the only place that knows them all, owns the schema version. Steps are
plain SQL modules, so opening an archive imports none of the stages' heavy dependencies.

Schema 5 is where this list starts: its steps create what is missing and add missing columns,
so they also bring archives of schemas 1 to 4 up to date.
"""

from __future__ import annotations

from pathlib import Path

from archive.export import schema as export_schema
from archive.fetch import frontier, warc_records
from archive.link import schema as link_schema
from archive.quotes import schema as quotes_schema
from archive.search import schema as search_schema
from archive.store import Database, Migration, open_database
from archive.store import articles, parts, rawpages

MIGRATIONS = (
    Migration(
        5,
        "articles, raw pages, crawl state, links, lemma index and exports",
        (
            articles.create_tables,
            rawpages.create_tables,
            frontier.create_tables,
            link_schema.create_tables,
            search_schema.create_tables,
            export_schema.create_tables,
        ),
    ),
    Migration(6, "the MinHash version beside the stored signatures", (link_schema.record_minhash_version,)),
    Migration(7, "exports belong to release streams, not path prefixes", (export_schema.add_release_streams,)),
    Migration(8, "saved searches (watches), published as feeds", (search_schema.create_watches,)),
    Migration(9, "undated articles in stories: date evidence and story keys", (link_schema.add_date_evidence,)),
    Migration(10, "the WARC records a backfill took in", (warc_records.create_tables,)),
    Migration(
        11,
        "document kinds and the ministry's own publications, transcript parts",
        (articles.add_document_columns, parts.create_tables),
    ),
    Migration(12, "primary sources: the ministry's documents and the press articles that report them",
              (link_schema.add_primary_sources,)),
    Migration(13, "quotes and their verdicts against the primary text", (quotes_schema.create_tables,)),
)
SCHEMA_VERSION = MIGRATIONS[-1].version


def open_archive(path: str | Path, *, create: bool = True, read_only: bool = False, verify: bool = False) -> Database:
    """Open the archive at `path` at the current schema (see archive.store.open_database)."""
    return open_database(path, MIGRATIONS, create=create, read_only=read_only, verify=verify)
