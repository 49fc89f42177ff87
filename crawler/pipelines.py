"""The item pipeline: hand each fetched page to the archive's one page-to-article path."""

from __future__ import annotations

import logging
import sqlite3

from archive.models import FetchedPage
from archive.pipeline import process_page
from archive.store.database import is_disk_full

log = logging.getLogger(__name__)


class ArchivePipeline:
    """Store every fetched article page through `archive.pipeline.process_page`, and keep the
    crawl's frontier and report up to date with what became of it."""

    def __init__(self, crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler) -> "ArchivePipeline":
        return cls(crawler)

    def process_item(self, page: FetchedPage) -> FetchedPage:
        spider = self.crawler.spider
        state, report = spider.state, spider.report.source(page.source)
        try:
            outcome = process_page(spider.state.db, page, spider.sources[page.source])
        except Exception as exc:
            if (isinstance(exc, (sqlite3.Error, OSError)) and is_disk_full(exc)) or spider.report.stopped:
                spider.stop_for(exc)
                return page
            # One page's bug must not end the run, nor go unrecorded.
            log.exception("storing %s failed", page.url)
            reason = f"internal error: {type(exc).__name__}"
            state.attempt_failed(page.source, page.url, reason, str(exc))
            report.extraction_failure(reason)
            return page
        if outcome.failure is not None:
            log.info("not stored %s: %s (%s)", page.url, outcome.failure.reason, outcome.failure.detail)
            state.attempt_failed(page.source, page.url, outcome.failure.reason, outcome.failure.detail, recorded=True)
            report.extraction_failure(outcome.failure.reason)
        else:
            log.info("%s %s (article %s)", outcome.status, page.url, outcome.article_id)
            state.done(page.url)
            report.stored(outcome.status)
        return page
