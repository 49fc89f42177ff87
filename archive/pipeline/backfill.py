"""Backfill: pages others captured (WARC files, such as Common Crawl's CC-NEWS) through the
crawl's page path, on every core, with no network.

This process reads the files record by record (`archive.fetch.warc`) and keeps the `response`
records of configured sources whose URL is an article by the source's rules. Each becomes a
`FetchedPage` (fetched_at = WARC-Date) and goes through the two halves of the one page path:
`prepare_page` (extract, classify, link features, lemma keys) in `jobs` worker processes,
then, strictly in file order, `store_prepared` here (raw page, article, reprints, stories,
lemma index). The writer is one process taking pages in file order, so the archive comes out
the same for any number of jobs; with one job nothing is started and the pages are prepared
here.

Crash safety: pages are committed BATCH_PAGES at a time, each with its row in `warc_records`
in the same transaction. A killed run loses only its open batch, rolled back whole; run again,
it skips the records `warc_records` holds and goes on where it stopped, so nothing is lost or
stored twice. The batches cost no safety, only the work of redoing at most one of them.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import threading
import time
from collections import Counter, deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TextIO
from urllib.parse import urlsplit

from archive.config import Config, Source
from archive.dates import UTC, parse_datetime
from archive.discover.urls import captured_article_url
from archive.fetch.warc import (
    MAX_HEADER_BYTES, WarcDamage, WarcProblem, WarcRecord, decode_payload, digest_mismatch, header,
    parse_http_response, payload_cut, read_warc,
)
from archive.fetch.warc_records import remember, taken_in
from archive.models import ExtractionFailure, FetchedPage
from archive.pipeline import PreparedPage, prepare_page, store_prepared
from archive.store import Database, transaction
from archive.store.rawpages import save_page

# Pages per transaction: with a transaction per page the writer spent 3.5 ms of CPU a page,
# with 100 to one 2.5-2.7 ms (two runs each, bench/backfill.py's 2,000-page WARC); the writer
# is the one part that cannot run on another core. A kill costs at most a batch to redo.
BATCH_PAGES = 100
BATCH_BYTES = 32 * 1024 * 1024  # a batch of very large pages is committed sooner
# Pages per task sent to a worker. 1, 8 and 32 cost the same (2.9-3.3 ms of CPU a page in
# this process, 4.2-5.0 ms in the workers, within the machine's noise); 8 keeps what is in
# flight small.
CHUNK_PAGES = 8
TASKS_PER_JOB = 3  # tasks queued per worker, so a worker has the next one while the writer stores
PARENT_CHECK_S = 0.5  # how often a worker checks that the backfill that forked it still runs
# Records read without finding a page to store before the writer commits what it holds: the
# write lock is not kept while the reader passes over other sites' records (a CC-NEWS file is
# mostly other sites: about 35 MB of it a second here, a few hundred records).
IDLE_RECORDS = 200
_HTML_TYPES = ("text/html", "application/xhtml+xml")


@dataclass
class SourceTally:
    """What became of one source's records."""

    records: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: Counter = field(default_factory=Counter)
    failed: Counter = field(default_factory=Counter)

    def count(self, status: str, reason: str | None = None) -> None:
        if status in ("skipped", "failed"):
            getattr(self, status)[reason] += 1
        else:
            setattr(self, status, getattr(self, status) + 1)

    def line(self, name: str) -> str:
        parts = [f"{name}: {self.records:,} records: new {self.new:,}, updated {self.updated:,}, "
                 f"unchanged {self.unchanged:,}"]
        for what in ("skipped", "failed"):
            reasons: Counter = getattr(self, what)
            if reasons:
                detail = ", ".join(f"{reason} {n:,}" for reason, n in sorted(reasons.items(), key=lambda r: (-r[1], r[0])))
                parts.append(f"{what} {sum(reasons.values()):,} ({detail})")
        return "; ".join(parts)


