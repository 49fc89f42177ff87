"""The one way into the crawl: `run_crawl` crawls the configured sources into the archive and
records the run. The CLI and the library reach Scrapy only through it.

Scrapy's reactor cannot be restarted, so this runs at most once per process; the scheduler
starts each crawl in a subprocess.
"""

from __future__ import annotations

import logging
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


def run_crawl(
    config: Config, sources: list[Source], db_path: str | Path, *, log_file: str | Path | None = None,
    progress: bool = False,
) -> CrawlReport:
    """Crawl `sources` into the archive at `db_path` and return what happened per source.

    A crawl stopped by a signal is reported as interrupted; one stopped because the disk is
    full, as failed with that cause (`report.stopped`). Either way the run rows say so.
    """
    from crawler.spiders.archive_spider import ArchiveSpider

    db = open_archive(db_path, create=True, verify=True)
    handler = setup_logging(log_file or Path(db_path).with_name("mfa-archive.log"))
    report = CrawlReport()
    for source in sources:
        report.add(source.name, source.host)
    logger.info("crawl started: %s", ", ".join(f"{s.name} ({s.base_url})" for s in sources))
    try:
        state = CrawlState(db)
        started = time.monotonic()
        run_ids = start_runs(db, report)
        process = CrawlerProcess(scrapy_settings(config, sources))
        crawler = process.create_crawler(ArchiveSpider)
        process.crawl(crawler, sources=sources, state=state, report=report)
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
            finish_runs(db, run_ids, report, time.monotonic() - started, report.stopped is None)
        except sqlite3.Error as exc:
            if not is_disk_full(exc):
                raise
            report.stop(f"disk full: cannot write to {db_path}")
    finally:
        db.close()
        for rep in report.sources.values():
            logger.info("%s", rep.summary())
        if handler.broken and report.stopped is None:
            report.stop(f"disk full: cannot write the log {handler.baseFilename}")
        logging.getLogger().removeHandler(handler)
        handler.close()
    return report
