"""mid.ru pages in the style of its 1C-Bitrix templates (sites.md): `div.page-body >
div.photo-content` with the title, the date line "DD.MM.YYYY HH:MM", the document number and
`div.text.article-content`; list pages of `li.announce__item` entries with ?PAGEN_1=N pages;
briefings with a table of contents of #N anchors, topic subheadings ending in "Назад к
оглавлению", and question-and-answer turns with bold speaker labels; the JavaScript anti-bot
interstitial ("Data processing... Please, wait.") that F5 serves instead of content."""

from __future__ import annotations

import re

from . import boilerplate as bp
from .model import Entry
from .pagekit import PageContext, esc

# A turn's label as the transcripts print it in bold: "Вопрос:", "Вопрос (ТАСС):", "Ответ:",
# "М.В.Захарова:", "Х.Фидан (говорит по-турецки, перевод с турецкого):".
TURN_LABEL = re.compile(r"^((?:Вопрос|Ответ|(?:[А-ЯЁ]\.){1,2}\s?[А-ЯЁ][а-яё]+(?:-[А-ЯЁ][а-яё]+)?)(?:\s\([^)]{1,80}\))?:)\s")
RELATED_ON_PAGE = 4


def date_line(iso: str) -> str:
    """'2026-04-09T15:40:00+03:00' -> '09.04.2026 15:40'."""
    return f"{iso[8:10]}.{iso[5:7]}.{iso[:4]} {iso[11:16]}"


def section_of(path: str) -> str:
    """The list section a document path belongs to."""
    return next(s for s in bp.MIDRU_SECTIONS if path.startswith(s))


def render_article(entry: Entry, ctx: PageContext) -> tuple[str, list[str]]:
    """A document page and the boilerplate lines on it that must not reach an extracted body."""
    if entry.kind == "antibot":
        return challenge_page(ctx.base + entry.path), []
    url = ctx.base + entry.path
    related = [(p, t) for p, t in ctx.headlines if p != entry.path][:RELATED_ON_PAGE]
    toc = _toc(entry)
    body = "\n".join(_block(block, number) for number, block in _numbered(entry.blocks))
    number_line = f'<p class="article-line__note">{esc(entry.doc_number)}</p>' if entry.doc_number else ""
    main = f"""<div class="page-body">
{_breadcrumbs(entry.path)}
<div class="photo-content">
<h1 class="photo-content__title">{esc(entry.title)}</h1>
<div class="photo-content__date">{date_line(entry.published)}</div>
{number_line}
<div class="text article-content">
{toc}{body}
</div>
<div class="print-share"><a class="print-share__print" href="{esc(entry.path)}?print=Y" rel="nofollow">{bp.MIDRU_PRINT}</a>
<span class="print-share__title">{bp.MIDRU_SHARE}</span><a class="print-share__link" href="https://vk.com/share.php?url={esc(url)}">ВКонтакте</a><a class="print-share__link" href="https://t.me/share/url?url={esc(url)}">Telegram</a></div>
</div>
{_aside(related)}
</div>"""
    not_body = [
        *bp.MIDRU_MENU[:3], bp.MIDRU_VISION, bp.MIDRU_PRINT, bp.MIDRU_NEWS_TITLE, *[t for _, t in related[:2]],
        bp.MIDRU_FOOTER[0], bp.MIDRU_FOOTER[1], *([entry.doc_number] if entry.doc_number else []),
        *([bp.MIDRU_TOC_TITLE, bp.MIDRU_BACK_TO_TOC] if toc else []),
    ]
    return _document(entry.title, entry.lead, url, main), not_body


def render_list(section: str, items: list[Entry], page: int, pages: int, base: str) -> str:
    """Page `page` of a section's list: `ul.announce` entries, newest first, and the pager."""
    trail, title = bp.MIDRU_SECTIONS[section]
    entries = "\n".join(
        f'<li class="announce__item"><div class="announce__meta"><span class="announce__date">{e.published[8:10]}.{e.published[5:7]}.{e.published[:4]}</span>'
        f'<span class="announce__time">{e.published[11:16]}</span></div>'
        f'<a class="announce__link" href="{esc(e.path)}">{esc(e.title)}</a>'
        + (f'<div class="announce__meta-tags">{esc(", ".join(e.tags))}</div>' if e.tags else "")
        + "</li>"
        for e in items
    )
    pager = "".join(
        f'<a class="pagination__link" href="{esc(section)}?PAGEN_1={n}">{n}</a>' if n != page
        else f'<span class="pagination__current">{n}</span>'
        for n in range(1, pages + 1)
    )
    main = f"""<div class="page-body">
{_trail(trail)}
<h1 class="page-title">{esc(title)}</h1>
<ul class="announce">
{entries}
</ul>
<div class="pagination">{pager}</div>
</div>"""
    return _document(title, "", base + section, main)


