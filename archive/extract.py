"""Turn one fetched page into an Article (its whole text and nothing else) or an ExtractionFailure.

Users quote from the archive, so a page whose body cannot be trusted is recorded as a failure
with a reason instead of being stored: a changed layout then shows up as failures in `status`,
not as junk rows.

Steps:

1. Decode (`decode_html`): BOM, the HTTP charset, `<meta charset>`, UTF-8, windows-1251,
   then a charset_normalizer guess; every candidate is decoded strictly and checked for
   mojibake. A UTF-8 page with a few stray bytes keeps them as U+FFFD, and fails only if one
   lands in the article text. Nothing decodes cleanly -> `bad-encoding`.
2. Read metadata from robust signals only: JSON-LD, `<meta>` tags, `<time datetime>`,
   `<article>`, Next.js `__NEXT_DATA__`, the feed entry.
3. Refuse non-articles: anti-bot stubs (`antibot-stub`), listings, videos and galleries
   (`not-article`): by URL path, og:type, JSON-LD type, the absence of article markup, and
   (after step 4) a native video player or several photos with little text around them.
4. Body, in this order:
   a. trafilatura on the page with the profile's structural pruning (in fast mode for a
      profiled site: the profile, not readability/justext, handles its layout), then the
      profile's line rules (promos, bylines, captions, update notices, "more news" blocks)
      -> `extraction_method = "trafilatura"`. A result that runs headline and lead together
      in one block (trafilatura's whole-page rescue) is discarded;
   b. when that is empty or short (under FALLBACK_BELOW_WORDS words, e.g. a page rendered
      by script), or a structured copy is much longer (the HTML shows only the start):
      JSON-LD `articleBody` -> "jsonld";
   c. the Next.js `__NEXT_DATA__` payload -> "next_data";
   d. the feed entry's full text (TASS `yandex:full-text`) -> "rss_fulltext".
   The first fallback with enough words wins; otherwise the longest candidate.
   Fewer than MIN_WORDS words, or no sentences at all (menus, headline lists) -> `too-short`;
   nothing at all -> `empty`.
"""

from __future__ import annotations

import codecs
import html
import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from urllib.parse import urljoin, urlsplit

import charset_normalizer
import lxml.html
import trafilatura
from lxml import etree
from trafilatura.settings import use_config

from archive.feeds import FeedEntry
from archive.models import Article, ExtractionFailure
from archive.profiles import Profile, get_profile, profile_for_host

EXTRACTOR_VERSION = f"mfa-archive-extract/1 trafilatura/{trafilatura.__version__}"

MOSCOW = timezone(timedelta(hours=3))
MIN_WORDS = 8
PROSE_MIN_WORDS = 5
_SENTENCE_END = set('.!?…"»)')
# A page with this many photos and little text is a gallery, not an article.
GALLERY_MIN_FIGURES = 3
FALLBACK_BELOW_WORDS = 40
# A structured copy this much longer than the HTML body means the HTML shows only part of it.
LONGER_STRUCTURED_RATIO = 1.5

