"""Export the archive as a clean, versioned dataset: JSON Lines, CSV or Parquet plus a card.

Rows stream from an SQLite cursor in batches, so memory stays flat however large the archive.
Every file is written under a temporary name in the target directory and moved into place
with `os.replace`, so a reader never sees a half-written export. The columns are documented
in docs/export-schema.md; SCHEMA_VERSION changes whenever they do.
"""

from __future__ import annotations

import csv
import json
import os
import sys
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from archive import __version__
from archive.dates import utc_now
from archive.errors import ExportError
from archive.export import quotes as quote_export
from archive.store import Database, transaction
from archive.store.articles import ARTICLE_COLUMNS
from archive.store.filters import ArticleFilter

SCHEMA_VERSION = 2  # 2: quotes, official as a boolean, doc_type; --by-story: the primary source
FORMATS = ("jsonl", "csv", "parquet")
BATCH_ROWS = 5_000
PROGRESS_MIN_ROWS = 20_000  # smaller exports finish before a progress bar would help
LIST_COLUMNS = ("authors", "tags", "mfa_reason")  # JSON lists in the archive, lists in the export
STORY_COLUMNS = ("story_size", "story_sources", quote_export.STORY_PRIMARY_COLUMN)  # only with --by-story


@dataclass
class ExportResult:
    path: Path
    card_path: Path
    format: str
    rows: int
    max_article_id: int | None
    schema_version: int = SCHEMA_VERSION


def export_columns(by_story: bool) -> list[str]:
    """The exported columns, in file order."""
    return list(ARTICLE_COLUMNS) + [quote_export.QUOTES_COLUMN] + (list(STORY_COLUMNS) if by_story else [])


def _prefix(out: Path) -> str:
    """What `--since last` keys on: the output path without its extension."""
    return str(out.resolve().with_suffix(""))


def last_exported_id(db: Database, out: Path) -> int:
    """The highest article id of the previous export to the same path prefix (0 if none)."""
    if "exports" not in db.table_names():
        return 0
    row = db.execute(
        "SELECT max_article_id FROM exports WHERE prefix = ? ORDER BY id DESC LIMIT 1", [_prefix(out)]
    ).fetchone()
    return (row[0] or 0) if row else 0


def _select_sql(where: str, by_story: bool) -> str:
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


def _clean(row: tuple, columns: list[str]) -> dict:
    """One export record: JSON lists decoded, `mfa` a boolean."""
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


def _batches(db: Database, cursor, columns: list[str]) -> Iterator[list[dict]]:
    while rows := cursor.fetchmany(BATCH_ROWS):
        batch = [_clean(row, columns) for row in rows]
        quote_export.attach_quotes(db, batch)
        yield [{c: record[c] for c in columns} for record in batch]


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


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextmanager
def atomic_output(path: Path) -> Iterator[Path]:
    """A temporary path beside `path`, moved over `path` only when the block succeeds."""
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise ExportError(f"cannot write to {path.parent}: {exc.strerror or exc}") from None
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        # mkstemp makes the file private (0600); an export is meant to be shared.
        os.chmod(tmp_path, 0o666 & ~_umask())
        os.replace(tmp_path, path)
    finally:
        tmp_path.unlink(missing_ok=True)


def _write_jsonl(path: Path, batches: Iterator[list[dict]], tick) -> None:
    with path.open("w", encoding="utf-8") as out:
        for batch in batches:
            out.writelines(json.dumps(record, ensure_ascii=False) + "\n" for record in batch)
            tick(len(batch))


def _write_csv(path: Path, batches: Iterator[list[dict]], columns: list[str], tick) -> None:
    def cell(value):
        if isinstance(value, list):
            return json.dumps(value, ensure_ascii=False)
        if isinstance(value, bool):
            return "true" if value else "false"
        return value

    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(columns)
        for batch in batches:
            writer.writerows([cell(record[c]) for c in columns] for record in batch)
            tick(len(batch))


