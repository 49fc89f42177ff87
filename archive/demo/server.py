"""The running mirror: one ThreadingHTTPServer per site on a free loopback port, a shared access log."""

from __future__ import annotations

import re
import sys
import threading
import time
from datetime import timezone
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from collections.abc import Callable, Iterable

from archive.demo import content
from archive.demo.model import SITES, AccessEntry, Entry, MirrorArticle
from archive.demo.render_midru import challenge_page
from archive.demo.snapshot import Resource, SiteSnapshot, build_site

STATES = ("day1", "day2")
# What can go wrong with a whole site, for the health tests and a demo of the warnings:
# "blocked" answers every request with 403, as sites do for datacenter addresses;
# "redesign" serves article pages whose body is rendered by a script the crawler cannot run;
# "robots-down" answers robots.txt with 503 (a crawler must then wait, RFC 9309);
# "challenge" answers everything, robots.txt and feeds included, with mid.ru's JavaScript
# anti-bot interstitial and status 200, as F5 does (sites.md).
CONDITIONS = ("blocked", "redesign", "robots-down", "challenge")
BLOCKED_PAGE = (
    "<!DOCTYPE html><html><head><title>403 Forbidden</title></head>"
    "<body><h1>Доступ запрещен</h1></body></html>"
).encode()
_ARTICLE_CONTENT = re.compile(rb"(<article\b[^>]*>).*?(</article>)", re.S)
_JSON_LD = re.compile(rb'<script type="application/ld\+json">.*?</script>', re.S)
_APP_SHELL = b'<div id="app" data-hydrate="article"></div><script src="/static/app.3f9c1.js"></script>'

NOT_FOUND = (
    "<!DOCTYPE html><html lang=\"ru\"><head><meta charset=\"utf-8\"><title>Страница не найдена</title></head>"
    "<body><h1>404</h1><p>Страница не найдена</p><a href=\"/\">На главную</a></body></html>"
).encode()


class Mirror:
    """Local copies of tass.ru, news.ru and mid.ru for the demo, the tests and the benchmarks.

    Use as a context manager: servers start on enter and stop on exit. Besides its own content,
    a mirror can serve `entries` (more curated pages, with gold), `generated` pages (listed in
    sitemap children of their own, without gold) and let `decorate` change each site's
    snapshot (the tests' hostile responses). `ports` asks for fixed ports (0: any free one).
    """

    def __init__(
        self,
        state: str = "day1",
        *,
        entries: Iterable[Entry] = (),
        generated: Iterable[Entry] = (),
        decorate: Callable[[SiteSnapshot], None] | None = None,
        ports: dict[str, int] | None = None,
    ) -> None:
        if state not in STATES:
            raise ValueError(f"unknown mirror state {state!r}; expected one of {', '.join(STATES)}")
        self.state = state
        self._seed_entries = list(entries)
        self._generated = list(generated)
        self._decorate = decorate
        self._ports = ports or {}
        self._servers: dict[str, ThreadingHTTPServer] = {}
        self._threads: list[threading.Thread] = []
        self._log: list[AccessEntry] = []
        self._log_lock = threading.Lock()
        self._snapshots: dict[str, SiteSnapshot] = {}
        self._conditions: dict[str, str] = {}
        self.base_urls: dict[str, str] = {}

    def __enter__(self) -> "Mirror":
        for site in SITES:
            server = _Server(("127.0.0.1", self._ports.get(site, 0)), _handler_for(self, site))
            server.daemon_threads = True
            self._servers[site] = server
            self.base_urls[site] = f"http://127.0.0.1:{server.server_address[1]}"
        self._build(self.state)
        for site, server in self._servers.items():
            thread = threading.Thread(target=server.serve_forever, name=f"mirror-{site}", daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def __exit__(self, *exc_info) -> None:
        for server in self._servers.values():
            server.shutdown()
            server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)
        self._servers.clear()
        self._threads.clear()

    @property
    def access_log(self) -> list[AccessEntry]:
        with self._log_lock:
            return list(self._log)

    def clear_log(self) -> None:
        with self._log_lock:
            self._log.clear()

    def set_state(self, state: str) -> None:
        """Switch the published content (day1 -> day2 adds and updates articles)."""
        if state not in STATES:
            raise ValueError(f"unknown mirror state {state!r}; expected one of {', '.join(STATES)}")
        self._build(state)
        self.state = state

    def set_condition(self, site: str, condition: str | None) -> None:
        """Make a whole site misbehave (one of CONDITIONS), or behave again with None."""
        if condition is not None and condition not in CONDITIONS:
            raise ValueError(f"unknown condition {condition!r}; expected one of {', '.join(CONDITIONS)}")
        self._conditions[site] = condition

    def articles(self, site: str) -> list[MirrorArticle]:
        """All pages currently published on a site (curated, seeds, generated), newest first."""
        return sorted(self._snapshots[site].articles.values(), key=lambda a: a.published, reverse=True)

    def gold_pages(self) -> list[MirrorArticle]:
        """Real article pages with gold (curated and seeds; not generated, not listing/video/...)."""
        return [
            article
            for site in SITES
            for article in self.articles(site)
            if article.is_article and article.path not in self._snapshots[site].generated_paths
        ]

    def _build(self, state: str) -> None:
        snapshots = {}
        for site in SITES:
            entries = [e for e in content.entries_for(state) if e.site == site]
            entries += [e for e in self._seed_entries if e.site == site]
            snapshot = build_site(site, self.base_urls[site], entries, [e for e in self._generated if e.site == site])
            if self._decorate is not None:
                self._decorate(snapshot)
            snapshots[site] = snapshot
        self._snapshots = snapshots  # one assignment: requests see either the old or the new state

    def _record(self, entry: AccessEntry) -> None:
        with self._log_lock:
            self._log.append(entry)

    def _snapshot(self, site: str) -> SiteSnapshot:
        return self._snapshots[site]


