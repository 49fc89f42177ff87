"""`mfa-archive reextract`: re-run extraction on stored raw HTML, with no network.

After a profile fix (a site changed its layout), this brings every stored article up to the
current extractor. Each article goes through `pipeline.add_article`, so a changed text is
versioned into `article_versions` and the FTS index follows in the same transaction. A page
that no longer extracts keeps its stored article and is reported, never deleted.
"""

from __future__ import annotations

import argparse
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from email.message import Message

from archive.cli import EXIT_FAILURE, EXIT_OK, UserError

DEFAULT_DB = "archive.db"
SHOW_FAILURES = 10


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "reextract",
        help="re-run extraction on stored raw HTML (no network)",
        description="Re-extracts stored pages with the current extractor and profiles; changed texts are versioned.",
    )
    parser.add_argument("--db", default=DEFAULT_DB, metavar="PATH", help="archive file (default: archive.db)")
    parser.add_argument("--source", metavar="NAME", help="only pages of this source")
    parser.add_argument("--since", metavar="DATE", help="only pages fetched on or after DATE (YYYY-MM-DD)")
    parser.set_defaults(func=run)


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


def _pages(db, source: str | None, since: str | None) -> list[tuple[str, int, str]]:
    """(url, raw_id, source) to re-extract: every article's own raw page, then unmatched raw pages."""
    where, params = ["r.status BETWEEN 200 AND 299"], []
    if source:
        where.append("r.source = ?")
        params.append(source)
    if since:
        where.append("r.fetched_at >= ?")
        params.append(since)
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


def _charset(headers: dict) -> str | None:
    content_type = next((v for k, v in headers.items() if k.lower() == "content-type"), "")
    message = Message()
    message["Content-Type"] = content_type if isinstance(content_type, str) else content_type[0]
    return message.get_param("charset")


def _configured_profiles() -> dict[str, str | None]:
    """Source name -> profile from settings/sources.toml; empty when the config cannot be read."""
    from archive.config import ConfigError, load_config

    try:
        return {name: src.profile for name, src in load_config(None).sources.items()}
    except ConfigError:
        return {}  # profiles then follow source names and hosts, as for ingested pages


def _stored_feed_text(url: str, stored: tuple | None):
    """A feed entry carrying the stored text of an article that came from a feed's full text.

    The feed item is not kept, so the stored text is its only copy; without it such an article
    would look like a page that no longer extracts.
    """
    from archive.feeds import FeedEntry

    if not stored or stored[1] != "rss_fulltext":
        return None
    _, _, text, title, lead, published = stored
    return FeedEntry(url=url, title=title, lead=lead, published=published, full_text=text)


def reextract(db, *, source: str | None = None, since: str | None = None) -> ReextractReport:
    """Re-extract stored pages into the archive and say what changed."""
    from archive.extract import EXTRACTOR_VERSION, extract_article
    from archive.models import ExtractionFailure
    from archive.pipeline import add_article
    from archive.rawstore import ensure_schema, load_raw, raw_headers
    from archive.store import transaction

    with transaction(db):
        ensure_schema(db)  # an archive from before raw pages were kept has none to re-extract
    report = ReextractReport()
    profiles = _configured_profiles()
    for url, raw_id, page_source in _pages(db, source, since):
        report.pages += 1
        stored = db.execute(
            "SELECT lastmod, extraction_method, text, title, lead, published FROM articles WHERE url = ?", [url]
        ).fetchone()
        fetched_at = db.execute("SELECT fetched_at FROM raw_pages WHERE id = ?", [raw_id]).fetchone()[0]
        result = extract_article(
            load_raw(db, raw_id),
            url,
            page_source,
            declared_encoding=_charset(raw_headers(db, raw_id)),
            feed_entry=_stored_feed_text(url, stored),
            fetched_at=fetched_at,
            profile=profiles.get(page_source),
        )
        if isinstance(result, ExtractionFailure):
            report.failures[result.reason] += 1
            if stored:
                report.regressions.append((url, f"{result.reason}: {result.detail}"))
            continue
        result.raw_id = raw_id
        result.lastmod = stored[0] if stored else None
        outcome = add_article(db, result)
        report.statuses[outcome.status] += 1
        if outcome.status == "unchanged":
            with transaction(db):  # same text, but it was checked by this extractor version
                db.execute("UPDATE articles SET extractor_version = ? WHERE id = ?", [EXTRACTOR_VERSION, outcome.article_id])
    return report


def run(args: argparse.Namespace) -> int:
    from archive.store import open_archive

    if args.since:
        try:
            date.fromisoformat(args.since)
        except ValueError:
            raise UserError(f"--since {args.since!r} is not a date (YYYY-MM-DD)") from None
    db = open_archive(args.db, create=False, verify=True)
    report = reextract(db, source=args.source, since=args.since)
    print(report.summary())
    for url, why in report.regressions[:SHOW_FAILURES]:
        print(f"  kept the stored article, page no longer extracts: {url} ({why})")
    if len(report.regressions) > SHOW_FAILURES:
        print(f"  ... and {len(report.regressions) - SHOW_FAILURES} more")
    return EXIT_FAILURE if report.regressions else EXIT_OK