@dataclass
class FileTally:
    """What one file held."""

    path: Path
    records: int = 0
    of_sources: int = 0  # responses and revisits of the configured (selected) sources
    other_hosts: int = 0
    other_types: int = 0  # warcinfo, request, metadata, resource, ...
    damaged: int = 0  # damaged parts reported and skipped

    def line(self) -> str:
        text = (f"{self.path}: {self.records:,} records: {self.of_sources:,} of the sources, "
                f"{self.other_hosts:,} from other hosts, {self.other_types:,} of other types")
        if self.damaged:
            text += f"; {self.damaged:,} damaged part{'s' if self.damaged > 1 else ''} skipped (see above)"
        return text


@dataclass
class BackfillReport:
    files: list[FileTally] = field(default_factory=list)
    sources: dict[str, SourceTally] = field(default_factory=dict)
    stopped: str | None = None  # why the run ended early
    interrupted: bool = False  # Ctrl-C: the open batch was rolled back, the committed ones kept

    @property
    def damaged(self) -> int:
        return sum(f.damaged for f in self.files)

    def lines(self) -> list[str]:
        lines = [f.line() for f in self.files] + [t.line(name) for name, t in self.sources.items()]
        if self.stopped:
            lines.append(f"STOPPED: {self.stopped}")
        return lines


@dataclass
class _Item:
    """One page on its way through the backfill, with the record it came from."""

    page: FetchedPage
    source: Source
    record_id: str
    file: str
    offset: int


def backfill(
    db_path: str | Path,
    config: Config,
    paths: list[Path],
    *,
    only: str | None = None,
    since: date | None = None,
    until: date | None = None,
    jobs: int = 1,
    update: bool = False,
    problems: TextIO = sys.stderr,
) -> BackfillReport:
    """Ingest the article pages of the WARC files `paths` into the archive at `db_path`.

    `only` names the one source to take; `since`/`until` bound the capture day (WARC-Date,
    UTC); `update` also takes pages of URLs already archived (as a re-fetch: a changed article
    becomes a new version). Damage in a file is written to `problems`, one line each.

    The archive is opened here, after the worker processes are started: they are forked
    from this process, and must not inherit an open SQLite connection.
    """
    from archive.classify import load_rules
    from archive.search.lemmas import morph

    sources = config.select([only] if only else None)
    load_rules()  # a broken relevance.toml stops the run here, in one line, not every page in a worker
    morph()  # pymorphy3's dictionaries, loaded once here and shared by the forked workers
    report = BackfillReport(sources={s.name: SourceTally() for s in sources})
    with _CtrlC() as ctrl_c, _Preparer(jobs, sources) as preparer:
        from archive.schema import open_archive

        db = open_archive(db_path, create=True, verify=True)
        try:
            reader = _Reader(db, config, sources, since, until, update, report, problems, ctrl_c)
            _Writer(db, report, update).store(_in_file_order(reader.items(paths), preparer, report))
        finally:
            db.close()
    report.interrupted = ctrl_c.requested
    return report


class _CtrlC:
    """Ctrl-C stops the reading; the pages already read are stored and committed, so what the
    report counts is exactly what the archive holds. A second Ctrl-C stops at once (the open
    batch is rolled back, as a kill would, and the next run does it again).

    Only the main thread can take signals; elsewhere Ctrl-C is Python's usual exception."""

    def __init__(self) -> None:
        self.requested = False
        self.previous = None

    def __enter__(self) -> "_CtrlC":
        if threading.current_thread() is threading.main_thread():
            self.previous = signal.signal(signal.SIGINT, self._take)
        return self

    def _take(self, signum, frame) -> None:
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True

    def __exit__(self, *exc_info) -> None:
        if self.previous is not None:
            signal.signal(signal.SIGINT, self.previous)


# ------------------------------------------------------------------ reading