def challenge_page(url: str) -> str:
    """The interstitial an F5 challenge serves instead of any page or feed, with status 200."""
    return f"""<!DOCTYPE html>
<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8"><title></title>
<script type="text/javascript">window["bobcmn"] = "1111101010101020000000220000000520000000021f2e8e8a200000096300000000300000000300000006/TSPD/300000008TSPD_101";
window.aht=!!window.aht;try{{(function(){{try{{var _,__,___=window;}}catch(e){{}}}})()}}catch(e){{}};</script>
<script type="text/javascript" src="/TSPD/08d3a5e2f0ab2000b1f7a9c0c2e6d5e4?type=7"></script>
<noscript>Please enable JavaScript to view the page content.</noscript>
</head><body>
<p>Data processing... Please, wait.</p>
<script>setTimeout(function(){{location.replace("{esc(url)}")}}, 3000);</script>
</body></html>
"""


def _numbered(blocks: tuple[str, ...]):
    """Blocks with the anchor number of each topic subheading (None for other blocks)."""
    number = 0
    for block in blocks:
        if block.startswith("### ") and not block.startswith("### Из ответов"):
            number += 1
            yield number, block
        else:
            yield None, block


def _toc(entry: Entry) -> str:
    """A briefing's table of contents: '#N' links to its topic subheadings."""
    if entry.doc_type != "briefing":
        return ""
    items = "".join(f'<li><a href="#{n}">{esc(b[4:])}</a></li>' for n, b in _numbered(entry.blocks) if n)
    return f'<h2>{bp.MIDRU_TOC_TITLE}</h2>\n<ul class="toc">{items}</ul>\n'


def _block(block: str, number: int | None) -> str:
    if block.startswith("### "):
        anchor = f'<a name="{number}"></a>' if number else ""
        heading = f"<h3>{anchor}{esc(block[4:])}</h3>"
        return heading
    if block == "@back":
        return f'<p><a href="#top">{bp.MIDRU_BACK_TO_TOC}</a></p>'
    label = TURN_LABEL.match(block)
    if label:
        return f"<p><b>{esc(label.group(1))}</b> {esc(block[label.end():])}</p>"
    return f"<p>{esc(block)}</p>"


def _breadcrumbs(path: str) -> str:
    trail, _ = bp.MIDRU_SECTIONS[section_of(path)]
    return _trail(trail)


def _trail(trail: tuple[str, ...]) -> str:
    links = "".join(f'<li class="breadcrumbs__item"><a href="/ru/">{esc(name)}</a></li>' for name in ("Главная", *trail))
    return f'<ul class="breadcrumbs">{links}</ul>'


def _aside(related: list[tuple[str, str]]) -> str:
    items = "".join(f'<li class="side-news__item"><a href="{esc(p)}">{esc(t)}</a></li>' for p, t in related)
    return (f'<div class="side-news"><div class="side-news__title">{bp.MIDRU_NEWS_TITLE}</div>'
            f'<ul class="side-news__list">{items}</ul></div>')


def _document(title: str, description: str, url: str, main: str) -> str:
    menu = "".join(f'<li class="main-menu__item"><a href="/ru/">{esc(m)}</a></li>' for m in bp.MIDRU_MENU)
    languages = "".join(f'<a class="lang__link" href="/{code}/">{esc(name)}</a>'
                        for code, name in zip(("en", "de", "fr", "es", "pt"), bp.MIDRU_LANGUAGES))
    footer = "".join(f"<p>{esc(line)}</p>" for line in bp.MIDRU_FOOTER)
    meta_description = f'<meta name="description" content="{esc(description)}">\n' if description else ""
    return f"""<!DOCTYPE html>
<html lang="ru">
<head>
<meta http-equiv="Content-Type" content="text/html; charset=UTF-8">
<title>{esc(title)} - {bp.MIDRU_SITE_NAME}</title>
{meta_description}<meta property="og:title" content="{esc(title)}">
<meta property="og:url" content="{esc(url)}">
<meta property="og:image" content="/local/templates/mid/images/og-logo.png">
<link href="/bitrix/cache/css/s1/mid/template_4f0e2c1a9b/template_4f0e2c1a9b.css?1712345678" type="text/css" rel="stylesheet">
<script type="text/javascript">if(!window.BX)window.BX={{}};if(!window.BX.message)window.BX.message=function(mess){{if(typeof mess==='object'){{for(let i in mess) {{BX.message[i]=mess[i];}} return true;}}}};</script>
<script type="text/javascript">(window.BX||top.BX).message({{'LANGUAGE_ID':'ru','FORMAT_DATE':'DD.MM.YYYY','SITE_ID':'s1'}});</script>
<script type="text/javascript" src="/bitrix/js/main/core/core.min.js?1712345678"></script>
</head>
<body>
<div id="panel"></div>
<a name="top"></a>
<header class="header">
<div class="header__top"><a class="header__logo" href="/ru/"><span class="header__logo-text">{bp.MIDRU_SITE_NAME}</span></a>
<div class="lang">{languages}</div>
<a class="header__vision" href="?special_version=Y">{bp.MIDRU_VISION}</a>
<form class="header__search" action="/ru/search/" method="get"><input type="text" name="q" placeholder="Поиск по сайту"></form></div>
<nav class="main-menu"><ul class="main-menu__list">{menu}</ul></nav>
</header>
<main class="main">
{main}
</main>
<footer class="footer">{footer}</footer>
</body>
</html>
"""
