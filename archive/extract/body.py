"""Step 4: the body, in this order:

a. trafilatura on the page with the profile's structural pruning (in fast mode for a profiled
   site: the profile, not readability/justext, handles its layout), then the profile's line
   rules (promos, bylines, captions, update notices, "more news" blocks)
   -> `extraction_method = "trafilatura"`. A result that runs headline and lead together in
   one block (trafilatura's whole-page rescue) is discarded;
b. when that is empty or short (under FALLBACK_BELOW_WORDS words, e.g. a page rendered by
   script), or a structured copy is much longer (the HTML shows only the start): JSON-LD
   `articleBody` -> "jsonld";
c. the Next.js `__NEXT_DATA__` payload -> "next_data";
d. the feed entry's full text (TASS `yandex:full-text`) -> "rss_fulltext".

The first fallback with enough words wins; otherwise the longest candidate.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import trafilatura
from trafilatura.settings import use_config

from archive.extract.markup import clean, element_text, html_paragraphs
from archive.extract.metadata import PageMeta
from archive.models import FeedEntry
from archive.profile import Profile

PROSE_MIN_WORDS = 5
_SENTENCE_END = set('.!?…"»)')
FALLBACK_BELOW_WORDS = 40
# A structured copy this much longer than the HTML body means the HTML shows only part of it.
LONGER_STRUCTURED_RATIO = 1.5
_BARE_TIME = re.compile(r"^\d{1,2}:\d{2}$")
_LIVE_PREFIX = re.compile(r"^\d{1,2}:\d{2}\s*(?:\||—|-)\s+")
_DATELINE = re.compile(
    r"^(?P<city>[А-ЯЁ][А-ЯЁ\-]+(?: [А-ЯЁ\-]+){0,3})\s*[,.]\s*\d{1,2}\s+[а-я]+\.?(?:\s+\d{4})?"
    r"(?:\s*[,.]?\s*/(?P<slash>[^/\n]{2,80})/\s*\.?|\s*[—–-]\s*(?P<dash>[А-ЯЁA-Z][^.\n]{1,40})\.)"
)
# trafilatura rescues a short result (under MIN_EXTRACTED_SIZE characters) with a "baseline"
# dump of the whole <article> (title, date, byline and caption run together) or with the
# JSON-LD articleBody. A wire story can be one sentence, and the structured copies are our own
# labelled fallbacks, so the rescue threshold is lowered to a sentence.
_TRAFILATURA_CONFIG = use_config()
_TRAFILATURA_CONFIG.set("DEFAULT", "MIN_EXTRACTED_SIZE", "20")


def prose_words(paragraphs: list[str]) -> int:
    """Words in paragraphs that read like sentences (several words, closing punctuation).

    When a redesign hides the article body, trafilatura falls back to whatever text is left,
    typically menus and headline lists: many words, no sentences. Such a page must be a
    failure that raises "layout changed?", not an article full of junk.
    """
    return sum(
        len(p.split()) for p in paragraphs if len(p.split()) >= PROSE_MIN_WORDS and p.rstrip()[-1:] in _SENTENCE_END
    )


def _trafilatura_lines(tree, url: str, profile: Profile) -> list[tuple[str, bool]]:
    """The lines of trafilatura's main content (paragraphs, subheadings, list items, quotes),
    each with True when it is a subheading.

    The profile's structural pruning runs on the tree first; trafilatura's own output tree is
    walked instead of its text rendering so list markers ("- ") and line breaks are not
    mistaken for text.
    """
    for xpath in profile.prune_xpath:
        for el in tree.xpath(xpath):
            el.drop_tree()
    document = trafilatura.bare_extraction(
        tree, url=url, fast=profile.trafilatura_fast, include_comments=False, with_metadata=False, config=_TRAFILATURA_CONFIG
    )
    if document is None or document.body is None:
        return []
    lines: list[tuple[str, bool]] = []
    for el in document.body:
        units = (el.xpath(".//item|.//p|.//row") or [el]) if el.tag in ("list", "quote", "table") else [el]
        heading = el.tag == "head"
        for unit in units:
            for br in unit.iter("lb"):
                br.tail = "\n" + (br.tail or "")
            text = "".join(unit.itertext()) if unit.tag != "row" else " | ".join(element_text(c) for c in unit)
            lines.extend((line, heading) for line in (clean(part) for part in text.split("\n")) if line)
    return lines


@dataclass
class Body:
    paragraphs: list[str]
    method: str
    captions: list[str] = field(default_factory=list)
    bylines: list[str] = field(default_factory=list)
    headings: list[bool] = field(default_factory=list)  # parallel to paragraphs: a subheading?


def _apply_profile(lines: list[str] | list[tuple[str, bool]], meta: PageMeta, profile: Profile, method: str) -> Body:
    """Drop boilerplate lines, stop at the "more news" block, strip repeated title/lead/tags."""
    body = Body([], method)
    for item in lines:
        line, heading = item if isinstance(item, tuple) else (item, False)
        if _BARE_TIME.match(line):
            continue
        kind = profile.line_kind(line)
        if kind == "stop":
            break
        if kind == "caption":
            body.captions.append(line)
        elif kind == "byline":
            body.bylines.append(line)
        elif kind is None:
            body.paragraphs.append(_LIVE_PREFIX.sub("", line))
            body.headings.append(heading)
    repeated = {_key(meta.title), _key(meta.lead)} - {""}
    while body.paragraphs and _key(body.paragraphs[0]) in repeated:
        body.paragraphs.pop(0)
        body.headings.pop(0)
    tags = {_key(t) for t in meta.tags}
    while body.paragraphs and _key(body.paragraphs[-1]) in tags:
        body.paragraphs.pop()
        body.headings.pop()
    return body


def _key(text: str | None) -> str:
    return (clean(text) or "").casefold()


def count_words(paragraphs: list[str]) -> int:
    return sum(len(p.split()) for p in paragraphs)


def choose_body(tree, url: str, meta: PageMeta, profile: Profile, feed_entry: FeedEntry | None) -> Body:
    """The body from the first source in the documented order that has enough words."""
    lines = _trafilatura_lines(tree, url, profile)
    if _is_page_dump([line for line, _ in lines], meta):
        lines = []
    html_body = _apply_profile(lines, meta, profile, "trafilatura")
    fallbacks = [
        ("jsonld", html_paragraphs(meta.jsonld_body) if meta.jsonld_body else []),
        ("next_data", meta.next_body),
        ("rss_fulltext", html_paragraphs(feed_entry.full_text) if feed_entry and feed_entry.full_text else []),
    ]
    html_words = count_words(html_body.paragraphs)
    candidates = [html_body]
    for method, paragraphs in fallbacks:
        if not paragraphs:
            continue
        candidate = _apply_profile(paragraphs, meta, profile, method)
        words = count_words(candidate.paragraphs)
        if words >= FALLBACK_BELOW_WORDS and (html_words < FALLBACK_BELOW_WORDS or words > LONGER_STRUCTURED_RATIO * html_words):
            candidate.captions += html_body.captions
            candidate.bylines += html_body.bylines
            return candidate
        candidates.append(candidate)
    return max(candidates, key=lambda b: count_words(b.paragraphs))


def _is_page_dump(blocks: list[str], meta: PageMeta) -> bool:
    """True when one block runs the headline together with other text: the article's chrome
    flattened into a paragraph (trafilatura's last-resort rescue), never a body."""
    title, lead = _key(meta.title), _key(meta.lead)
    # A body sentence may well contain the headline's words; headline and lead together may not.
    return bool(title and lead) and any(title in _key(b) and lead in _key(b) for b in blocks)


def dateline(first_paragraph: str) -> tuple[str | None, str | None]:
    """('МОСКВА', 'ТАСС') from 'МОСКВА, 10 декабря. /ТАСС/. ...'; (None, None) without a dateline."""
    match = _DATELINE.match(first_paragraph)
    if not match:
        return None, None
    agency = match.group("slash") or match.group("dash") or ""
    if "ТАСС" in agency:
        agency = "ТАСС"
    return match.group("city"), clean(agency)


def bylines_on_page(tree, profile: Profile) -> list[str]:
    """Byline texts in the article's leaf elements: trafilatura usually drops them with the page chrome."""
    if not profile.byline_lines:
        return []
    scope = next(tree.iter("article"), tree)
    texts = scope.xpath(".//*[not(*)][string-length(text()) < 120]/text()")
    return [text for text in (clean(t) for t in texts) if text and profile.line_kind(text) == "byline"]
