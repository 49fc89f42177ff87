"""Downloader middlewares that keep the crawl where it belongs."""

from __future__ import annotations

from urllib.parse import urlsplit

from scrapy import Request, Spider
from scrapy.exceptions import IgnoreRequest


class StayOnSourceHostsMiddleware:
    """Refuse any request to a host:port that is not a configured source's own.

    Redirects are re-scheduled through the downloader middlewares, so a redirect to
    another host, another loopback port or a private address is stopped here before any
    connection is made to it. Scrapy's own OffsiteMiddleware compares host names only,
    which would let a redirect reach another port of the same host.
    """

    def process_request(self, request: Request, spider: Spider):
        netloc = urlsplit(request.url).netloc.lower()
        if netloc in spider.allowed_hosts:
            return None
        spider.report.offsite(request)
        raise IgnoreRequest(f"off-site request refused: {request.url}")
