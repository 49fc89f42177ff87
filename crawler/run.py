"""The one way into the crawl: `run_crawl` crawls the configured sources into the archive and
records the run. The CLI and the library reach Scrapy only through it.

Scrapy's reactor cannot be restarted, so this runs at most once per process; the scheduler
starts each crawl in a subprocess.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from archive.config import Config, Source, politeness
from archive.fetch.frontier import CrawlState
from archive.fetch.report import CrawlReport
from archive.fetch.runs import finish_runs, start_runs
from archive.schema import open_archive
from archive.errors import UserError
from archive.safefiles import open_own_file
from archive.store.database import is_disk_full
from crawler.logfile import setup_logging

logger = logging.getLogger(__name__)


def scrapy_settings(config: Config, sources: list[Source]) -> Settings:
    """Project settings plus the user's identity and politeness values.

    Delays are dropped only when every source is on loopback (the local mirror), so tests
    and benchmarks run fast while a real site always gets the polite pace.
    """
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    crawl = config.crawl
    settings.set("USER_AGENT", crawl.user_agent, priority="cmdline")
    settings.set("CONCURRENT_REQUESTS_PER_DOMAIN", crawl.concurrent_per_domain, priority="cmdline")
    settings.set("DOWNLOAD_DELAY", crawl.download_delay, priority="cmdline")
    settings.set("AUTOTHROTTLE_START_DELAY", max(crawl.download_delay, 0.5), priority="cmdline")
    settings.set("DOWNLOAD_MAXSIZE", crawl.max_page_bytes, priority="cmdline")
    slots = {}
    for source in sources:
        delay, concurrency = politeness(source, crawl)
        if source.is_loopback or (delay, concurrency) == (crawl.download_delay, crawl.concurrent_per_domain):
            continue
        # Scrapy's download slots are keyed by host name: the site's, with and without www.
        host = (urlsplit(source.base_url).hostname or "").lower()
        for name in {host, host.removeprefix("www."), "www." + host.removeprefix("www.")}:
            slots[name] = {"delay": delay, "concurrency": concurrency}
    if slots:
        settings.set("DOWNLOAD_SLOTS", slots, priority="cmdline")
    if sources and all(s.is_loopback for s in sources):
        settings.set("DOWNLOAD_DELAY", 0, priority="cmdline")
        settings.set("DOWNLOAD_DELAY_JITTER", 0, priority="cmdline")
        settings.set("AUTOTHROTTLE_ENABLED", False, priority="cmdline")
        settings.set("DOWNLOAD_TIMEOUT", 10, priority="cmdline")
    return settings


def unresolvable_hosts(sources: list[Source], timeout_s: float) -> set[str]:
    """The sources' host:port whose names do not resolve now, looked up in parallel.

    Offline, every request to such a host waits for the resolver (up to DNS_TIMEOUT) and then
    for the site's polite delay before the next one fails the same way: a minute of silence
    for a source's few listings. One lookup per source before the crawl says it at once.
    """
    import socket
    from concurrent.futures import ThreadPoolExecutor, wait

    names = {s.host: s.base_url.split("://", 1)[1].split(":")[0].strip("[]") for s in sources}
    pool = ThreadPoolExecutor(max_workers=max(1, len(names)))
    futures = {host: pool.submit(socket.getaddrinfo, name, None) for host, name in names.items()}
    wait(futures.values(), timeout=timeout_s)
    pool.shutdown(wait=False, cancel_futures=True)
    failed = set()
    for host, future in futures.items():
        if not future.done() or future.exception() is not None:
            failed.add(host)
    return failed


def _progress_loop(report: CrawlReport):
    """A live per-source progress bar on an interactive terminal; None elsewhere (cron)."""
    if not sys.stderr.isatty():
        return None
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
    from twisted.internet import task

    progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), transient=True)
    tasks = {name: progress.add_task(name, total=None) for name in report.sources}

    def refresh() -> None:
        for name, rep in report.sources.items():
            progress.update(tasks[name], total=max(rep.requested, 1), completed=rep.fetched + rep.failed)

    progress.start()
    loop = task.LoopingCall(refresh)
    loop.start(0.5)
    return progress, loop


# Room kept on the archive's disk for the crawl's closing bookkeeping. When the disk fills, the
# article that did not fit is rolled back, but recording the runs still needs new pages, which a
# full disk may not have (an automatic checkpoint that could not grow the file keeps the WAL from
# being reused). The reserve is given back just before the runs are recorded.
RESERVE_BYTES = 256 * 1024


def _reserve(db_path: str | Path) -> Path | None:
    """A file of RESERVE_BYTES beside the archive, or None where one cannot be made."""
    path = Path(f"{db_path}-reserve")
    try:
        fd = open_own_file(path)
    except (OSError, UserError):
        return None
    try:
        if os.fstat(fd).st_size < RESERVE_BYTES:
            os.write(fd, b"\0" * RESERVE_BYTES)
    except OSError:
        path.unlink(missing_ok=True)
        return None
    finally:
        os.close(fd)
    return path


def run_crawl(
    config: Config, sources: list[Source], db_path: str | Path, *, log_file: str | Path | None = None,
    progress: bool = False, backfill_days: int | None = None,
) -> CrawlReport:
    """Crawl `sources` into the archive at `db_path` and return what happened per source.

    A crawl stopped by a signal is reported as interrupted; one stopped because the disk is
    full, as failed with that cause (`report.stopped`). Either way the run rows say so.
    `backfill_days`: read the sitemaps that far back in this run (see CrawlState).
    """
    from crawler.spiders.archive_spider import ArchiveSpider

    db = open_archive(db_path, create=True, verify=True)
    reserve = _reserve(db_path)
    handler = setup_logging(log_file or Path(db_path).with_name("mfa-archive.log"))
    report = CrawlReport()
    for source in sources:
        report.add(source.name, source.host)
    logger.info("crawl started: %s", ", ".join(f"{s.name} ({s.base_url})" for s in sources))
    try:
        state = CrawlState(db, first_run_days=config.crawl.first_run_days, backfill_days=backfill_days)
        started = time.monotonic()
        run_ids = start_runs(db, report)
        settings = scrapy_settings(config, sources)
        process = CrawlerProcess(settings)
        crawler = process.create_crawler(ArchiveSpider)
        unresolved = unresolvable_hosts(sources, settings.getfloat("DNS_TIMEOUT"))
        process.crawl(crawler, sources=sources, state=state, report=report, unresolved_hosts=unresolved)
        live = _progress_loop(report) if progress else None
        try:
            process.start(install_signal_handlers=True)
        finally:
            if live:
                live[0].stop()
        reason = crawler.stats.get_value("finish_reason")
        if report.stopped is None and reason == "shutdown":  # SIGTERM or Ctrl-C
            report.stop("interrupted")
        elif report.stopped is None and reason != "finished":
            report.stop(f"the crawl did not run to its end ({reason or 'it did not start'}); see the log")
        try:
            if report.stopped is None:
                state.save_validators()
            if reserve is not None:
                reserve.unlink(missing_ok=True)
            finish_runs(db, run_ids, report, time.monotonic() - started, report.stopped is None)
        except sqlite3.Error as exc:
            if not is_disk_full(exc):
                raise
            report.stop(f"disk full: cannot write to {db_path}")
    finally:
        db.close()
        if reserve is not None:
            reserve.unlink(missing_ok=True)
        for rep in report.sources.values():
            logger.info("%s", rep.summary())
        if handler.broken and report.stopped is None:
            report.stop(f"disk full: cannot write the log {handler.baseFilename}")
        logging.getLogger().removeHandler(handler)
        handler.close()
    return report
