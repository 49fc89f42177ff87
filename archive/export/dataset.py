"""Export the archive as a clean, versioned dataset: JSON Lines, CSV or Parquet, with a card;
or its fetched pages as a WARC file with a CDXJ index (`--format warc`, below).

`export()` puts the stages together: where the export goes (`targets`), which rows it holds
(`rows`, and `releases` for `--since last`), how a format is written (`writers`), the dataset
card (`card`). A file export is recorded in the `exports` table last, once the file is in
place, so a failed or killed export never advances a release stream.

A selection of 0 rows writes no file and no card (a stream still gets an empty file): the
Hugging Face loader cannot load an empty split at all (datasets 5.2 raises `Instruction "train"
corresponds to no data` for any empty Parquet file), and an empty release written over a file
would destroy the delta it held.

`--format warc` shares the targets, the release streams and the `exports` table, but its rows
are fetched pages (archive.export.captures), not articles, and it gets no dataset card (a card
describes columns; a WARC file describes itself in its warcinfo record). A file gets its CDXJ
index beside it, `<file>.cdxj`, written once the WARC file is in place; a stream gets none.
"""

from __future__ import annotations

import itertools
import sys
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterable, Iterator

from archive.errors import ExportError
from archive.export.captures import CaptureFilter, count_responses, responses, revisits
from archive.export.card import CARD_NAME, card_path, dataset_card, write_card
from archive.export.index import index_path, write_index
from archive.export.releases import DEFAULT_STREAM, Release, ReleaseStream, plan_release, record_export
from archive.export.rows import SCHEMA_VERSION, count_rows, record_batches, summary
from archive.export.targets import AtomicFile, Stream, remove_leftover_temporaries, resolve_target
from archive.export.warc import cdxj, warcinfo, write_warc
from archive.export.writers import FORMATS, WRITERS, Layout
from archive.store import Database
from archive.store.filters import ArticleFilter

WARC = "warc"
ALL_FORMATS = (*FORMATS, WARC)
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
    index_path: Path | None = None  # WARC: the CDXJ index written beside the file


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
    config_path: str | Path | None = None,
) -> ExportResult:
    """Write the selected articles to `out` (a file, `-` for stdout, a FIFO or a character
    device) in `fmt`; a file gets a dataset card beside it.

    `since_last` makes the export the next release of a release stream (`stream`, default
    "default"; see archive.export.releases). Raises ExportError for an unknown format, an
    option that does not fit, or a target the tool will not write. `config_path`: the sources
    file whose crawl settings a WARC file's warcinfo record names (default: the default one).
    """
    if fmt not in ALL_FORMATS:
        raise ExportError(f"unknown format {fmt!r}: choose one of {', '.join(ALL_FORMATS)}")
    if fmt == WARC:
        if by_story:
            raise ExportError("--by-story is for article formats: a WARC file holds fetched pages, not stories")
        if filters.all_articles:
            raise ExportError("--all is for article formats: a WARC file holds every fetched page already")
    if bom and fmt != "csv":
        raise ExportError(f"--bom is for --format csv only: {fmt} readers expect UTF-8 without a byte-order mark")
    if stream is not None and not since_last:
        raise ExportError("--stream names a release stream: use it with --since last")
    if since_last and filters.until:
        raise ExportError("--until cannot be used with --since last: the articles it leaves out would never be released")
    target = resolve_target(out)
    if fmt == WARC:
        return _warc(db, target, filters, since_last, stream, config_path)
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


def _warc(db: Database, target, filters: ArticleFilter, since_last: bool, stream: str | None,
          config_path) -> ExportResult:
    """`--format warc`: the fetched pages, to a file (with its CDXJ index) or a stream."""
    from archive.config import load_config

    config = load_config(config_path)  # a bad sources file is refused before anything is written
    where = CaptureFilter(source=filters.source, since=filters.since, until=filters.until)
    if isinstance(target, Stream):
        if since_last:
            raise ExportError(
                f"--since last writes releases to files: {target.shown} is a stream, and nothing can tell "
                "whether its reader kept the release"
            )
        with target.open() as sink, _snapshot(db):
            rows, _ = _write_warc(db, sink, where, config, target.shown, "")  # no file name to give
        return ExportResult(target.shown, WARC, rows, written=True)
    index_at = index_path(target.path)  # refused here, before anything is written, if not ours
    release_stream = ReleaseStream(stream or DEFAULT_STREAM, WARC, filters.source, False, False) if since_last else None
    options = {"since": "last" if since_last else filters.since, "stream": stream, "until": filters.until,
               "source": filters.source}
    command = _command(WARC, target.path, options)
    remove_leftover_temporaries(target.path.parent)
    with _snapshot(db):
        release = None
        if release_stream:
            release = plan_release(db, release_stream, target.path)
            where = replace(where, raw_ids=(release.from_id, release.to_id))
        if count_responses(db, where) == 0 and not revisits(db, where):
            return ExportResult(target.shown, WARC, 0, written=False, release=release)
        with target.open() as sink:
            rows, entries = _write_warc(db, sink, where, config, target.path.name, target.path.name)
    write_index(index_at, target.path.name, cdxj(entries, target.path.name))
    record_export(db, target.path, WARC, False, rows, command, release)
    return ExportResult(target.shown, WARC, rows, written=True, release=release, index_path=index_at)


def _write_warc(db: Database, sink, where: CaptureFilter, config, label: str, filename: str):
    """The WARC file's records on `sink`; how many captures, and their index entries."""
    from archive.store.rawpages import load_raw

    later = revisits(db, where)
    total = count_responses(db, where) + len(later)
    with _progress(total, f"exporting {label}") as tick:
        entries = write_warc(
            sink, itertools.chain(responses(db, where), later), lambda raw_id: load_raw(db, raw_id),
            filename=filename, info=warcinfo(config), user_agent=config.crawl.user_agent, tick=tick,
        )
    return total, entries


def _command(fmt: str, out: Path, options: dict) -> str:
    """The export as a command line, for the card and the `exports` table."""
    words = ["mfa-archive", "export", "--format", fmt, "--out", out.name]
    for name, value in options.items():
        if value is True:
            words.append(f"--{name.replace('_', '-')}")
        elif value:
            words += [f"--{name}", str(value)]
    return " ".join(words)
