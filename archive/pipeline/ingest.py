"""Import pre-extracted articles from JSON Lines through the same path as crawled ones.

Every line becomes an `Article` and goes through `add_articles` (the batched form of
`add_article`, one transaction per BATCH lines), so imported articles are classified, stored,
linked and indexed exactly like crawled ones. A bad line is reported with its number and
skipped; one broken record must not cost the rest of the file, nor the rest of its batch.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, TextIO
from urllib.parse import urlsplit

from archive.dates import record_datetime
from archive.errors import LineError, UserError
from archive.fetch.warc import GZIP_MAGIC, looks_like_warc
from archive.models import Article
from archive.pipeline import add_article, add_articles
from archive.store import Database

MAX_LINE_BYTES = 5 * 1024 * 1024  # far above any article; guards memory against a runaway line
_READ_CHUNK = 1 << 20
BATCH = 500  # articles per transaction: a commit per article would cost as much as its linking


@dataclass
class IngestSummary:
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    failed_lines: list[int] = field(default_factory=list)

    @property
    def imported(self) -> int:
        return self.new + self.updated + self.unchanged

    def line(self) -> str:
        return (
            f"imported {self.imported} (new {self.new}, updated {self.updated}, unchanged {self.unchanged}), "
            f"failed {self.failed}"
        )


JSON_LINES_SUFFIXES = (".jsonl", ".ndjson", ".json")


def input_kind(path: Path) -> str:
    """"warc" or "jsonl" for a file `ingest` can read, by its content first; UserError for
    anything else (and for a missing file), in one line."""
    if path.is_dir():
        raise UserError(f"{path} is a directory, not a file")
    if not path.is_file():
        raise UserError(f"no such file: {path}")
    try:
        if looks_like_warc(path):
            return "warc"
        with open(path, "rb") as handle:
            head = handle.read(4096)
    except OSError as exc:
        raise UserError(f"cannot read {path}: {exc.strerror}") from None
    name = path.name.lower()
    if name.endswith((".warc", ".warc.gz")):
        raise UserError(f"{path} is not a WARC file: it does not start with a WARC/1.x record")
    if head.startswith(GZIP_MAGIC):
        raise UserError(f"{path} is gzip-compressed but not WARC (JSON Lines must be uncompressed)")
    if name.endswith(JSON_LINES_SUFFIXES) or head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{") or not head.strip():
        return "jsonl"
    raise UserError(f"{path} is neither a WARC file nor JSON Lines (it starts with {head[:20]!r})")


def source_from_url(url: str) -> str:
    """The URL's host, lower-cased, without `www.` (the source name of ingested rows)."""
    host = (urlsplit(url).hostname or "").lower().rstrip(".")
    return host[4:] if host.startswith("www.") else host


def _published(value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise LineError("published must be an ISO date or datetime string or null")
    try:
        return record_datetime(value)
    except ValueError:
        raise LineError(f"published {value[:40]!r} is not an ISO date or datetime") from None


def _text_field(record: dict, name: str) -> str:
    value = record[name]
    if not isinstance(value, str):
        raise LineError(f"field {name!r} must be a string")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise LineError(f"field {name!r} holds an invalid character (a lone surrogate such as \\ud800)") from None
    return value


def parse_line(raw: bytes) -> Article:
    """One JSON object → Article, or LineError saying what is wrong with it."""
    try:
        record = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise LineError(f"not valid JSON: {exc}") from None
    except RecursionError:
        raise LineError("not valid JSON: nested too deeply") from None
    if not isinstance(record, dict):
        raise LineError("not a JSON object")
    for name in ("url", "title", "text"):
        if name not in record:
            raise LineError(f"missing field {name!r}")
    url, title, text = (_text_field(record, name) for name in ("url", "title", "text"))
    if "published" not in record:
        raise LineError("missing field 'published' (use null when unknown)")
    url = url.strip()
    try:
        parts = urlsplit(url)
        valid = parts.scheme in ("http", "https") and bool(parts.hostname)
    except ValueError:
        valid = False
    if not valid:
        raise LineError(f"url {url[:80]!r} is not an http(s) URL")
    if not text.strip():
        raise LineError("field 'text' is empty")
    source = record.get("source")
    if source is not None and (not isinstance(source, str) or not source.strip()):
        raise LineError("field 'source' must be a non-empty string when given")
    if source is not None:
        source = _text_field(record, "source")
    return Article(
        url=url,
        source=(source or source_from_url(url)).strip().lower(),
        title=title.strip(),
        text=text,
        published=_published(record["published"]),
        extraction_method="ingest",
    )


def _lines(stream: BinaryIO):
    """(line number, bytes or None when the line exceeds MAX_LINE_BYTES), without reading a huge line whole."""
    number = 0
    while True:
        raw = stream.readline(MAX_LINE_BYTES + 1)
        if not raw:
            return
        number += 1
        if len(raw) > MAX_LINE_BYTES:
            while raw and not raw.endswith(b"\n"):
                raw = stream.readline(_READ_CHUNK)
            yield number, None
            continue
        yield number, raw


def ingest_file(db: Database, path: Path, errors: TextIO = sys.stderr) -> IngestSummary:
    """Import every good line of `path`; report bad ones on `errors` as `FILE:LINE: reason`."""
    summary = IngestSummary()
    batch: list[tuple[int, Article]] = []

    def failed(number: int, reason: str) -> None:
        summary.failed += 1
        summary.failed_lines.append(number)
        errors.write(f"{path}:{number}: {reason}\n")

    def count(status: str) -> None:
        setattr(summary, status, getattr(summary, status) + 1)

    def flush() -> None:
        try:
            results = add_articles(db, [article for _, article in batch])
        except (ValueError, OverflowError, RecursionError):
            # One article the checks above let through broke the batch (rolled back whole):
            # add them one by one, so only that line is lost.
            for number, article in batch:
                try:
                    count(add_article(db, article).status)
                except (ValueError, OverflowError, RecursionError) as exc:
                    failed(number, f"cannot be stored: {type(exc).__name__}: {str(exc)[:120]}")
        else:
            for result in results:
                count(result.status)
        batch.clear()

    with open(path, "rb") as stream:
        for number, raw in _lines(stream):
            if raw is not None and not raw.strip():
                continue
            try:
                if raw is None:
                    raise LineError(f"line longer than {MAX_LINE_BYTES} bytes")
                article = parse_line(raw)
            except LineError as exc:
                failed(number, str(exc))
                continue
            batch.append((number, article))
            if len(batch) >= BATCH:
                flush()
    flush()
    return summary
