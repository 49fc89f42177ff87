"""Everything one mirrored site serves in one state, rendered up front into a path -> resource map.

Rendering eagerly keeps request handling trivial and gives feeds and sitemaps stable ETags;
a state switch builds a new snapshot and swaps it in whole.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable

from . import boilerplate as bp
from . import feeds
from . import render_midru, render_newsru, render_tass
from .model import Entry, MirrorArticle, image_credit_of
from .pagekit import PageContext, image_url

# Per site: the two sitemap children of the curated content (newest first), then the pattern
# and first number of the extra children that list generated pages.
SITEMAP_LAYOUT = {
    "tass": (("/sitemap/sitemap_news0.xml", "/sitemap/sitemap_news1.xml"), "/sitemap/sitemap_news{}.xml", 2),
    "newsru": (("/sitemaps/news-1.xml", "/sitemaps/news-2.xml"), "/sitemaps/news-{}.xml", 3),
}
GENERATED_PER_SITEMAP = 1000
ROBOTS_DISALLOWED_PREFIXES = {"tass": ("/video/",), "newsru": (), "midru": ()}
PLACEHOLDER_JPEG = bytes.fromhex("ffd8ffe000104a46494600010100000100010000ffd9")


@dataclass(frozen=True)
class Resource:
    """One response body with the headers the handler needs."""

    body: bytes
    content_type: str
    kind: str  # access-log kind: robots, feed, sitemap, section, article, other
    last_modified: datetime | None = None

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha1(self.body).hexdigest()[:20] + '"'


@dataclass
class SiteSnapshot:
    site: str
    base: str
    articles: dict[str, MirrorArticle]  # by path, curated + seeds + generated
    resources: dict[str, Resource]
    generated_paths: frozenset[str]
    # Hostile cases that answer with more than a static body (a timeout, a reset, 429 then 200):
    # path -> handler(request_handler) -> the status it sent (0 when it sent none).
    behaviours: dict[str, Callable] = field(default_factory=dict)

    def lookup(self, path: str) -> Resource | None:
        """The resource for a request path; a query string is ignored, as the real sites do,
        unless the path with its query is a page of its own (mid.ru's ?PAGEN_1=N list pages)."""
        bare = path.split("#", 1)[0]
        found = self.resources.get(bare) if "?" in bare else None
        bare = bare.split("?", 1)[0]
        found = found or self.resources.get(bare)
        if found is None and bare.startswith("/media/"):
            return Resource(PLACEHOLDER_JPEG, "image/jpeg", "other")
        return found


def build_site(site: str, base: str, entries: list[Entry], generated: list[Entry]) -> SiteSnapshot:
    """Render all pages, feeds, sitemaps, section pages and robots.txt of one site."""
    curated = sorted(entries, key=lambda e: e.published, reverse=True)
    headlines = tuple((e.path, e.title) for e in curated if e.is_article)[:24]
    ctx = PageContext(base=base, headlines=headlines)
    resources: dict[str, Resource] = {}
    articles: dict[str, MirrorArticle] = {}
    for entry in [*curated, *generated]:
        resource, article = _render_entry(site, entry, ctx, curated)
        resources[entry.path] = resource
        articles[entry.path] = article
    curated_articles = [articles[e.path] for e in curated]
    generated_articles = [articles[e.path] for e in generated]
    resources["/robots.txt"] = Resource(feeds.robots_txt(site, base).encode(), "text/plain; charset=utf-8", "robots")
    pinned = frozenset(e.path for e in curated if e.pinned)
    if site == "midru":  # no sitemap is known: the feeds and the list pages are all there is
        _feeds_midru(resources, base, curated_articles)
        _lists_midru(resources, base, curated)
        return SiteSnapshot(site, base, articles, resources, frozenset(e.path for e in generated))
    (_feeds_tass if site == "tass" else _feeds_newsru)(resources, base, curated_articles, pinned)
    _sitemaps(resources, base, site, curated_articles, generated_articles)
    _sections(resources, site, base, curated_articles)
    return SiteSnapshot(site, base, articles, resources, frozenset(e.path for e in generated))


def _render_entry(site: str, entry: Entry, ctx: PageContext, curated: list[Entry]) -> tuple[Resource, MirrorArticle]:
    charset, content_type = "utf-8", "text/html; charset=utf-8"
    if site == "tass" and entry.kind == "listing":
        items = [(e.path, e.title, e.lead) for e in curated if e.mfa and e.is_article][:30]
        html, not_body = render_tass.render_listing(entry, ctx, items), []
    elif site == "tass":
        html, not_body = render_tass.render(entry, ctx)
    elif site == "midru":
        html, not_body = render_midru.render_article(entry, ctx)
    elif entry.kind == "listing":
        items = [(e.path, e.title) for e in curated if e.mfa and e.is_article][:30]
        html, not_body = render_newsru.render_listing(entry, ctx, items), []
    else:
        if entry.kind == "cp1251":
            charset, content_type = "windows-1251", "text/html; charset=windows-1251"
        html, not_body = render_newsru.render_article(entry, ctx, charset)
    # wrong_charset: the bytes are windows-1251 while both the header and <meta> claim utf-8.
    encoding = "cp1251" if entry.kind in ("cp1251", "wrong_charset") else "utf-8"
    body = html.encode(encoding, errors="xmlcharrefreplace")
    article = MirrorArticle(
        site=site,
        path=entry.path,
        url=ctx.base + entry.path,
        kind=entry.kind,
        title=entry.title,
        lead=entry.lead,
        body_paragraphs=entry.body_paragraphs() if entry.is_article else [],
        published=entry.published,
        modified=entry.modified,
        tags=list(entry.tags) if site != "midru" else [],  # mid.ru shows tags on its list pages only
        section=entry.section,
        authors=list(entry.authors),
        image_url=image_url(ctx.base, entry),
        image_caption=entry.image if site == "tass" else None,
        image_credit=image_credit_of(site, entry.image),
        event=entry.event,
        reprint_of=entry.reprint_of,
        mfa=entry.mfa,
        not_body=not_body,
        is_article=entry.is_article,
        subheadings=entry.subheadings(),
        lastmod=entry.modified or entry.published,
        undated=entry.undated,
        doc_type=entry.doc_type if entry.is_article else None,
    )
    return Resource(body, content_type, "article"), article


def _xml(text: str, kind: str, items: list[MirrorArticle]) -> Resource:
    stamp = max((a.lastmod for a in items), default="2026-01-01T00:00:00+03:00")
    return Resource(text.encode(), "application/xml; charset=utf-8", kind, datetime.fromisoformat(stamp))


def _sitemaps(
    resources: dict[str, Resource], base: str, site: str,
    curated: list[MirrorArticle], generated: list[MirrorArticle],
) -> None:
    """Curated pages newest first over the two main children, generated pages in further ones."""
    names, pattern, first_number = SITEMAP_LAYOUT[site]
    by_lastmod = sorted(curated, key=lambda a: a.lastmod, reverse=True)
    half = (len(by_lastmod) + 1) // 2
    chunks = [(names[0], by_lastmod[:half], 7), (names[1], by_lastmod[half:], 0)]
    for number, start in enumerate(range(0, len(generated), GENERATED_PER_SITEMAP), start=first_number):
        chunks.append((pattern.format(number), generated[start : start + GENERATED_PER_SITEMAP], 0))
    children = []
    for path, items, tracked_every in chunks:
        resources[path] = _xml(feeds.urlset(items, tracked_every), "sitemap", items)
        children.append((base + path, max(a.lastmod for a in items)))
    resources["/sitemap.xml"] = _xml(feeds.sitemap_index(children), "sitemap", curated + generated)


def _feeds_tass(resources: dict[str, Resource], base: str, curated: list[MirrorArticle], pinned: frozenset[str]) -> None:
    listed = feeds.newest([a for a in curated if not _disallowed("tass", a.path)], pinned)
    resources["/rss/v2.xml"] = _xml(feeds.tass_rss(base, listed), "feed", listed)
    resources["/rss/yandex.xml"] = _xml(feeds.tass_yandex_rss(base, listed), "feed", listed)


def _feeds_newsru(resources: dict[str, Resource], base: str, curated: list[MirrorArticle], pinned: frozenset[str]) -> None:
    listed = feeds.newest(curated, pinned)
    for path in ("/rss/", "/rss/index.xml"):
        resources[path] = _xml(feeds.newsru_rss(base, "NEWS.ru", listed), "feed", listed)
    for path, sections in bp.NEWSRU_CATEGORY_FEEDS.items():
        items = feeds.newest([a for a in curated if a.path.strip("/").split("/")[0] in sections], pinned)
        resources[path] = _xml(feeds.newsru_rss(base, "NEWS.ru", items), "feed", items)


def _feeds_midru(resources: dict[str, Resource], base: str, curated: list[MirrorArticle]) -> None:
    listed = feeds.newest(curated)
    resources["/ru/rss.php"] = _xml(feeds.midru_rss(base, listed), "feed", listed)
    resources["/ru/rss"] = _xml(feeds.midru_atom(base, listed), "feed", listed)


def _lists_midru(resources: dict[str, Resource], base: str, curated: list[Entry]) -> None:
    """Each section's list, newest first, bp.MIDRU_LIST_PAGE_SIZE a page: page 1 at the
    section's path, the others at ?PAGEN_1=N (which robots.txt disallows)."""
    size = bp.MIDRU_LIST_PAGE_SIZE
    for section in bp.MIDRU_SECTIONS:
        items = [e for e in curated if (section == bp.MIDRU_ALL_NEWS or e.path.startswith(section)) and e.kind != "antibot"]
        pages = max(1, (len(items) + size - 1) // size)
        for page in range(1, pages + 1):
            html = render_midru.render_list(section, items[(page - 1) * size : page * size], page, pages, base)
            path = section if page == 1 else f"{section}?PAGEN_1={page}"
            resources[path] = Resource(html.encode(), "text/html; charset=UTF-8", "section")


def _sections(resources: dict[str, Resource], site: str, base: str, curated: list[MirrorArticle]) -> None:
    """Rubric pages and the home page: links to the site's articles, newest first."""
    listed = [a for a in curated if a.is_article or a.kind == "video"]
    renderer = render_tass if site == "tass" else render_newsru
    slugs = bp.TASS_SECTION_PAGES if site == "tass" else bp.NEWSRU_SECTION_PAGES
    for slug in slugs:
        items = [(a.path, a.title, a.lead) for a in listed if a.path.startswith(f"/{slug}/")]
        page = renderer.render_section(base, slug, items)
        resources[f"/{slug}" if site == "tass" else f"/{slug}/"] = Resource(page.encode(), "text/html; charset=utf-8", "section")
    home = renderer.render_section(base, None, [(a.path, a.title, a.lead) for a in listed[:40]])
    resources["/"] = Resource(home.encode(), "text/html; charset=utf-8", "section")


def _disallowed(site: str, path: str) -> bool:
    return path.startswith(ROBOTS_DISALLOWED_PREFIXES[site])
