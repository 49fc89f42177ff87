"""Step 2: what the page says about its article, from robust signals only.

JSON-LD, `<meta>` tags, `<time datetime>`, `<article>`, the Next.js `__NEXT_DATA__` payload and
the feed entry. Never CSS classes: they change with every deploy of a site.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from archive.dates import page_date_parts, page_datetime
from archive.extract.markup import clean, element_text, first, html_paragraphs
from archive.models import FeedEntry

ARTICLE_TYPES = {
    "NewsArticle", "Article", "ReportageNewsArticle", "AnalysisNewsArticle", "BlogPosting",
    "LiveBlogPosting", "OpinionNewsArticle", "BackgroundNewsArticle", "Report", "ScholarlyArticle",
}
_BODY_KEYS = ("articleBody", "body", "text", "content", "html", "bodyHtml", "full_text", "fullText", "blocks")
_TAG_HREF = re.compile(r"/tags?/")


@dataclass
class PageMeta:
    """Everything the page (and its feed entry) says about the article, before the body."""

    title: str | None = None
    lead: str | None = None
    published: str | None = None
    modified: str | None = None
    authors: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    section: str | None = None
    canonical_url: str | None = None
    image_url: str | None = None
    image_caption_text: str | None = None
    language: str | None = None
    og_type: str | None = None
    jsonld_types: set[str] = field(default_factory=set)
    jsonld_body: str | None = None
    next_body: list[str] = field(default_factory=list)
    article_element_count: int = 0
    videos: int = 0  # native <video> players in the article
    figures: int = 0  # photos in the article


def _jsonld_items(scripts: list[str]) -> list[dict]:
    """All JSON-LD objects of the page, with @graph and lists flattened."""
    items: list[dict] = []
    for script in scripts:
        try:
            data = json.loads(script, strict=False)
        except ValueError:
            continue
        stack = [data]
        while stack:
            node = stack.pop()
            if isinstance(node, list):
                stack.extend(node)
            elif isinstance(node, dict):
                items.append(node)
                if isinstance(node.get("@graph"), list):
                    stack.extend(node["@graph"])
    return items


def _types(item: dict) -> set[str]:
    kind = item.get("@type")
    return set(kind) if isinstance(kind, list) else {kind} if isinstance(kind, str) else set()


def _names(value) -> list[str]:
    """Names from a JSON-LD author/keywords value: a string, a {name} object or a list of them."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [value["name"]] if isinstance(value.get("name"), str) else []
    if isinstance(value, list):
        return [name for v in value for name in _names(v)]
    return []


def _image_url(value) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return value.get("url") or value.get("contentUrl")
    if isinstance(value, list) and value:
        return _image_url(value[0])
    return None


@dataclass
class PageIndex:
    """The page's <meta>, <script> and <link> elements, gathered in one pass over the tree."""

    metas: dict[str, list[str]] = field(default_factory=dict)
    jsonld: list[str] = field(default_factory=list)
    next_data: str | None = None
    canonical: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, tree) -> "PageIndex":
        index = cls()
        for el in tree.iter("meta", "script", "link"):
            if el.tag == "meta":
                content = el.get("content")
                for attr in ("property", "name", "itemprop"):
                    key = el.get(attr)
                    if key and content:
                        index.metas.setdefault(key.lower(), []).append(content)
            elif el.tag == "script":
                kind = (el.get("type") or "").lower()
                if kind == "application/ld+json":
                    index.jsonld.append(el.text or "")
                elif el.get("id") == "__NEXT_DATA__":
                    index.next_data = el.text or ""
            elif "canonical" in (el.get("rel") or "").lower().split() and el.get("href"):
                index.canonical.append(el.get("href").strip())
        return index

    def meta(self, *keys: str) -> list[str]:
        """Contents of <meta property|name|itemprop = key>, in key order then page order."""
        return [v for key in keys for v in (clean(c) for c in self.metas.get(key.lower(), ())) if v]


