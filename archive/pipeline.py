"""The one entry point for a new or re-fetched article: classify, store and link it.

The crawler's pipeline and `mfa-archive ingest` both call `add_article`, so crawled and
imported articles go through the same relevance, reprint, story and FTS path.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlite_utils

from archive import dedup, relevance, store
from archive.models import Article


@dataclass
class AddResult:
    article_id: int
    status: str  # "new", "updated" or "unchanged"


def add_article(db: sqlite_utils.Database, article: Article) -> AddResult:
    """Store `article` and link it to its reprints and story, all in one transaction."""
    verdict = relevance.classify(article)
    with db.conn:
        article_id, status = store.upsert_article(db, article, mfa=verdict.mfa, mfa_reasons=verdict.reasons)
        if status != "unchanged":
            dedup.link(db, article_id)
    return AddResult(article_id, status)
