"""robots.txt, RSS feeds and sitemaps of both mirrored sites, with the mirror's own base URL."""

from __future__ import annotations

from datetime import datetime
from email.utils import format_datetime
from xml.sax.saxutils import escape

from . import boilerplate as bp
from .model import MirrorArticle

FEED_SIZE = 25  # items per RSS feed: the newest entries only, so older ones are found via sitemaps


def robots_txt(site: str, base: str) -> str:
    """The robots rules of the real site (sites.md), pointing at the mirror's sitemap."""
    if site == "tass":
        return (
            "User-agent: *\nDisallow: /search\nDisallow: /preview/\nDisallow: /n/\n"
            "Disallow: /api\nDisallow: /video/\n\n"
            "User-agent: Yandex\nDisallow: /search\nDisallow: /preview/\n"
            "Clean-param: utm_&erid&yclid&gclid&_gl&ref\n\n"
            f"Sitemap: {base}/sitemap.xml\n"
        )
    if site == "midru":  # no Sitemap: line; list pages beyond the first are disallowed (sites.md)
        return "User-agent: *\nDisallow: /bitrix/\nDisallow: /upload/\nDisallow: /*?PAGEN\nDisallow: /ru/search/\nDisallow: /*print=Y\n"
    return f"User-agent: *\nDisallow: /*?\nDisallow: /search/\n\nSitemap: {base}/sitemap.xml\n"


def rfc822(iso: str) -> str:
    """'2026-04-14T10:12:00+03:00' -> 'Tue, 14 Apr 2026 10:12:00 +0300'."""
    return format_datetime(datetime.fromisoformat(iso))


def tracked_link(article: MirrorArticle, position: int) -> str:
    """Some feed links carry tracking parameters, as on the real feeds (every fifth item)."""
    if position % 5 != 2:
        return article.url
    if article.site == "tass":
        return article.url + "?utm_source=yandex.ru&utm_medium=rss&utm_campaign=news"
    return article.url + "?utm_source=rss&utm_medium=rss"


def newest(articles: list[MirrorArticle], pinned: frozenset[str] = frozenset()) -> list[MirrorArticle]:
    """The feed's items: the FEED_SIZE newest, plus pinned paths whatever their age, newest first."""
    ordered = sorted(articles, key=lambda a: a.published, reverse=True)
    return ordered[:FEED_SIZE] + [a for a in ordered[FEED_SIZE:] if a.path in pinned]


def tass_rss(base: str, articles: list[MirrorArticle]) -> str:
    """/rss/v2.xml: title, link, guid, pubDate, description (the lead), several categories."""
    items = []
    for position, article in enumerate(articles):
        rubric = article.path.strip("/").split("/")[0]
        categories = [*bp.TASS_FEED_CATEGORIES.get(rubric, []), *article.tags[:1]]
        items.append(
            "<item>"
            f"<title>{escape(article.title)}</title>"
            f"<link>{escape(tracked_link(article, position))}</link>"
            f'<guid isPermaLink="true">{escape(article.url)}</guid>'
            f"<pubDate>{rfc822(article.published)}</pubDate>"
            f"<description>{escape(article.lead)}</description>"
            + "".join(f"<category>{escape(cat)}</category>" for cat in categories)
            + (f'<enclosure url="{escape(article.image_url)}" type="image/jpeg" length="0"/>' if article.image_url else "")
            + "</item>"
        )
    return _channel("ТАСС", base, "Новости ТАСС", items, "")


def tass_yandex_rss(base: str, articles: list[MirrorArticle]) -> str:
    """/rss/yandex.xml: as v2.xml, plus the whole text in <yandex:full-text>."""
    items = []
    for article in articles:
        if not article.is_article:
            continue
        items.append(
            "<item>"
            f"<title>{escape(article.title)}</title>"
            f"<link>{escape(article.url)}</link>"
            f"<pdalink>{escape(article.url)}</pdalink>"
            f"<pubDate>{rfc822(article.published)}</pubDate>"
            f"<description>{escape(article.lead)}</description>"
            f"<category>{escape(article.section)}</category>"
            f"<yandex:full-text>{escape(chr(10).join(article.body_paragraphs))}</yandex:full-text>"
            "</item>"
        )
    return _channel("ТАСС", base, "Новости ТАСС для Яндекса", items, ' xmlns:yandex="http://news.yandex.ru"')