ARTICLE_TYPES = {
    "NewsArticle", "Article", "ReportageNewsArticle", "AnalysisNewsArticle", "BlogPosting",
    "LiveBlogPosting", "OpinionNewsArticle", "BackgroundNewsArticle", "Report", "ScholarlyArticle",
}
NOT_ARTICLE_TYPES = {"VideoObject", "ImageGallery", "MediaGallery", "CollectionPage", "ItemList", "SearchResultsPage"}
_ANTIBOT_MARKERS = (
    "captcha", "ddos-guard", "checking your browser", "just a moment", "проверка браузера",
    "проверяем браузер", "servicepipe", "qrator", "cf-chl", "enable javascript", "включите javascript",
    "доступ ограничен", "access denied", "подозрительн", "вы робот", "не робот", "antibot", "anti-bot",
)
_STUB_MAX_TEXT = 1500
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-:.]+)""", re.I)
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_SPACES = re.compile(r"\s+")
# UTF-8 Cyrillic read as windows-1251 ("Р°", "С‚") or latin-1 ("Ð°", "Ñ\x82").
_CP1251_TAIL = bytes(range(0x80, 0xC0)).decode("cp1251", errors="ignore")
_MOJIBAKE = re.compile("[РС][" + re.escape(_CP1251_TAIL) + "]|[ÐÑ][\u0080-\u00bf]")
_CYRILLIC = re.compile("[\u0400-\u04ff]")
_LATIN1_LETTERS = re.compile("[\u00c0-\u00ff]")
_LETTERS = re.compile(r"[^\W\d_]")
_BARE_TIME = re.compile(r"^\d{1,2}:\d{2}$")
_LIVE_PREFIX = re.compile(r"^\d{1,2}:\d{2}\s*(?:\||—|-)\s+")
_DATELINE = re.compile(
    r"^(?P<city>[А-ЯЁ][А-ЯЁ\-]+(?: [А-ЯЁ\-]+){0,3})\s*[,.]\s*\d{1,2}\s+[а-я]+\.?(?:\s+\d{4})?"
    r"(?:\s*[,.]?\s*/(?P<slash>[^/\n]{2,80})/\s*\.?|\s*[—–-]\s*(?P<dash>[А-ЯЁA-Z][^.\n]{1,40})\.)"
)
_BODY_KEYS = ("articleBody", "body", "text", "content", "html", "bodyHtml", "full_text", "fullText", "blocks")
_TAG_HREF = re.compile(r"/tags?/")
# trafilatura rescues a short result (under MIN_EXTRACTED_SIZE characters) with a "baseline"
# dump of the whole <article> (title, date, byline and caption run together) or with the
# JSON-LD articleBody. A wire story can be one sentence, and the structured copies are our own
# labelled fallbacks, so the rescue threshold is lowered to a sentence.
_TRAFILATURA_CONFIG = use_config()
_TRAFILATURA_CONFIG.set("DEFAULT", "MIN_EXTRACTED_SIZE", "20")


class _Failed(Exception):
    """Internal: stop extraction with an ExtractionFailure reason."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.detail = detail


@dataclass
class _Meta:
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


# ---------------------------------------------------------------- decoding


def _looks_like_mojibake(text: str) -> bool:
    """True when decoded text shows the marks of a wrong charset (UTF-8 read as 1251/latin-1)."""
    letters = len(_LETTERS.findall(text))
    if not letters:
        return False
    if len(_MOJIBAKE.findall(text)) > 0.02 * letters + 2:
        return True
    # Russian pages read as latin-1: accented Latin letters everywhere and no Cyrillic.
    if len(_LATIN1_LETTERS.findall(text)) > 0.3 * letters and not _CYRILLIC.search(text):
        return True
    # KOI8-R read as windows-1251 (or the reverse) swaps the case of every Cyrillic letter.
    cyrillic = _CYRILLIC.findall(text)
    return len(cyrillic) > 50 and sum(c.isupper() for c in cyrillic) > 0.5 * len(cyrillic)


def _codec(name: str | None) -> str | None:
    """The Python codec name for a charset label, or None for an unknown label."""
    if not name:
        return None
    try:
        return codecs.lookup(name.strip().strip("\"'").lower()).name
    except LookupError:
        return None


