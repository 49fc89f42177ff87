"""What a crawl did, per source: the counts behind the run summary and the `runs` table."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from twisted.python.failure import Failure

from archive.store import utc_now

# A source whose extraction failures exceed this share of its fetched pages is flagged.
LAYOUT_CHANGE_SHARE = 0.5


def failure_reason(failure: Failure) -> str:
    """A short human reason for a failed request: 'DNS lookup failed', 'HTTP 403', ..."""
    from scrapy import exceptions as scrapy_errors
    from scrapy.spidermiddlewares.httperror import HttpError
    from twisted.internet import error

    if failure.check(HttpError):
        status = failure.value.response.status
        return f"blocked (HTTP {status})" if status in (401, 403, 451) else f"HTTP {status}"
    reasons = [
        ((scrapy_errors.CannotResolveHostError, error.DNSLookupError), "DNS lookup failed"),
        ((scrapy_errors.DownloadConnectionRefusedError, error.ConnectionRefusedError), "connection refused"),
        ((scrapy_errors.DownloadTimeoutError, error.TimeoutError, error.TCPTimedOutError), "timed out"),
        ((scrapy_errors.ResponseDataLossError,), "truncated response"),
        ((error.ConnectionLost, error.ConnectionDone), "connection lost"),
        # Cancelled by Scrapy when the announced or received size passes DOWNLOAD_MAXSIZE.
        ((scrapy_errors.DownloadCancelledError,), "too large"),
    ]
    for kinds, reason in reasons:
        if failure.check(*kinds):
            return reason
    if failure.check(scrapy_errors.DownloadFailedError):
        # Scrapy wraps the Twisted errors of a failed download; a reset is the common case.
        return "connection lost" if "ConnectionLost" in str(failure.value) else "download failed"
    if failure.check(scrapy_errors.IgnoreRequest):
        message = str(failure.value)
        if message.startswith("robots.txt unavailable"):
            return message
        if "robots.txt" in message:
            return "refused by robots.txt"
        if "DOWNLOAD_MAXSIZE" in message:
            return "too large"  # HttpCompressionMiddleware: the decompressed body (a gzip bomb)
        return message.split(":")[0] or "request ignored"
    name = type(failure.value).__name__
    return f"{name}: {failure.value}".strip().rstrip(":")[:200]


def _later(a: str, b: str) -> bool:
    try:
        return datetime.fromisoformat(a) > datetime.fromisoformat(b)
    except (TypeError, ValueError):
        return False


@dataclass
class SourceReport:
    name: str
    host: str
    started_at: str = field(default_factory=utc_now)
    finished_at: str | None = None
    discovered: int = 0
    requested: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    bytes: int = 0
    listings_fetched: int = 0
    listings_not_modified: int = 0
    listing_errors: Counter = field(default_factory=Counter)
    failed_by_reason: Counter = field(default_factory=Counter)
    extraction_failed: int = 0
    offsite_refused: int = 0
    lastmod_mark: str | None = None  # the newest sitemap lastmod seen

    def saw_lastmod(self, lastmod: str | None) -> None:
        if lastmod and (self.lastmod_mark is None or _later(lastmod, self.lastmod_mark)):
            self.lastmod_mark = lastmod

    def listing_ok(self, kind: str, status: int, size: int) -> None:
        self.bytes += size
        if status == 304:
            self.listings_not_modified += 1
        else:
            self.listings_fetched += 1

    def listing_failed(self, kind: str, reason: str) -> None:
        self.listing_errors[reason] += 1

    def fetch_failed(self, url: str, reason: str) -> None:
        self.failed_by_reason[reason] += 1

    def extraction_failure(self, reason: str) -> None:
        self.extraction_failed += 1
        self.failed_by_reason[reason] += 1

    def stored(self, status: str) -> None:
        setattr(self, status, getattr(self, status) + 1)

    @property
    def failed(self) -> int:
        return sum(self.failed_by_reason.values())

    @property
    def fetched(self) -> int:
        return self.new + self.updated + self.unchanged + self.extraction_failed

    @property
    def unreachable(self) -> bool:
        """Nothing at all came back from the source: every listing and article request failed."""
        return (
            self.listings_fetched + self.listings_not_modified == 0
            and self.fetched == 0
            and bool(self.listing_errors or self.failed_by_reason)
        )

    @property
    def blocked(self) -> bool:
        """The site refused us (403 or an anti-bot page) and gave us no article at all."""
        reasons = list(self.listing_errors) + list(self.failed_by_reason)
        refused = any(r.startswith("blocked") or r == "antibot-stub" for r in reasons)
        return refused and self.new + self.updated + self.unchanged == 0

    @property
    def layout_changed(self) -> bool:
        return self.fetched >= 4 and self.extraction_failed > LAYOUT_CHANGE_SHARE * self.fetched

    @property
    def status(self) -> str:
        if self.blocked:
            return "blocked"
        if self.unreachable:
            return "failed"
        if self.failed or self.listing_errors:
            return "partial"
        return "ok"

    def summary(self) -> str:
        """One paragraph for the terminal (and the `runs.message` column)."""
        if self.unreachable:
            reason = (self.listing_errors + self.failed_by_reason).most_common(1)[0][0]
            if self.blocked:
                return f"{self.name}: BLOCKED by {self.host} ({reason}); not retrying hard, never circumvented"
            return f"{self.name}: cannot reach {self.host} ({reason})"
        text = (
            f"{self.name}: discovered {self.discovered}, fetched {self.fetched}, new {self.new}, "
            f"updated {self.updated}, skipped {self.skipped} already archived, failed {self.failed}"
        )
        if self.failed_by_reason:
            text += " (" + ", ".join(f"{r} {n}" for r, n in self.failed_by_reason.most_common()) + ")"
        if self.listings_not_modified:
            text += f"; {self.listings_not_modified} listings not modified"
        if self.listing_errors:
            text += "; listing errors: " + ", ".join(f"{r} {n}" for r, n in self.listing_errors.most_common())
        if self.offsite_refused:
            text += f"; {self.offsite_refused} off-site requests refused"
        if self.blocked:
            text += ". BLOCKED: the site refuses us; not retrying hard"
        if self.layout_changed:
            text += f". Layout changed? {self.extraction_failed} of {self.fetched} pages gave no article"
        return text + "."


@dataclass
class CrawlReport:
    sources: dict[str, SourceReport] = field(default_factory=dict)

    def add(self, name: str, host: str) -> None:
        self.sources[name] = SourceReport(name=name, host=host)

    def source(self, name: str) -> SourceReport:
        return self.sources[name]

    def offsite(self, request) -> None:
        """Count a refused off-site request; its errback records it as the request's failure."""
        name = request.meta.get("source")
        if name in self.sources:
            self.sources[name].offsite_refused += 1
