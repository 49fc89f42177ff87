"""news.ru pages: article, live, listing; readable BEM class names, blocks in the seed page's order."""

from __future__ import annotations

from . import boilerplate as bp
from .model import Entry
from .pagekit import PageContext, body_html, esc, image_url, script_json

FEED_SIZE_ON_PAGE = 20


def render_article(entry: Entry, ctx: PageContext, charset: str = "utf-8") -> tuple[str, list[str]]:
    """Full article page and the boilerplate lines on it that must not reach an extracted body."""
    extras = entry.extras
    trending = list(extras.get("trending", bp.NEWSRU_TRENDING))
    feed = _feed_items(entry, ctx, extras)
    popular = list(extras.get("popular", bp.NEWSRU_POPULAR))
    cookie = extras.get("cookie", bp.NEWSRU_COOKIE)
    promo = extras.get("promo", bp.NEWSRU_PROMO)
    url = ctx.base + entry.path
    img = image_url(ctx.base, entry)
    body = _article_main(entry, url, img, promo)
    page = _page(entry, url, img, charset, trending, body, feed, popular, cookie, ctx)
    not_body = list(entry.not_body_extra) or [
        *trending,
        *([entry.image] if entry.image else []),
        promo,
        bp.NEWSRU_FEED_TITLE,
        *[title for _, title in feed[:3] if title != entry.title],
        bp.NEWSRU_POPULAR_TITLE,
        popular[0][0],
        cookie,
        *entry.update_notices(),
    ]
    return page, not_body


def render_listing(entry: Entry, ctx: PageContext, items: list[tuple[str, str]]) -> str:
    """A tag page listed like an article: a headline list, no article body."""
    return _list_page(entry.title, entry.lead, ctx.base + entry.path, [(p, t, "") for p, t in items])


def render_section(base: str, section: str | None, items: list[tuple[str, str, str]]) -> str:
    """A section page (or the home page when section is None): headlines with leads."""
    name = bp.NEWSRU_SECTIONS[section] if section else "Главные новости"
    url = f"{base}/{section}/" if section else f"{base}/"
    return _list_page(name, f"{name}: последние новости на NEWS.ru", url, items)


def _list_page(title: str, description: str, url: str, items: list[tuple[str, str, str]]) -> str:
    links = "\n".join(
        f'<li class="news-list__item"><a class="news-list__link" href="{esc(path)}">{esc(headline)}</a>'
        + (f'<p class="news-list__lead">{esc(lead)}</p>' if lead else "")
        + "</li>"
        for path, headline, lead in items
    )
    main = (
        f'<section class="list-page"><h1 class="list-page__title">{esc(title)}</h1>'
        f'<p class="list-page__description">{esc(description)}</p>'
        f'<ul class="news-list">\n{links}\n</ul>'
        f'<a class="news-list__more" href="?page=2">Показать еще</a></section>'
    )
    return _shell(title, description, url, "utf-8", bp.NEWSRU_TRENDING, main, "", "website")


def _feed_items(entry: Entry, ctx: PageContext, extras: dict) -> list[tuple[str, str]]:
    if "feed" in extras:
        return [("/news/", title) for title in extras["feed"]]
    own = [(p, t) for p, t in ctx.headlines if p != entry.path][: FEED_SIZE_ON_PAGE - 4]
    return own + [("/society/", t) for t in bp.NEWSRU_FEED_FILLERS[: FEED_SIZE_ON_PAGE - len(own)]]


def _article_main(entry: Entry, url: str, img: str | None, promo: str) -> str:
    figure = ""
    if img:
        figure = (
            f'<figure class="article__figure"><img class="article__image" src="{esc(img)}" '
            f'alt="{esc(entry.title)}" width="1200" height="675" loading="eager">'
            f'<figcaption class="article__credit">{esc(entry.image or "")}</figcaption></figure>'
        )
    live_class = " article--live" if entry.kind == "live" else ""
    live_badge = '<span class="article__live-badge">Онлайн</span>' if entry.kind == "live" else ""
    tags = "".join(
        f'<li class="tags__item"><a class="tags__link" href="/tag/{i}/">{esc(tag)}</a></li>'
        for i, tag in enumerate(entry.tags)
    )
    body = body_html(entry, "", ' class="article__subheading"', ' class="article__update"')
    date = "" if entry.undated else (
        f'<time class="article__date" datetime="{entry.published}" itemprop="datePublished">'
        f"{bp.russian_date(entry.published)}</time>"
    )
    return f"""<article class="article{live_class}" itemscope itemtype="https://schema.org/NewsArticle">
<div class="article__meta">{live_badge}{date}
<a class="article__section" href="/{entry.path.strip('/').split('/')[0]}/">{esc(entry.section)}</a></div>
<h1 class="article__title" itemprop="headline">{esc(entry.title)}</h1>
<div class="article__subtitle" itemprop="description">{esc(entry.lead)}</div>
{figure}
<div class="article__promo"><a class="promo-max" href="https://max.ru/newsru" target="_blank" rel="noopener">{esc(promo)}</a></div>
<div class="article__body" itemprop="articleBody">
{body}
</div>
<ul class="article__tags tags">{tags}</ul>
<div class="article__share share"><button class="share__button" data-network="vk">ВКонтакте</button><button class="share__button" data-network="ok">Одноклассники</button><button class="share__button" data-network="tg">Telegram</button></div>
</article>"""