class _Server(ThreadingHTTPServer):
    # The demo asks for the ports its archive's URLs name; one held a moment ago by the
    # demo's last run may still be in TIME_WAIT.
    allow_reuse_address = True

    def handle_error(self, request, client_address) -> None:
        """A client that hung up (a crawl killed mid-request) is not the mirror's error."""
        if not isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError)):
            super().handle_error(request, client_address)


def _handler_for(mirror: Mirror, site: str) -> type[BaseHTTPRequestHandler]:
    """A request handler class bound to one site of one mirror."""

    class Handler(BaseHTTPRequestHandler):
        server_version = "nginx"
        sys_version = ""
        # Keep-alive, as the real sites' nginx does: a crawl reuses its connections. Headers
        # and body go out in separate writes, so without TCP_NODELAY each response would wait
        # ~40 ms for the client's delayed ACK.
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True

        def do_GET(self) -> None:
            self._answer(send_body=True)

        def do_HEAD(self) -> None:
            self._answer(send_body=False)

        def log_message(self, format: str, *args) -> None:
            """Silence stderr: the access log is the record."""

        def _answer(self, send_body: bool) -> None:
            arrived = time.monotonic()
            snapshot = mirror._snapshot(site)
            condition = mirror._conditions.get(site)
            if condition == "robots-down" and self.path == "/robots.txt":
                mirror._record(AccessEntry(site, self.command, self.path, 503, "robots", dict(self.headers.items()), arrived))
                self._send(503, b"<h1>503 Service Temporarily Unavailable</h1>", {"Content-Type": "text/html"}, send_body)
                return
            if condition == "blocked":
                kind = snapshot.resources[self.path.split("?", 1)[0]].kind if self.path.split("?", 1)[0] in snapshot.resources else "other"
                mirror._record(AccessEntry(site, self.command, self.path, 403, kind, dict(self.headers.items()), arrived))
                self._send(403, BLOCKED_PAGE, {"Content-Type": "text/html; charset=utf-8"}, send_body)
                return
            if condition == "challenge":
                mirror._record(AccessEntry(site, self.command, self.path, 200, "challenge", dict(self.headers.items()), arrived))
                page = challenge_page(snapshot.base + self.path).encode()
                self._send(200, page, {"Content-Type": "text/html; charset=utf-8"}, send_body)
                return
            behaviour = snapshot.behaviours.get(self.path.split("?", 1)[0])
            if behaviour is not None:
                # A hostile answer may leave the connection in any state: never reuse it.
                self.close_connection = True
                status = behaviour(self)
                mirror._record(AccessEntry(site, self.command, self.path, status, "article", dict(self.headers.items()), arrived))
                return
            resource = snapshot.lookup(self.path)
            if resource is None:
                status, body, headers, kind = 404, NOT_FOUND, {"Content-Type": "text/html; charset=utf-8"}, "other"
            else:
                status, body, headers = _response(resource, self.headers)
                kind = resource.kind
                if condition == "redesign" and kind == "article":
                    body = _JSON_LD.sub(b"", _ARTICLE_CONTENT.sub(rb"\1" + _APP_SHELL + rb"\2", body))
            mirror._record(AccessEntry(site, self.command, self.path, status, kind, dict(self.headers.items()), arrived))
            self._send(status, body, headers, send_body)

        def _send(self, status: int, body: bytes, headers: dict[str, str], send_body: bool) -> None:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if send_body:
                self.wfile.write(body)

    return Handler


def _response(resource: Resource, request_headers) -> tuple[int, bytes, dict[str, str]]:
    """Status, body and headers; feeds and sitemaps carry validators and honour conditional requests."""
    headers = {"Content-Type": resource.content_type}
    if resource.last_modified is None:
        return 200, resource.body, headers
    headers["ETag"] = resource.etag
    headers["Last-Modified"] = format_datetime(resource.last_modified.astimezone(timezone.utc), usegmt=True)
    if _not_modified(resource, request_headers):
        return 304, b"", headers
    return 200, resource.body, headers


def _not_modified(resource: Resource, request_headers) -> bool:
    if_none_match = request_headers.get("If-None-Match")
    if if_none_match is not None:
        return resource.etag in [tag.strip() for tag in if_none_match.split(",")] or if_none_match.strip() == "*"
    if_modified_since = request_headers.get("If-Modified-Since")
    if not if_modified_since:
        return False
    try:
        since = parsedate_to_datetime(if_modified_since)
    except (TypeError, ValueError):
        return False
    return since is not None and since.tzinfo is not None and resource.last_modified.replace(microsecond=0) <= since
