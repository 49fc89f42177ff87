"""The item pipeline: keep the raw page, extract it, and hand the article to the archive."""

from __future__ import annotations

import logging

from scrapy import Spider

from archive import rawstore, store
from archive.extract import extract_article
from archive.models import ExtractionFailure
from archive.pipeline import add_article


log = logging.getLogger(__name__)


def _declared_charset(content_type: bytes | None) -> str | None:
    if not content_type:
        return None
    for part in content_type.decode("latin-1").split(";")[1:]:
        key, _, value = part.strip().partition("=")
        if key.lower() == "charset" and value:
            return value.strip("\"' ").lower()
    return None


class ArchivePipeline:
    """Store every fetched article page: raw HTML first, then the extracted article.

    The raw page is committed before extraction, so a page is never lost even if extraction
    or the process fails afterwards; `mfa-archive reextract` can rebuild articles from it.
    """

    def process_item(self, item: dict, spider: Spider) -> dict:
        db = spider.state.db
        response = item["response"]
        entry = item["entry"]
        source = spider.sources[item["source"]]
        report = spider.report.source(source.name)
        fetched_at = store.utc_now()
        headers = {k.decode("latin-1"): b", ".join(v).decode("latin-1") for k, v in response.headers.items()}
        with store.transaction(db):
            raw_id = rawstore.save_raw(
                db,
                url=entry.url,
                final_url=response.url,
                source=source.name,
                status=response.status,
                headers=headers,
                body=response.body,
                fetched_at=fetched_at,
            )
        try:
            return self._extract_and_store(item, source, raw_id, fetched_at, spider)
        except Exception as exc:  # one page's bug must not end the run, nor go unrecorded
            log.exception("storing %s failed", entry.url)
            reason = f"internal error: {type(exc).__name__}"
            spider.state.attempt_failed(source.name, entry.url, reason, str(exc))
            report.extraction_failure(reason)
            return {"url": entry.url, "status": "failed", "reason": reason}

    def _extract_and_store(self, item: dict, source, raw_id: int, fetched_at: str, spider: Spider) -> dict:
        db = spider.state.db
        response = item["response"]
        entry = item["entry"]
        report = spider.report.source(source.name)
        result = extract_article(
            response.body,
            entry.url,
            source.name,
            declared_encoding=_declared_charset(response.headers.get("Content-Type")),
            feed_entry=entry,
            fetched_at=fetched_at,
            profile=source.profile,
        )
        if isinstance(result, ExtractionFailure):
            spider.state.attempt_failed(source.name, entry.url, result.reason, result.detail)
            report.extraction_failure(result.reason)
            return {"url": entry.url, "status": "failed", "reason": result.reason}
        result.raw_id = raw_id
        result.lastmod = entry.lastmod or result.modified or result.published
        outcome = add_article(db, result)
        with store.transaction(db):
            spider.state.done(entry.url)
        report.stored(outcome.status)
        return {"url": entry.url, "status": outcome.status}
