"""The records that travel along the data path: listing entries, fetched pages, articles and
extraction failures. Plain data, so every stage can share them without importing another."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field


@dataclass
class FeedEntry:
    """One article link found in a feed, sitemap or section page, with what the listing says."""

    url: str
    title: str | None = None
    lead: str | None = None
    published: str | None = None  # ISO 8601 with offset
    lastmod: str | None = None  # ISO 8601 with offset
    categories: list[str] = field(default_factory=list)
    full_text: str | None = None  # e.g. TASS yandex:full-text
    image_url: str | None = None


@dataclass(frozen=True)
class FetchedPage:
    """One fetched page as every input delivers it: the crawl, `reextract`, and web archives.

    `url` is the article's identity (normalized, as requested); `final_url` is where redirects
    ended. `headers` are the response headers as text, `body` the exact bytes received.
    """

    url: str
    source: str
    status: int
    headers: dict[str, str]
    body: bytes
    fetched_at: str
    final_url: str | None = None
    feed_entry: FeedEntry | None = None

    @property
    def declared_charset(self) -> str | None:
        """The charset of the Content-Type header, if it names one."""
        content_type = next((v for k, v in self.headers.items() if k.lower() == "content-type"), "")
        for part in content_type.split(";")[1:]:
            key, _, value = part.strip().partition("=")
            if key.strip().lower() == "charset" and value.strip():
                return value.strip().strip("\"' ").lower()
        return None


@dataclass(frozen=True)
class Part:
    """One span of an article's text in its structure: a turn of a transcript or a stretch of
    plain text, within a numbered part (a topic section, or a question with its answer).

    `start`/`end` are character offsets into `Article.text`; `kind` is `text`, `question`,
    `answer` (a turn after a question) or `remark` (a speaker's turn that answers nothing);
    `speaker` is the name as printed ("М.В.Захарова"), None when the page names nobody.
    """

    part: int
    kind: str
    start: int
    end: int
    speaker: str | None = None
    heading: str | None = None


@dataclass
class Article:
    """One extracted article, ready for classify → link → store.

    Datetimes are ISO 8601 strings with an offset (or None when unknown); see archive.dates.
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
    doc_type: str | None = None  # the kind of document, for sites whose profile names kinds
    official: bool = False  # published by the ministry itself (its source's spec says so)
    parts: list[Part] = field(default_factory=list)  # the text's structure, when it has one

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
