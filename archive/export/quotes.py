"""What schema version 2 adds to exports: each article's quotes with their verdicts, the
ministry's own publications flagged, and with --by-story the story's primary source.

Kept apart from dataset.py so the export's shape and this addition can change separately;
dataset.py calls `attach_quotes` on each batch and takes the Parquet types from here."""

from __future__ import annotations

from archive.quotes.listing import quotes_of
from archive.store import Database

QUOTES_COLUMN = "quotes"
FLAG_COLUMNS = ("mfa", "official")  # 0/1 in the archive, booleans in the export
STORY_PRIMARY_COLUMN = "story_primary_id"  # only with --by-story
# One quote in the export, in this order, with its Parquet type.
QUOTE_FIELDS = (
    ("position", "int64"), ("end", "int64"), ("quote", "string"), ("kind", "string"), ("speaker", "string"),
    ("verdict", "string"), ("score", "float64"), ("issue", "string"), ("issue_detail", "string"),
    ("primary_url", "string"), ("match_start", "int64"), ("match_end", "int64"),
)


def attach_quotes(db: Database, records: list[dict]) -> None:
    """Give each exported record its quotes (a list, empty for an article without any)."""
    found = quotes_of(db, [r["id"] for r in records])
    for record in records:
        record[QUOTES_COLUMN] = found.get(record["id"], [])


def arrow_type():
    import pyarrow as pa

    return pa.list_(pa.struct([pa.field(name, getattr(pa, kind)()) for name, kind in QUOTE_FIELDS]))


def card_feature() -> dict:
    """The quotes column as a dataset card's feature: a list of records. `list`, not `sequence`,
    which the loader reads as a record of lists."""
    return {"name": QUOTES_COLUMN, "list": [{"name": name, "dtype": kind} for name, kind in QUOTE_FIELDS]}
