"""Downloader middlewares that keep the crawl where it belongs and polite when a site struggles."""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.response import response_status_message
from twisted.internet.task import deferLater

from archive.dates import http_delay

logger = logging.getLogger(__name__)


class StayOnSourceHostsMiddleware:
    """Refuse any request to a host:port that is not a configured source's own, and any to a
    host whose name did not resolve earlier in this run.

    Redirects are re-scheduled through the downloader middlewares, so a redirect to
    another host, another loopback port or a private address is stopped here before any
    connection is made to it. Scrapy's own OffsiteMiddleware compares host names only,
    which would let a redirect reach another port of the same host. A failed DNS lookup is not
    asked again in the same run: offline, each one waits for the resolver's timeout, and a
    source's listings would keep the run silent for a minute before saying it cannot reach it.
    """

    def __init__(self, crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler) -> "StayOnSourceHostsMiddleware":
        return cls(crawler)

    def process_request(self, request: Request):
        spider = self.crawler.spider
        netloc = urlsplit(request.url).netloc.lower()
        if netloc not in spider.allowed_hosts:
            spider.report.offsite(request)
            raise IgnoreRequest(f"off-site request refused: {request.url}")
        if netloc in spider.unresolved_hosts:
            raise IgnoreRequest(f"DNS lookup failed: {netloc} (earlier in this run)")
        return None


def parse_retry_after(value: bytes | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date); None if absent or unreadable."""
    return http_delay(value.decode("latin-1") if value else None, time.time() if now is None else now)


class PoliteRetryMiddleware(RetryMiddleware):
    """Retry temporary failures without hammering: Retry-After is obeyed, per site.

    A 429 or 503 with Retry-After pauses every request to that host:port for that long,
    then retries. A Retry-After above RETRY_AFTER_MAX_S, or a pause that would take one
    site's waiting in this run past RETRY_BACKOFF_BUDGET_S, gives up for this run: the
    response goes on as an HTTP error and the URL stays in the frontier, which later runs
    retry with growing pauses (archive.crawl). Other retryable statuses back off
    exponentially from RETRY_BACKOFF_BASE_S. 403 is not retryable: a site that refuses us
    is reported as blocked, never pressed.
    """

    def __init__(self, settings):
        super().__init__(settings)
        self.max_retry_after = settings.getfloat("RETRY_AFTER_MAX_S")
        self.budget = settings.getfloat("RETRY_BACKOFF_BUDGET_S")
        self.backoff_base = settings.getfloat("RETRY_BACKOFF_BASE_S")
        self.paused_until: dict[str, float] = {}
        self.waited: dict[str, float] = defaultdict(float)

    async def process_request(self, request: Request) -> None:
        """Hold a request to a site that is backing off until its pause is over."""
        wait = self.paused_until.get(_site(request), 0.0) - time.monotonic()
        if wait > 0:
            from twisted.internet import reactor

            await maybe_deferred_to_future(deferLater(reactor, wait, lambda: None))

    def process_response(self, request: Request, response: Response) -> Request | Response:
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        site = _site(request)
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        if retry_after is not None and retry_after > self.max_retry_after:
            logger.info("Retry-After %.0f s from %s exceeds %.0f s: left for the next run", retry_after, site, self.max_retry_after)
            return response
        pause = retry_after if retry_after is not None else self.backoff_base * 2 ** request.meta.get("retry_times", 0)
        if self.waited[site] + pause > self.budget:
            logger.info("back-off budget of %.0f s for %s spent: %s left for the next run", self.budget, site, request.url)
            return response
        retry = self._retry(request, response_status_message(response.status))
        if retry is None:
            return response
        self.waited[site] += pause
        self.paused_until[site] = max(self.paused_until.get(site, 0.0), time.monotonic() + pause)
        return retry


def _site(request: Request) -> str:
    return urlsplit(request.url).netloc.lower()


class RobotsTxtUnavailableMiddleware(RobotsTxtMiddleware):
    """Scrapy's robots.txt handling, except that a robots.txt answered with a server error
    means "crawl nothing for now" (RFC 9309, 2.3.1.4) where Scrapy would allow everything.

    Such requests fail as "robots.txt unavailable", a temporary reason: the URLs stay in the
    frontier and the next run asks again.
    """

    DISALLOW_ALL = b"User-agent: *\nDisallow: /\n"

    def __init__(self, crawler):
        super().__init__(crawler)
        self._unavailable: dict[str, int] = {}  # netloc -> status of its robots.txt

    async def _parse_robots(self, response: Response, netloc: str, request: Request) -> None:
        if response.status >= 500:
            self._unavailable[netloc] = response.status
            response = response.replace(body=self.DISALLOW_ALL)
        await super()._parse_robots(response, netloc, request)

    def process_request_2(self, rp, request: Request) -> None:
        status = self._unavailable.get(urlsplit(request.url).netloc)
        if status:
            raise IgnoreRequest(f"robots.txt unavailable (HTTP {status})")
        super().process_request_2(rp, request)
