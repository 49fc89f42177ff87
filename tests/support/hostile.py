"""Hostile cases of the mirror (Mirror(hostile=True)): broken and malicious responses.

Every case has its own path on the news.ru mirror (the TASS mirror gets a broken
robots.txt) and is listed where a crawl meets it: article cases in the sitemap
`/hostile/sitemap.xml`, XML cases as extra feeds and sitemaps, the link flood as a section.
`mirror_config(base_urls, path)` writes the sources file that adds those listings, so a crawl
with it meets every case. `CASES` says what a crawl is expected to do with each one and
`observed_outcome` reads what it did, so tests and bench/faults.py share one definition.

Behaviours that a static body cannot express (timeouts, resets, a slow drip, a wrong
Content-Length, 429 then 200) are request handlers registered in `SiteSnapshot.behaviours`.
No case makes the mirror contact anything: redirects only *name* other hosts.
"""

from __future__ import annotations

import functools
import select
import socket
import sqlite3
import struct
import threading
import time
import zlib
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Callable
from urllib.parse import urlsplit

from archive.demo import render_newsru
from tests.support import generated
from archive.demo.model import AccessEntry
from archive.demo.pagekit import PageContext
from archive.demo.snapshot import Resource, SiteSnapshot

HOSTILE_SITE = "newsru"
TRAP_HOST = "127.0.0.2"  # a loopback address that is not the mirror's: a redirect target nobody may reach
PUBLISHED = "2026-04-20T09:00:00+03:00"
# The timeout and slow-drip cases never complete their answer: they hold the connection until
# the client hangs up, so the crawler's own timeout (DOWNLOAD_TIMEOUT, 10 s on loopback) is the
# only way they can end, however busy the machine. After this long they give up and close
# (a crawler without a timeout would then see a truncated answer, and the test would fail).
HOLD_LIMIT_S = 120.0
DRIP_DECLARED_BYTES = 1_000_000  # the Content-Length the drip announces and never reaches
BOMB_BYTES = 256 * 1024 * 1024  # decompressed size of the gzip bomb (about 250 KB on the wire)
HUGE_BYTES = 50 * 1024 * 1024
MANY_LINKS = 100_000
RETRY_AFTER_S = 2
RETRY_AFTER_TOO_LONG_S = 3600

Behaviour = Callable[[BaseHTTPRequestHandler], int]


@dataclass(frozen=True)
class HostileCase:
    """One hostile response and what a crawl must do with it.

    `expected` is machine-checkable: `archived`, `failed:<reason>` (a row in `failures`),
    `not-requested` (absent from the access log), `listing-error` (the feed or sitemap is
    refused with a reason and the run goes on), `listing-ok` (a listing read without harm)
    or `robots-honoured` (a broken robots.txt whose valid rules still apply).
    """

    name: str
    path: str
    expected: str
    description: str
    site: str = HOSTILE_SITE

    def url(self, base_urls: dict[str, str]) -> str:
        return base_urls[self.site] + self.path


def _article_path(name: str) -> str:
    return f"/world/hostile-{name}/"