def decode_html(body: bytes, declared_encoding: str | None = None) -> str:
    """Decode a page to text; raise _Failed('bad-encoding') rather than return mojibake.

    Candidates, in order: a BOM, the HTTP charset, `<meta charset>`, UTF-8, windows-1251,
    charset_normalizer's guess. Each is decoded strictly and must not look like mojibake; a wrong declared charset
    therefore falls through to the next candidate.
    """
    for bom, name in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
        if body.startswith(bom):
            return body[len(bom):].decode(name, errors="strict") if _strict_ok(body[len(bom):], name) else _fail_encoding(name)
    meta = _META_CHARSET.search(body[:4096])
    # windows-1251 is the legacy charset of Russian sites: worth a try before guessing.
    candidates = [_codec(declared_encoding), _codec(meta.group(1).decode("ascii", "ignore")) if meta else None, "utf-8", "cp1251"]
    tried = []
    for name in candidates:
        if not name or name in tried:
            continue
        tried.append(name)
        text = _decode_clean(body, name)
        if text is not None:
            return text
    guess = charset_normalizer.from_bytes(body).best()
    if guess is not None and _codec(guess.encoding) not in tried:
        text = _decode_clean(body, _codec(guess.encoding))
        if text is not None:
            return text
    # A few stray bytes in a UTF-8 page (a truncated footer, a bad ad snippet) should not
    # lose the article: they become U+FFFD, and the article fails only if one lands in its text.
    text = body.decode("utf-8", errors="replace")
    if text.count("\ufffd") <= max(3, len(text) // 1000) and not _looks_like_mojibake(text):
        return text
    raise _Failed("bad-encoding", f"no clean decoding (tried {', '.join(tried)})")


def _is_strict_utf8(body: bytes) -> bool:
    """True for a body that is valid UTF-8, whose text needs no mojibake check (see _decode_clean)."""
    return body.isascii() or _strict_ok(body.removeprefix(codecs.BOM_UTF8), "utf-8")


def _strict_ok(body: bytes, name: str) -> bool:
    try:
        body.decode(name)
    except UnicodeDecodeError:
        return False
    return True


def _fail_encoding(name: str) -> str:
    raise _Failed("bad-encoding", f"invalid {name} bytes after a {name} byte-order mark")


def _decode_clean(body: bytes, name: str | None) -> str | None:
    """`body` decoded strictly as `name` if that works and is not mojibake, else None.

    Strictly valid UTF-8 is accepted without the (page-long) mojibake scan: Cyrillic in a
    single-byte charset is practically never valid UTF-8, and the article text is checked again.
    """
    if not name:
        return None
    try:
        text = body.decode(name)
    except (UnicodeDecodeError, LookupError):
        return None
    if name == "utf-8":
        return text
    return None if _looks_like_mojibake(text) else text


# ---------------------------------------------------------------- metadata


def _prose_words(paragraphs: list[str]) -> int:
    """Words in paragraphs that read like sentences (several words, closing punctuation).

    When a redesign hides the article body, trafilatura falls back to whatever text is left,
    typically menus and headline lists: many words, no sentences. Such a page must be a
    failure that raises "layout changed?", not an article full of junk.
    """
    return sum(
        len(p.split()) for p in paragraphs if len(p.split()) >= PROSE_MIN_WORDS and p.rstrip()[-1:] in _SENTENCE_END
    )


def _clean(text: str | None) -> str | None:
    """Collapsed whitespace, or None for empty text."""
    if text is None:
        return None
    text = _SPACES.sub(" ", text.replace("\u00a0", " ")).strip()
    return text or None


def _element_text(el) -> str:
    return _clean(" ".join(el.itertext())) or ""


def normalize_datetime(value: str | None) -> str | None:
    """ISO 8601 in Moscow time (+03:00), so dates sort as text; a date without time stays a date.

    A time without an offset is the site's local (Moscow) time. Unparseable values give None.
    """
    value = _clean(value)
    if not value:
        return None
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return value
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00").replace(" ", "T", 1))
    except ValueError:
        try:
            parsed = datetime.strptime(value, "%a, %d %b %Y %H:%M:%S %z")  # RFC 822, as in feeds
        except ValueError:
            return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=MOSCOW)
    return parsed.astimezone(MOSCOW).isoformat(timespec="seconds")


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
class _PageIndex:
    """The page's <meta>, <script> and <link> elements, gathered in one pass over the tree."""

    metas: dict[str, list[str]] = field(default_factory=dict)
    jsonld: list[str] = field(default_factory=list)
    next_data: str | None = None
    canonical: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, tree) -> "_PageIndex":
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
        return [v for key in keys for v in (_clean(c) for c in self.metas.get(key.lower(), ())) if v]


def _first(*values):
    for value in values:
        if value:
            return value
    return None


def _next_data(script: str | None) -> dict | None:
    if not script:
        return None
    try:
        data = json.loads(script, strict=False)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def _html_paragraphs(text: str) -> list[str]:
    """Paragraphs of a text that may be HTML (`<p>` per paragraph) or plain with newlines."""
    if re.search(r"<(?:p|div|br|h[1-6]|li|blockquote)\b", text, re.I):
        fragment = lxml.html.fragment_fromstring(text, create_parent="div")
        blocks = fragment.xpath(".//p|.//h2|.//h3|.//h4|.//li|.//blockquote[not(.//p)]")
        paragraphs = [_element_text(b) for b in blocks] if blocks else [_element_text(fragment)]
    else:
        paragraphs = [_clean(html.unescape(line)) or "" for line in text.split("\n")]
    return [p for p in paragraphs if p]


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
        return _html_paragraphs(value)
    if isinstance(value, list):
        texts = []
        for block in value:
            if isinstance(block, str):
                texts.extend(_html_paragraphs(block))
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