class _Reader:
    """Records to pages: which records are taken, and why the others are not."""

    def __init__(self, db, config, sources, since, until, update, report, problems, ctrl_c: _CtrlC) -> None:
        self.db = db
        self.ctrl_c = ctrl_c
        self.config = config
        self.sources = {s.name: s for s in sources}
        self.since, self.until = since, until
        self.update = update
        self.report = report
        self.problems = problems
        self.max_bytes = config.crawl.max_page_bytes

    def _source_of(self, uri: str | None) -> Source | None:
        try:
            host = urlsplit(uri or "").hostname
        except ValueError:
            return None
        return self.config.source_for_host(host) if host else None

    def items(self, paths: list[Path]) -> Iterator[_Item | None]:
        """The pages to store, in file order, and None after every IDLE_RECORDS records read
        without one (the writer commits then). Ends early, at a record's end, on Ctrl-C."""
        since_page = 0
        for path in paths:
            tally = FileTally(path)
            self.report.files.append(tally)

            def wants(record: WarcRecord) -> bool:
                source = self._source_of(record.target_uri)
                return record.kind == "response" and source is not None and source.name in self.sources

            def damaged(problem: WarcProblem, path=path, tally=tally) -> None:
                tally.damaged += 1
                self.problems.write(f"{path}: offset {problem.offset:,}: {problem.message}\n")
                self.problems.flush()

            records = read_warc(path, wants, max_block_bytes=self.max_bytes + MAX_HEADER_BYTES, on_problem=damaged)
            for record in records:
                if self.ctrl_c.requested:
                    return
                tally.records += 1
                since_page += 1
                if since_page >= IDLE_RECORDS:
                    since_page = 0
                    yield None
                if record.kind not in ("response", "revisit"):
                    tally.other_types += 1
                    continue
                source = self._source_of(record.target_uri)
                if source is None or source.name not in self.sources:
                    tally.other_hosts += 1
                    continue
                tally.of_sources += 1
                sources_tally = self.report.sources[source.name]
                sources_tally.records += 1
                taken = self._take(record, source, path.name)
                if isinstance(taken, _Item):
                    since_page = 0
                    yield taken
                else:
                    sources_tally.count(*taken)

    def _take(self, record: WarcRecord, source: Source, file: str) -> _Item | tuple[str, str]:
        """The page of a record of `source`, or ("skipped" | "failed", why not)."""
        if record.kind == "revisit":
            return "skipped", "revisit record (no payload of its own)"
        url = captured_article_url(record.target_uri, source)
        if url is None:
            return "skipped", "not an article URL"
        moment = parse_datetime(record.date)
        try:
            captured_at = moment.astimezone(UTC).isoformat(timespec="seconds") if moment else None
        except (OverflowError, ValueError):
            captured_at = None
        if captured_at is None:
            return "failed", "no valid WARC-Date"
        day = captured_at[:10]
        if (self.since and day < self.since.isoformat()) or (self.until and day > self.until.isoformat()):
            return "skipped", "captured outside --since/--until"
        if record.truncated:
            return "failed", f"truncated record (WARC-Truncated: {record.truncated.strip()[:20]})"
        if record.segment:
            return "failed", "segmented record (continuations are not joined)"
        if record.too_large:
            return "failed", f"larger than max_page_bytes ({self.max_bytes:,} bytes)"
        mismatch = digest_mismatch(record.block_digest, record.block)
        if mismatch:
            return "failed", f"damaged record (block {mismatch})"
        try:
            response = parse_http_response(record.block)
        except WarcDamage:
            return "failed", "not an HTTP response"
        mismatch = digest_mismatch(record.payload_digest, response.payload)
        if mismatch:
            return "failed", f"damaged record (payload {mismatch})"
        if 300 <= response.status < 400:
            return "skipped", "redirect"
        if response.status != 200:
            return "skipped", f"HTTP {response.status}"
        if payload_cut(response):
            return "failed", "truncated payload (shorter than its Content-Length)"
        content_type = (header(response.headers, "Content-Type") or "").split(";")[0].strip().lower()
        if content_type and content_type not in _HTML_TYPES:
            return "skipped", f"not HTML ({content_type[:40]})"
        try:
            body, headers = decode_payload(response, self.max_bytes)
        except WarcDamage as exc:
            return "failed", str(exc)
        # What the archive holds is asked last, so a record's reason does not depend on how far
        # the writer has got (it is asked again, in order, when the page is stored).
        if taken_in(self.db, record.record_id):
            return "skipped", "already ingested"
        if not self.update and _archived(self.db, url):
            return "skipped", "already archived"
        page = FetchedPage(url=url, source=source.name, status=200, headers=headers, body=body,
                           fetched_at=captured_at, final_url=record.target_uri)
        return _Item(page, source, record.record_id, file, record.offset)