CASES: tuple[HostileCase, ...] = (
    HostileCase("http-500", _article_path("http-500"), "failed:HTTP 500", "HTTP 500 on every attempt"),
    HostileCase("http-502", _article_path("http-502"), "failed:HTTP 502", "HTTP 502 on every attempt"),
    HostileCase("http-503", _article_path("http-503"), "failed:HTTP 503", "HTTP 503 without Retry-After"),
    HostileCase("http-429-then-ok", _article_path("http-429-then-ok"), "archived",
                f"429 with Retry-After: {RETRY_AFTER_S}, then the page"),
    HostileCase("http-503-then-ok", _article_path("http-503-then-ok"), "archived",
                "503 with Retry-After: 1, then the page"),
    HostileCase("http-429-too-long", _article_path("http-429-too-long"), "failed:HTTP 429",
                f"429 with Retry-After: {RETRY_AFTER_TOO_LONG_S} (beyond the run's budget)"),
    HostileCase("http-403", _article_path("http-403"), "failed:blocked (HTTP 403)", "403 Forbidden"),
    HostileCase("antibot-stub", _article_path("antibot-stub"), "failed:antibot-stub", "a JavaScript challenge page"),
    HostileCase("timeout", _article_path("timeout"), "failed:timed out", "no answer at all until the client hangs up"),
    HostileCase("connection-reset", _article_path("connection-reset"), "failed:connection lost",
                "the connection is reset before any answer"),
    HostileCase("slow-drip", _article_path("slow-drip"), "failed:timed out",
                "one byte per second, never reaching its Content-Length"),
    HostileCase("truncated", _article_path("truncated"), "failed:truncated response",
                "Content-Length larger than the body sent"),
    HostileCase("gzip-bomb", _article_path("gzip-bomb"), "failed:too large",
                f"{BOMB_BYTES >> 20} MiB of zeros, gzip-compressed"),
    HostileCase("huge-page", _article_path("huge-page"), "failed:too large", f"a {HUGE_BYTES >> 20} MB page"),
    HostileCase("redirect-loop", _article_path("redirect-loop"), "failed:max redirections reached",
                "two pages redirecting to each other"),
    HostileCase("redirect-other-host", _article_path("redirect-other-host"), "failed:off-site request refused",
                "302 to http://example.com/"),
    HostileCase("redirect-loopback", _article_path("redirect-loopback"), "failed:off-site request refused",
                f"302 to http://{TRAP_HOST}:<mirror port>/ (same port, other loopback address)"),
    HostileCase("redirect-private-10", _article_path("redirect-private-10"), "failed:off-site request refused",
                "302 to http://10.0.0.1/"),
    HostileCase("redirect-private-192", _article_path("redirect-private-192"), "failed:off-site request refused",
                "302 to http://192.168.1.1/"),
    HostileCase("robots-disallowed", _article_path("robots-disallowed"), "not-requested",
                "listed in the sitemap, disallowed by robots.txt"),
    HostileCase("windows-1251", _article_path("windows-1251"), "archived", "an article in windows-1251"),
    HostileCase("invalid-utf8", _article_path("invalid-utf8"), "failed:bad-encoding",
                "declared UTF-8, bytes that are not"),
    HostileCase("empty-200", _article_path("empty-200"), "failed:empty", "200 with an empty body"),
    HostileCase("many-links", _article_path("many-links"), "failed:not-article", f"{MANY_LINKS:,} links, no article"),
    HostileCase("many-links-section", "/hostile/links", "listing-ok",
                f"a section page with {MANY_LINKS:,} links"),
    HostileCase("feed-malformed", "/hostile/feed-malformed.xml", "listing-error", "RSS that is not well-formed"),
    HostileCase("feed-billion-laughs", "/hostile/feed-laughs.xml", "listing-error", "RSS with entity expansion"),
    HostileCase("feed-xxe", "/hostile/feed-xxe.xml", "listing-error", "RSS with an external entity"),
    HostileCase("sitemap-malformed", "/hostile/sitemap-malformed.xml", "listing-error", "a sitemap cut in the middle"),
    HostileCase("sitemap-billion-laughs", "/hostile/sitemap-laughs.xml", "listing-error",
                "a sitemap with entity expansion"),
    HostileCase("sitemap-xxe", "/hostile/sitemap-xxe.xml", "listing-error", "a sitemap with an external entity"),
    HostileCase("sitemap-index-self", "/hostile/sitemap.xml", "listing-error", "a sitemap index listing itself"),
    HostileCase("sitemap-index-loop", "/hostile/sitemap-loop-a.xml", "listing-error",
                "two sitemap indexes listing each other"),
    HostileCase("robots-broken", "/robots.txt", "robots-honoured",
                "TASS robots.txt with binary junk around its rules", site="tass"),
)
CASE_BY_NAME = {case.name: case for case in CASES}

# Listings the hostile sources file adds to the news.ru source.
HOSTILE_FEEDS = ("/hostile/feed-malformed.xml", "/hostile/feed-laughs.xml", "/hostile/feed-xxe.xml")
HOSTILE_SITEMAPS = ("/hostile/sitemap.xml",)
HOSTILE_SECTIONS = ("/hostile/links",)


# ---------------------------------------------------------------- behaviours