def _read_next(meta: _Meta, data: dict) -> None:
    """Fill gaps in `meta` from the Next.js payload and keep its body for the fallback."""
    article = _next_article(data)
    if not article:
        return
    for key in _BODY_KEYS:
        if key in article:
            paragraphs = _block_texts(article[key])
            if sum(len(p) for p in paragraphs) > sum(len(p) for p in meta.next_body):
                meta.next_body = paragraphs
    meta.title = meta.title or _clean(_first(article.get("title"), article.get("headline")))
    meta.lead = meta.lead or _clean(_first(article.get("lead"), article.get("subtitle"), article.get("description")))
    for key in ("published_dt", "published_at", "publishedAt", "datePublished", "published", "date"):
        if not meta.published and isinstance(article.get(key), str):
            meta.published = normalize_datetime(article[key])
    for key in ("updated_dt", "updated_at", "updatedAt", "dateModified", "modified"):
        if not meta.modified and isinstance(article.get(key), str):
            meta.modified = normalize_datetime(article[key])
    if not meta.tags and isinstance(article.get("tags"), list):
        meta.tags = [t for t in (_clean(_label(tag)) for tag in article["tags"]) if t]
    meta.section = meta.section or _clean(_label(article.get("rubric") or article.get("section")))


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
            return _element_text(link) or None
    return None


def read_metadata(tree, url: str) -> _Meta:
    """What the page says about its article, from JSON-LD, meta tags, `<time>`, `<article>` and Next.js."""
    meta = _Meta()
    index = _PageIndex.of(tree)
    articles = list(tree.iter("article"))
    meta.article_element_count = len(articles)
    scope = articles[0] if articles else tree

    article_ld: dict = {}
    for item in _jsonld_items(index.jsonld):
        kinds = _types(item)
        meta.jsonld_types |= kinds
        if kinds & ARTICLE_TYPES and not article_ld:
            article_ld = item
    meta.og_type = _first(*index.meta("og:type"))

    h1 = list(scope.iter("h1")) or list(tree.iter("h1"))
    meta.title = _clean(
        _first(
            _element_text(h1[0]) if h1 else None,
            article_ld.get("headline") if isinstance(article_ld.get("headline"), str) else None,
            *index.meta("og:title", "twitter:title"),
        )
    )
    meta.lead = _clean(
        _first(
            *index.meta("og:description", "description", "twitter:description"),
            article_ld.get("description") if isinstance(article_ld.get("description"), str) else None,
        )
    )
    meta.published = normalize_datetime(
        _first(
            article_ld.get("datePublished") if isinstance(article_ld.get("datePublished"), str) else None,
            *index.meta("article:published_time", "datePublished", "pubdate", "publish-date"),
            *(t.get("datetime") for t in scope.xpath(".//time[@datetime]")),
        )
    )
    meta.modified = normalize_datetime(
        _first(
            article_ld.get("dateModified") if isinstance(article_ld.get("dateModified"), str) else None,
            *index.meta("article:modified_time", "dateModified"),
        )
    )
    authors = _names(article_ld.get("author")) or index.meta("author", "article:author")
    meta.authors = [a for a in dict.fromkeys(_clean(a) for a in authors) if a and not a.startswith("http")]
    tag_links = [_element_text(a) for a in scope.xpath(".//a[@href]") if _TAG_HREF.search(a.get("href", ""))] if articles else []
    keywords = article_ld.get("keywords")
    if isinstance(keywords, str):
        keywords = keywords.split(",")
    meta.tags = [t for t in dict.fromkeys(_clean(t) for t in (tag_links or index.meta("article:tag") or _names(keywords))) if t]
    section = article_ld.get("articleSection")
    meta.section = _clean(
        _first(section if isinstance(section, str) else (_names(section) or [None])[0], *index.meta("article:section"))
        or (_breadcrumb_section(scope, url) if articles else None)
    )
    canonical = _first(*index.canonical, *index.meta("og:url"))
    meta.canonical_url = urljoin(url, canonical) if canonical else None
    image = _first(*index.meta("og:image"), _image_url(article_ld.get("image")))
    if not image:
        image = _first(*scope.xpath(".//figure//img/@src"))
    # A saved file's relative links belong to the site it was saved from, not to file:///.
    base = meta.canonical_url if urlsplit(url).scheme == "file" and meta.canonical_url else url
    meta.image_url = urljoin(base, image) if image else None
    meta.videos = len(scope.xpath(".//video"))
    meta.figures = len(scope.xpath(".//figure"))
    captions = scope.xpath(".//figure//figcaption")
    meta.image_caption_text = _element_text(captions[0]) if captions else None
    lang = _first(tree.get("lang"), *index.meta("og:locale"), article_ld.get("inLanguage"))
    meta.language = re.split(r"[-_]", lang.strip().lower())[0] if isinstance(lang, str) and lang.strip() else None
    body = article_ld.get("articleBody")
    meta.jsonld_body = body if isinstance(body, str) else None

    next_data = _next_data(index.next_data)
    if next_data:
        _read_next(meta, next_data)
    return meta