def _write_parquet(path: Path, batches: Iterator[list[dict]], by_story: bool, tick) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = arrow_schema(by_story)
    with pq.ParquetWriter(str(path), schema, compression="zstd") as writer:
        for batch in batches:
            writer.write_table(pa.Table.from_pylist(batch, schema=schema))
            tick(len(batch))


@contextmanager
def _progress(total: int, label: str):
    """A rich progress bar on a terminal for long exports; a no-op tick otherwise."""
    if total < PROGRESS_MIN_ROWS or not sys.stderr.isatty():
        yield lambda n: None
        return
    from rich.progress import Progress

    with Progress(transient=True) as progress:
        task = progress.add_task(label, total=total)
        yield lambda n: progress.advance(task, n)


def _summary(db: Database, where: str, params: dict) -> dict:
    """Counts, date range and sources of the exported articles, for the dataset card."""
    row = db.execute(
        f"""SELECT count(*), sum(a.mfa), count(DISTINCT a.story_id), min(a.published), max(a.published), max(a.id)
            FROM articles a WHERE {where}""",
        params,
    ).fetchone()
    sources = db.execute(
        f"SELECT a.source, count(*) FROM articles a WHERE {where} GROUP BY a.source ORDER BY count(*) DESC", params
    ).fetchall()
    return {
        "articles": row[0], "mfa_articles": row[1] or 0, "stories": row[2], "first_published": row[3],
        "last_published": row[4], "max_article_id": row[5], "sources": dict(sources),
    }


def _size_category(rows: int) -> str:
    for limit, name in ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"), (1_000_000, "100K<n<1M")):
        if rows < limit:
            return name
    return "1M<n<10M"


def dataset_card(out: Path, fmt: str, by_story: bool, rows: int, summary: dict, command: str, all_articles: bool) -> str:
    """README.md with a YAML header that dataset hubs (Hugging Face) read."""
    import yaml

    dtypes = {"int64": "int64", "string": "string", "bool": "bool", "list<item: string>": {"list": "string"}}
    features = []
    for field in arrow_schema(by_story):
        if field.name == quote_export.QUOTES_COLUMN:
            features.append(quote_export.card_feature())
            continue
        dtype = dtypes[str(field.type)]
        features.append({"name": field.name, **({"dtype": dtype} if isinstance(dtype, str) else {"sequence": "string"})})
    header = {
        "pretty_name": "Russian foreign-ministry news archive (mfa-archive)",
        "language": ["ru"],
        "license": "other",
        "size_categories": [_size_category(rows)],
        "schema_version": SCHEMA_VERSION,
        "configs": [{"config_name": "default", "data_files": [{"split": "train", "path": out.name}]}],
        "dataset_info": {"features": features, "splits": [{"name": "train", "num_examples": rows}]},
        "sources": sorted(summary["sources"]),
        "date_range": {"first_published": summary["first_published"], "last_published": summary["last_published"]},
        "counts": {
            "rows": rows,
            "articles": summary["articles"],
            "mfa_articles": summary["mfa_articles"],
            "stories": summary["stories"],
            "by_source": summary["sources"],
        },
        "created": {
            "tool": f"mfa-archive {__version__}",
            "command": command,
            "at": utc_now(),
            "format": fmt,
            "one_row_per": "story" if by_story else "article",
        },
    }
    scope = "all archived articles" if all_articles else "foreign-ministry news only (`mfa` = true)"
    body = f"""
# Russian foreign-ministry news (mfa-archive export)

{rows} rows ({'one per story: its original report' if by_story else 'one per article'}) from
{len(summary['sources'])} sources, published {summary['first_published']} to {summary['last_published']};
{scope}.

Made by `{command}` (schema version {SCHEMA_VERSION}). Articles were crawled
from the sources' feeds, sitemaps and section pages, extracted with trafilatura and per-site
profiles, classified as ministry news by the rules in `settings/relevance.toml`, and linked
to reprints and stories by MinHash similarity.

Columns, types and their meaning: see `docs/export-schema.md` in the mfa-archive repository.
Datetimes are ISO 8601 strings with their original UTC offset. Texts are the publishers'
copyright; check each source's terms before redistributing.
"""
    return "---\n" + yaml.safe_dump(header, allow_unicode=True, sort_keys=False) + "---\n" + body


