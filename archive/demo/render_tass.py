"""TASS pages in the style of its Next.js build: CSS-module class names with hashes, optional
JSON-LD / __NEXT_DATA__ copies of the text, and the special kinds (script-rendered bodies,
video, gallery, listing, anti-bot stub)."""

from __future__ import annotations

from . import boilerplate as bp
from .boilerplate import css_class as c
from .model import Entry
from .pagekit import PageContext, body_html, esc, image_url, script_json

BUILD_ID = "kJ3v9QxT2mWc"
# Kinds whose visible body is empty because the real page would render it with JavaScript.
SCRIPT_BODY_KINDS = frozenset({"jsonld_only", "next_data_only", "rss_fulltext_only"})


def render(entry: Entry, ctx: PageContext) -> tuple[str, list[str]]:
    """The page for one TASS entry and the boilerplate lines on it (byline, caption, related)."""
    if entry.kind == "antibot":
        return _antibot(ctx.base + entry.path), []
    url = ctx.base + entry.path
    img = image_url(ctx.base, entry)
    related = [(p, t) for p, t in ctx.headlines if p != entry.path][:4]
    main = _main(entry, img, related)
    head = _head(entry, url, img)
    tail = ""
    if entry.structured == "next" or entry.kind == "next_data_only":
        tail = f'<script id="__NEXT_DATA__" type="application/json">{script_json(_next_data(entry, url))}</script>'
    not_body = list(entry.not_body_extra) or [
        *([bp.TASS_BYLINE] if entry.is_article else []),
        *([entry.image] if entry.image else []),
        *[title for _, title in related[:2]],
        *entry.update_notices(),
    ]
    return _document(entry.title, head, main, tail), not_body


def render_section(base: str, rubric: str | None, items: list[tuple[str, str, str]]) -> str:
    """A rubric page (or the home page when rubric is None): cards with headline, lead and link."""
    cards = "\n".join(
        f'<div class="{c("tass_pkg_card")}"><a class="{c("tass_pkg_link")}" href="{esc(path)}">'
        f'<span class="{c("ds_ext_card_title")}">{esc(title)}</span></a>'
        f'<span class="{c("ds_ext_card_lead")}">{esc(lead)}</span></div>'
        for path, title, lead in items
    )
    name = bp.TASS_RUBRICS[rubric] if rubric else "Главные новости"
    main = f'<main class="{c("Layout_main")}"><h1 class="{c("ds_ext_rubric_title")}">{esc(name)}</h1>\n{cards}\n</main>'
    head = f'<link rel="canonical" href="{base}/{rubric or ""}"/><meta property="og:title" content="{esc(name)}"/>'
    return _document(f"{name} — последние новости", head, main, "")


def render_listing(entry: Entry, ctx: PageContext, items: list[tuple[str, str, str]]) -> str:
    """A chronicle page at an article-like URL: a list of linked headlines, no text of its own."""
    page = render_section(ctx.base, None, items)
    return page.replace(">Главные новости</h1>", f">{esc(entry.title)}</h1>", 1).replace(
        "<title>Главные новости — последние новости - ТАСС</title>", f"<title>{esc(entry.title)} - ТАСС</title>", 1
    )


def _main(entry: Entry, img: str | None, related: list[tuple[str, str]]) -> str:
    rubric = entry.path.strip("/").split("/")[0]
    figure = ""
    if img and entry.kind != "gallery":
        figure = (
            f'<figure class="{c("tass_pkg_figure")}"><img class="{c("tass_pkg_image")}" src="{esc(img)}" alt="" '
            f'width="1200" height="800"/><figcaption class="{c("tass_pkg_caption")}">{esc(entry.image or "")}</figcaption></figure>'
        )
    related_html = "".join(
        f'<a class="{c("tass_pkg_link")}" href="{esc(p)}"><span class="{c("ds_ext_related_title")}">{esc(t)}</span></a>'
        for p, t in related
    )
    return f"""<main class="{c('Layout_main')}">
<article class="{c('Article_article')}">
<div class="{c('ds_ext_breadcrumbs')}"><a class="{c('tass_pkg_link')}" href="/{rubric}">{esc(entry.section)}</a></div>
<h1 class="{c('ds_ext_title')}">{esc(entry.title)}</h1>
<div class="{c('ds_ext_lead')}">{esc(entry.lead)}</div>
<div class="{c('ds_ext_meta')}"><time class="{c('ds_ext_date')}" dateTime="{entry.published}">{bp.russian_date(entry.published, year=False)}</time>
{_modified_badge(entry)}<span class="{c('ds_ext_byline')}">{bp.TASS_BYLINE}</span></div>
{figure}
{_body(entry, img)}
<div class="{c('ds_ext_tags')}">{''.join(f'<a class="{c("tass_pkg_tag")}" href="/tag/{i}">{esc(t)}</a>' for i, t in enumerate(entry.tags))}</div>
</article>
<section class="{c('RelatedNews_wrap')}"><h2 class="{c('RelatedNews_title')}">Читайте также</h2>{related_html}</section>
</main>"""


def _modified_badge(entry: Entry) -> str:
    if not entry.modified:
        return ""
    return f'<span class="{c("ds_ext_updated")}">обновлено <time dateTime="{entry.modified}">{entry.modified[11:16]}</time></span>'


