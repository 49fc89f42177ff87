"""What the archive already knows, as one crawl needs it: which URLs to fetch, retry or skip.

An archived article is skipped before any request is made unless its listed lastmod moved; a
URL that failed for a temporary reason stays in the `frontier` table and is retried by later
runs with growing pauses; feeds and sitemaps are asked for with the validators they last sent.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from archive.dates import parse_datetime, utc_now
from archive.models import ExtractionFailure
from archive.store import Database, transaction
from archive.store.articles import record_failure

# A URL that failed this many times (network errors, 5xx) is no longer retried.
MAX_ATTEMPTS = 5
# Sitemap entries modified before the last successful run's start, minus this, are skipped.
LASTMOD_SLACK = timedelta(hours=1)
# Pages that will not become articles by asking again (unless their lastmod moves). Other
# failures (network errors, 5xx, blocks, anti-bot stubs) are retried with growing pauses.
PERMANENT_FAILURES = frozenset(
    {"not-article", "empty", "too-short", "bad-encoding", "HTTP 404", "HTTP 410", "refused by robots.txt",
     "off-site request refused"}
)
RETRY_BACKOFF = timedelta(hours=1)


def create_tables(db: Database) -> None:
    """Migration step: `runs`, `frontier` and `http_cache` (idempotent)."""
    db.execute(
        """CREATE TABLE IF NOT EXISTS [runs] ([id] INTEGER PRIMARY KEY, [source] TEXT, [started_at] TEXT,
           [finished_at] TEXT, [status] TEXT, [discovered] INTEGER, [requested] INTEGER, [new] INTEGER,
           [updated] INTEGER, [skipped] INTEGER, [failed] INTEGER, [failed_by_reason] TEXT,
           [extraction_failed] INTEGER, [layout_changed] INTEGER, [lastmod_mark] TEXT, [bytes] INTEGER,
           [duration_s] FLOAT, [message] TEXT)"""
    )
    db.execute("CREATE INDEX IF NOT EXISTS [idx_runs_source_started_at] ON [runs] ([source], [started_at])")
    # Article URLs discovered but not archived yet: retried by the next run.
    db.execute(
        """CREATE TABLE IF NOT EXISTS [frontier] ([url] TEXT PRIMARY KEY, [source] TEXT, [lastmod] TEXT,
           [first_seen] TEXT, [attempts] INTEGER, [last_error] TEXT, [next_try] TEXT)"""
    )
    db.execute("CREATE INDEX IF NOT EXISTS [idx_frontier_source] ON [frontier] ([source])")
    # Validators of feeds and sitemaps, for conditional requests.
    db.execute(
        "CREATE TABLE IF NOT EXISTS [http_cache] ([url] TEXT PRIMARY KEY, [etag] TEXT, [last_modified] TEXT, [saved_at] TEXT)"
    )


class CrawlState:
    """What the archive already knows, as the spider and pipeline need it during one crawl.

    `first_run_days`: how far back a source's first crawl reads its sitemaps. `backfill_days`:
    for this run, read the sitemaps that far back whatever earlier runs read (older articles,
    at the same polite pace).
    """

    def __init__(self, db: Database, *, first_run_days: int = 3, backfill_days: int | None = None):
        self.db = db
        self.first_run_days = first_run_days
        self.backfill_days = backfill_days
        self._new_validators: dict[str, tuple[str | None, str | None]] = {}
        # The newest lastmod each source listed in its last successful run: the site's own
        # clock, so a skewed clock on either side cannot hide an update.
        self._since = {}
        for source, mark in db.execute(
            "SELECT source, lastmod_mark FROM runs WHERE id IN (SELECT max(id) FROM runs "
            "WHERE status IN ('ok', 'partial') AND lastmod_mark IS NOT NULL GROUP BY source)"
        ).fetchall():
            moment = parse_datetime(mark)
            if moment is not None:
                self._since[source] = moment - LASTMOD_SLACK

    def since(self, source: str) -> datetime:
        """Sitemap entries with an older lastmod need no look: those before the last run's
        newest entry (less LASTMOD_SLACK), or before `first_run_days` ago on a source's first
        run, or before `backfill_days` ago when backfilling."""
        now = datetime.now(timezone.utc)
        if self.backfill_days is not None:
            return now - timedelta(days=self.backfill_days)
        return self._since.get(source, now - timedelta(days=self.first_run_days))

    def needs_fetch(self, source: str, url: str, lastmod: str | None) -> bool:
        """True unless the URL is archived, or known not to be an article, and its listed
        lastmod has not moved since."""
        row = self.db.execute("SELECT lastmod FROM articles WHERE url = ?", [url]).fetchone()
        if row is None:
            row = self.db.execute("SELECT max(at) FROM failures WHERE url = ? AND permanent", [url]).fetchone()
        if row[0] is None:
            backoff = self.db.execute("SELECT next_try FROM frontier WHERE url = ?", [url]).fetchone()
            return not (backoff and backoff[0] and backoff[0] > utc_now())
        listed, stored = parse_datetime(lastmod), parse_datetime(row[0])
        return bool(listed and stored and listed > stored)

    def enqueue(self, source: str, url: str, lastmod: str | None) -> None:
        """Remember a URL about to be requested, so a crash or an error never loses it."""
        with transaction(self.db):
            self.db.execute(
                "INSERT INTO frontier (url, source, lastmod, first_seen, attempts) VALUES (?, ?, ?, ?, 0) "
                "ON CONFLICT(url) DO UPDATE SET lastmod = coalesce(excluded.lastmod, lastmod)",
                [url, source, lastmod, utc_now()],
            )

    def done(self, url: str) -> None:
        """The URL is archived: it leaves the frontier."""
        with transaction(self.db):
            self.db.execute("DELETE FROM frontier WHERE url = ?", [url])

    def attempt_failed(self, source: str, url: str, reason: str, detail: str = "fetch", *, recorded: bool = False) -> None:
        """Record a failed article request; a temporary failure stays in the frontier and is
        retried by later runs, each time after a longer pause. `recorded`: the failure row was
        written already (by the page pipeline)."""
        permanent = reason in PERMANENT_FAILURES
        with transaction(self.db):
            if not recorded:
                record_failure(self.db, ExtractionFailure(url, source, reason, detail), permanent=permanent)
            if permanent:
                self.db.execute("DELETE FROM frontier WHERE url = ?", [url])
                return
            attempts = self.db.execute("SELECT attempts FROM frontier WHERE url = ?", [url]).fetchone()
            pause = RETRY_BACKOFF * 4 ** min(attempts[0] if attempts else 0, MAX_ATTEMPTS)
            self.db.execute(
                "UPDATE frontier SET attempts = attempts + 1, last_error = ?, next_try = ? WHERE url = ?",
                [reason, (datetime.now(timezone.utc) + pause).isoformat(timespec="seconds"), url],
            )

    def listing_failed(self, source: str, url: str, reason: str, detail: str) -> None:
        """Record a feed, sitemap or section that could not be used; never retried as an article."""
        with transaction(self.db):
            record_failure(self.db, ExtractionFailure(url, source, reason, f"listing: {detail}"), permanent=False)

    def retry_urls(self, source: str) -> list[tuple[str, str | None]]:
        """URLs discovered earlier but not archived yet (an interrupted run, a 503)."""
        with transaction(self.db):
            # A crash between storing an article and clearing its frontier row leaves the row.
            self.db.execute(
                "DELETE FROM frontier WHERE url IN (SELECT f.url FROM frontier f JOIN articles a ON a.url = f.url "
                "WHERE f.lastmod IS NULL OR a.lastmod >= f.lastmod)"
            )
        return self.db.execute(
            "SELECT url, lastmod FROM frontier WHERE source = ? AND attempts < ? "
            "AND (next_try IS NULL OR next_try <= ?) ORDER BY first_seen",
            [source, MAX_ATTEMPTS, utc_now()],
        ).fetchall()

    def validators(self, url: str) -> dict[str, str]:
        """Conditional-request headers for a feed or sitemap fetched before."""
        row = self.db.execute("SELECT etag, last_modified FROM http_cache WHERE url = ?", [url]).fetchone()
        headers = {}
        if row and row[0]:
            headers["If-None-Match"] = row[0]
        if row and row[1]:
            headers["If-Modified-Since"] = row[1]
        return headers

    def remember_validators(self, url: str, etag: str | None, last_modified: str | None) -> None:
        """Keep a listing's ETag/Last-Modified; saved only if the run finishes (see `save_validators`)."""
        if etag or last_modified:
            self._new_validators[url] = (etag, last_modified)

    def save_validators(self) -> None:
        with transaction(self.db):
            for url, (etag, modified) in self._new_validators.items():
                self.db.execute(
                    "INSERT OR REPLACE INTO http_cache (url, etag, last_modified, saved_at) VALUES (?, ?, ?, ?)",
                    [url, etag, modified, utc_now()],
                )