def _page(entry, url, img, charset, trending, main, feed, popular, cookie, ctx) -> str:
    feed_html = "\n".join(
        f'<li class="newsfeed__item"><a class="newsfeed__link" href="{esc(path)}">{esc(title)}</a></li>'
        for path, title in feed
    )
    popular_html = "\n".join(
        f'<div class="popular__card"><a class="popular__image-link" href="/society/"><img src="/static/img/popular-{i}.jpg" alt="">'
        f'<span class="popular__overlay">{esc(title)}</span></a>'
        f'<span class="popular__category">{esc(category)}</span>'
        f'<a class="popular__link" href="/society/">{esc(title)}</a></div>'
        for i, (title, category) in enumerate(popular)
    )
    aside = f"""<aside class="layout__sidebar">
<section class="newsfeed"><div class="newsfeed__title">{bp.NEWSRU_FEED_TITLE}</div>
<ul class="newsfeed__list">
{feed_html}
</ul><a class="newsfeed__more" href="/news/">{bp.NEWSRU_FEED_MORE}</a></section>
</aside>
<section class="popular"><h2 class="popular__title">{bp.NEWSRU_POPULAR_TITLE}</h2>
{popular_html}
</section>
<div class="cookie-notice" role="dialog"><p class="cookie-notice__text">{esc(cookie)}</p><button class="cookie-notice__button" type="button">Ок</button></div>"""
    head_extra = _article_head(entry, url, img, ctx)
    return _shell(entry.title, entry.lead, url, charset, trending, main, aside, "article", head_extra, img)


def _article_head(entry: Entry, url: str, img: str | None, ctx: PageContext) -> str:
    jsonld = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": entry.title,
        "description": entry.lead,
        **({} if entry.undated else {"datePublished": entry.published, "dateModified": entry.modified or entry.published}),
        "mainEntityOfPage": url,
        "publisher": {"@type": "Organization", "name": "NEWS.ru", "logo": {"@type": "ImageObject", "url": ctx.base + "/static/img/logo.png"}},
        "keywords": ", ".join(entry.tags),
    }
    if img:
        jsonld["image"] = [img]
    dates = [] if entry.undated else [
        f'<meta property="article:published_time" content="{entry.published}">',
        f'<meta property="article:modified_time" content="{entry.modified or entry.published}">',
    ]
    metas = [
        *dates,
        f'<meta property="article:section" content="{esc(entry.section)}">',
        *[f'<meta property="article:tag" content="{esc(tag)}">' for tag in entry.tags],
        f'<script type="application/ld+json">{script_json(jsonld)}</script>',
    ]
    return "\n".join(metas)


def _shell(title, description, url, charset, trending, main, aside, og_type, head_extra="", img=None) -> str:
    nav = "".join(
        f'<li class="nav__item"><a class="nav__link" href="/{slug}/">{name}</a></li>'
        for slug, name in bp.NEWSRU_SECTIONS.items()
        if slug != "tag"
    )
    trends = "".join(f'<li class="trends__item"><a class="trends__link" href="/story/{i}/">{esc(t)}</a></li>' for i, t in enumerate(trending))
    og_image = f'\n<meta property="og:image" content="{esc(img)}">' if img else ""
    return f"""<!DOCTYPE html>
<html lang="ru">
<head>
<meta charset="{charset}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(title)} — NEWS.ru</title>
<meta name="description" content="{esc(description)}">
<meta property="og:type" content="{og_type}">
<meta property="og:site_name" content="NEWS.ru">
<meta property="og:title" content="{esc(title)}">
<meta property="og:description" content="{esc(description)}">
<meta property="og:url" content="{esc(url)}">{og_image}
<link rel="canonical" href="{esc(url)}">
<link rel="alternate" type="application/rss+xml" title="NEWS.ru" href="/rss/">
<link rel="stylesheet" href="/static/css/main.c41f7a2.css">
{head_extra}
</head>
<body class="page">
<header class="header">
<div class="header__top"><a class="header__logo" href="/" aria-label="NEWS.ru"><svg class="logo" width="120" height="24"></svg></a>
<nav class="header__nav"><ul class="nav">{nav}</ul></nav>
<a class="header__search" href="/search/">Поиск</a></div>
<div class="header__trends trends"><ul class="trends__list">{trends}</ul></div>
</header>
<main class="layout">
<div class="layout__content">
{main}
</div>
{aside}
</main>
<footer class="footer"><div class="footer__menu"><a href="/about/">О проекте</a><a href="/contacts/">Контакты</a><a href="/privacy/">Политика обработки персональных данных</a></div>
<p class="footer__copyright">{esc(bp.NEWSRU_FOOTER)}</p></footer>
<script src="/static/js/app.c41f7a2.js" defer></script>
</body>
</html>
"""
