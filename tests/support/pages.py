"""Extracting HTML in tests the way the crawl does: a FetchedPage and its site's profile."""

from __future__ import annotations

from functools import cache
from urllib.parse import urlsplit

from archive.config import Config, load_config
from archive.dates import utc_now
from archive.extract import extract_article
from archive.models import Article, ExtractionFailure, FeedEntry, FetchedPage
from archive.profile import GENERIC, Profile


@cache
def default_config() -> Config:
    return load_config()


def site_profile(name: str | None, url: str = "", fetched_at: str | None = None) -> Profile:
    """The profile of the site `name`, else of the site serving `url`'s host, else generic."""
    config = default_config()
    site = config.sources.get(name or "") or config.source_for_host(urlsplit(url).hostname)
    return site.profile_at(fetched_at) if site else GENERIC


def extract_html(
    body: bytes, url: str, source: str = "generic", *, declared_encoding: str | None = None,
    feed_entry: FeedEntry | None = None, fetched_at: str | None = None, profile: str | None = None,
) -> Article | ExtractionFailure:
    """`extract_article` on `body` as the page at `url` of `source`, with that site's profile."""
    headers = {"Content-Type": f"text/html; charset={declared_encoding}"} if declared_encoding else {}
    page = FetchedPage(url=url, source=source, status=200, headers=headers, body=body,
                       fetched_at=fetched_at or utc_now(), feed_entry=feed_entry)
    return extract_article(page, site_profile(profile or source, url, page.fetched_at))
