"""Export the archive as a clean, versioned dataset: JSON Lines, CSV or Parquet, with a card.

`export()` puts the stages together: where the export goes (`targets`), which rows it holds
(`rows`, and `releases` for `--since last`), how a format is written (`writers`), the dataset
card (`card`). A file export is recorded in the `exports` table last, once the file is in
place, so a failed or killed export never advances a release stream.

A selection of 0 rows writes no file and no card (a stream still gets an empty file): the
Hugging Face loader cannot load an empty split at all (datasets 5.2 raises `Instruction "train"
corresponds to no data` for any empty Parquet file), and an empty release written over a file
would destroy the delta it held.
"""

from __future__ import annotations

import sys
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

from archive.errors import ExportError
from archive.export.card import CARD_NAME, card_path, dataset_card, write_card
from archive.export.releases import DEFAULT_STREAM, Release, ReleaseStream, plan_release, record_export
from archive.export.rows import SCHEMA_VERSION, count_rows, record_batches, summary
from archive.export.targets import AtomicFile, Stream, remove_leftover_temporaries, resolve_target
from archive.export.writers import FORMATS, WRITERS, Layout
from archive.store import Database
from archive.store.filters import ArticleFilter

PROGRESS_MIN_ROWS = 20_000  # smaller exports finish before a progress bar would help


@dataclass
class ExportResult:
    target: str  # where the export went, as the user reads it: the file written, a stream, or "stdout"
    format: str
    rows: int
    written: bool  # False: nothing was selected, and the file target was left as it was
    card_path: Path | None = None
    card_beside_readme: bool = False  # the card took its own name: README.md there is not ours
    release: Release | None = None
    schema_version: int = SCHEMA_VERSION


def export(
    db: Database,
    fmt: str,
    out: str | Path,
    *,
    filters: ArticleFilter = ArticleFilter(),
    since_last: bool = False,
    by_story: bool = False,
    stream: str | None = None,
    bom: bool = False,
) -> ExportResult:
    """Write the selected articles to `out` (a file, `-` for stdout, a FIFO or a character
    device) in `fmt`; a file gets a dataset card beside it.

    `since_last` makes the export the next release of a release stream (`stream`, default
    "default"; see archive.export.releases). Raises ExportError for an unknown format, an
    option that does not fit, or a target the tool will not write.
    """
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r}: choose one of {', '.join(FORMATS)}")
    if bom and fmt != "csv":
        raise ExportError(f"--bom is for --format csv only: {fmt} readers expect UTF-8 without a byte-order mark")
    if stream is not None and not since_last:
        raise ExportError("--stream names a release stream: use it with --since last")
    if since_last and filters.until:
        raise ExportError("--until cannot be used with --since last: the articles it leaves out would never be released")
    target = resolve_target(out)
    layout = Layout(by_story=by_story, bom=bom)
    where, params = filters.sql()
    if isinstance(target, Stream):
        if since_last:
            raise ExportError(
                f"--since last writes releases to files: {target.shown} is a stream, and nothing can tell "
                "whether its reader kept the release"
            )
        return _to_stream(db, target, fmt, where, params, layout)
    release_stream = None
    if since_last:
        release_stream = ReleaseStream(stream or DEFAULT_STREAM, fmt, filters.source, filters.all_articles, by_story)
    options = {
        "since": "last" if since_last else filters.since, "stream": stream, "until": filters.until,
        "source": filters.source, "all": filters.all_articles, "by_story": by_story, "bom": bom,
    }
    command = _command(fmt, target.path, options)
    return _to_file(db, target, fmt, where, params, layout, release_stream, command, filters.all_articles)


def _to_stream(db: Database, target: Stream, fmt: str, where: str, params: dict, layout: Layout) -> ExportResult:
    # Opened before the snapshot: a FIFO waits for its reader here, and a read transaction held
    # that long would keep a crawl's WAL from being checkpointed.
    with target.open() as sink, _snapshot(db):
        rows = count_rows(db, where, params, layout.by_story)
        _write(db, sink, fmt, where, params, layout, rows, target.shown)
    return ExportResult(target.shown, fmt, rows, written=True)


def _to_file(
    db: Database, target: AtomicFile, fmt: str, where: str, params: dict, layout: Layout,
    release_stream: ReleaseStream | None, command: str, all_articles: bool,
) -> ExportResult:
    card_at = card_path(target.path)  # refused here, before anything is written, if there is no place
    remove_leftover_temporaries(target.path.parent)
    with _snapshot(db):
        release = None
        if release_stream:
            release = plan_release(db, release_stream, target.path)
            where += " AND a.id > :from_id AND a.id <= :to_id"
            params = {**params, "from_id": release.from_id, "to_id": release.to_id}
        rows = count_rows(db, where, params, layout.by_story)
        if rows == 0:
            return ExportResult(target.shown, fmt, 0, written=False, release=release)
        about = summary(db, where, params)
        with target.open() as sink:
            _write(db, sink, fmt, where, params, layout, rows, target.path.name)
    card = dataset_card(
        target.path, fmt, by_story=layout.by_story, rows=rows, summary=about, command=command,
        all_articles=all_articles, release=release,
    )
    write_card(card_at, card)
    record_export(db, target.path, fmt, layout.by_story, rows, command, release)
    return ExportResult(
        target.shown, fmt, rows, written=True, card_path=card_at,
        card_beside_readme=card_at.name != CARD_NAME, release=release,
    )


def _write(db: Database, sink, fmt: str, where: str, params: dict, layout: Layout, rows: int, label: str) -> None:
    with _progress(rows, f"exporting {label}") as tick:
        WRITERS[fmt](sink, _ticking(record_batches(db, where, params, layout.by_story), tick), layout)


def _ticking(batches: Iterable[list[dict]], tick) -> Iterator[list[dict]]:
    for batch in batches:
        yield batch
        tick(len(batch))


@contextmanager
def _progress(total: int, label: str):
    """A rich progress bar on stderr for long exports on a terminal; a no-op tick otherwise.

    Never on stdout, which may be the export itself."""
    if total < PROGRESS_MIN_ROWS or not sys.stderr.isatty():
        yield lambda n: None
        return
    from rich.console import Console
    from rich.progress import Progress

    with Progress(console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task(label, total=total)
        yield lambda n: progress.advance(task, n)


@contextmanager
def _snapshot(db: Database) -> Iterator[None]:
    """One read transaction: the card's counts, the rows and the ids a release covers all
    describe the same state, even while a crawl is writing (WAL)."""
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
