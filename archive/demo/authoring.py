"""Helpers the content modules write their pages with: TASS and news.ru entries, reprints."""

from __future__ import annotations

import re

from . import boilerplate as bp
from .model import Entry

DATELINE = re.compile(r"^[А-ЯЁ][А-ЯЁ\- ]+, \d{1,2} [а-я]+\. /ТАСС/\. ")


def iso(moscow_time: str) -> str:
    """'2026-04-14 10:12' -> '2026-04-14T10:12:00+03:00'."""
    return moscow_time.replace(" ", "T") + ":00+03:00"


def tass(
    article_id: int, rubric: str, published: str, title: str, lead: str, blocks: list[str], *,
    tags: tuple[str, ...] = (), event: str | None = None, mfa: bool = False, image: str | None = None,
    kind: str = "article", structured: str = "none",
) -> Entry:
    """A TASS page at /<rubric>/<id>; the first block is the dateline paragraph."""
    return Entry(
        site="tass", path=f"/{rubric}/{article_id}", kind=kind, published=iso(published), title=title,
        lead=lead, blocks=tuple(blocks), section=bp.TASS_RUBRICS[rubric], tags=tags, event=event, mfa=mfa,
        image=image, authors=(bp.TASS_BYLINE,) if kind not in ("listing", "video", "gallery", "antibot") else (),
        structured=structured,
    )


def newsru(
    section: str, slug: str, published: str, title: str, lead: str, blocks: list[str], *,
    tags: tuple[str, ...] = (), event: str | None = None, mfa: bool = False, image: str | None = None,
    kind: str = "article", reprint_of: str | None = None, undated: bool = False,
) -> Entry:
    """A news.ru page at /<section>/<slug>/ (with `undated`, one that gives no date)."""
    return Entry(
        site="newsru", path=f"/{section}/{slug}/", kind=kind, published=iso(published), title=title,
        lead=lead, blocks=tuple(blocks), section=bp.NEWSRU_SECTIONS[section], tags=tags, event=event,
        mfa=mfa, image=image, reprint_of=reprint_of, undated=undated,
    )


def reprint(
    original: Entry, section: str, slug: str, published: str, *, title: str | None = None,
    cut_last: bool = True, tail: tuple[str, ...] = (), image: str | None = None, undated: bool = False,
) -> Entry:
    """A news.ru near-verbatim copy of a TASS text: dateline dropped, optionally the last
    paragraph cut (a truncated reprint) and a paragraph of its own appended."""
    blocks = [b for b in original.blocks if not b.startswith("@")]
    blocks[0] = DATELINE.sub("", blocks[0])
    blocks[0] = blocks[0][0].upper() + blocks[0][1:]
    if cut_last:
        blocks = blocks[:-1]
    return newsru(
        section, slug, published, title or original.title, original.lead, [*blocks, *tail],
        tags=original.tags, event=original.event, mfa=original.mfa, image=image, reprint_of=original.path,
        undated=undated,
    )


def midru(
    number: int, section: str, published: str, title: str, lead: str, blocks: list[str], *, doc_type: str,
    event: str | None = None, tags: tuple[str, ...] = (), kind: str = "article", doc_number: str | None = None,
) -> Entry:
    """A mid.ru document at /ru/<section path>/<number>/ (sections: boilerplate.MIDRU_SECTIONS).

    `lead` is the short description the RSS feed and the page's meta description carry;
    blocks are paragraphs, "### " topic subheadings, "@back" (the "Назад к оглавлению" link
    that ends a briefing's topic) and turns that start with their printed label
    ("Вопрос: ...", "М.В.Захарова: ...").
    """
    if section not in bp.MIDRU_SECTIONS:
        raise ValueError(f"unknown mid.ru section {section!r}")
    day = published[:10]
    return Entry(
        site="midru", path=f"{section}{number}/", kind=kind, published=iso(published), title=title, lead=lead,
        blocks=tuple(blocks), section=None, tags=tags, event=event, mfa=kind == "article", doc_type=doc_type,
        doc_number=doc_number or f"{number % 1000 + 400}-{day[8:10]}-{day[5:7]}-{day[:4]}",
    )
