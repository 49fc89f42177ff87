"""What a crawl did, per source: the counts behind the run summary and the `runs` table.

Plain counting: the crawler fills it in, the CLI prints it, `archive.fetch.runs` stores it."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from archive.dates import later, utc_now

# A source whose extraction failures exceed this share of its fetched pages is flagged.
LAYOUT_CHANGE_SHARE = 0.5


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
    stopped: str | None = None  # why the whole crawl stopped early: "interrupted", "disk full: ..."

    def saw_lastmod(self, lastmod: str | None) -> None:
        if lastmod and (self.lastmod_mark is None or later(lastmod, self.lastmod_mark)):
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
        refused = any(r.startswith("blocked") or _is_antibot(r) for r in reasons)
        return refused and self.new + self.updated + self.unchanged == 0

    @property
    def antibot_only(self) -> bool:
        """Blocked by anti-bot pages alone (served with 200 instead of content), not by a 403."""
        reasons = list(self.listing_errors) + list(self.failed_by_reason)
        return self.blocked and not any(r.startswith("blocked") for r in reasons)

    @property
    def layout_changed(self) -> bool:
        return self.fetched >= 4 and self.extraction_failed > LAYOUT_CHANGE_SHARE * self.fetched

    @property
    def troubled(self) -> bool:
        """Worth a line even in --quiet mode (cron mails it): the source was unreachable or
        blocked, its layout seems to have changed, a page hit an internal error, or the run
        stopped early. Ordinary outcomes (a listing page that is not an article, a URL that
        robots.txt forbids, a passing 503) are not."""
        return (
            self.stopped is not None
            or self.blocked
            or self.unreachable
            or self.layout_changed
            or any(reason.startswith("internal error") for reason in self.failed_by_reason)
        )

    @property
    def status(self) -> str:
        if self.stopped == "interrupted":
            return "interrupted"
        if self.stopped:
            return "failed"
        if self.blocked:
            return "blocked"
        if self.unreachable:
            return "failed"
        if self.failed or self.listing_errors:
            return "partial"
        return "ok"

    def summary(self) -> str:
        """One paragraph for the terminal (and the `runs.message` column)."""
        if self.stopped:
            cause = "INTERRUPTED" if self.stopped == "interrupted" else f"STOPPED: {self.stopped}"
            return (
                f"{self.name}: {cause} after {self.fetched} of {self.requested} requested pages "
                f"(new {self.new}, updated {self.updated}); the rest is left for the next run."
            )
        if self.antibot_only:
            reason = next(r for r, _ in (self.listing_errors + self.failed_by_reason).most_common() if _is_antibot(r))
            return (
                f"{self.name}: SOURCE UNAVAILABLE: {self.host} answers with an anti-bot page instead of content "
                f"({reason}); not worked around, the next run asks again."
            )
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


def _is_antibot(reason: str) -> bool:
    """An anti-bot page where an article (`antibot-stub`) or a listing (`bad feed: anti-bot page`) was."""
    return reason == "antibot-stub" or reason.endswith("anti-bot page")


@dataclass
class CrawlReport:
    sources: dict[str, SourceReport] = field(default_factory=dict)
    stopped: str | None = None  # see SourceReport.stopped

    def stop(self, cause: str) -> None:
        """The crawl stops early for every source; the first cause is the one reported."""
        if self.stopped is None:
            self.stopped = cause
            for rep in self.sources.values():
                rep.stopped = cause

    def add(self, name: str, host: str) -> None:
        self.sources[name] = SourceReport(name=name, host=host)

    def source(self, name: str) -> SourceReport:
        return self.sources[name]

    def offsite(self, request) -> None:
        """Count a refused off-site request; its errback records it as the request's failure."""
        name = request.meta.get("source")
        if name in self.sources:
            self.sources[name].offsite_refused += 1