def _archived(db: Database, url: str) -> bool:
    return db.execute("SELECT 1 FROM articles WHERE url = ?", [url]).fetchone() is not None


# ------------------------------------------------------------------ preparing


def _prepare(page: FetchedPage, source: Source) -> PreparedPage:
    """`prepare_page` for a backfill: with link features, and an unexpected error in one page
    (a parser bug on odd markup) recorded as that page's failure instead of ending the run."""
    try:
        return prepare_page(page, source, for_writer=True)
    except Exception as exc:  # noqa: BLE001 - one page of millions must not stop the rest
        detail = f"{type(exc).__name__}: {' '.join(str(exc).split())}"[:300]
        return PreparedPage(page, ExtractionFailure(page.url, page.source, "extraction error", detail))


def _start_worker(parent: int, sources: dict[str, Source]) -> None:
    # Ctrl-C reaches the whole process group; the main process stops the run, and the workers
    # finish their task instead of printing a traceback each.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _SOURCES.update(sources)
    threading.Thread(target=_exit_with, args=(parent,), name="exit-with-parent", daemon=True).start()


def _exit_with(parent: int) -> None:
    """End this worker once its parent is gone (killed): a forked worker holds both ends of
    its pipes, so it never sees them close, and would wait forever on a full result pipe."""
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_S)
    os._exit(1)


# The sources by name, given to each worker once when it starts, not with every task (a
# source's profile is dozens of compiled regular expressions).
_SOURCES: dict[str, Source] = {}


def _prepare_chunk(pages: list[FetchedPage]) -> list[tuple]:
    """The prepared halves of a chunk of pages, without the pages (the writer has them)."""
    prepared = (_prepare(page, _SOURCES[page.source]) for page in pages)
    return [(p.result, p.relevance, p.link_features, p.lemmas, p.press) for p in prepared]


def _started() -> bool:
    return True


class _Preparer:
    """Prepares items in worker processes (or here, with one job) and hands them back in order."""

    def __init__(self, jobs: int, sources: list[Source]) -> None:
        self.jobs = jobs
        self.sources = {s.name: s for s in sources}
        self.pool: ProcessPoolExecutor | None = None
        self.in_flight: deque[tuple[list[_Item], Future | list[tuple]]] = deque()
        self.chunk: list[_Item] = []

    def __enter__(self) -> "_Preparer":
        if self.jobs == 1:
            _SOURCES.clear()
            _SOURCES.update(self.sources)
        else:
            # fork where there is one: the workers start with this process's modules, settings
            # and caches loaded (a spawned worker spends about a second importing them).
            method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
            self.pool = ProcessPoolExecutor(self.jobs, mp_context=multiprocessing.get_context(method),
                                            initializer=_start_worker, initargs=(os.getpid(), self.sources))
            self.pool.submit(_started).result()  # every worker is forked now, before the archive is opened
        return self

    def __exit__(self, *exc_info) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)

    def add(self, item: _Item) -> Iterator[tuple[_Item, PreparedPage]]:
        self.chunk.append(item)
        if len(self.chunk) >= CHUNK_PAGES:
            self._send()
        while len(self.in_flight) > max(1, self.jobs * TASKS_PER_JOB):
            yield from self._take()

    def finish(self) -> Iterator[tuple[_Item, PreparedPage]]:
        self._send()
        while self.in_flight:
            yield from self._take()

    def _send(self) -> None:
        if not self.chunk:
            return
        chunk, self.chunk = self.chunk, []
        tasks = [item.page for item in chunk]
        if self.pool is None:
            self.in_flight.append((chunk, _prepare_chunk(tasks)))
        else:
            self.in_flight.append((chunk, self.pool.submit(_prepare_chunk, tasks)))

    def _take(self) -> Iterator[tuple[_Item, PreparedPage]]:
        chunk, pending = self.in_flight.popleft()
        results = pending.result() if isinstance(pending, Future) else pending
        for item, prepared in zip(chunk, results):
            yield item, PreparedPage(item.page, *prepared)


