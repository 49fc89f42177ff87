"""What a WARC export holds: the archive's captures, not its articles.

A WARC export's rows are fetches. The archive records them in three places, and each becomes a
record of the file:

- `raw_pages`: one row per distinct body (raw pages dedupe identical bodies by SHA-256), with
  the URL, status, headers and time of the fetch that first brought it. Each is a `response`.
- `warc_records`: every record `ingest` took in from a WARC file, with its URL, its capture
  time and the raw page its body was kept as. One whose body was kept already, from another
  capture, is a `revisit` of that raw page (its exact time and URL are recorded).
- `articles.fetched_at`: the time of an article's latest fetch. When no raw page was stored from
  that fetch (none of the article's URL at that moment), its body was identical to a page kept
  already; the archive does not record which, and the export takes the article's own raw page
  (the one its current text was extracted from). That is a `revisit` of it, under the article's
  URL: a page fetched again unchanged, or the same body captured under a second URL.

Nothing else is recorded of a fetch: an unchanged re-fetch that a later one followed left no
trace (only the latest fetch time is kept), and neither did fetches of pages that were not
stored (listings, failures). See docs/export-schema.md, "WARC".
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Iterator

from archive.dates import end_of_day_bound
from archive.store import Database


@dataclass(frozen=True)
class CaptureFilter:
    """Which captures: by source and by fetch day (UTC, `until` inclusive); `raw_ids` limits
    them to the raw pages from_id < id <= to_id (a release)."""

    source: str | None = None
    since: date | None = None
    until: date | None = None
    raw_ids: tuple[int, int] | None = None

    def sql(self, raw: str, moment: str) -> tuple[str, dict]:
        """Conditions on the raw page alias `raw` (source, ids) and the fetch time `moment`."""
        conditions, params = [], {}
        if self.source:
            conditions.append(f"{raw}.source = :source")
            params["source"] = self.source
        if self.since:
            conditions.append(f"{moment} >= :since")
            params["since"] = self.since.isoformat()
        if self.until:
            conditions.append(f"{moment} < :until")
            params["until"] = end_of_day_bound(self.until)
        if self.raw_ids:
            conditions.append(f"{raw}.id > :from_id AND {raw}.id <= :to_id")
            params.update(from_id=self.raw_ids[0], to_id=self.raw_ids[1])
        return " AND ".join(conditions) or "1", params


@dataclass(frozen=True)
class Capture:
    """One fetch: a raw page's own (`revisit` False), or a later one of a kept body."""

    raw_id: int
    url: str  # the URL fetched (WARC-Target-URI)
    fetched_at: str  # ISO 8601 in UTC, to the second
    source: str | None
    status: int
    headers: dict
    sha256: str
    revisit: bool = False
    # For a revisit: the raw page's own capture, which it refers to.
    refers_url: str | None = None
    refers_at: str | None = None


_RAW = "r.id, r.final_url, r.url, r.source, r.status, r.headers, r.fetched_at, r.sha256"


def _headers(text: str | None) -> dict:
    try:
        value = json.loads(text or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def count_responses(db: Database, where: CaptureFilter) -> int:
    condition, params = where.sql("r", "r.fetched_at")
    return db.execute(f"SELECT count(*) FROM raw_pages r WHERE {condition}", params).fetchone()[0]


def responses(db: Database, where: CaptureFilter) -> Iterator[Capture]:
    """Every selected raw page's own capture, in the order the archive stored them."""
    condition, params = where.sql("r", "r.fetched_at")
    cursor = db.conn.execute(f"SELECT {_RAW} FROM raw_pages r WHERE {condition} ORDER BY r.id", params)
    try:
        while rows := cursor.fetchmany(500):
            for raw_id, final_url, url, source, status, headers, fetched_at, sha in rows:
                yield Capture(raw_id, final_url or url, fetched_at, source, status, _headers(headers), sha)
    finally:
        cursor.close()


def revisits(db: Database, where: CaptureFilter) -> list[Capture]:
    """The later captures of kept bodies the archive records (see the module docstring), by date."""
    has_warc_records = "warc_records" in db.table_names()
    found: dict[tuple[str, str], Capture] = {}
    queries = []
    if has_warc_records:
        condition, params = where.sql("r", "w.captured_at")
        queries.append((
            f"""SELECT w.url, w.captured_at, {_RAW} FROM warc_records w JOIN raw_pages r ON r.id = w.raw_id
                WHERE NOT (w.url = r.final_url AND w.captured_at = r.fetched_at) AND {condition}""",
            params,
        ))
    condition, params = where.sql("r", "a.fetched_at")
    ingested = (
        "AND NOT EXISTS (SELECT 1 FROM warc_records w WHERE w.raw_id = a.raw_id AND w.captured_at = a.fetched_at)"
        if has_warc_records else ""
    )
    queries.append((
        f"""SELECT a.url, a.fetched_at, {_RAW} FROM articles a JOIN raw_pages r ON r.id = a.raw_id
            WHERE a.fetched_at IS NOT NULL
              AND NOT EXISTS (SELECT 1 FROM raw_pages o WHERE o.url = a.url AND o.fetched_at = a.fetched_at)
              {ingested} AND {condition}""",
        params,
    ))
    for sql, params in queries:
        for url, at, raw_id, final_url, raw_url, source, status, headers, fetched_at, sha in db.execute(sql, params):
            own = final_url or raw_url
            if (url, at) == (own, fetched_at):
                continue
            found.setdefault((url, at), Capture(
                raw_id, url, at, source, status, _headers(headers), sha, revisit=True, refers_url=own,
                refers_at=fetched_at,
            ))
    return sorted(found.values(), key=lambda c: (c.fetched_at, c.url))