def fill_from_feed(meta: _Meta, feed_entry: FeedEntry) -> None:
    """Complete what the page lacks from its feed item; done after the page-kind check, so a
    listing page that a feed happens to link does not pass as an article."""
    meta.title = meta.title or _clean(feed_entry.title)
    meta.lead = meta.lead or _clean(feed_entry.lead)
    meta.published = meta.published or normalize_datetime(feed_entry.published)
    meta.section = meta.section or (feed_entry.categories[0] if feed_entry.categories else None)
    meta.image_url = meta.image_url or feed_entry.image_url


# ---------------------------------------------------------------- page kinds


def _visible_text(tree) -> str:
    body = tree.find("body")
    if body is None:
        return ""
    parts = [t for el in body.iter() if el.tag not in ("script", "style", "noscript") and isinstance(el.tag, str) for t in (el.text, el.tail) if t]
    return _clean(" ".join(parts)) or ""


def _check_page_kind(tree, raw_html: str, url: str, meta: _Meta, profile: Profile) -> None:
    """Raise _Failed for anti-bot stubs and for pages that are listings, videos or galleries."""
    if not meta.jsonld_body and not meta.next_body:
        lowered = raw_html.lower()
        marker = next((m for m in _ANTIBOT_MARKERS if m in lowered), None)
        if marker:
            visible = _visible_text(tree)
            if len(visible) < _STUB_MAX_TEXT:
                raise _Failed("antibot-stub", f"{len(visible)} chars of text and the marker {marker!r}")
    path = urlsplit(url).path or "/"
    if profile.is_not_article_path(path):
        raise _Failed("not-article", f"{path} is a listing, tag, video or gallery path")
    og_type = (meta.og_type or "").lower()
    if og_type.startswith(("video", "music")) or "gallery" in og_type:
        raise _Failed("not-article", f"og:type is {meta.og_type}")
    if meta.jsonld_types & NOT_ARTICLE_TYPES and not meta.jsonld_types & ARTICLE_TYPES:
        raise _Failed("not-article", f"JSON-LD type {', '.join(sorted(meta.jsonld_types & NOT_ARTICLE_TYPES))}")
    article_signal = og_type == "article" or bool(meta.jsonld_types & ARTICLE_TYPES) or meta.article_element_count == 1
    if not article_signal and (meta.article_element_count > 1 or not meta.published):
        raise _Failed("not-article", f"no article markup ({meta.article_element_count} <article> elements, og:type {meta.og_type})")


# ---------------------------------------------------------------- body


def _trafilatura_lines(tree, url: str, profile: Profile) -> list[str]:
    """The lines of trafilatura's main content: paragraphs, subheadings, list items, quotes.

    The profile's structural pruning runs on the tree first; trafilatura's own output tree is
    walked instead of its text rendering so list markers ("- ") and line breaks are not
    mistaken for text.
    """
    for xpath in profile.prune_xpath:
        for el in tree.xpath(xpath):
            el.drop_tree()
    document = trafilatura.bare_extraction(
        tree, url=url, fast=profile.trafilatura_fast, include_comments=False, with_metadata=False, config=_TRAFILATURA_CONFIG
    )
    if document is None or document.body is None:
        return []
    lines: list[str] = []
    for el in document.body:
        units = (el.xpath(".//item|.//p|.//row") or [el]) if el.tag in ("list", "quote", "table") else [el]
        for unit in units:
            for br in unit.iter("lb"):
                br.tail = "\n" + (br.tail or "")
            text = "".join(unit.itertext()) if unit.tag != "row" else " | ".join(_element_text(c) for c in unit)
            lines.extend(line for line in (_clean(part) for part in text.split("\n")) if line)
    return lines


