"""One page on request, outside any crawl: a saved file, or one polite GET of a URL.

For `mfa-archive extract`, which checks a profile against a page; nothing is stored.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

from archive.dates import utc_now
from archive.errors import UserError
from archive.models import FetchedPage

FETCH_TIMEOUT_S = 30
MAX_PAGE_BYTES = 10 * 1024 * 1024


def fetch(url: str, user_agent: str) -> FetchedPage:
    """One polite GET of `url`; UserError on any failure."""
    request = urllib.request.Request(url, headers={"User-Agent": user_agent, "Accept": "text/html,*/*;q=0.5"})
    try:
        with urllib.request.urlopen(request, timeout=FETCH_TIMEOUT_S) as response:
            body = response.read(MAX_PAGE_BYTES + 1)
            final_url = response.geturl()
            status = response.status
            headers = {k: v for k, v in response.headers.items()}
    except urllib.error.HTTPError as exc:
        raise UserError(f"{url}: HTTP {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise UserError(f"{url}: {getattr(exc, 'reason', exc)}") from None
    if len(body) > MAX_PAGE_BYTES:
        raise UserError(f"{url}: page larger than {MAX_PAGE_BYTES} bytes")
    return FetchedPage(url=url, source="", status=status, headers=headers, body=body, fetched_at=utc_now(),
                       final_url=final_url)


def load(page: str, user_agent: str) -> FetchedPage:
    """A saved file or an http(s) URL as a fetched page (its source not yet known)."""
    try:
        parts = urlsplit(page)
    except ValueError:
        raise UserError(f"bad URL {page!r}") from None
    if parts.scheme.lower() in ("http", "https"):
        if not parts.hostname:
            raise UserError(f"bad URL {page!r}")
        return fetch(page, user_agent)
    if "://" in page:
        raise UserError(f"bad URL {page!r}: only http and https are supported")
    path = Path(page)
    if not path.is_file():
        raise UserError(f"no such file: {page}")
    try:
        body = path.read_bytes()
    except OSError as exc:
        raise UserError(f"cannot read {page}: {exc.strerror}") from None
    return FetchedPage(url=path.resolve().as_uri(), source="", status=200, headers={}, body=body, fetched_at=utc_now())
