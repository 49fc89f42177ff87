"""The records that travel along the pipeline: extracted articles and extraction failures."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field


@dataclass
class Article:
    """One extracted article, ready for classify → dedup → store.

    Datetimes are ISO 8601 strings with an offset (or None when unknown), so they sort and
    compare as text in SQLite and survive export unchanged.
    """

    url: str
    source: str
    title: str
    text: str
    lead: str | None = None
    published: str | None = None
    modified: str | None = None
    authors: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    section: str | None = None
    canonical_url: str | None = None
    image_url: str | None = None
    image_caption: str | None = None
    image_credit: str | None = None
    language: str | None = "ru"
    dateline_city: str | None = None
    dateline_agency: str | None = None
    extraction_method: str = "trafilatura"
    extractor_version: str | None = None
    fetched_at: str | None = None
    lastmod: str | None = None
    raw_id: int | None = None

    @property
    def word_count(self) -> int:
        return len(self.text.split())

    @property
    def content_hash(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class ExtractionFailure:
    """A fetched page that is not stored as an article, and why (e.g. `not-article`, `too-short`)."""

    url: str
    source: str
    reason: str
    detail: str = ""
