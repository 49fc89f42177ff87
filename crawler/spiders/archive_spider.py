"""The one generic spider: discover articles through feeds, sitemaps and section pages.

Everything site-specific is configuration (settings/sources.toml). The spider's job is to
turn listings into article requests, and to make no request that is not needed: an article
already in the archive is skipped before any request is made, unless its sitemap lastmod
moved since it was fetched.
"""

from __future__ import annotations

import logging
import sqlite3
from urllib.parse import urlsplit

from scrapy import Request, Spider, signals
from scrapy.exceptions import DontCloseSpider
from scrapy.http import Response
from twisted.python.failure import Failure

from archive.config import Source
from archive.dates import parse_datetime, utc_now
from archive.discover.feeds import parse_feed, parse_sitemap
from archive.discover.urls import is_article_url, same_site, source_url
from archive.errors import BadURL, FeedError
from archive.extract.pagekind import antibot_page
from archive.fetch.frontier import CrawlState
from archive.fetch.report import CrawlReport
from archive.models import FeedEntry, FetchedPage
from archive.store.database import is_disk_full
from crawler.failures import failure_reason

log = logging.getLogger(__name__)

# Listings first, so full-text feeds are known before the articles they describe are parsed.
PRIORITY_FEED = 30
PRIORITY_SITEMAP = 20
PRIORITY_SECTION = 10
PRIORITY_ARTICLE = 0
MAX_SECTION_LINKS = 5000
# A listing answered with an anti-bot page: the site is unavailable to us; never worked around.
ANTIBOT_LISTING = "anti-bot page"


def _newer(lastmod: str | None, since) -> bool:
    moment = parse_datetime(lastmod)
    return moment is not None and moment >= since


