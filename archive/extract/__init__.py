"""Extract: turn one fetched page into an Article (its whole text and nothing else) or an
ExtractionFailure.

Users quote from the archive, so a page whose body cannot be trusted is recorded as a failure
with a reason instead of being stored: a changed layout then shows up as failures in `status`,
not as junk rows. The steps, one module each:

1. `decode`: bytes to text, never mojibake (`bad-encoding`);
2. `metadata`: what JSON-LD, meta tags, `<time>`, `<article>`, Next.js data and the feed say;
3. `pagekind`: anti-bot stubs, listings, videos and galleries are refused;
4. `body`: trafilatura with the site's profile, then the structured fallbacks;
5. `structure`: the kind of document and the turns and parts of a transcript, by the profile.

Fewer than MIN_WORDS words, or no sentences at all (menus, headline lists), is `too-short`;
nothing at all is `empty`.
"""

from __future__ import annotations

import trafilatura

from archive.dates import russian_date
from archive.extract.body import FALLBACK_BELOW_WORDS, bylines_on_page, choose_body, dateline, prose_words, count_words
from archive.extract.decode import CYRILLIC, decode_html, is_strict_utf8, looks_like_mojibake
from archive.extract.markup import Failed, element_text, parse_html
from archive.extract.metadata import date_from_lines, fill_from_feed, read_metadata
from archive.extract.pagekind import check_page_kind
from archive.extract.structure import doc_type, has_structure, text_parts
from archive.models import Article, ExtractionFailure, FetchedPage
from archive.profile import GENERIC, Profile

EXTRACTOR_VERSION = f"mfa-archive-extract/1 trafilatura/{trafilatura.__version__}"
MIN_WORDS = 8
# A page with this many photos and little text is a gallery, not an article.
GALLERY_MIN_FIGURES = 3


def extract_article(page: FetchedPage, profile: Profile = GENERIC) -> Article | ExtractionFailure:
    """Extract the article in `page` with the site's `profile`, or say why it is not stored.

    The page's Content-Type charset, URL and feed entry (metadata and full text, as fallbacks)
    are used; see the module docstring for the order of the steps.
    """
    try:
        return _extract(page, profile)
    except Failed as failed:
        return ExtractionFailure(page.url, page.source, failed.reason, failed.detail)


def canonical_url(page: FetchedPage) -> str | None:
    """The page's `<link rel=canonical>` (a saved file's only clue to where it came from)."""
    try:
        tree = parse_html(decode_html(page.body, page.declared_charset))
    except Failed:
        return None
    links = tree.xpath("//link[@rel='canonical']/@href")
    return links[0].strip() if links else None


def _extract(page: FetchedPage, profile: Profile) -> Article:
    body, url, feed_entry = page.body, page.url, page.feed_entry
    if not body or not body.strip():
        raise Failed("empty", "the response body is empty")
    html = decode_html(body, page.declared_charset)
    tree = parse_html(html)
    meta = read_metadata(tree, url)
    if not meta.published and profile.date_lines:
        meta.published = date_from_lines(tree, profile.date_lines)
    check_page_kind(tree, html, url, meta, profile)
    if feed_entry:
        fill_from_feed(meta, feed_entry)
    if not meta.published:
        scope = (tree.xpath("//article") or [tree])[0]
        meta.published = russian_date(element_text(scope)[:2000])
    bylines = bylines_on_page(tree, profile)
    chosen = choose_body(tree, url, meta, profile, feed_entry)
    count = count_words(chosen.paragraphs)
    if count < FALLBACK_BELOW_WORDS and (meta.videos or meta.figures >= GALLERY_MIN_FIGURES):
        kind = "video" if meta.videos else "photo gallery"
        raise Failed("not-article", f"a {kind} page: {count} words of text around the media")
    if count == 0:
        raise Failed("empty", "no body text in the HTML, JSON-LD, Next.js data or feed")
    if count < MIN_WORDS:
        raise Failed("too-short", f"{count} words of body text")
    if prose_words(chosen.paragraphs) < MIN_WORDS:
        raise Failed("too-short", f"{count} words but no sentences: navigation or boilerplate, not article text")
    text = "\n\n".join(chosen.paragraphs)
    if "\ufffd" in text or (not is_strict_utf8(body) and looks_like_mojibake(text)):
        raise Failed("bad-encoding", "the body contains undecodable characters")
    if not meta.title:
        raise Failed("not-article", "the page has no title")
    caption_text = meta.image_caption_text or (chosen.captions[0] if chosen.captions else None)
    caption, credit = profile.split_caption(caption_text) if caption_text else (None, None)
    city, agency = dateline(chosen.paragraphs[0])
    language = meta.language or ("ru" if CYRILLIC.search(text) else None)
    headings = chosen.headings or [False] * len(chosen.paragraphs)
    parts = text_parts(chosen.paragraphs, headings, profile) if has_structure(profile) else []
    return Article(
        url=url,
        source=page.source,
        title=meta.title,
        text=text,
        lead=meta.lead,
        published=meta.published,
        modified=meta.modified,
        authors=list(dict.fromkeys(bylines + chosen.bylines)) or meta.authors,
        tags=meta.tags,
        section=meta.section,
        canonical_url=meta.canonical_url,
        image_url=meta.image_url,
        image_caption=caption,
        image_credit=credit,
        language=language,
        dateline_city=city,
        dateline_agency=agency,
        extraction_method=chosen.method,
        extractor_version=EXTRACTOR_VERSION,
        fetched_at=page.fetched_at,
        lastmod=feed_entry.lastmod if feed_entry else None,
        doc_type=doc_type(profile, meta.title, url),
        parts=parts,
    )