def _body(entry: Entry, img: str | None) -> str:
    text_class = c("tass_pkg_text")
    if entry.kind in SCRIPT_BODY_KINDS:
        # The real page fills this container on hydration; without JavaScript it stays empty.
        return f'<div class="{text_class}" id="article-body" data-hydrate="article-text"></div>'
    if entry.kind == "video":
        return (
            f'<div class="{c("tass_pkg_player")}"><video controls preload="none" poster="{esc(img or "")}">'
            f'<source src="/media/video{esc(entry.path.replace("/", "-"))}.mp4" type="video/mp4"/></video></div>'
            f'<div class="{text_class}">{body_html(entry, "", "", "")}</div>'
        )
    if entry.kind == "gallery":
        figures = "\n".join(
            f'<figure class="{c("tass_pkg_gallery_item")}"><img src="{esc(img or "")}?n={i}" alt=""/>'
            f'<figcaption class="{c("tass_pkg_caption")}">{esc(caption)}</figcaption></figure>'
            for i, caption in enumerate(entry.blocks)
        )
        return f'<div class="{c("tass_pkg_gallery")}">{figures}</div>'
    paragraph = f' class="{c("tass_pkg_paragraph")}"'
    heading = f' class="{c("tass_pkg_subtitle")}"'
    notice = f' class="{c("tass_pkg_update")}"'
    return f'<div class="{text_class}">\n{body_html(entry, paragraph, heading, notice)}\n</div>'


def _head(entry: Entry, url: str, img: str | None) -> str:
    metas = [
        f'<meta name="description" content="{esc(entry.lead)}"/>',
        '<meta property="og:type" content="article"/>',
        '<meta property="og:site_name" content="ТАСС"/>',
        f'<meta property="og:title" content="{esc(entry.title)}"/>',
        f'<meta property="og:description" content="{esc(entry.lead)}"/>',
        f'<meta property="og:url" content="{esc(url)}"/>',
        f'<meta property="article:published_time" content="{entry.published}"/>',
        f'<link rel="canonical" href="{esc(url)}"/>',
    ]
    if img:
        metas.append(f'<meta property="og:image" content="{esc(img)}"/>')
    if entry.modified:
        metas.append(f'<meta property="article:modified_time" content="{entry.modified}"/>')
    if entry.structured == "jsonld" or entry.kind == "jsonld_only":
        metas.append(f'<script type="application/ld+json">{script_json(_jsonld(entry, url, img))}</script>')
    return "\n".join(metas)


def _jsonld(entry: Entry, url: str, img: str | None) -> dict:
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": entry.title,
        "description": entry.lead,
        "datePublished": entry.published,
        "dateModified": entry.modified or entry.published,
        "mainEntityOfPage": {"@type": "WebPage", "@id": url},
        "author": {"@type": "Organization", "name": "ТАСС"},
        "publisher": {"@type": "Organization", "name": "ТАСС"},
        "articleSection": entry.section,
        "articleBody": "\n".join(entry.body_paragraphs()),
    }
    if img:
        data["image"] = {"@type": "ImageObject", "url": img, "caption": entry.image}
    return data


def _next_data(entry: Entry, url: str) -> dict:
    blocks = []
    for block in entry.blocks:
        if block.startswith("#"):
            blocks.append({"type": "subtitle", "level": block.count("#", 0, 3), "text": block.lstrip("#").strip()})
        elif not block.startswith("@"):
            blocks.append({"type": "paragraph", "html": esc(block.removeprefix("> ").removeprefix("- "))})
    return {
        "props": {
            "pageProps": {
                "article": {
                    "id": int(entry.path.rsplit("/", 1)[-1]),
                    "url": url,
                    "title": entry.title,
                    "lead": entry.lead,
                    "published_dt": entry.published,
                    "updated_dt": entry.modified or entry.published,
                    "rubric": {"slug": entry.path.strip("/").split("/")[0], "title": entry.section},
                    "tags": [{"title": t} for t in entry.tags],
                    "content": {"blocks": blocks},
                }
            },
            "__N_SSP": True,
        },
        "page": "/[rubric]/[id]",
        "query": {"rubric": entry.path.strip("/").split("/")[0], "id": entry.path.rsplit("/", 1)[-1]},
        "buildId": BUILD_ID,
    }


def _document(title: str, head: str, main: str, tail: str) -> str:
    nav = "".join(
        f'<a class="{c("tass_pkg_link")}" href="/{slug}">{name}</a>'
        for slug, name in bp.TASS_RUBRICS.items()
        if slug != "video"
    )
    return f"""<!DOCTYPE html><html lang="ru"><head><meta charSet="utf-8"/><meta name="viewport" content="width=device-width"/>
<title>{esc(title)} - ТАСС</title>
{head}
<link rel="preload" href="/_next/static/css/3b1f0c2e8a.css" as="style"/><link rel="stylesheet" href="/_next/static/css/3b1f0c2e8a.css" data-n-g=""/>
</head><body><div id="__next">
<header class="{c('Header_header')}"><a class="{c('Header_logo')}" href="/" aria-label="ТАСС"></a>
<nav class="{c('tass_pkg_nav')}">{nav}</nav><a class="{c('Header_search')}" href="/search">Поиск</a></header>
{main}
<footer class="{c('Footer_footer')}"><p class="{c('ds_ext_footer_text')}">{esc(bp.TASS_FOOTER)}</p></footer>
</div>
{tail}
<script src="/_next/static/chunks/webpack-4e1a9b.js" defer=""></script><script src="/_next/static/chunks/main-8c2d7f.js" defer=""></script>
</body></html>
"""


def _antibot(url: str) -> str:
    """The small page some datacenter clients get instead of content."""
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>Проверка браузера</title>
<meta name="robots" content="noindex, nofollow"></head>
<body><noscript>Для продолжения включите JavaScript в вашем браузере.</noscript>
<div id="challenge">Пожалуйста, подождите. Выполняется проверка вашего браузера...</div>
<script>(function(){{var t=Date.now().toString(36);document.cookie="__ddg_check="+t+"; path=/";setTimeout(function(){{location.replace("{esc(url)}")}},1500)}})();</script>
</body></html>
"""
