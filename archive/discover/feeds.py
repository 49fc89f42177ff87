"""Safe parsing of RSS feeds and sitemaps.

Feeds come from the open web, so the XML parser never resolves entities, never loads a DTD
or touches the network (billion laughs, XXE), and gives up on huge documents.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lxml import etree

from archive.dates import feed_datetime
from archive.errors import FeedError
from archive.models import FeedEntry


@dataclass
class Sitemap:
    """A parsed sitemap: either an index of child sitemaps or a list of page entries."""

    children: list[FeedEntry] = field(default_factory=list)  # url + lastmod of child sitemaps
    entries: list[FeedEntry] = field(default_factory=list)


MAX_XML_BYTES = 20 * 1024 * 1024
_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_comments=True
)


# What may come before the root element: a byte-order mark, the XML declaration, comments,
# processing instructions and white space. A DOCTYPE there is a DTD; "<!ENTITY" elsewhere (in
# CDATA or text) is just text.
_PROLOG = re.compile(rb"\A(?:\xef\xbb\xbf)?(?:\s+|<\?.*?\?>|<!--.*?-->)*", re.S)


def _parse_xml(body: bytes) -> etree._Element:
    """Parse untrusted XML; documents with a DTD are refused since feeds never need one."""
    if len(body) > MAX_XML_BYTES:
        raise FeedError(f"document too large ({len(body)} bytes)")
    prolog_end = _PROLOG.match(body).end()
    if body[prolog_end : prolog_end + 9].upper() == b"<!DOCTYPE":
        raise FeedError("document declares a DTD (refused)")
    try:
        root = etree.fromstring(body, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise FeedError(f"malformed XML: {exc}") from None
    if root is None:
        raise FeedError("empty document")
    if root.getroottree().docinfo.doctype:  # a DTD the prolog check did not see (another encoding)
        raise FeedError("document declares a DTD (refused)")
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
                published=feed_datetime(_text(item, "pubDate") or _text(item, "published") or _text(item, "updated")),
                # Atom's `updated` moves when an entry's document is extended: a changed article.
                lastmod=feed_datetime(_text(item, "updated")),
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
        lastmod = feed_datetime(_text(node, "lastmod"))
        entry = FeedEntry(url=loc, lastmod=lastmod)
        if news is not None:
            entry.title = _text(news, "title")
            entry.published = feed_datetime(_text(news, "publication_date"))
            entry.lastmod = entry.lastmod or entry.published
        (result.children if kind == "sitemapindex" else result.entries).append(entry)
    return result
