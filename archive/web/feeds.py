"""A watch (a saved search) as an Atom feed (RFC 4287), the same from `serve` and from a file.

The feed holds the FEED_ENTRIES matching articles added to the archive last (see
engine.newest_matches), newest published first, each linking to its article page. A feed
reader knows an entry by its id, so the id is the article's own URL, which never changes:
the same article keeps its id when it is re-crawled, edited, or served from another address,
and a reader polling the feed shows each new matching article once. The feed's `updated` is
its newest entry's date, so a feed whose articles did not change is the same bytes.
"""

from __future__ import annotations

import html
import xml.etree.ElementTree as ET
from urllib.parse import quote, urlencode

from archive import __version__
from archive.dates import parse_datetime, rfc3339
from archive.search.engine import Hit, newest_matches
from archive.search.snippets import HIGHLIGHT
from archive.search.watches import Watch
from archive.store import Database
from archive.web import DEFAULT_SITE

ATOM = "http://www.w3.org/2005/Atom"
FEED_ENTRIES = 50


def feed_path(name: str) -> str:
    """The feed's path on the server: stable for as long as the watch keeps its name."""
    return f"/-/feeds/{quote(name)}.atom"


def article_path(article_id: int) -> str:
    return f"/-/article/{article_id}"


def _search_path(watch: Watch) -> str:
    filters = watch.filters
    args = {"q": watch.query, "source": filters.source or "", "since": filters.since or "",
            "until": filters.until or "", "scope": "all" if filters.all_articles else ""}
    return "/?" + urlencode({k: v for k, v in args.items() if v})


def _add(parent: ET.Element, tag: str, text: str | None = None, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attributes)
    if text is not None:
        element.text = text
    return element


def _entry(feed: ET.Element, hit: Hit, fetched_at: str | None, site: str) -> str:
    """Add one entry; returns its `updated` date."""
    published = rfc3339(hit.published)
    updated = published or rfc3339(fetched_at) or "1970-01-01T00:00:00+00:00"
    entry = _add(feed, "entry")
    _add(entry, "id", hit.url)
    _add(entry, "title", hit.title or "(untitled)")
    _add(entry, "updated", updated)
    if published:
        _add(entry, "published", published)
    _add(entry, "link", rel="alternate", type="text/html", href=site + article_path(hit.id))
    _add(entry, "link", rel="related", type="text/html", href=hit.url)
    author = _add(entry, "author")
    _add(author, "name", hit.source)
    _add(entry, "category", term=hit.source)
    snippet = html.escape(hit.marked_snippet, quote=False)
    _add(entry, "summary", snippet.replace(HIGHLIGHT[0], "<b>").replace(HIGHLIGHT[1], "</b>"), type="html")
    return updated


def atom_feed(db: Database, watch: Watch, site: str = DEFAULT_SITE, *, entries: int = FEED_ENTRIES) -> bytes:
    """The watch's feed as UTF-8 XML; `site` is where `serve` is reached (no trailing slash)."""
    site = site.rstrip("/")
    hits = newest_matches(db, watch.query, filters=watch.filters, limit=entries)
    fetched = dict(db.execute(
        "SELECT id, fetched_at FROM articles WHERE id IN (SELECT value FROM json_each(?))",
        ["[" + ",".join(str(h.id) for h in hits) + "]"],
    ).fetchall())
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    self_url = site + feed_path(watch.name)
    _add(feed, "id", self_url)
    _add(feed, "title", f"mfa-archive: {watch.name}")
    _add(feed, "subtitle", f"{watch.query} ({watch.describe()})")
    updated_slot = _add(feed, "updated")
    _add(feed, "link", rel="self", type="application/atom+xml", href=self_url)
    _add(feed, "link", rel="alternate", type="text/html", href=site + _search_path(watch))
    _add(feed, "generator", "mfa-archive", version=__version__)
    newest = [_entry(feed, hit, fetched.get(hit.id), site) for hit in hits]
    # Not "now": an unchanged feed stays byte-identical between polls and between writes.
    updated_slot.text = max(newest, key=parse_datetime) if newest else rfc3339(watch.created_at) or watch.created_at
    ET.indent(feed)
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True) + b"\n"