def _next_data(script: str | None) -> dict | None:
    if not script:
        return None
    try:
        data = json.loads(script, strict=False)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def _next_article(data: dict) -> dict | None:
    """The dict in a Next.js payload that looks most like the article: a title plus the longest body."""
    best, best_len = None, 0
    stack = [data]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, dict):
            stack.extend(node.values())
            if not any(k in node for k in ("title", "headline")):
                continue
            length = sum(len(json.dumps(node[k], ensure_ascii=False)) for k in _BODY_KEYS if k in node)
            if length > best_len:
                best, best_len = node, length
    return best


def _block_texts(value) -> list[str]:
    """Paragraph texts from a body value: an HTML/plain string or a list of blocks with text."""
    if isinstance(value, str):
        return html_paragraphs(value)
    if isinstance(value, list):
        texts = []
        for block in value:
            if isinstance(block, str):
                texts.extend(html_paragraphs(block))
            elif isinstance(block, dict):
                kind = str(block.get("type", "")).lower()
                if kind in {"image", "photo", "video", "embed", "gallery", "banner", "ad", "related", "byline", "caption"}:
                    continue
                for key in ("text", "content", "html", "value", "items", "children", "blocks"):
                    if key in block:
                        texts.extend(_block_texts(block[key]))
                        break
        return texts
    if isinstance(value, dict):
        return _block_texts([value])
    return []


def _read_next(meta: PageMeta, data: dict) -> None:
    """Fill gaps in `meta` from the Next.js payload and keep its body for the fallback."""
    article = _next_article(data)
    if not article:
        return
    for key in _BODY_KEYS:
        if key in article:
            paragraphs = _block_texts(article[key])
            if sum(len(p) for p in paragraphs) > sum(len(p) for p in meta.next_body):
                meta.next_body = paragraphs
    meta.title = meta.title or clean(first(article.get("title"), article.get("headline")))
    meta.lead = meta.lead or clean(first(article.get("lead"), article.get("subtitle"), article.get("description")))
    for key in ("published_dt", "published_at", "publishedAt", "datePublished", "published", "date"):
        if not meta.published and isinstance(article.get(key), str):
            meta.published = page_datetime(article[key])
    for key in ("updated_dt", "updated_at", "updatedAt", "dateModified", "modified"):
        if not meta.modified and isinstance(article.get(key), str):
            meta.modified = page_datetime(article[key])
    if not meta.tags and isinstance(article.get("tags"), list):
        meta.tags = [t for t in (clean(_label(tag)) for tag in article["tags"]) if t]
    meta.section = meta.section or clean(_label(article.get("rubric") or article.get("section")))


def _label(value) -> str | None:
    """A display name from a string or an object with `title` or `name`."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        for key in ("title", "name"):
            if isinstance(value.get(key), str):
                return value[key]
    return None


def _breadcrumb_section(scope, url: str) -> str | None:
    """The text of the article's link to its own section (/politika, /vlast/): a breadcrumb."""
    segments = [s for s in urlsplit(url).path.split("/") if s]
    if len(segments) < 2:
        return None
    for link in scope.xpath(".//a[@href]"):
        if urlsplit(urljoin(url, link.get("href"))).path.strip("/") == segments[0]:
            return element_text(link) or None
    return None


