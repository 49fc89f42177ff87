"""The one entry point for a new or re-fetched article: classify, store and link it.

The crawler's pipeline and `mfa-archive ingest` both call `add_article`, so crawled and
imported articles go through the same relevance, reprint, story and FTS path.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlite_utils

from archive import dedup, relevance, search, store
from archive.models import Article


@dataclass
class AddResult:
    article_id: int
    status: str  # "new", "updated" or "unchanged"


def add_article(db: sqlite_utils.Database, article: Article) -> AddResult:
    """Store `article`, link it to its reprints and story, and index its word forms for
    `mfa-archive search`, all in one transaction."""
    with store.transaction(db):
        return _add(db, article)


def add_articles(db: sqlite_utils.Database, articles: list[Article]) -> list[AddResult]:
    """`add_article` for each of `articles` in order, all in one transaction.

    For bulk imports: one commit per batch instead of one per article. Each article is linked
    exactly as `add_article` would link it, so the result is the same as adding them one by one.
    """
    with store.transaction(db):
        return [_add(db, article) for article in articles]


def _add(db: sqlite_utils.Database, article: Article) -> AddResult:
    """Classify, store, link and index one article; the caller holds the transaction."""
    verdict = relevance.classify(article)
    article_id, status = store.upsert_article(db, article, mfa=verdict.mfa, mfa_reasons=verdict.reasons)
    if status != "unchanged":
        dedup.link(db, article_id)
        search.index_pending(db)
    return AddResult(article_id, status)
