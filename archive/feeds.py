"""Safe parsing of RSS feeds and sitemaps.

Feeds come from the open web, so the XML parser never resolves entities, never loads a DTD
or touches the network (billion laughs, XXE), and gives up on huge documents.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

from lxml import etree


@dataclass
class FeedEntry:
    """One article link found in a feed or sitemap, with what the listing says about it."""

    url: str
    title: str | None = None
    lead: str | None = None
    published: str | None = None  # ISO 8601 with offset
    lastmod: str | None = None  # ISO 8601 with offset
    categories: list[str] = field(default_factory=list)
    full_text: str | None = None  # e.g. TASS yandex:full-text
    image_url: str | None = None


class FeedError(ValueError):
    """A feed or sitemap that cannot be used; the message says why in one line."""

    @property
    def reason(self) -> str:
        """The message without its particulars ("malformed XML"), to group failures by."""
        return str(self).split(":")[0].split(" (")[0]


@dataclass
class Sitemap:
    """A parsed sitemap: either an index of child sitemaps or a list of page entries."""

    children: list[FeedEntry] = field(default_factory=list)  # url + lastmod of child sitemaps
    entries: list[FeedEntry] = field(default_factory=list)


MAX_XML_BYTES = 20 * 1024 * 1024
_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_comments=True
)


def _parse_xml(body: bytes) -> etree._Element:
    """Parse untrusted XML; documents with a DTD are refused since feeds never need one."""
    if len(body) > MAX_XML_BYTES:
        raise FeedError(f"document too large ({len(body)} bytes)")
    head = body[:4096].lstrip()
    if b"<!DOCTYPE" in head.upper() or b"<!ENTITY" in body.upper():
        raise FeedError("document declares a DTD or entities (refused)")
    try:
        root = etree.fromstring(body, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise FeedError(f"malformed XML: {exc}") from None
    if root is None:
        raise FeedError("empty document")
    return root


def _local(tag: object) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def _children(element: etree._Element, name: str) -> list[etree._Element]:
    return [c for c in element if _local(c.tag) == name]


def _text(element: etree._Element, name: str) -> str | None:
    for child in _children(element, name):
        text = (child.text or "").strip()
        if text:
            return text
    return None


def parse_date(value: str | None) -> str | None:
    """ISO 8601 or RFC 822 date → ISO 8601 with offset (UTC assumed when none is given)."""
    if not value:
        return None
    value = value.strip()
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        try:
            moment = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.isoformat(timespec="seconds")


def parse_moment(value: str | None) -> datetime | None:
    """An ISO 8601 string from a listing or the archive as a datetime (None if absent or bad)."""
    try:
        return datetime.fromisoformat(value) if value else None
    except ValueError:
        return None


def parse_feed(body: bytes) -> list[FeedEntry]:
    """Entries of an RSS 2.0 (or Atom) feed, in feed order."""
    root = _parse_xml(body)
    items = [e for e in root.iter() if _local(e.tag) in ("item", "entry")]
    if _local(root.tag) not in ("rss", "feed", "RDF"):
        raise FeedError(f"not an RSS or Atom feed (root element <{_local(root.tag)}>)")
    entries = []
    for item in items:
        link = _text(item, "link")
        if not link:
            links = [c.get("href") for c in _children(item, "link") if c.get("href")]
            link = links[0] if links else _text(item, "guid")
        if not link:
            continue
        enclosures = [c.get("url") for c in _children(item, "enclosure") if c.get("url")]
        entries.append(
            FeedEntry(
                url=link,
                title=_text(item, "title"),
                lead=_text(item, "description") or _text(item, "summary"),
                published=parse_date(_text(item, "pubDate") or _text(item, "published") or _text(item, "updated")),
                categories=[(c.text or "").strip() for c in _children(item, "category") if (c.text or "").strip()],
                full_text=_text(item, "full-text"),
                image_url=enclosures[0] if enclosures else None,
            )
        )
    return entries


def parse_sitemap(body: bytes) -> Sitemap:
    """A sitemap index (children) or urlset (entries), with lastmod as ISO 8601."""
    root = _parse_xml(body)
    kind = _local(root.tag)
    if kind not in ("sitemapindex", "urlset"):
        raise FeedError(f"not a sitemap (root element <{kind}>)")
    result = Sitemap()
    for node in root:
        loc = _text(node, "loc")
        if not loc:
            continue
        news = next((c for c in node if _local(c.tag) == "news"), None)
        lastmod = parse_date(_text(node, "lastmod"))
        entry = FeedEntry(url=loc, lastmod=lastmod)
        if news is not None:
            entry.title = _text(news, "title")
            entry.published = parse_date(_text(news, "publication_date"))
            entry.lastmod = entry.lastmod or entry.published
        (result.children if kind == "sitemapindex" else result.entries).append(entry)
    return result