def read_metadata(tree, url: str) -> PageMeta:
    """What the page says about its article, from JSON-LD, meta tags, `<time>`, `<article>` and Next.js."""
    meta = PageMeta()
    index = PageIndex.of(tree)
    articles = list(tree.iter("article"))
    meta.article_element_count = len(articles)
    scope = articles[0] if articles else tree

    article_ld: dict = {}
    for item in _jsonld_items(index.jsonld):
        kinds = _types(item)
        meta.jsonld_types |= kinds
        if kinds & ARTICLE_TYPES and not article_ld:
            article_ld = item
    meta.og_type = first(*index.meta("og:type"))

    h1 = list(scope.iter("h1")) or list(tree.iter("h1"))
    meta.title = clean(
        first(
            element_text(h1[0]) if h1 else None,
            article_ld.get("headline") if isinstance(article_ld.get("headline"), str) else None,
            *index.meta("og:title", "twitter:title"),
        )
    )
    meta.lead = clean(
        first(
            *index.meta("og:description", "description", "twitter:description"),
            article_ld.get("description") if isinstance(article_ld.get("description"), str) else None,
        )
    )
    meta.published = page_datetime(
        first(
            article_ld.get("datePublished") if isinstance(article_ld.get("datePublished"), str) else None,
            *index.meta("article:published_time", "datePublished", "pubdate", "publish-date"),
            *(t.get("datetime") for t in scope.xpath(".//time[@datetime]")),
        )
    )
    meta.modified = page_datetime(
        first(
            article_ld.get("dateModified") if isinstance(article_ld.get("dateModified"), str) else None,
            *index.meta("article:modified_time", "dateModified"),
        )
    )
    authors = _names(article_ld.get("author")) or index.meta("author", "article:author")
    meta.authors = [a for a in dict.fromkeys(clean(a) for a in authors) if a and not a.startswith("http")]
    tag_links = [element_text(a) for a in scope.xpath(".//a[@href]") if _TAG_HREF.search(a.get("href", ""))] if articles else []
    keywords = article_ld.get("keywords")
    if isinstance(keywords, str):
        keywords = keywords.split(",")
    meta.tags = [t for t in dict.fromkeys(clean(t) for t in (tag_links or index.meta("article:tag") or _names(keywords))) if t]
    section = article_ld.get("articleSection")
    meta.section = clean(
        first(section if isinstance(section, str) else (_names(section) or [None])[0], *index.meta("article:section"))
        or (_breadcrumb_section(scope, url) if articles else None)
    )
    canonical = first(*index.canonical, *index.meta("og:url"))
    meta.canonical_url = urljoin(url, canonical) if canonical else None
    image = first(*index.meta("og:image"), _image_url(article_ld.get("image")))
    if not image:
        image = first(*scope.xpath(".//figure//img/@src"))
    # A saved file's relative links belong to the site it was saved from, not to file:///.
    base = meta.canonical_url if urlsplit(url).scheme == "file" and meta.canonical_url else url
    meta.image_url = urljoin(base, image) if image else None
    meta.videos = len(scope.xpath(".//video"))
    meta.figures = len(scope.xpath(".//figure"))
    captions = scope.xpath(".//figure//figcaption")
    meta.image_caption_text = element_text(captions[0]) if captions else None
    lang = first(tree.get("lang"), *index.meta("og:locale"), article_ld.get("inLanguage"))
    meta.language = re.split(r"[-_]", lang.strip().lower())[0] if isinstance(lang, str) and lang.strip() else None
    body = article_ld.get("articleBody")
    meta.jsonld_body = body if isinstance(body, str) else None

    next_data = _next_data(index.next_data)
    if next_data:
        _read_next(meta, next_data)
    return meta


# A date line is short: the date and perhaps its time, a label, a place.
_DATE_LINE_MAX_CHARS = 80


def date_from_lines(tree, patterns) -> str | None:
    """The publication date printed on its own line, for sites without a machine-readable one:
    the first short text of the page a profile's `date_lines` pattern matches."""
    if not patterns:
        return None
    body = tree.find("body")
    for el in (body if body is not None else tree).iter():
        if not isinstance(el.tag, str) or el.tag in ("script", "style"):
            continue
        text = clean(el.text)
        if not text or len(text) > _DATE_LINE_MAX_CHARS:
            continue
        for pattern in patterns:
            match = pattern.search(text)
            if match:
                parts = match.groupdict()
                found = page_date_parts(parts["day"], parts["month"], parts["year"], parts.get("hour"), parts.get("minute"))
                if found:
                    return found
    return None


def fill_from_feed(meta: PageMeta, feed_entry: FeedEntry) -> None:
    """Complete what the page lacks from its feed item; done after the page-kind check, so a
    listing page that a feed happens to link does not pass as an article."""
    meta.title = meta.title or clean(feed_entry.title)
    meta.lead = meta.lead or clean(feed_entry.lead)
    meta.published = meta.published or page_datetime(feed_entry.published)
    meta.section = meta.section or (feed_entry.categories[0] if feed_entry.categories else None)
    meta.image_url = meta.image_url or feed_entry.image_url
