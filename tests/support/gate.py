"""An ArticleGate paces the mirror: it holds back article pages until the test lets them through.

A crawl cannot finish while a page it still needs is held, so a test can signal, kill or
read a crawl that is provably still running instead of racing it. Give the gate to
`make_mirror(gate=...)`: it becomes the mirror's `decorate` hook and answers every page that
is a real article only once it admits it. Everything else (robots.txt, feeds, sitemaps,
sections, pages that are not articles) is answered at once, so a crawl always gets as far as
its next article page. Site conditions (`set_condition`) do not apply to gated pages.

    gate = ArticleGate(allowed=10)   # the first 10 article pages pass, then each one waits
    gate.grant(20)                   # 20 more may pass
    gate.open()                      # all pass from now on (also releases what is held)
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler

from archive.demo.snapshot import Resource, SiteSnapshot

# A held page is answered anyway after this long, so a test that never opens its gate cannot
# leave the mirror's threads waiting forever. It is far beyond pytest's own timeout (300 s).
HOLD_LIMIT_S = 600.0


class ArticleGate:
    """Admits a set number of article pages, holds the rest; `open()` admits everything."""

    def __init__(self, allowed: int | None = None) -> None:
        self._changed = threading.Condition()
        self._allowed = allowed  # article pages still admitted; None: the gate is open
        self.served = 0  # article pages answered so far
        self.holding = 0  # requests waiting at the gate right now

    def open(self) -> None:
        """Admit every article page from now on, including those waiting now."""
        with self._changed:
            self._allowed = None
            self._changed.notify_all()

    def limit(self, allowed: int) -> None:
        """From now on admit `allowed` more article pages, then hold each one (0: hold all)."""
        with self._changed:
            self._allowed = allowed
            self._changed.notify_all()

    def grant(self, more: int) -> None:
        """Admit `more` article pages beyond those already allowed (no-op while open)."""
        with self._changed:
            if self._allowed is not None:
                self._allowed += more
                self._changed.notify_all()

    def wait_until_holding(self, timeout: float) -> bool:
        """True once a request waits at the gate; False if none did within `timeout` seconds."""
        with self._changed:
            return self._changed.wait_for(lambda: self.holding > 0, timeout)

    def decorate(self, snapshot: SiteSnapshot) -> None:
        """The mirror's decorate hook: route every real article page of `snapshot` through the gate."""
        for path, article in snapshot.articles.items():
            if article.is_article and path in snapshot.resources and path not in snapshot.behaviours:
                snapshot.behaviours[path] = self._gated(snapshot.resources[path])

    def _admit(self) -> None:
        with self._changed:
            self.holding += 1
            self._changed.notify_all()
            try:
                self._changed.wait_for(lambda: self._allowed is None or self._allowed > 0, HOLD_LIMIT_S)
            finally:
                self.holding -= 1
            if self._allowed:
                self._allowed -= 1
            self.served += 1

    def _gated(self, resource: Resource):
        def behaviour(handler: BaseHTTPRequestHandler) -> int:
            self._admit()
            try:  # the page as the mirror serves it (article pages carry no validators)
                handler.send_response(200)
                handler.send_header("Content-Type", resource.content_type)
                handler.send_header("Content-Length", str(len(resource.body)))
                handler.end_headers()
                if handler.command != "HEAD":
                    handler.wfile.write(resource.body)
            except OSError:
                pass  # the crawl was killed while its request was held
            return 200

        return behaviour
