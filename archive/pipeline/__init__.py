"""The one path from a fetched page to a stored article.

`process_page` takes a raw page, whoever fetched it (the crawl, `reextract`, a web archive), and
returns an article or a recorded failure: the raw page is kept first, then extracted with the
site's profile of that day, then `add_article` classifies, stores, links and indexes it.
`add_article` is also the way in for articles extracted elsewhere (`ingest` of JSON Lines).

The path has two halves, so a backfill can spread it over processes without a second path:
`prepare_page` needs no archive (extract, classify and, when asked, the link features and
lemma keys: the CPU-bound part, run in worker processes), and `store_prepared` writes what it
made (the archive's part, in one writer process and in order). `process_page` is the two in a
row.
"""

from __future__ import annotations

from dataclasses import dataclass

from archive.classify import Relevance, classify
from archive.config import Source
from archive.extract import extract_article
from archive.fetch.frontier import PERMANENT_FAILURES
from archive.link.docs import Doc
from archive.link.linking import article_features, link
from archive.link.primary import PressCues, link_primary, press_cues
from archive.models import Article, ExtractionFailure, FetchedPage
from archive.profile import GENERIC
from archive.search.index import index_pending
from archive.search.lemmas import index_fields
from archive.store import Database, transaction
from archive.store.articles import record_failure, upsert_article
from archive.store.rawpages import save_page


@dataclass
class AddResult:
    article_id: int
    status: str  # "new", "updated" or "unchanged"


@dataclass
class PageOutcome:
    """What became of one page: an article (`status` new/updated/unchanged) or a failure."""

    url: str
    raw_id: int
    status: str  # "new", "updated", "unchanged" or "failed"
    article_id: int | None = None
    failure: ExtractionFailure | None = None

    @property
    def permanent(self) -> bool:
        """A failure that asking again will not change (a listing page, not a 503)."""
        return self.failure is not None and self.failure.reason in PERMANENT_FAILURES


@dataclass
class PreparedPage:
    """A page after the half of the path that needs no archive, ready for `store_prepared`:
    its article (classified, with link features when asked for) or why there is none."""

    page: FetchedPage
    result: Article | ExtractionFailure
    relevance: Relevance | None = None
    link_features: Doc | None = None
    lemmas: tuple[str, str, str] | None = None  # its lemma-index row
    press: PressCues | None = None  # a press article's quotes and terms for its primary source


def process_page(db: Database, page: FetchedPage, source: Source | None, *, record_failures: bool = True) -> PageOutcome:
    """Keep `page`, extract it with `source`'s profile of the day it was fetched, and store the
    article or record why there is none.

    The raw page is committed before extraction, so a page is never lost even if extraction or
    the process fails afterwards; `reextract` can rebuild the article from it. An identical
    body already kept is not stored twice. `record_failures=False` leaves the `failures` table
    alone (re-extracting pages that were never articles says nothing new about them).
    """
    with transaction(db):
        raw_id = save_page(db, page)
    return store_prepared(db, prepare_page(page, source), raw_id, record_failures=record_failures)


def prepare_page(page: FetchedPage, source: Source | None, *, for_writer: bool = False) -> PreparedPage:
    """Extract `page` with `source`'s profile of the day it was fetched and classify the article;
    `for_writer` also computes what linking, the primary source and the lemma index will need.
    Touches no archive.

    The crawl and `reextract` leave that to `link`, `link_primary` and `index_pending`, which
    skip it for an unchanged article; a backfill asks for it, as its pages are new, its workers have the
    spare CPU and its one writer has none.
    """
    profile = source.profile_at(page.fetched_at) if source else GENERIC
    result = extract_article(page, profile)
    if isinstance(result, ExtractionFailure):
        return PreparedPage(page, result)
    entry = page.feed_entry
    result.official = bool(source and source.official)
    result.lastmod = (entry.lastmod if entry else None) or result.modified or result.published
    relevance = classify(result)
    if not (for_writer and result.fetched_at):
        return PreparedPage(page, result, relevance)
    # From the values `upsert_article` stores, so `link` and `index_pending` would make the same.
    features = article_features(result.url, result.source, result.title, result.lead, result.text,
                                result.published, result.fetched_at, relevance.mfa)
    press = None if result.official else press_cues(result.title or "", result.lead or "", result.text or "")
    return PreparedPage(page, result, relevance, features, index_fields(result.title, result.lead, result.text), press)


def store_prepared(db: Database, prepared: PreparedPage, raw_id: int, *, record_failures: bool = True) -> PageOutcome:
    """Store the article of a prepared page kept as raw page `raw_id` (classify, store, link,
    index, in one transaction), or record why there is none."""
    result = prepared.result
    if isinstance(result, ExtractionFailure):
        outcome = PageOutcome(prepared.page.url, raw_id, "failed", failure=result)
        if record_failures:
            with transaction(db):
                record_failure(db, result, permanent=outcome.permanent)
        return outcome
    result.raw_id = raw_id
    with transaction(db):
        added = _add(db, result, prepared.relevance, prepared.link_features, prepared.lemmas, prepared.press)
    return PageOutcome(prepared.page.url, raw_id, added.status, article_id=added.article_id)


def add_article(db: Database, article: Article) -> AddResult:
    """Store `article`, link it to its reprints, story and primary source (recording its quotes
    with their verdicts), and index its word forms for `mfa-archive search`, all in one
    transaction."""
    with transaction(db):
        return _add(db, article)


def add_articles(db: Database, articles: list[Article]) -> list[AddResult]:
    """`add_article` for each of `articles` in order, all in one transaction.

    For bulk imports: one commit per batch instead of one per article. Each article is linked
    exactly as `add_article` would link it, so the result is the same as adding them one by one.
    """
    with transaction(db):
        return [_add(db, article) for article in articles]


def _add(
    db: Database, article: Article, verdict: Relevance | None = None, features: Doc | None = None,
    lemmas: tuple[str, str, str] | None = None, press: PressCues | None = None,
) -> AddResult:
    """Classify (unless `verdict` says already), store, link and index one article, with its
    link features, press cues and lemma-index row when made beforehand; the caller holds the
    transaction."""
    verdict = verdict or classify(article)
    article_id, status = upsert_article(db, article, mfa=verdict.mfa, mfa_reasons=verdict.reasons)
    if status != "unchanged":
        link(db, article_id, features)
        link_primary(db, article_id, press)
        index_pending(db, {article_id: lemmas} if lemmas else None)
    return AddResult(article_id, status)
