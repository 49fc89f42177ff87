"""Run one crawl of the configured sources into the archive, and record it in `runs`.

Scrapy's reactor cannot be restarted, so this runs at most once per process; the scheduler
starts each crawl in a subprocess.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import sys
import time
from datetime import datetime, timedelta, timezone
from logging.handlers import RotatingFileHandler
from pathlib import Path
from urllib.parse import urlsplit

import sqlite_utils
from scrapy.crawler import CrawlerProcess
from scrapy.http import Response
from scrapy.settings import Settings

from archive import store
from archive.config import Config, Source
from archive.crawl_report import CrawlReport
from archive.feeds import parse_moment
from archive.models import ExtractionFailure
from archive.store import open_archive, transaction, utc_now

# A URL that failed this many times (network errors, 5xx) is no longer retried.
MAX_ATTEMPTS = 5
# Sitemap entries modified before the last successful run's start, minus this, are skipped.
LASTMOD_SLACK = timedelta(hours=1)
# Pages that will not become articles by asking again (unless their lastmod moves). Other
# failures (network errors, 5xx, blocks, anti-bot stubs) are retried with growing pauses.
PERMANENT_FAILURES = frozenset(
    {"not-article", "empty", "too-short", "bad-encoding", "HTTP 404", "HTTP 410", "refused by robots.txt",
     "off-site request refused"}
)
RETRY_BACKOFF = timedelta(hours=1)
LOG_BYTES = 5 * 1024 * 1024
LOG_BACKUPS = 5


class CrawlState:
    """What the archive already knows, as the spider and pipeline need it during one crawl."""

    def __init__(self, db: sqlite_utils.Database):
        self.db = db
        self._new_validators: dict[str, tuple[str | None, str | None]] = {}
        # The newest lastmod each source listed in its last successful run: the site's own
        # clock, so a skewed clock on either side cannot hide an update.
        self._since = {
            source: (datetime.fromisoformat(mark) - LASTMOD_SLACK).isoformat()
            for source, mark in db.execute(
                "SELECT source, lastmod_mark FROM runs WHERE id IN (SELECT max(id) FROM runs "
                "WHERE status IN ('ok', 'partial') AND lastmod_mark IS NOT NULL GROUP BY source)"
            ).fetchall()
        }

    def since(self, source: str) -> str | None:
        """Sitemap entries with an older lastmod need no look (None on a source's first run)."""
        return self._since.get(source)

    def needs_fetch(self, source: str, url: str, lastmod: str | None) -> bool:
        """True unless the URL is archived, or known not to be an article, and its listed
        lastmod has not moved since."""
        row = self.db.execute("SELECT lastmod FROM articles WHERE url = ?", [url]).fetchone()
        if row is None:
            row = self.db.execute("SELECT max(at) FROM failures WHERE url = ? AND permanent", [url]).fetchone()
        if row[0] is None:
            backoff = self.db.execute("SELECT next_try FROM frontier WHERE url = ?", [url]).fetchone()
            return not (backoff and backoff[0] and backoff[0] > utc_now())
        listed, stored = parse_moment(lastmod), parse_moment(row[0])
        return bool(listed and stored and listed > stored)

    def enqueue(self, source: str, url: str, lastmod: str | None) -> None:
        """Remember a URL about to be requested, so a crash or an error never loses it."""
        with transaction(self.db):
            self.db.execute(
                "INSERT INTO frontier (url, source, lastmod, first_seen, attempts) VALUES (?, ?, ?, ?, 0) "
                "ON CONFLICT(url) DO UPDATE SET lastmod = coalesce(excluded.lastmod, lastmod)",
                [url, source, lastmod, utc_now()],
            )

    def done(self, url: str) -> None:
        self.db.execute("DELETE FROM frontier WHERE url = ?", [url])

    def attempt_failed(self, source: str, url: str, reason: str, detail: str = "fetch") -> None:
        """Record a failed article request; a temporary failure stays in the frontier and is
        retried by later runs, each time after a longer pause."""
        permanent = reason in PERMANENT_FAILURES
        with transaction(self.db):
            store.record_failure(self.db, ExtractionFailure(url, source, reason, detail), permanent=permanent)
            if permanent:
                self.done(url)
                return
            attempts = self.db.execute("SELECT attempts FROM frontier WHERE url = ?", [url]).fetchone()
            pause = RETRY_BACKOFF * 4 ** (attempts[0] if attempts else 0)
            self.db.execute(
                "UPDATE frontier SET attempts = attempts + 1, last_error = ?, next_try = ? WHERE url = ?",
                [reason, (datetime.now(timezone.utc) + pause).isoformat(timespec="seconds"), url],
            )

    def listing_failed(self, source: str, url: str, reason: str, detail: str) -> None:
        """Record a feed, sitemap or section that could not be used; never retried as an article."""
        with transaction(self.db):
            store.record_failure(self.db, ExtractionFailure(url, source, reason, f"listing: {detail}"), permanent=False)

    def retry_urls(self, source: str) -> list[tuple[str, str | None]]:
        """URLs discovered earlier but not archived yet (an interrupted run, a 503)."""
        with transaction(self.db):
            # A crash between storing an article and clearing its frontier row leaves the row.
            self.db.execute(
                "DELETE FROM frontier WHERE url IN (SELECT f.url FROM frontier f JOIN articles a ON a.url = f.url "
                "WHERE f.lastmod IS NULL OR a.lastmod >= f.lastmod)"
            )
        return self.db.execute(
            "SELECT url, lastmod FROM frontier WHERE source = ? AND attempts < ? "
            "AND (next_try IS NULL OR next_try <= ?) ORDER BY first_seen",
            [source, MAX_ATTEMPTS, utc_now()],
        ).fetchall()

    def validators(self, url: str) -> dict[str, str]:
        """Conditional-request headers for a feed or sitemap fetched before."""
        row = self.db.execute("SELECT etag, last_modified FROM http_cache WHERE url = ?", [url]).fetchone()
        headers = {}
        if row and row[0]:
            headers["If-None-Match"] = row[0]
        if row and row[1]:
            headers["If-Modified-Since"] = row[1]
        return headers

    def remember_validators(self, response: Response) -> None:
        """Keep a listing's ETag/Last-Modified; saved only if the run finishes (see `save`)."""
        etag = response.headers.get("ETag")
        modified = response.headers.get("Last-Modified")
        if etag or modified:
            self._new_validators[response.request.url] = (
                etag.decode("latin-1") if etag else None,
                modified.decode("latin-1") if modified else None,
            )

    def save_validators(self) -> None:
        with transaction(self.db):
            for url, (etag, modified) in self._new_validators.items():
                self.db.execute(
                    "INSERT OR REPLACE INTO http_cache (url, etag, last_modified, saved_at) VALUES (?, ?, ?, ?)",
                    [url, etag, modified, utc_now()],
                )


def _is_loopback(source: Source) -> bool:
    host = urlsplit(source.base_url).hostname or ""
    try:
        return host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


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
    if sources and all(_is_loopback(s) for s in sources):
        settings.set("DOWNLOAD_DELAY", 0, priority="cmdline")
        settings.set("RANDOMIZE_DOWNLOAD_DELAY", False, priority="cmdline")
        settings.set("AUTOTHROTTLE_ENABLED", False, priority="cmdline")
        settings.set("DOWNLOAD_TIMEOUT", 10, priority="cmdline")
    return settings


def start_runs(db: sqlite_utils.Database, report: CrawlReport) -> dict[str, int]:
    """A `runs` row per source, marked running; a row left running means the run died."""
    with transaction(db):
        return {
            rep.name: db["runs"].insert({"source": rep.name, "started_at": rep.started_at, "status": "running"}).last_pk
            for rep in report.sources.values()
        }


def finish_runs(
    db: sqlite_utils.Database, run_ids: dict[str, int], report: CrawlReport, duration_s: float, finished_cleanly: bool
) -> None:
    """Fill in each source's run row once the crawl is over.

    Only a run that finished (not one stopped by a signal) sets the lastmod mark that the
    next run's sitemap filter starts from.
    """
    with transaction(db):
        for rep in report.sources.values():
            rep.finished_at = utc_now()
            db["runs"].update(
                run_ids[rep.name],
                {
                    "finished_at": rep.finished_at,
                    "status": rep.status,
                    "discovered": rep.discovered,
                    "requested": rep.requested,
                    "new": rep.new,
                    "updated": rep.updated,
                    "skipped": rep.skipped,
                    "failed": rep.failed,
                    "failed_by_reason": json.dumps(dict(rep.failed_by_reason), ensure_ascii=False),
                    "extraction_failed": rep.extraction_failed,
                    "layout_changed": int(rep.layout_changed),
                    "lastmod_mark": rep.lastmod_mark if finished_cleanly else None,
                    "bytes": rep.bytes,
                    "duration_s": round(duration_s, 3),
                    "message": rep.summary(),
                },
            )


def setup_logging(log_file: str | Path) -> None:
    """Send the crawl's log (Scrapy's included) to a size-rotated file, not the terminal."""
    handler = RotatingFileHandler(log_file, maxBytes=LOG_BYTES, backupCount=LOG_BACKUPS, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)


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
    config: Config, sources: list[Source], db_path: str, *, log_file: str | None = None, progress: bool = False
) -> CrawlReport:
    """Crawl `sources` into the archive at `db_path` and return what happened per source."""
    from crawler.spiders.archive_spider import ArchiveSpider

    db = open_archive(db_path, verify=True)
    setup_logging(log_file or Path(db_path).with_name("mfa-archive.log"))
    state = CrawlState(db)
    report = CrawlReport()
    for source in sources:
        report.add(source.name, source.host)
    started = time.monotonic()
    run_ids = start_runs(db, report)
    process = CrawlerProcess(scrapy_settings(config, sources))
    crawler = process.create_crawler(ArchiveSpider)
    process.crawl(crawler, sources=sources, state=state, report=report)
    live = _progress_loop(report) if progress else None
    try:
        process.start()
    finally:
        if live:
            live[0].stop()
    finished_cleanly = crawler.stats.get_value("finish_reason") == "finished"
    if finished_cleanly:
        state.save_validators()
    finish_runs(db, run_ids, report, time.monotonic() - started, finished_cleanly)
    db.conn.close()
    return report
