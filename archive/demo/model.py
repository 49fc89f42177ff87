"""Records of the local mirror: content entries as written, gold articles as published, log lines.

An `Entry` is what the content modules write (compact, with body markup markers); a
`MirrorArticle` is the gold record a test compares extraction against, bound to a running
mirror's base URL. Keeping them apart lets the same content serve any port and state.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

SITES = ("tass", "newsru", "midru")

# Body markup markers used in `Entry.blocks` (a plain string is a body paragraph):
#   "## text" / "### text"  subheading (h2 / h3): neither body nor boilerplate
#   "> text"                 a quoted paragraph (blockquote): body
#   "- text"                 a list item (consecutive items make one list): body
#   "HH:MM | text"           an entry of a live page: body is the text
#   "@update:text"           an update notice ("Материал дополнен"): boilerplate
#   "@telegram:chan/123", "@video:URL"   embeds without text of their own
LIVE_ENTRY = re.compile(r"^(\d{1,2}:\d{2}) \| (.+)$")

NON_ARTICLE_KINDS = frozenset({"listing", "video", "gallery", "antibot"})


@dataclass(frozen=True)
class Entry:
    """One page as written in the content modules, before it is bound to a mirror URL."""

    site: str
    path: str
    kind: str
    published: str
    title: str
    lead: str
    blocks: tuple[str, ...]
    section: str
    tags: tuple[str, ...] = ()
    event: str | None = None
    mfa: bool = False
    reprint_of: str | None = None
    image: str | None = None  # TASS: caption ending "© Имя/ ТАСС"; news.ru: "Фото: Имя/NEWS.ru"
    authors: tuple[str, ...] = ()
    modified: str | None = None
    structured: str = "none"  # TASS: "jsonld", "next" or "none" (which machine-readable copy the page carries)
    extras: dict = field(default_factory=dict, compare=False, hash=False)  # per-page boilerplate overrides (seeds)
    not_body_extra: tuple[str, ...] = ()
    pinned: bool = False  # listed in the RSS feeds even when older than the newest items (the seeds)
    # The page gives no date (no <time>, meta or JSON-LD date) and its feed items no pubDate, as
    # pages whose date is missing or unreadable; `published` still orders the listings.
    undated: bool = False
    doc_type: str | None = None  # mid.ru: the kind of document (news, statement, briefing...)
    doc_number: str | None = None  # mid.ru: the number printed under the title ("1345-28-06-2022")

    @property
    def is_article(self) -> bool:
        return self.kind not in NON_ARTICLE_KINDS

    def body_paragraphs(self) -> list[str]:
        """The gold body: paragraphs, quotes, list items and live entries, in page order."""
        body = []
        for block in self.blocks:
            if block.startswith(("#", "@")):
                continue
            if block.startswith(("> ", "- ")):
                body.append(block[2:])
                continue
            live = LIVE_ENTRY.match(block)
            body.append(live.group(2) if live else block)
        return body

    def subheadings(self) -> list[str]:
        return [b.lstrip("#").strip() for b in self.blocks if b.startswith("#")]

    def update_notices(self) -> list[str]:
        return [b.removeprefix("@update:") for b in self.blocks if b.startswith("@update:")]

    def with_changes(self, **changes) -> "Entry":
        return replace(self, **changes)


@dataclass
class MirrorArticle:
    """A page the mirror publishes, with the gold fields an extractor should recover."""

    site: str
    path: str
    url: str
    kind: str
    title: str
    lead: str
    body_paragraphs: list[str]
    published: str
    modified: str | None
    tags: list[str]
    section: str
    authors: list[str]
    image_url: str | None
    image_caption: str | None
    image_credit: str | None
    event: str | None
    reprint_of: str | None
    mfa: bool
    not_body: list[str]
    is_article: bool
    subheadings: list[str] = field(default_factory=list)
    lastmod: str = ""  # what the sitemap says: modified, else published
    undated: bool = False  # the page and its feed items give no date (Entry.undated)
    doc_type: str | None = None


@dataclass
class AccessEntry:
    """One request the mirror received."""

    site: str
    method: str
    path: str
    status: int
    kind: str
    headers: dict
    at: float = 0.0  # time.monotonic() when the request arrived (back-off tests measure gaps)


def image_credit_of(site: str, image: str | None) -> str | None:
    """The photographer part of a caption: TASS after the last '©', news.ru the whole 'Фото:' line."""
    if not image:
        return None
    if site == "tass":
        return image.rsplit("©", 1)[-1].strip() if "©" in image else None
    return image
