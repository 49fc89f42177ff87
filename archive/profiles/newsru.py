"""news.ru: a promo line and a photo credit inside `<article>`, then tags and a news feed.

What the seed page shows (../shared/seeds/newsru-page.txt): date "15 февраля 2026 в 15:38",
headline, lead, "Фото: Имя/NEWS.ru", "Подписывайтесь на нас в MAX", body, the tag list,
"ЛЕНТА НОВОСТЕЙ" with other headlines, "Самое популярное", the cookie notice.
"""

from __future__ import annotations

import re

from archive.profiles import COMMON_DROP_LINES, COMMON_NOT_ARTICLE_PATHS, COMMON_STOP_LINES, Profile, parse_russian_date

PROFILE = Profile(
    name="newsru",
    hosts=("news.ru",),
    drop_lines=COMMON_DROP_LINES
    + (
        re.compile(r"^Подписывайтесь на нас в .{1,40}$"),
        re.compile(r"^Используя сайт news\.ru\b", re.I),
        re.compile(r"^\d{1,2} [а-я]+ \d{4} в \d{1,2}:\d{2}$"),  # the visible date line
        re.compile(r"^Дальше$"),
    ),
    caption_lines=(re.compile(r"^Фото:\s*\S.{0,120}$"),),
    stop_lines=COMMON_STOP_LINES + (re.compile(r"^ЛЕНТА НОВОСТЕЙ$", re.I),),
    not_article_paths=COMMON_NOT_ARTICLE_PATHS,
    # The tag list: links to /tags/ pages; their names become Article.tags before pruning.
    prune_xpath=("//ul[.//a[contains(@href, '/tags/') or contains(@href, '/tag/')]]",),
    visible_date=parse_russian_date,
    split_caption=lambda text: (None, text.strip()),
    trafilatura_fast=True,
)