def export(
    db: Database,
    fmt: str,
    out: str | Path,
    *,
    filters: ArticleFilter = ArticleFilter(),
    since_last: bool = False,
    by_story: bool = False,
) -> ExportResult:
    """Write the selected articles to `out` in `fmt`, with a dataset card README.md beside it.

    `since="last"` selects only articles added after the previous export to the same path
    prefix. Raises ExportError for an unknown format, bad dates or an unwritable path.
    """
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r}: choose one of {', '.join(FORMATS)}")
    out = Path(out)
    if out.is_dir():
        raise ExportError(f"{out} is a directory: give a file name such as {out / ('articles.' + fmt)}")
    if not out.parent.is_dir():
        raise ExportError(f"cannot write {out}: directory {out.parent} does not exist")
    where, params = filters.sql()
    if since_last:
        where += " AND a.id > :after_id"
        params["after_id"] = last_exported_id(db, out)
    columns = export_columns(by_story)
    options = {
        "since": "last" if since_last else filters.since, "until": filters.until, "source": filters.source,
        "all": filters.all_articles, "by_story": by_story,
    }
    command = _command(fmt, out, options)
    card_path = out.parent / "README.md"
    with _snapshot(db):
        summary = _summary(db, where, params)
        rows = summary["articles"]
        if by_story:
            rows = db.execute(
                f"SELECT count(DISTINCT coalesce(a.story_id, -a.id)) FROM articles a WHERE {where}", params
            ).fetchone()[0]
        with atomic_output(out) as tmp_data, _progress(rows, f"exporting {out.name}") as tick:
            cursor = db.conn.execute(_select_sql(where, by_story), params)
            batches = _batches(db, cursor, columns)
            if fmt == "jsonl":
                _write_jsonl(tmp_data, batches, tick)
            elif fmt == "csv":
                _write_csv(tmp_data, batches, columns, tick)
            else:
                _write_parquet(tmp_data, batches, by_story, tick)
            cursor.close()
    with atomic_output(card_path) as tmp_card:
        tmp_card.write_text(dataset_card(out, fmt, by_story, rows, summary, command, filters.all_articles), encoding="utf-8")
    _record(db, out, fmt, by_story, rows, summary["max_article_id"], command)
    return ExportResult(out, card_path, fmt, rows, summary["max_article_id"])


@contextmanager
def _snapshot(db: Database) -> Iterator[None]:
    """One read transaction: the card's counts, the rows and the id remembered for
    `--since last` all describe the same state, even while a crawl is writing (WAL)."""
    if db.conn.in_transaction:
        yield
        return
    db.execute("BEGIN")
    try:
        yield
    finally:
        db.conn.rollback()  # nothing was written: only ends the read transaction


def _command(fmt: str, out: Path, options: dict) -> str:
    """The export as a command line, for the card and the `exports` table."""
    words = ["mfa-archive", "export", "--format", fmt, "--out", out.name]
    for name, value in options.items():
        if value is True:
            words.append(f"--{name.replace('_', '-')}")
        elif value:
            words += [f"--{name}", str(value)]
    return " ".join(words)


def _record(db: Database, out: Path, fmt: str, by_story: bool, rows: int, max_id: int | None, command: str) -> None:
    """Remember this export so the next `--since last` to the same prefix continues from it."""
    previous = last_exported_id(db, out)
    with transaction(db):
        db.execute(
            """INSERT INTO exports (prefix, path, format, by_story, exported_at, rows, max_article_id, schema_version, command)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            [
                _prefix(out), str(out.resolve()), fmt, int(by_story),
                utc_now(), rows,
                max(max_id or 0, previous), SCHEMA_VERSION, command,
            ],
        )
