"""Step 3: refuse what is not an article: anti-bot stubs (`antibot-stub`), listings, videos
and galleries (`not-article`), by URL path, og:type, JSON-LD type and the absence of article
markup. (A native video player or several photos with little text around them are refused
after the body is known, in `archive.extract`.)
"""

from __future__ import annotations

from urllib.parse import urlsplit

from archive.extract.markup import Failed, clean, parse_html
from archive.extract.metadata import ARTICLE_TYPES, PageMeta
from archive.profile import Profile

NOT_ARTICLE_TYPES = {"VideoObject", "ImageGallery", "MediaGallery", "CollectionPage", "ItemList", "SearchResultsPage"}
_STUB_MAX_TEXT = 1500


def _visible_text(tree) -> str:
    body = tree.find("body")
    if body is None:
        return ""
    parts = [t for el in body.iter() if el.tag not in ("script", "style", "noscript") and isinstance(el.tag, str) for t in (el.text, el.tail) if t]
    return clean(" ".join(parts)) or ""


def antibot_page(body: bytes, profile: Profile) -> str | None:
    """The anti-bot marker of a response served instead of a page or feed (an HTML challenge
    with little text), or None. For listings: a feed that is a challenge page is no feed."""
    head = body[:200_000].decode("utf-8", "replace")
    marker = profile.antibot_marker(head.lower())
    if marker is None:
        return None
    try:
        visible = _visible_text(parse_html(head))
    except Failed:
        return marker
    return marker if len(visible) < _STUB_MAX_TEXT else None


def check_page_kind(tree, raw_html: str, url: str, meta: PageMeta, profile: Profile) -> None:
    """Raise Failed for anti-bot stubs and for pages that are listings, videos or galleries."""
    if not meta.jsonld_body and not meta.next_body:
        marker = profile.antibot_marker(raw_html.lower())
        if marker:
            visible = _visible_text(tree)
            if len(visible) < _STUB_MAX_TEXT:
                raise Failed("antibot-stub", f"{len(visible)} chars of text and the marker {marker!r}")
    path = urlsplit(url).path or "/"
    if profile.is_not_article_path(path):
        raise Failed("not-article", f"{path} is a listing, tag, video or gallery path")
    og_type = (meta.og_type or "").lower()
    if og_type.startswith(("video", "music")) or "gallery" in og_type:
        raise Failed("not-article", f"og:type is {meta.og_type}")
    if meta.jsonld_types & NOT_ARTICLE_TYPES and not meta.jsonld_types & ARTICLE_TYPES:
        raise Failed("not-article", f"JSON-LD type {', '.join(sorted(meta.jsonld_types & NOT_ARTICLE_TYPES))}")
    article_signal = og_type == "article" or bool(meta.jsonld_types & ARTICLE_TYPES) or meta.article_element_count == 1
    if not article_signal and (meta.article_element_count > 1 or not meta.published):
        raise Failed("not-article", f"no article markup ({meta.article_element_count} <article> elements, og:type {meta.og_type})")
