"""Release streams: `--since last`, so that daily releases never lose a delta.

A release stream is a named series of exports that each hold the articles added since the
stream's previous release. Its identity is (name, format, --source, --all, --by-story): a
JSON Lines and a Parquet release of the same name are two streams, so each format gets every
delta, and the file names play no part, so dated names (`daily-2026-12-07.jsonl`) just work.

Each release is a row of the `exports` table: the stream, the file, and the article ids it
covers (`from_id` < id <= `max_article_id`, the highest id in the archive when it was made).
The row is written only after the file is in place, so a failed or killed release is simply
made again by the next run. A release never destroys an earlier delta:

- a selection of 0 rows writes nothing and records nothing (see archive.export.dataset);
- a release into a file that still holds an earlier release of the same stream starts where
  that release started, so the new file holds the earlier delta too.

Exports recorded before schema 7 have no stream and are ignored: the first release of a stream
holds every matching article.

A WARC stream (`--format warc`) counts raw pages instead of articles: its ids are `raw_pages`
ids, as a WARC export's rows are fetched pages (archive.export.captures).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from archive.dates import utc_now
from archive.errors import ExportError
from archive.export.rows import SCHEMA_VERSION
from archive.store import Database, transaction

DEFAULT_STREAM = "default"
_ID_TABLES = {"warc": "raw_pages"}  # the table whose ids a format's releases cover (else articles)
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


@dataclass(frozen=True)
class ReleaseStream:
    name: str
    format: str
    source: str | None
    all_articles: bool
    by_story: bool

    def __post_init__(self) -> None:
        if not _NAME.fullmatch(self.name):
            raise ExportError(
                f"bad release stream name {self.name!r}: use up to 64 letters, digits, '.', '_' or '-'"
            )

    @property
    def key(self) -> str:
        """The stream's identity as stored in `exports.stream`."""
        return json.dumps(
            {"name": self.name, "format": self.format, "source": self.source, "all": self.all_articles,
             "by_story": self.by_story},
            sort_keys=True, separators=(",", ":"),
        )

    def __str__(self) -> str:
        return f"release stream {self.name!r} ({self.format})"


@dataclass(frozen=True)
class Release:
    """The article ids (raw page ids for WARC) one release covers: from_id < id <= to_id."""

    stream: ReleaseStream
    from_id: int
    to_id: int
    keeps_earlier: bool  # the file it replaces holds an earlier release, so it starts there


def plan_release(db: Database, stream: ReleaseStream, path: Path) -> Release:
    """The next release of `stream` into the regular file `path`, as of the caller's snapshot."""
    row = db.execute(
        "SELECT max_article_id FROM exports WHERE stream = ? ORDER BY id DESC LIMIT 1", [stream.key]
    ).fetchone()
    watermark = row[0] if row else 0
    from_id, keeps_earlier = watermark, False
    here = db.execute(
        "SELECT from_id FROM exports WHERE stream = ? AND path = ? ORDER BY id DESC LIMIT 1",
        [stream.key, str(path)],
    ).fetchone()
    if here is not None and here[0] < watermark and path.exists():
        from_id, keeps_earlier = here[0], True
    table = _ID_TABLES.get(stream.format, "articles")
    (to_id,) = db.execute(f"SELECT coalesce(max(id), 0) FROM {table}").fetchone()
    return Release(stream, from_id, max(to_id, watermark), keeps_earlier)


def record_export(
    db: Database, path: Path, fmt: str, by_story: bool, rows: int, command: str, release: Release | None
) -> None:
    """Remember an export written to `path`: for `check` (its directory) and, for a release,
    where its stream continues. Called only once the file is in place."""
    with transaction(db):
        db.execute(
            """INSERT INTO exports (path, format, by_story, exported_at, rows, max_article_id, schema_version,
                                    command, stream, from_id)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            [
                str(path), fmt, int(by_story), utc_now(), rows,
                release.to_id if release else None, SCHEMA_VERSION, command,
                release.stream.key if release else None, release.from_id if release else None,
            ],
        )