def _send(handler: BaseHTTPRequestHandler, status: int, body: bytes, headers: dict[str, str] | None = None) -> int:
    """A complete response; a client that already hung up is not an error of the mirror."""
    try:
        handler.send_response(status)
        for name, value in {"Content-Type": "text/html; charset=utf-8", **(headers or {})}.items():
            handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)
    except OSError:
        pass
    return status


def _static(status: int, body: bytes, headers: dict[str, str] | None = None) -> Behaviour:
    return lambda handler: _send(handler, status, body, headers)


def _fail_then_serve(status: int, retry_after: int, page: bytes) -> Behaviour:
    """`status` with Retry-After on the first request, the page on every later one."""
    asked = []

    def behaviour(handler: BaseHTTPRequestHandler) -> int:
        asked.append(handler.path)
        if len(asked) == 1:
            return _send(handler, status, b"Too many requests", {"Retry-After": str(retry_after)})
        return _send(handler, 200, page)

    return behaviour


def _hung_up(handler: BaseHTTPRequestHandler, wait_s: float) -> bool:
    """Wait up to `wait_s` for the client to close the connection; True once it has."""
    try:
        readable, _, _ = select.select([handler.connection], [], [], wait_s)
        return bool(readable) and handler.connection.recv(1024) == b""
    except OSError:
        return True


def _never_answer(handler: BaseHTTPRequestHandler) -> int:
    """Read the request, answer nothing, and hold the connection until the client gives up."""
    deadline = time.monotonic() + HOLD_LIMIT_S
    while time.monotonic() < deadline and not _hung_up(handler, 1.0):
        pass
    return 0


def _reset(handler: BaseHTTPRequestHandler) -> int:
    """Close with RST (SO_LINGER 0) before sending anything."""
    handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    handler.connection.close()
    return 0


def _drip(handler: BaseHTTPRequestHandler) -> int:
    """Headers at once, then one byte per second until the client hangs up; the body never
    reaches its declared length, so only the client's timeout can end the download."""
    deadline = time.monotonic() + HOLD_LIMIT_S
    try:
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html; charset=utf-8")
        handler.send_header("Content-Length", str(DRIP_DECLARED_BYTES))
        handler.end_headers()
        while time.monotonic() < deadline:
            handler.wfile.write(b"x")
            handler.wfile.flush()
            if _hung_up(handler, 1.0):
                break
    except OSError:
        pass
    return 200


