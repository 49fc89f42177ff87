"""Helpers every extraction step shares: whitespace, element text, HTML paragraphs, the
internal "this page is not stored" signal."""

from __future__ import annotations

import html
import re

import lxml.html
from lxml import etree

_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")


class Failed(Exception):
    """Internal: stop extraction with an ExtractionFailure reason."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.detail = detail


def clean(text: str | None) -> str | None:
    """Collapsed whitespace, or None for empty text.

    str.split() splits where regex \\s matches (every code point gives the same result as the
    regex this replaced, no-break space included) and is about four times faster; extraction
    cleans some 45 strings a page."""
    if text is None:
        return None
    return " ".join(text.split()) or None


def element_text(el) -> str:
    return clean(" ".join(el.itertext())) or ""


def html_paragraphs(text: str) -> list[str]:
    """Paragraphs of a text that may be HTML (`<p>` per paragraph) or plain with newlines."""
    if re.search(r"<(?:p|div|br|h[1-6]|li|blockquote)\b", text, re.I):
        fragment = lxml.html.fragment_fromstring(text, create_parent="div")
        blocks = fragment.xpath(".//p|.//h2|.//h3|.//h4|.//li|.//blockquote[not(.//p)]")
        paragraphs = [element_text(b) for b in blocks] if blocks else [element_text(fragment)]
    else:
        paragraphs = [clean(html.unescape(line)) or "" for line in text.split("\n")]
    return [p for p in paragraphs if p]


def parse_html(text: str):
    text = _XML_DECLARATION.sub("", text, count=1)
    if not text.strip():
        raise Failed("empty", "the page has no content")
    try:
        return lxml.html.document_fromstring(text)
    except (etree.ParserError, ValueError) as exc:
        raise Failed("empty", f"unparseable HTML: {exc}") from None


def first(*values):
    """The first truthy value, or None."""
    for value in values:
        if value:
            return value
    return None