@dataclass
class _Body:
    paragraphs: list[str]
    method: str
    captions: list[str] = field(default_factory=list)
    bylines: list[str] = field(default_factory=list)


def _apply_profile(paragraphs: list[str], meta: _Meta, profile: Profile, method: str) -> _Body:
    """Drop boilerplate lines, stop at the "more news" block, strip repeated title/lead/tags."""
    body = _Body([], method)
    for line in paragraphs:
        if _BARE_TIME.match(line):
            continue
        kind = profile.line_kind(line)
        if kind == "stop":
            break
        if kind == "caption":
            body.captions.append(line)
        elif kind == "byline":
            body.bylines.append(line)
        elif kind is None:
            body.paragraphs.append(_LIVE_PREFIX.sub("", line))
    repeated = {_key(meta.title), _key(meta.lead)} - {""}
    while body.paragraphs and _key(body.paragraphs[0]) in repeated:
        body.paragraphs.pop(0)
    tags = {_key(t) for t in meta.tags}
    while body.paragraphs and _key(body.paragraphs[-1]) in tags:
        body.paragraphs.pop()
    return body


def _key(text: str | None) -> str:
    return (_clean(text) or "").casefold()


def _words(paragraphs: list[str]) -> int:
    return sum(len(p.split()) for p in paragraphs)


def _choose_body(tree, url: str, meta: _Meta, profile: Profile, feed_entry: FeedEntry | None) -> _Body:
    """The body from the first source in the documented order that has enough words."""
    lines = _trafilatura_lines(tree, url, profile)
    if _is_page_dump(lines, meta):
        lines = []
    html_body = _apply_profile(lines, meta, profile, "trafilatura")
    fallbacks = [
        ("jsonld", _html_paragraphs(meta.jsonld_body) if meta.jsonld_body else []),
        ("next_data", meta.next_body),
        ("rss_fulltext", _html_paragraphs(feed_entry.full_text) if feed_entry and feed_entry.full_text else []),
    ]
    html_words = _words(html_body.paragraphs)
    candidates = [html_body]
    for method, paragraphs in fallbacks:
        if not paragraphs:
            continue
        candidate = _apply_profile(paragraphs, meta, profile, method)
        words = _words(candidate.paragraphs)
        if words >= FALLBACK_BELOW_WORDS and (html_words < FALLBACK_BELOW_WORDS or words > LONGER_STRUCTURED_RATIO * html_words):
            candidate.captions += html_body.captions
            candidate.bylines += html_body.bylines
            return candidate
        candidates.append(candidate)
    return max(candidates, key=lambda b: _words(b.paragraphs))


def _is_page_dump(blocks: list[str], meta: _Meta) -> bool:
    """True when one block runs the headline together with other text: the article's chrome
    flattened into a paragraph (trafilatura's last-resort rescue), never a body."""
    title, lead = _key(meta.title), _key(meta.lead)
    # A body sentence may well contain the headline's words; headline and lead together may not.
    return bool(title and lead) and any(title in _key(b) and lead in _key(b) for b in blocks)


def _dateline(first_paragraph: str) -> tuple[str | None, str | None]:
    """('МОСКВА', 'ТАСС') from 'МОСКВА, 10 декабря. /ТАСС/. ...'; (None, None) without a dateline."""
    match = _DATELINE.match(first_paragraph)
    if not match:
        return None, None
    agency = match.group("slash") or match.group("dash") or ""
    if "ТАСС" in agency:
        agency = "ТАСС"
    return match.group("city"), _clean(agency)


# ---------------------------------------------------------------- entry point


def _bylines_on_page(tree, profile: Profile) -> list[str]:
    """Byline texts in the article's leaf elements: trafilatura usually drops them with the page chrome."""
    if not profile.byline_lines:
        return []
    scope = next(tree.iter("article"), tree)
    texts = scope.xpath(".//*[not(*)][string-length(text()) < 120]/text()")
    return [text for text in (_clean(t) for t in texts) if text and profile.line_kind(text) == "byline"]


