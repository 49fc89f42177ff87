"""tass.ru: a Next.js site with hashed class names, so nothing here selects by class.

The article carries the byline "Редакция сайта ТАСС" and photo captions ending
"© Автор/ ТАСС" as text lines; the body starts with the dateline "МОСКВА, 10 декабря. /ТАСС/.",
which stays in the text (it is part of the wire copy) and is also parsed into fields.
"""

from __future__ import annotations

import re

from archive.profiles import COMMON_DROP_LINES, COMMON_NOT_ARTICLE_PATHS, COMMON_STOP_LINES, Profile, parse_russian_date


def split_caption(text: str) -> tuple[str | None, str | None]:
    """The caption as printed, and its credit: the part after the last '©' ('Имя/ ТАСС')."""
    text = text.strip()
    if "©" not in text:
        return text or None, None
    return text, text.rsplit("©", 1)[1].strip() or None


PROFILE = Profile(
    name="tass",
    hosts=("tass.ru", "tass.com"),
    drop_lines=COMMON_DROP_LINES
    + (
        re.compile(r"^Информационное агентство России ТАСС\b"),
        re.compile(r"^Читайте также\b"),
    ),
    caption_lines=(re.compile(r"©\s*[^©]{1,120}/\s*ТАСС$"), re.compile(r"^©\s*\S.{0,100}$")),
    byline_lines=(re.compile(r"^Редакция сайта ТАСС$"), re.compile(r"^(?:Автор|Текст)\s*:\s*\S.{0,80}$")),
    stop_lines=COMMON_STOP_LINES,
    not_article_paths=COMMON_NOT_ARTICLE_PATHS + (re.compile(r"^/(?:n|preview|api|tbp|spec|press-relizy)(?:/|$)"),),
    visible_date=parse_russian_date,
    split_caption=split_caption,
    trafilatura_fast=True,
)