def _truncated(page: bytes) -> Behaviour:
    def behaviour(handler: BaseHTTPRequestHandler) -> int:
        try:
            handler.send_response(200)
            handler.send_header("Content-Type", "text/html; charset=utf-8")
            handler.send_header("Content-Length", str(len(page) * 2))
            handler.end_headers()
            handler.wfile.write(page[: len(page) // 2])
        except OSError:
            pass
        handler.close_connection = True
        return 200

    return behaviour


def _huge(handler: BaseHTTPRequestHandler) -> int:
    """A 50 MB page streamed in 1 MB chunks, so the mirror never holds it whole."""
    chunk = (b"<p>" + "Длинная страница. ".encode() * 60 + b"</p>\n") * 400
    try:
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html; charset=utf-8")
        handler.send_header("Content-Length", str(HUGE_BYTES))
        handler.end_headers()
        sent = 0
        while sent < HUGE_BYTES:
            part = chunk[: HUGE_BYTES - sent]
            handler.wfile.write(part)
            sent += len(part)
    except OSError:
        pass
    return 200


@functools.cache
def gzip_bomb() -> bytes:
    """BOMB_BYTES of zeros, gzip-compressed; built once per process (about a second)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    zeros = bytes(1 << 20)
    parts = [compressor.compress(zeros) for _ in range(BOMB_BYTES >> 20)]
    return b"".join(parts) + compressor.flush()


def _redirect(location: str) -> Behaviour:
    return _static(302, b"", {"Location": location})


# The mirror logs a behaviour's request after the behaviour returns (only then is its status
# known), so a crawl can exit a moment before its last hostile request is logged, e.g. one it
# gave up on. The threads answering hostile requests are kept here, so a test can wait until
# all of them have ended (and so been logged) before it reads the access log.
_answering: list[threading.Thread] = []
_answering_lock = threading.Lock()


def _tracked(behaviour: Behaviour) -> Behaviour:
    def answer(handler: BaseHTTPRequestHandler) -> int:
        with _answering_lock:
            _answering.append(threading.current_thread())
        return behaviour(handler)

    return answer


def hostile_answers_logged() -> bool:
    """True when every hostile request that reached the mirror has been answered and logged:
    its handler thread has ended, and the mirror logs a request before that thread ends."""
    with _answering_lock:
        _answering[:] = [thread for thread in _answering if thread.is_alive()]
        return not _answering


# ---------------------------------------------------------------- bodies


def _article_page(snapshot: SiteSnapshot, name: str, number: int, charset: str = "utf-8") -> bytes:
    """A real-looking news.ru article at the case's path (content from the generated pool)."""
    pool = [e for e in generated.generated_entries(2 * number + 2) if e.site == "newsru"]
    entry = pool[number].with_changes(path=_article_path(name), published=PUBLISHED, event=f"hostile-{name}")
    html, _ = render_newsru.render_article(entry, PageContext(base=snapshot.base, headlines=()), charset)
    return html.encode("cp1251" if charset == "windows-1251" else "utf-8", errors="xmlcharrefreplace")


ANTIBOT_STUB = (
    b"<!DOCTYPE html><html><head><title>Just a moment...</title>"
    b"<script>var c=document.cookie;setTimeout(function(){location.reload()},5000)</script></head>"
    b"<body><noscript>Please enable JavaScript and cookies to continue</noscript>"
    b"<p>Checking your browser before accessing news.ru</p></body></html>"
)


def _many_links_page(snapshot: SiteSnapshot) -> bytes:
    """100,000 links to tag pages (not articles), plus one link to a real article."""
    real = next(path for path, article in sorted(snapshot.articles.items()) if article.is_article)
    links = "".join(f'<a href="/tags/tag-{n}/">тег {n}</a>\n' for n in range(MANY_LINKS))
    return (
        f'<!DOCTYPE html><html lang="ru"><head><meta charset="utf-8"><title>Все теги</title></head>'
        f'<body><h1>Все теги</h1><a href="{real}">статья</a>\n{links}</body></html>'
    ).encode()


def _rss(base: str, items: list[str]) -> str:
    links = "".join(f"<item><title>x</title><link>{base}{path}</link></item>" for path in items)
    return f'<rss version="2.0"><channel><title>hostile</title><link>{base}/</link>{links}</channel></rss>'


def _laughs(root: str, inner: str) -> bytes:
    entities = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{n} "{("&lol" + (str(n - 1) if n > 1 else "") + ";") * 10}">' for n in range(1, 10)
    )
    return f'<?xml version="1.0"?><!DOCTYPE {root} [{entities}]>{inner.replace("LAUGH", "&lol9;")}'.encode()


def _xxe(root: str, inner: str, trap: str) -> bytes:
    doctype = f'<!DOCTYPE {root} [<!ENTITY secret SYSTEM "file:///etc/passwd"><!ENTITY remote SYSTEM "{trap}/xxe">]>'
    return f'<?xml version="1.0"?>{doctype}{inner.replace("LAUGH", "&secret;&remote;")}'.encode()


def _urlset(base: str, paths: list[str]) -> str:
    rows = "".join(f"<url><loc>{base}{path}</loc><lastmod>{PUBLISHED}</lastmod></url>" for path in paths)
    return f'<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{rows}</urlset>'


def _index(base: str, paths: list[str]) -> str:
    rows = "".join(f"<sitemap><loc>{base}{path}</loc><lastmod>{PUBLISHED}</lastmod></sitemap>" for path in paths)
    return f'<?xml version="1.0" encoding="UTF-8"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{rows}</sitemapindex>'


BROKEN_ROBOTS = (
    b"\xef\xbb\xbf\x00\xff\xfe garbage \x80\x81\n<html><body>oops</body></html>\n"
    b"User-agent: *\nDisallow: /search\nDisallow /no-colon\nDisallow: /video/\n"
    + b"Allow: " + b"a" * 100_000 + b"\n\xff\xfe\xfd\nSitemap: not a url\n"
)


# ---------------------------------------------------------------- the snapshot hook


def add_hostile_resources(snapshot: SiteSnapshot) -> None:
    """Add the hostile resources of one site to its snapshot."""
    if snapshot.site == "tass":
        snapshot.resources["/robots.txt"] = Resource(BROKEN_ROBOTS, "text/plain", "robots")
        return
    if snapshot.site != "newsru":  # the hostile cases live on news.ru (and TASS's robots.txt)
        return
    base = snapshot.base
    port = urlsplit(base).port
    trap = f"http://{TRAP_HOST}:{port}"
    xml = "application/xml; charset=utf-8"
    behaviours: dict[str, Behaviour] = {
        "http-500": _static(500, b"Internal Server Error"),
        "http-502": _static(502, b"Bad Gateway"),
        "http-503": _static(503, b"Service Unavailable"),
        "http-429-then-ok": _fail_then_serve(429, RETRY_AFTER_S, _article_page(snapshot, "http-429-then-ok", 0)),
        "http-503-then-ok": _fail_then_serve(503, 1, _article_page(snapshot, "http-503-then-ok", 1)),
        "http-429-too-long": _static(429, b"Slow down", {"Retry-After": str(RETRY_AFTER_TOO_LONG_S)}),
        "http-403": _static(403, b"<html><body><h1>403 Forbidden</h1></body></html>"),
        "antibot-stub": _static(200, ANTIBOT_STUB),
        "timeout": _never_answer,
        "connection-reset": _reset,
        "slow-drip": _drip,
        "truncated": _truncated(_article_page(snapshot, "truncated", 2)),
        "gzip-bomb": _static(200, gzip_bomb(), {"Content-Encoding": "gzip"}),
        "huge-page": _huge,
        "redirect-loop": _redirect(base + "/world/hostile-redirect-loop-b/"),
        "redirect-other-host": _redirect("http://example.com/world/hostile/"),
        "redirect-loopback": _redirect(trap + _article_path("redirect-loopback")),
        "redirect-private-10": _redirect("http://10.0.0.1/world/hostile/"),
        "redirect-private-192": _redirect("http://192.168.1.1/world/hostile/"),
        "windows-1251": _static(200, _article_page(snapshot, "windows-1251", 3, "windows-1251"),
                                {"Content-Type": "text/html; charset=windows-1251"}),
        "invalid-utf8": _static(200, _invalid_utf8(_article_page(snapshot, "invalid-utf8", 4))),
        "empty-200": _static(200, b""),
        "many-links": _static(200, _many_links_page(snapshot)),
        "robots-disallowed": _static(200, _article_page(snapshot, "robots-disallowed", 5)),
    }
    for name, behaviour in behaviours.items():
        snapshot.behaviours[_article_path(name)] = _tracked(behaviour)
    snapshot.behaviours["/world/hostile-redirect-loop-b/"] = _tracked(_redirect(base + _article_path("redirect-loop")))
    snapshot.resources["/hostile/links"] = Resource(_many_links_page(snapshot), "text/html; charset=utf-8", "section")
    robots = snapshot.resources["/robots.txt"]
    snapshot.resources["/robots.txt"] = Resource(
        robots.body.replace(b"Disallow: /search/\n", b"Disallow: /search/\nDisallow: /world/hostile-robots-disallowed/\n"),
        robots.content_type, "robots",
    )
    article_paths = [_article_path(c) for c in behaviours]
    stamp = snapshot.resources["/sitemap.xml"].last_modified
    listings = {
        "/hostile/feed-malformed.xml": (_rss(base, article_paths[:3])[:-40] + "<item><title>", "feed"),
        "/hostile/feed-laughs.xml": (_laughs("rss", _rss(base, article_paths[:3]).replace("<title>x", "<title>LAUGH")), "feed"),
        "/hostile/feed-xxe.xml": (_xxe("rss", _rss(base, article_paths[:3]).replace("<title>x", "<title>LAUGH"), trap), "feed"),
        "/hostile/sitemap.xml": (_index(base, ["/hostile/sitemap.xml", "/hostile/urls.xml", "/hostile/sitemap-malformed.xml",
                                                "/hostile/sitemap-laughs.xml", "/hostile/sitemap-xxe.xml",
                                                "/hostile/sitemap-loop-a.xml"]), "sitemap"),
        "/hostile/urls.xml": (_urlset(base, article_paths), "sitemap"),
        "/hostile/sitemap-malformed.xml": (_urlset(base, article_paths)[:200], "sitemap"),
        "/hostile/sitemap-laughs.xml": (_laughs("urlset", _urlset(base, ["/LAUGH/"])), "sitemap"),
        "/hostile/sitemap-xxe.xml": (_xxe("urlset", _urlset(base, ["/LAUGH/"]), trap), "sitemap"),
        "/hostile/sitemap-loop-a.xml": (_index(base, ["/hostile/sitemap-loop-b.xml"]), "sitemap"),
        "/hostile/sitemap-loop-b.xml": (_index(base, ["/hostile/sitemap-loop-a.xml"]), "sitemap"),
    }
    for path, (body, kind) in listings.items():
        data = body if isinstance(body, bytes) else body.encode()
        snapshot.resources[path] = Resource(data, xml, kind, stamp)


def _invalid_utf8(page: bytes) -> bytes:
    """The page with every tenth Cyrillic letter's first byte replaced by a byte UTF-8 forbids."""
    out = bytearray()
    letters = 0
    for byte in page:
        if byte in (0xD0, 0xD1):
            letters += 1
            if letters % 10 == 0:
                out.append(0xFF)
                continue
        out.append(byte)
    return bytes(out)


# ---------------------------------------------------------------- configuration and outcomes


def mirror_config(base_urls: dict[str, str], path: Path, *, hostile: bool = True, max_child_sitemaps: int = 10) -> Path:
    """Write a sources file pointing every source at the mirror and reading up to
    `max_child_sitemaps` children (so generated pages are met); with `hostile`, the hostile
    feeds, sitemaps and section are added to news.ru."""
    from tests.support.mirrors import mirror_sources_text

    text = mirror_sources_text()
    for name, host in (("tass", "tass.ru"), ("newsru", "news.ru"), ("midru", "mid.ru")):
        text = text.replace(f'base_url = "https://{host}"', f'base_url = "{base_urls[name]}"')
    text = text.replace("max_child_sitemaps = 2", f"max_child_sitemaps = {max_child_sitemaps}")
    if hostile:
        text = text.replace('feeds = ["/rss/", "/rss/category/post/world/"]',
                            f'feeds = ["/rss/", "/rss/category/post/world/", {_quoted(HOSTILE_FEEDS)}]', 1)
        text = text.replace('sitemaps = ["/sitemap.xml"]\nmax_child_sitemaps = 10\nsections = ["/vlast/", "/world/"]',
                            f'sitemaps = ["/sitemap.xml", {_quoted(HOSTILE_SITEMAPS)}]\nmax_child_sitemaps = 10\n'
                            f'sections = ["/vlast/", "/world/", {_quoted(HOSTILE_SECTIONS)}]', 1)
    path.write_text(text, encoding="utf-8")
    return path


def _quoted(paths: tuple[str, ...]) -> str:
    return ", ".join(f'"{p}"' for p in paths)


def observed_outcome(conn: sqlite3.Connection, log: list[AccessEntry], base_urls: dict[str, str], case: HostileCase) -> str:
    """What a finished crawl did with `case`, in the vocabulary of `HostileCase.expected`."""
    url = case.url(base_urls)
    requested = [e for e in log if e.site == case.site and e.path.split("?")[0] == case.path]
    if case.name == "robots-broken":
        disallowed = [e for e in log if e.site == "tass" and e.path.startswith("/video/")]
        fetched = [e for e in log if e.site == "tass" and e.kind == "article"]
        return "robots-honoured" if requested and fetched and not disallowed else "robots-ignored"
    if case.expected.startswith("listing"):
        failure = conn.execute(
            "SELECT reason FROM failures WHERE url = ? AND detail LIKE 'listing%' ORDER BY id DESC", [url]
        ).fetchone()
        if failure:
            return "listing-error"
        return "listing-ok" if requested else "not-requested"
    if conn.execute("SELECT 1 FROM articles WHERE url = ?", [url]).fetchone():
        return "archived"
    if not requested:
        return "not-requested"
    failure = conn.execute("SELECT reason FROM failures WHERE url = ? ORDER BY id DESC", [url]).fetchone()
    return f"failed:{failure[0]}" if failure else "lost"
