"""Re-run extraction on stored raw pages, with no network.

After a profile fix (a site changed its layout), this brings every stored article up to the
current extractor. Each page goes through `process_page`, so a changed text is versioned into
`article_versions` and the indexes follow in the same transaction. A page that no longer
extracts keeps its stored article and is reported, never deleted.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date

from archive.config import Config
from archive.models import FeedEntry
from archive.pipeline import process_page
from archive.store import Database
from archive.store.rawpages import load_page


@dataclass
class ReextractReport:
    pages: int = 0
    statuses: Counter = field(default_factory=Counter)  # new / updated / unchanged
    failures: Counter = field(default_factory=Counter)  # reason -> count
    regressions: list[tuple[str, str]] = field(default_factory=list)  # stored article whose page now fails

    def summary(self) -> str:
        parts = [f"{self.pages} pages re-extracted"] + [f"{n} {s}" for s, n in sorted(self.statuses.items())]
        if self.failures:
            parts.append("not articles: " + ", ".join(f"{r} {n}" for r, n in self.failures.most_common()))
        return "; ".join(parts)


def _pages(db: Database, source: str | None, since: date | None) -> list[tuple[str, int, str]]:
    """(url, raw_id, source) to re-extract: every article's own raw page, then unmatched raw pages."""
    where, params = ["r.status BETWEEN 200 AND 299"], []
    if source:
        where.append("r.source = ?")
        params.append(source)
    if since:
        where.append("r.fetched_at >= ?")
        params.append(since.isoformat())
    condition = " AND ".join(where)
    linked = db.execute(
        f"SELECT a.url, a.raw_id, a.source FROM articles a JOIN raw_pages r ON r.id = a.raw_id WHERE {condition} ORDER BY a.id",
        params,
    ).fetchall()
    unlinked = db.execute(
        f"SELECT r.url, max(r.id), r.source FROM raw_pages r WHERE {condition}"
        " AND r.url NOT IN (SELECT url FROM articles) GROUP BY r.url ORDER BY max(r.id)",
        params,
    ).fetchall()
    return [tuple(row) for row in linked + unlinked]


def _stored_entry(url: str, stored: tuple | None) -> FeedEntry | None:
    """What the archive knows beyond the page: the lastmod it was fetched at and, for an article
    that came from a feed's full text, that text (the feed item is not kept, so the stored text
    is its only copy; without it such an article would look like a page that no longer extracts).
    """
    if not stored:
        return None
    lastmod, method, text, title, lead, published = stored
    if method != "rss_fulltext":
        return FeedEntry(url=url, lastmod=lastmod)
    return FeedEntry(url=url, title=title, lead=lead, published=published, full_text=text, lastmod=lastmod)


def reextract(db: Database, config: Config, *, source: str | None = None, since: date | None = None) -> ReextractReport:
    """Re-extract stored pages into the archive and say what changed."""
    report = ReextractReport()
    for url, raw_id, page_source in _pages(db, source, since):
        report.pages += 1
        stored = db.execute(
            "SELECT lastmod, extraction_method, text, title, lead, published FROM articles WHERE url = ?", [url]
        ).fetchone()
        # An identical body is kept once, so the raw row may carry another URL of the same page.
        page = replace(load_page(db, raw_id, feed_entry=_stored_entry(url, stored)), url=url, source=page_source)
        outcome = process_page(db, page, config.sources.get(page_source), record_failures=False)
        if outcome.failure is not None:
            report.failures[outcome.failure.reason] += 1
            if stored:
                report.regressions.append((url, f"{outcome.failure.reason}: {outcome.failure.detail}"))
            continue
        report.statuses[outcome.status] += 1
    return report