class ArchiveSpider(Spider):
    """Crawl every configured source; items are raw article responses for the pipeline.

    Arguments (passed by `crawler.run.run_crawl`): `sources`, `state` (what the archive
    already holds), `report` and `unresolved_hosts` (hosts whose names did not resolve before
    the crawl: their requests fail at once, see StayOnSourceHostsMiddleware). A write that fails because the disk is full stops the whole
    crawl at once (`stop_for`): every further page would be fetched only to be dropped.
    """

    name = "archive"

    def __init__(self, sources: list[Source], state: CrawlState, report: CrawlReport,
                 unresolved_hosts: set[str] = frozenset(), **kwargs):
        super().__init__(**kwargs)
        self.sources = {s.name: s for s in sources}
        self.state = state
        self.report = report
        self.allowed_hosts = {s.host for s in sources}
        # Hosts whose DNS lookup failed before or during this run: not asked again in it.
        self.unresolved_hosts: set[str] = set(unresolved_hosts)
        self.pending: dict[str, FeedEntry] = {}  # article URL → what listings said about it
        self.requested: set[str] = set()
        self.full_texts: dict[str, str] = {}
        self.listings_requested: set[str] = set()  # a sitemap index may list itself or form a loop
        self.deferred_retries: list[tuple[Source, FeedEntry]] = []  # frontier URLs, asked for at idle

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider.retry_frontier, signal=signals.spider_idle)
        crawler.signals.connect(spider.callback_failed, signal=signals.spider_error)
        return spider

    def callback_failed(self, failure: Failure, response: Response, spider: Spider) -> None:
        """A callback or errback raised: a full disk stops the crawl; anything else is logged."""
        if failure.check(sqlite3.Error, OSError) and is_disk_full(failure.value):
            self.stop_for(failure.value)

    def stop_for(self, error: BaseException) -> None:
        """Stop fetching: the disk is full, so nothing more can be stored."""
        if self.report.stopped is None:
            log.error("stopping the crawl: disk full (%s)", error)
            self.report.stop(f"disk full ({error})")
            self.crawler.engine.close_spider(self, "disk full")

    async def start(self):
        for source in self.sources.values():
            retries = self.state.retry_urls(source.name)
            for path in source.full_text_feeds:
                # A URL left over from an earlier run may need its text from this feed even
                # when the feed has not changed since: then a 304 would not do.
                yield self._listing(source, path, "feed", self.parse_feed, PRIORITY_FEED, conditional=not retries)
            for path in source.feeds:
                yield self._listing(source, path, "feed", self.parse_feed, PRIORITY_FEED)
            for path in source.sitemaps:
                # A backfill reads what earlier runs skipped, so an unchanged sitemap is no reason
                # to skip it: no conditional request.
                yield self._listing(source, path, "sitemap", self.parse_sitemap, PRIORITY_SITEMAP,
                                    conditional=self.state.backfill_days is None)
            for path in source.sections:
                yield self._listing(source, path, "section", self.parse_section, PRIORITY_SECTION)
            self.deferred_retries += [(source, FeedEntry(url=url, lastmod=lastmod)) for url, lastmod in retries]

    def retry_frontier(self) -> None:
        """Once every listing is read, request the URLs left over from earlier runs.

        Not at start: a retried article fetched before the listings are parsed would miss
        what they say about it (a full-text feed's text, a newer lastmod). Those the
        listings mention again are requested by them already and skipped here.
        """
        if not self.deferred_retries:
            return
        retries, self.deferred_retries = self.deferred_retries, []
        for source, entry in retries:
            for request in self._consider(source, entry):
                self.crawler.engine.crawl(request)
        raise DontCloseSpider

    def _listing(
        self, source: Source, path_or_url: str, kind: str, callback, priority: int, *, conditional: bool = True
    ) -> Request:
        url = source.absolute(path_or_url)
        self.listings_requested.add(url)
        headers = self.state.validators(url) if conditional else {}
        return Request(
            url,
            callback=callback,
            errback=self.listing_failed,
            priority=priority,
            headers=headers,
            meta={"source": source.name, "kind": kind, "handle_httpstatus_list": [304]},
            dont_filter=True,
        )

    def _listing_ok(self, response: Response) -> Source | None:
        """Record a listing response; return its source, or None if there is nothing to parse."""
        source = self.sources[response.meta["source"]]
        self.report.source(source.name).listing_ok(response.meta["kind"], response.status, len(response.body))
        if response.status == 304:
            return None
        etag, modified = response.headers.get("ETag"), response.headers.get("Last-Modified")
        self.state.remember_validators(
            response.request.url, etag.decode("latin-1") if etag else None, modified.decode("latin-1") if modified else None
        )
        return source

    def parse_feed(self, response: Response):
        source = self._listing_ok(response)
        if source is None:
            return
        try:
            entries = parse_feed(response.body)
        except FeedError as exc:
            marker = antibot_page(response.body, source.profile_at(utc_now()))
            if marker:
                self._listing_error(source.name, "feed", response.url, ANTIBOT_LISTING, f"marker {marker!r}")
            else:
                self._listing_error(source.name, "feed", response.url, exc.reason, str(exc))
            return
        for entry in entries:
            if entry.full_text:
                try:
                    self.full_texts[source_url(entry.url, source)] = entry.full_text
                except BadURL:
                    pass
            yield from self._consider(source, entry)

    def parse_sitemap(self, response: Response):
        source = self._listing_ok(response)
        if source is None:
            return
        try:
            sitemap = parse_sitemap(response.body)
        except FeedError as exc:
            self._listing_error(source.name, "sitemap", response.url, exc.reason, str(exc))
            return
        since = self.state.since(source.name)
        report = self.report.source(source.name)
        for item in sitemap.children + sitemap.entries:
            report.saw_lastmod(item.lastmod)
        children = sorted(sitemap.children, key=lambda c: c.lastmod or "", reverse=True)
        # Children are not skipped by their index lastmod, which sites do not always keep
        # current; a conditional request makes an unchanged child cost a 304. A backfill reads
        # on into older children while they were modified after its start date.
        wanted = children[: source.max_child_sitemaps]
        if self.state.backfill_days is not None:
            wanted += [c for c in children[source.max_child_sitemaps :] if _newer(c.lastmod, since)]
        for child in wanted:
            if not same_site(child.url, source):
                self._listing_error(source.name, "sitemap", child.url, "child sitemap on another site", "refused")
                continue
            if child.url in self.listings_requested:
                self._listing_error(source.name, "sitemap", child.url, "sitemap listed twice (a loop?)", "refused")
                continue
            yield self._listing(source, child.url, "sitemap", self.parse_sitemap, PRIORITY_SITEMAP,
                                conditional=self.state.backfill_days is None)
        for entry in sitemap.entries:
            moment = parse_datetime(entry.lastmod)
            if moment and moment < since:
                continue
            yield from self._consider(source, entry)

    def parse_section(self, response: Response):
        source = self._listing_ok(response)
        if source is None:
            return
        marker = antibot_page(response.body, source.profile_at(utc_now()))
        if marker:
            self._listing_error(source.name, "section", response.url, ANTIBOT_LISTING, f"marker {marker!r}")
            return
        # Limited inside XPath: a page of 100,000 links then costs 5,000 selectors, not 100,000.
        for href in response.xpath("(//a/@href)[position() <= $limit]", limit=MAX_SECTION_LINKS).getall():
            yield from self._consider(source, FeedEntry(url=response.urljoin(href)))

    def _consider(self, source: Source, entry: FeedEntry):
        """Yield a request for `entry` unless it is not an article, already pending or archived."""
        try:
            url = source_url(entry.url, source)
        except BadURL:
            return
        if not is_article_url(url, source):
            return
        report = self.report.source(source.name)
        if url in self.pending:
            known = self.pending[url]
            known.lastmod = known.lastmod or entry.lastmod
            known.title = known.title or entry.title
            known.lead = known.lead or entry.lead
            known.published = known.published or entry.published
            known.categories = known.categories or entry.categories
            # A feed lists no lastmod; the sitemap's may show that an archived copy is stale.
            if url in self.requested or not self.state.needs_fetch(source.name, url, known.lastmod):
                return
            report.skipped -= 1
            entry = known
        else:
            entry.url = url
            self.pending[url] = entry
            report.discovered += 1
            if not self.state.needs_fetch(source.name, url, entry.lastmod):
                report.skipped += 1
                return
        self.requested.add(url)
        report.requested += 1
        self.state.enqueue(source.name, url, entry.lastmod)
        yield Request(
            url,
            callback=self.parse_article,
            errback=self.article_failed,
            priority=PRIORITY_ARTICLE,
            meta={"source": source.name, "kind": "article", "entry": entry},
            # `self.requested` already keeps each article to one request; Scrapy's duplicate
            # filter would silently drop a redirect back to it, losing the failure's reason.
            dont_filter=True,
        )

    def parse_article(self, response: Response) -> list[FetchedPage]:
        # A list, not a generator: Scrapy parses a generator callback's source on every call
        # to warn about return values, which cost more than the rest of this method.
        entry: FeedEntry = response.meta["entry"]
        if entry.full_text is None:
            entry.full_text = self.full_texts.get(entry.url)
        self.report.source(response.meta["source"]).bytes += len(response.body)
        headers = {k.decode("latin-1"): b", ".join(v).decode("latin-1") for k, v in response.headers.items()}
        page = FetchedPage(
            url=entry.url, source=response.meta["source"], status=response.status, headers=headers,
            body=response.body, fetched_at=utc_now(), final_url=response.url, feed_entry=entry,
        )
        return [page]

    def _listing_error(self, source: str, kind: str, url: str, reason: str, detail: str) -> None:
        """A feed, sitemap or section that cannot be used: counted in the run summary and
        kept in `failures` with its URL; the crawl goes on with the other listings."""
        log.info("bad %s %s: %s (%s)", kind, url, reason, detail)
        self.report.source(source).listing_failed(kind, f"bad {kind}: {reason}")
        self.state.listing_failed(source, url, f"bad {kind}: {reason}", detail)

    def _failed(self, failure: Failure) -> str:
        reason = failure_reason(failure)
        if reason == "DNS lookup failed":
            self.unresolved_hosts.add(urlsplit(failure.request.url).netloc.lower())
        return reason

    def listing_failed(self, failure: Failure):
        request = failure.request
        reason = self._failed(failure)
        log.info("listing failed %s: %s", request.url, reason)
        self.report.source(request.meta["source"]).listing_failed(request.meta["kind"], reason)
        self.state.listing_failed(request.meta["source"], request.url, reason, request.meta["kind"])

    def article_failed(self, failure: Failure):
        request = failure.request
        reason = self._failed(failure)
        log.info("not fetched %s: %s", request.url, reason)
        self.report.source(request.meta["source"]).fetch_failed(request.url, reason)
        self.state.attempt_failed(request.meta["source"], request.meta["entry"].url, reason)
