"""Per-publisher extraction profiles: what is boilerplate on each site, in one place per source.

Like Fundus' publisher parsers, each profile is small data plus a few functions, tested on
its own. A profile never selects by CSS class (TASS class names are build hashes that change
on every deploy); it relies on structure (`<article>`, `<figure>`, links to tag pages) and on
the exact wording of boilerplate lines, which survives redesigns far better than markup.

`get_profile(name)` returns the profile for a name in sources.toml (`profile = "tass"`) or a
source name; unknown names get the generic profile.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable

MAX_BOILERPLATE_CHARS = 300
# Lines no article body on any Russian news site contains: promos, cookie and ad notices.
COMMON_DROP_LINES = (
    re.compile(r"^Подписывайтесь на (?:нас|наш)\b.{0,60}$", re.I),
    re.compile(r"^Читайте (?:также|нас|новости)\b.{0,80}$", re.I),
    re.compile(r"^(?:Реклама|Erid:?\s*\S+|На правах рекламы)\.?$", re.I),
    re.compile(r"^Материал (?:дополнен|обновлен|обновлён)\b.{0,80}$", re.I),
    re.compile(r"^(?:Обновлено|Дополнено|Изменено)\s+\d{1,2}\s+[а-я]+(?:\s+\d{4})?(?:\s*(?:в|,)\s*\d{1,2}:\d{2})?\.(?:\s.{0,150})?$", re.I),
    re.compile(r"\bфайл(?:ов|ы)? cookie\b", re.I),
    re.compile(r"^(?:Поделиться|Комментарии|Подписаться|Скопировать ссылку|ВКонтакте|Одноклассники|Telegram|Онлайн)$", re.I),
    re.compile(r"^(?:обновлено|обновлен[оа]?|изменено)\s+\d{1,2}:\d{2}$", re.I),
)
# Headings that open the page's "more news" furniture: the body ends before them.
COMMON_STOP_LINES = (
    re.compile(r"^(?:Читайте также|Смотрите также|По теме|Еще по теме|Ещё по теме|Другие новости|Самое популярное)\s*:?$", re.I),
)
# Pages that are never articles, whatever their markup says.
COMMON_NOT_ARTICLE_PATHS = (
    re.compile(r"/(?:tags?|video|photo|foto|gallery|galereya|search|rubric|authors?)(?:/|$)"),
)


@dataclass(frozen=True)
class Profile:
    """How to clean one publisher's pages.

    drop_lines: whole lines that are never body (promos, bylines, update notices).
    caption_lines: photo captions/credits; dropped from the body, kept as the image caption.
    byline_lines: lines naming the author; dropped from the body, kept as authors.
    stop_lines: the body ends at the first such line (a "news feed" heading).
    not_article_paths: URL paths of listings, videos, galleries.
    prune_xpath: structural elements removed before trafilatura sees the page.
    visible_date: parses the page's visible date line into ISO 8601 with +03:00.
    split_caption: splits a caption into (caption, credit).
    trafilatura_fast: skip trafilatura's readability/justext comparison. For a site whose
        layout the profile is tested on (tests/test_gold.py) the comparison only costs time;
        if the layout changes, the body comes out short or empty and the page is recorded
        as a failure or taken from a structured fallback.
    """

    name: str
    hosts: tuple[str, ...] = ()
    drop_lines: tuple[re.Pattern, ...] = COMMON_DROP_LINES
    caption_lines: tuple[re.Pattern, ...] = ()
    byline_lines: tuple[re.Pattern, ...] = ()
    stop_lines: tuple[re.Pattern, ...] = COMMON_STOP_LINES
    not_article_paths: tuple[re.Pattern, ...] = COMMON_NOT_ARTICLE_PATHS
    prune_xpath: tuple[str, ...] = ()
    visible_date: Callable[[str], str | None] | None = None
    split_caption: Callable[[str], tuple[str | None, str | None]] = field(default=lambda text: (text, None))
    trafilatura_fast: bool = False

    def line_kind(self, line: str) -> str | None:
        """'drop', 'caption', 'byline', 'stop' or None (a body line) for one stripped line.

        Lines longer than MAX_BOILERPLATE_CHARS are body: no promo, caption or notice is that long.
        """
        if len(line) > MAX_BOILERPLATE_CHARS:
            return None
        for kind, patterns in (
            ("stop", self.stop_lines),
            ("caption", self.caption_lines),
            ("byline", self.byline_lines),
            ("drop", self.drop_lines),
        ):
            if any(p.search(line) for p in patterns):
                return kind
        return None

    def is_not_article_path(self, path: str) -> bool:
        return any(p.search(path) for p in self.not_article_paths)


MONTHS_GENITIVE = {
    "января": 1, "февраля": 2, "марта": 3, "апреля": 4, "мая": 5, "июня": 6,
    "июля": 7, "августа": 8, "сентября": 9, "октября": 10, "ноября": 11, "декабря": 12,
}
_RUSSIAN_DATE = re.compile(
    r"\b(\d{1,2})\s+(" + "|".join(MONTHS_GENITIVE) + r")\s+(\d{4})(?:\s*(?:г\.|года)?\s*(?:в|,)?\s*(\d{1,2}):(\d{2}))?",
    re.I,
)


def parse_russian_date(text: str) -> str | None:
    """'15 февраля 2026 в 15:38' -> '2026-02-15T15:38:00+03:00' (Moscow time, as the sites print it)."""
    match = _RUSSIAN_DATE.search(text)
    if not match:
        return None
    day, month, year, hour, minute = match.groups()
    date = f"{year}-{MONTHS_GENITIVE[month.lower()]:02d}-{int(day):02d}"
    if hour is None:
        return date
    return f"{date}T{int(hour):02d}:{minute}:00+03:00"


def get_profile(name: str | None) -> Profile:
    """The profile called `name` (a sources.toml `profile` or a source name), else the generic one."""
    from archive.profiles import generic, newsru, tass

    by_name = {p.name: p for p in (tass.PROFILE, newsru.PROFILE)}
    return by_name.get((name or "").lower(), generic.PROFILE)


def profile_for_host(host: str) -> Profile | None:
    """The profile whose site is `host` (e.g. 'tass.ru', 'www.news.ru'), or None."""
    from archive.profiles import newsru, tass

    host = host.lower().removeprefix("www.")
    for profile in (tass.PROFILE, newsru.PROFILE):
        if host in profile.hosts:
            return profile
    return None