def _in_file_order(
    items: Iterator[_Item | None], preparer: "_Preparer", report: BackfillReport,
) -> Iterator[tuple[_Item, PreparedPage] | None]:
    """The prepared pages of `items`, in file order, and the reader's None (nothing for a
    while); pulling one keeps the workers supplied.

    A dead worker ends them early (reported), so the pages before it are still stored."""
    try:
        for item in items:
            if item is None:
                yield None
            else:
                yield from preparer.add(item)
        yield from preparer.finish()
    except BrokenProcessPool:
        report.stopped = ("an extraction worker died (killed, or out of memory?); what was read before it "
                          "is stored, and running the same command again goes on from there")


# ------------------------------------------------------------------ storing


class _Writer:
    """Stores prepared pages in order, BATCH_PAGES to a transaction."""

    def __init__(self, db: Database, report: BackfillReport, update: bool) -> None:
        self.db = db
        self.report = report
        self.update = update

    def store(self, pages: Iterator[tuple[_Item, PreparedPage] | None]) -> None:
        """Store each page as it comes, committing every BATCH_PAGES (or BATCH_BYTES), and
        whenever the reader has gone a while without a page (None).

        Each page is stored as soon as it is ready, not a batch at a time: between two pages
        the next one is pulled, which hands the workers more to do. Collecting a batch first
        left them idle while the writer stored it (--jobs 2 used 1.38 cores of 2). A batch's
        transaction begins with its first page, so the write lock is not held while the
        reader passes over records of other sites."""
        pages = iter(pages)
        while True:
            first = next((page for page in pages if page is not None), None)
            if first is None:
                return
            stored: list[tuple[str, tuple[str, str | None]]] = []
            size = 0
            with transaction(self.db):
                ready = first
                while ready is not None:  # None: the reader is passing over other records, or done
                    item, prepared = ready
                    stored.append((item.source.name, self._store(item, prepared)))
                    size += len(item.page.body)
                    if len(stored) >= BATCH_PAGES or size >= BATCH_BYTES:
                        break
                    ready = next(pages, None)
            for name, outcome in stored:  # counted once committed
                self.report.sources[name].count(*outcome)

    def _store(self, item: _Item, prepared: PreparedPage) -> tuple[str, str | None]:
        """Store one page inside the batch's transaction; its (status, reason)."""
        db, page = self.db, item.page
        # Checked again here, in file order: a URL or record seen twice in one run is found
        # only once its first page is stored, whatever the number of workers.
        if taken_in(db, item.record_id):
            return "skipped", "already ingested"
        if not self.update and _archived(db, page.url):
            return "skipped", "already archived"
        try:
            with transaction(db):  # a savepoint: a page that cannot be stored costs only itself
                raw_id = save_page(db, page)
                outcome = store_prepared(db, prepared, raw_id, record_failures=False)
                reason = outcome.failure.reason if outcome.failure else None
                remember(db, record_id=item.record_id, url=page.final_url or page.url, captured_at=page.fetched_at,
                         file=item.file, offset=item.offset, raw_id=raw_id,
                         outcome=f"failed: {reason}" if reason else outcome.status)
        except (ValueError, OverflowError, RecursionError) as exc:
            return "failed", f"cannot be stored ({type(exc).__name__})"
        return outcome.status, reason