def newsru_rss(base: str, title: str, articles: list[MirrorArticle]) -> str:
    """news.ru feeds: title, link, description, enclosure@url, category, pubDate."""
    items = []
    for position, article in enumerate(articles):
        enclosure = f'<enclosure url="{escape(article.image_url)}" type="image/jpeg" length="0"/>' if article.image_url else ""
        items.append(
            "<item>"
            f"<title>{escape(article.title)}</title>"
            f"<link>{escape(tracked_link(article, position))}</link>"
            f"<description>{escape(article.lead)}</description>"
            + ("" if article.undated else f"<pubDate>{rfc822(article.published)}</pubDate>")
            + f"{enclosure}<category>{escape(article.section)}</category>"
            "</item>"
        )
    return _channel(title, base, "Новости NEWS.ru", items, "")


# The feed links of mid.ru are seen with http://, with and without www. and without the
# trailing slash of the page's own address: one page, several spellings.
MIDRU_FEED_HOST = "http://www.mid.ru"


def midru_rss(base: str, articles: list[MirrorArticle]) -> str:
    """/ru/rss.php: title (long ones broken over lines, as seen), link, description, pubDate."""
    items = []
    for position, article in enumerate(articles):
        link = (MIDRU_FEED_HOST if position % 2 == 0 else base) + article.path.rstrip("/")
        title = article.title if len(article.title) < 120 else article.title.replace(", ", ",\n", 1)
        items.append(
            "<item>"
            f"<title>{escape(title)}</title>"
            f"<link>{escape(link)}</link>"
            f"<description>{escape(article.lead)}</description>"
            f"<pubDate>{rfc822(article.published)}</pubDate>"
            "</item>"
        )
    return _channel("МИД России", base, "Новости МИД России", items, "")


def midru_atom(base: str, articles: list[MirrorArticle]) -> str:
    """/ru/rss: the same items as Atom entries; `updated` moves when a document is extended."""
    entries = "\n".join(
        "<entry>"
        f"<title>{escape(article.title)}</title>"
        f'<link href="{escape(base + article.path)}"/>'
        f"<id>{escape(base + article.path)}</id>"
        f"<published>{article.published}</published>"
        f"<updated>{article.lastmod}</updated>"
        f"<summary>{escape(article.lead)}</summary>"
        "</entry>"
        for article in articles
    )
    stamp = max((a.lastmod for a in articles), default="2026-01-01T00:00:00+03:00")
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>МИД России</title><link href=\"{escape(base)}/ru/\"/><id>{escape(base)}/ru/rss</id>"
        f"<updated>{stamp}</updated>\n{entries}\n</feed>\n"
    )


def _channel(title: str, base: str, description: str, items: list[str], namespaces: str) -> str:
    body = "\n".join(items)
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"{namespaces}><channel>'
        f"<title>{escape(title)}</title><link>{escape(base)}/</link><description>{escape(description)}</description>"
        f"<language>ru</language>\n{body}\n</channel></rss>\n"
    )


def sitemap_index(children: list[tuple[str, str]]) -> str:
    """A sitemap index of (absolute URL, lastmod) children."""
    rows = "\n".join(f"<sitemap><loc>{escape(loc)}</loc><lastmod>{lastmod}</lastmod></sitemap>" for loc, lastmod in children)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{rows}\n</sitemapindex>\n'
    )


def urlset(articles: list[MirrorArticle], tracked_every: int = 0) -> str:
    """A sitemap of articles (loc + lastmod); optionally one in `tracked_every` carries an `erid`."""
    rows = []
    for position, article in enumerate(articles):
        loc = article.url
        if tracked_every and position % tracked_every == tracked_every - 1:
            loc += "?erid=2SDnjdQvW3K"
        rows.append(f"<url><loc>{escape(loc)}</loc><lastmod>{article.lastmod}</lastmod></url>")
    body = "\n".join(rows)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{body}\n</urlset>\n'
    )
