"""URL rules: one normal form per article, so each article is fetched and stored once.

Feeds add tracking parameters (`?utm_source=rss`), and news.ru's robots.txt disallows every
URL with a query string, so the parameters are stripped before any request is made.
`w3lib.url.canonicalize_url` alone would keep `utm_*`.
"""

from __future__ import annotations

from fnmatch import fnmatchcase
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from w3lib.url import canonicalize_url

from archive.config import Source
from archive.errors import BadURL


def strip_tracking(url: str, patterns: list[str]) -> str:
    """Drop the query parameters whose names match any of `patterns` (fnmatch, e.g. `utm_*`)."""
    parts = urlsplit(url)
    if not parts.query:
        return url
    kept = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not any(fnmatchcase(k.lower(), p) for p in patterns)]
    return urlunsplit(parts._replace(query=urlencode(kept)))


def normalize_url(url: str, strip_params: list[str] = ()) -> str:
    """Return the normal form of an http(s) URL: tracking parameters and fragment removed,
    scheme and host lower-cased, default port dropped, remaining parameters sorted."""
    url = url.strip()
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise BadURL(f"not a valid URL: {url!r} ({exc})") from None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise BadURL(f"not an http(s) URL: {url!r}")
    if any(c.isspace() or not c.isprintable() for c in parts.hostname):
        raise BadURL(f"not a valid host name: {url!r}")
    try:
        url = strip_tracking(url, list(strip_params))
        url = canonicalize_url(url, keep_fragments=False)
    except (UnicodeError, ValueError) as exc:  # e.g. a lone surrogate left by a bad decoding
        raise BadURL(f"not a valid URL: {url!r} ({exc})") from None
    parts = urlsplit(url)
    if not parts.hostname:  # "http://\\" has a host only until canonicalization
        raise BadURL(f"not an http(s) URL: {url!r}")
    default_port = {"http": 80, "https": 443}[parts.scheme]
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname  # IPv6 keeps its brackets
    netloc = host if port in (None, default_port) else f"{host}:{port}"
    return urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, ""))


def source_url(url: str, source: Source) -> str:
    """The one address of a page of `source`: `normalize_url`, then the site's own spelling.

    A link to the site under another spelling of its host (`http://`, `www.`) is the same page
    at `base_url`, and so is one on the spec's host when a --base-url points the source at a
    mirror; on a site whose spec says `trailing_slash`, a path without its final "/" is too.
    """
    url = normalize_url(url, source.strip_params)
    parts = urlsplit(url)
    host = (parts.hostname or "").removeprefix("www.")
    base = urlsplit(source.base_url)
    own_host = (base.hostname or "").removeprefix("www.")
    elsewhere = (parts.scheme, parts.netloc.lower()) != (base.scheme, base.netloc.lower())
    if elsewhere and host in (own_host, source.spec_host) and (parts.port is None or parts.netloc.lower() == base.netloc.lower()):
        parts = parts._replace(scheme=base.scheme, netloc=base.netloc)
    if source.trailing_slash and not parts.path.endswith("/") and "." not in parts.path.rsplit("/", 1)[-1]:
        parts = parts._replace(path=parts.path + "/")
    return urlunsplit(parts)


def same_site(url: str, source: Source) -> bool:
    """True if `url` is on the source's own host and port (redirects elsewhere are refused)."""
    parts = urlsplit(url)
    base = urlsplit(source.base_url)
    return parts.scheme == base.scheme and parts.netloc.lower() == base.netloc.lower()


def is_article_url(url: str, source: Source) -> bool:
    """True if `url` (already normalized) is one of the source's article pages."""
    parts = urlsplit(url)
    return same_site(url, source) and not parts.query and bool(source.article_path.match(parts.path))


_DEFAULT_PORTS = {"http": 80, "https": 443}


def captured_article_url(url: str, source: Source) -> str | None:
    """The source's article URL that a URL captured by someone else stands for, or None.

    Web archives hold pages as they were requested, over http or https, with or without
    `www.` and tracking parameters: all of them are the one article the crawl would store,
    so the URL is normalized onto the source's own origin before its article rules apply.
    Other hosts (even ones the source lists in `hosts`) and other ports are not its articles.
    """
    try:
        normal = normalize_url(url, source.strip_params)
    except BadURL:
        return None
    parts, base = urlsplit(normal), urlsplit(source.base_url)
    if (parts.hostname or "").removeprefix("www.") != (base.hostname or "").removeprefix("www."):
        return None
    explicit_port = parts.port not in (None, _DEFAULT_PORTS[parts.scheme])
    if (explicit_port or base.port not in (None, _DEFAULT_PORTS[base.scheme])) and parts.port != base.port:
        return None
    on_origin = urlunsplit((base.scheme, base.netloc.lower(), parts.path, parts.query, ""))
    return on_origin if is_article_url(on_origin, source) else None
