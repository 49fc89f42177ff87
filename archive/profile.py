"""Extraction profiles: what is boilerplate on one site's pages, as data.

A profile is part of its site's spec in `settings/sources.toml` (`[[sources.NAME.profile]]`):
regular expressions for whole lines and XPath for structure, on top of the rules below that
hold for every Russian news site. A profile never selects by CSS class (TASS class names are
build hashes that change on every deploy); it relies on structure (`<article>`, `<figure>`,
links to tag pages) and on the exact wording of boilerplate lines, which survives redesigns
far better than markup.

Profiles are versioned by date, as Fundus' parsers are (`valid_until`): a page is extracted with
the profile that was current when it was fetched, so `reextract` of an old page uses the rules
of its day.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

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
COMMON_CAPTION_LINES = (re.compile(r"^(?:Фото|Photo|Фотография)\s*:\s*\S.{0,120}$"),)
# Headings that open the page's "more news" furniture: the body ends before them.
COMMON_STOP_LINES = (
    re.compile(r"^(?:Читайте также|Смотрите также|По теме|Еще по теме|Ещё по теме|Другие новости|Самое популярное)\s*:?$", re.I),
)
# Pages that are never articles, whatever their markup says.
COMMON_NOT_ARTICLE_PATHS = (re.compile(r"/(?:tags?|video|photo|foto|gallery|galereya|search|rubric|authors?)(?:/|$)"),)
# A photo credit at the end of a caption ('© Author/ Agency', 'Фото: ...').
COMMON_CAPTION_CREDIT = re.compile(r"\s*(?P<credit>(?:©|Фото:|Photo:|Фото\s*[—-]).*)$")
# Words of the pages that anti-bot services serve instead of content (lower case). A page of
# little text containing one is "source unavailable", never an article and never worked around.
COMMON_ANTIBOT_MARKERS = (
    "captcha", "ddos-guard", "checking your browser", "just a moment", "проверка браузера",
    "проверяем браузер", "servicepipe", "qrator", "cf-chl", "enable javascript", "включите javascript",
    "доступ ограничен", "access denied", "подозрительн", "вы робот", "не робот", "antibot", "anti-bot",
)


@dataclass(frozen=True)
class DocTypeRule:
    """A kind of document (`doc_type`) a site publishes, recognised by its title and/or URL path.

    Sites that publish documents of several kinds (the ministry's statements, comments,
    briefing transcripts, interviews...) name the kind in the title or file it under a section;
    both are patterns in the site's profile, so no code knows any site's kinds.
    """

    doc_type: str
    title: re.Pattern | None = None
    path: re.Pattern | None = None

    def matches(self, title: str, path: str) -> bool:
        return (self.title is None or bool(self.title.search(title))) and (
            self.path is None or bool(self.path.search(path))
        )


@dataclass(frozen=True)
class Profile:
    """How to clean one publisher's pages (the generic profile has only the common rules).

    drop_lines: whole lines that are never body (promos, update notices).
    caption_lines: photo captions/credits; dropped from the body, kept as the image caption.
    byline_lines: lines naming the author; dropped from the body, kept as authors.
    stop_lines: the body ends at the first such line (a "news feed" heading).
    not_article_paths: URL paths of listings, videos, galleries.
    prune_xpath: structural elements removed before trafilatura sees the page.
    caption_credit: finds the credit in a caption (group `credit`). The caption stays as
        printed, credit included; a caption that is only a credit is no caption, unless
        `caption_keeps_credit`.
    trafilatura_fast: skip trafilatura's readability/justext comparison. For a site whose
        layout the profile is tested on (tests/fixtures/pages, the gold pages) the comparison
        only costs time; if the layout changes, the body comes out short or empty and the
        page is recorded as a failure or taken from a structured fallback.
    date_lines: a text line of the page that is its publication date, for sites without a
        machine-readable date; groups day, month, year and optionally hour, minute (Moscow time).
    antibot_markers: more words of the site's anti-bot page (lower case), beside the common ones.
    doc_types: the kinds of documents the site publishes (first matching rule wins); a site
        without rules records no kind.
    question_lines: a body paragraph that opens a journalist's question ("Вопрос: ...").
    speaker_lines: a body paragraph that opens a named speaker's turn; group `speaker` is the
        name as printed ("М.В.Захарова: ...").
    answer_lines: a body paragraph that opens the answer of the document's own speaker
        ("Ответ: ..."). With these, a transcript's structure (its turns, and its parts: topic
        sections and question-and-answer pairs) is recorded.
    valid_until: the last day this version applies to (None: the current version).
    """

    name: str = "generic"
    drop_lines: tuple[re.Pattern, ...] = COMMON_DROP_LINES
    caption_lines: tuple[re.Pattern, ...] = COMMON_CAPTION_LINES
    byline_lines: tuple[re.Pattern, ...] = ()
    stop_lines: tuple[re.Pattern, ...] = COMMON_STOP_LINES
    not_article_paths: tuple[re.Pattern, ...] = COMMON_NOT_ARTICLE_PATHS
    prune_xpath: tuple[str, ...] = ()
    caption_credit: re.Pattern = COMMON_CAPTION_CREDIT
    caption_keeps_credit: bool = False
    trafilatura_fast: bool = False
    date_lines: tuple[re.Pattern, ...] = ()
    antibot_markers: tuple[str, ...] = COMMON_ANTIBOT_MARKERS
    doc_types: tuple[DocTypeRule, ...] = ()
    question_lines: tuple[re.Pattern, ...] = ()
    speaker_lines: tuple[re.Pattern, ...] = ()
    answer_lines: tuple[re.Pattern, ...] = ()
    valid_until: date | None = None

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

    def doc_type(self, title: str, path: str) -> str | None:
        """The kind of document a page is, by the first rule its title and path match."""
        return next((rule.doc_type for rule in self.doc_types if rule.matches(title, path)), None)

    def antibot_marker(self, lowered_html: str) -> str | None:
        """The first anti-bot marker in a page's lower-cased HTML, or None."""
        return next((m for m in self.antibot_markers if m in lowered_html), None)

    def is_not_article_path(self, path: str) -> bool:
        return any(p.search(path) for p in self.not_article_paths)

    def split_caption(self, text: str) -> tuple[str | None, str | None]:
        """(caption, credit) of a photo caption as printed; a bare credit has no caption."""
        text = text.strip()
        match = self.caption_credit.search(text)
        if not match:
            return text or None, None
        credit = match.group("credit").strip() or None
        if match.start() == 0 and not self.caption_keeps_credit:
            return None, credit
        return text, credit


GENERIC = Profile()