def _select_profile(profile: str | None, source: str, url: str, tree) -> Profile:
    """The named profile, else the source's, else the one for the URL's or canonical URL's host."""
    for name in (profile, source):
        chosen = get_profile(name)
        if chosen.name != "generic":
            return chosen
    hosts = [urlsplit(url).hostname or ""] + [urlsplit(h).hostname or "" for h in tree.xpath("//link[@rel='canonical']/@href")]
    for host in hosts:
        chosen = profile_for_host(host)
        if chosen:
            return chosen
    return get_profile(None)


def _parse(text: str):
    text = _XML_DECLARATION.sub("", text, count=1)
    if not text.strip():
        raise _Failed("empty", "the page has no content")
    try:
        return lxml.html.document_fromstring(text)
    except (etree.ParserError, ValueError) as exc:
        raise _Failed("empty", f"unparseable HTML: {exc}") from None


def extract_article(
    body: bytes,
    url: str,
    source: str,
    *,
    declared_encoding: str | None = None,
    feed_entry: FeedEntry | None = None,
    fetched_at: str | None = None,
    profile: str | None = None,
) -> Article | ExtractionFailure:
    """Extract the article in `body` (the page at `url`), or say why it is not stored.

    `declared_encoding` is the HTTP charset; `profile` names a module in archive/profiles
    (None: by source name, then by host, else generic); `feed_entry` supplies the feed's
    metadata and full text as fallbacks. See the module docstring for the order of fallbacks.
    """
    try:
        return _extract(body, url, source, declared_encoding, feed_entry, fetched_at, profile)
    except _Failed as failed:
        return ExtractionFailure(url, source, failed.reason, failed.detail)


def _extract(
    body: bytes,
    url: str,
    source: str,
    declared_encoding: str | None,
    feed_entry: FeedEntry | None,
    fetched_at: str | None,
    profile_name: str | None,
) -> Article:
    if not body or not body.strip():
        raise _Failed("empty", "the response body is empty")
    page = decode_html(body, declared_encoding)
    tree = _parse(page)
    profile = _select_profile(profile_name, source, url, tree)
    meta = read_metadata(tree, url)
    _check_page_kind(tree, page, url, meta, profile)
    if feed_entry:
        fill_from_feed(meta, feed_entry)
    if not meta.published and profile.visible_date:
        scope = (tree.xpath("//article") or [tree])[0]
        meta.published = profile.visible_date(_element_text(scope)[:2000])
    bylines = _bylines_on_page(tree, profile)
    chosen = _choose_body(tree, url, meta, profile, feed_entry)
    words = _words(chosen.paragraphs)
    if words < FALLBACK_BELOW_WORDS and (meta.videos or meta.figures >= GALLERY_MIN_FIGURES):
        kind = "video" if meta.videos else "photo gallery"
        raise _Failed("not-article", f"a {kind} page: {words} words of text around the media")
    if words == 0:
        raise _Failed("empty", "no body text in the HTML, JSON-LD, Next.js data or feed")
    if words < MIN_WORDS:
        raise _Failed("too-short", f"{words} words of body text")
    if _prose_words(chosen.paragraphs) < MIN_WORDS:
        raise _Failed("too-short", f"{words} words but no sentences: navigation or boilerplate, not article text")
    text = "\n\n".join(chosen.paragraphs)
    if "\ufffd" in text or (not _is_strict_utf8(body) and _looks_like_mojibake(text)):
        raise _Failed("bad-encoding", "the body contains undecodable characters")
    if not meta.title:
        raise _Failed("not-article", "the page has no title")
    caption_text = meta.image_caption_text or (chosen.captions[0] if chosen.captions else None)
    caption, credit = profile.split_caption(caption_text) if caption_text else (None, None)
    city, agency = _dateline(chosen.paragraphs[0])
    language = meta.language or ("ru" if _CYRILLIC.search(text) else None)
    return Article(
        url=url,
        source=source,
        title=meta.title,
        text=text,
        lead=meta.lead,
        published=meta.published,
        modified=meta.modified,
        authors=list(dict.fromkeys(bylines + chosen.bylines)) or meta.authors,
        tags=meta.tags,
        section=meta.section,
        canonical_url=meta.canonical_url,
        image_url=meta.image_url,
        image_caption=caption,
        image_credit=credit,
        language=language,
        dateline_city=city,
        dateline_agency=agency,
        extraction_method=chosen.method,
        extractor_version=EXTRACTOR_VERSION,
        fetched_at=fetched_at,
        lastmod=feed_entry.lastmod if feed_entry else None,
    )
