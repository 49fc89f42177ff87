"""What each reading page shows, computed from the archive alone.

Every function takes an open `Database` (the web server passes Datasette's read-only
connection) and returns plain dicts for the templates, with dates already in Moscow time and
snippets already as safe HTML. Searching goes through archive.search.engine, the engine of
`mfa-archive search`, with the same defaults, so a query finds the same articles in the same
order in both.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urlencode, urlsplit

from markupsafe import Markup

from archive.dates import moscow_display, parse_day
from archive.errors import QueryError
from archive.link.listing import get_story, primary_link, story_page
from archive.quotes.listing import article_quotes, quoted_passages
from archive.search.engine import Hit, count_matches, search
from archive.search.snippets import HIGHLIGHT
from archive.search.watches import Watch, list_watches
from archive.store import Database
from archive.store.articles import article_sources, earlier_versions, read_article
from archive.store.filters import ArticleFilter

PAGE_SIZE = 20  # hits per page, as `mfa-archive search` shows by default
MAX_PAGE = 50  # deeper pages rank 1,000+ hits per request; refine the query instead
STORIES_PER_PAGE = 30
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")

# How each kind of rule in settings/relevance.toml reads on an article page.
# How a quote's verdict against its primary text reads, and its CSS class (verdict-KEY);
# None: not checked (no primary text, or a speaker whose words it cannot hold).
VERDICTS = {"verbatim": ("verbatim", "verbatim"), "near": ("near", "near"), "not_found": ("not found", "not-found"),
            None: ("unchecked", "unchecked")}
# What a quote changes of its passage (quotes.issue), as a reader reads it.
ISSUES = {"negation": "negation changed", "number": "number changed", "name": "name changed",
          "speaker": "another speaker"}

REASON_KINDS = {
    "person": "names a ministry official",
    "body": "names the ministry or one of its missions",
    "phrase": "uses a title of the ministry's people",
    "exclude": "counts against: another actor's statement",
    "foreign": "another country's ministry",
}


@dataclass
class SearchForm:
    """The search form's fields as the reader gave them, and what was wrong with them."""

    q: str = ""
    source: str = ""
    since: str = ""
    until: str = ""
    all_articles: bool = False
    by_story: bool = False
    page: int = 1
    errors: list[str] = field(default_factory=list)

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> SearchForm:
        """The form from a query string's values (a missing or odd field is its default)."""
        page = args.get("page") or "1"
        form = cls(
            q=(args.get("q") or "").strip(),
            source=(args.get("source") or "").strip(),
            since=(args.get("since") or "").strip(),
            until=(args.get("until") or "").strip(),
            all_articles=args.get("scope") == "all",
            by_story=args.get("by_story") in ("1", "on", "true"),
            page=int(page) if page.isdigit() and 1 <= int(page) <= MAX_PAGE else 1,
        )
        return form

    def query_string(self, **changes) -> str:
        """The form as a query string, with `changes`; empty fields are left out."""
        values = {"q": self.q, "source": self.source, "since": self.since, "until": self.until,
                  "scope": "all" if self.all_articles else "", "by_story": "1" if self.by_story else "",
                  "page": str(self.page) if self.page > 1 else ""}
        values.update({k: v for k, v in changes.items()})
        return urlencode({k: v for k, v in values.items() if v})

    def article_filter(self, sources: list[str]) -> ArticleFilter | None:
        """The filter the form asks for, or None after adding to `errors` what is wrong."""
        days: dict[str, date | None] = {}
        for name, label in (("since", "From"), ("until", "To")):
            value = getattr(self, name)
            try:
                days[name] = parse_day(value, label) if value else None
            except ValueError as exc:
                self.errors.append(str(exc))
        if days.get("since") and days.get("until") and days["since"] > days["until"]:
            self.errors.append(f"From {days['since']} is after To {days['until']}")
        if self.source and self.source not in sources:
            self.errors.append(f"unknown source {self.source!r} (known: {', '.join(sources) or 'none'})")
        if self.errors:
            return None
        return ArticleFilter(source=self.source or None, since=days.get("since"), until=days.get("until"),
                             all_articles=self.all_articles)


def snippet_html(marked: str) -> Markup:
    """A snippet with its HIGHLIGHT markers as <mark>, everything else escaped."""
    escaped = html.escape(marked, quote=False)
    return Markup(escaped.replace(HIGHLIGHT[0], "<mark>").replace(HIGHLIGHT[1], "</mark>"))


def paragraphs(text: str | None) -> list[str]:
    """An article body as its paragraphs (stored separated by blank lines)."""
    return [" ".join(part.split()) for part in _PARAGRAPH_BREAK.split(text or "") if part.strip()]


@dataclass(frozen=True)
class Span:
    """A stretch `start`..`end` of an article's text (character offsets) to wrap in an element:
    `tag` with `attrs` (plain strings, escaped when written)."""

    start: int
    end: int
    tag: str
    attrs: tuple[tuple[str, str], ...] = ()

    def open(self) -> str:
        attrs = "".join(f' {name}="{html.escape(value, quote=True)}"' for name, value in self.attrs)
        return f"<{self.tag}{attrs}>"

    def close(self) -> str:
        return f"</{self.tag}>"


def _nested(spans: list[Span], length: int) -> list[Span]:
    """The spans as elements can hold them: clipped to the text, empty ones left out, and each
    that crosses the edge of one before it (in the given order: the first ones whole) cut there
    into pieces that nest; the first piece keeps every attribute, the others all but the id.
    Sorted by start, the longest first, as they open."""
    kept: list[Span] = []
    for span in spans:
        start, end = max(0, min(span.start, length)), max(0, min(span.end, length))
        if end <= start:
            continue
        cuts = sorted({edge for k in kept for edge in (k.start, k.end) if start < edge < end
                       and k.start < end and start < k.end and not (k.start <= start and end <= k.end)})
        edges = [start, *cuts, end]
        rest = tuple((name, value) for name, value in span.attrs if name != "id")
        kept.extend(Span(a, b, span.tag, span.attrs if i == 0 else rest) for i, (a, b) in enumerate(zip(edges, edges[1:])))
    return sorted(kept, key=lambda s: (s.start, -s.end))


def marked_paragraphs(text: str | None, spans: list[Span]) -> list[Markup]:
    """An article body as paragraphs of safe HTML (as `paragraphs` splits and spaces them),
    with each span of the text wrapped in its element (see `_nested` for spans that overlap:
    the first of them is whole): a span over a paragraph break is
    wrapped in each paragraph it touches, its id on the first piece only (ids stay unique).
    Everything else is escaped."""
    text = text or ""
    kept = _nested(spans, len(text))
    blocks, previous = [], 0
    for match in _PARAGRAPH_BREAK.finditer(text):
        blocks.append((previous, match.start()))
        previous = match.end()
    blocks.append((previous, len(text)))
    started: set[int] = set()
    return [_marked_block(text, block, kept, started) for block in blocks if text[block[0]:block[1]].strip()]


def _marked_block(text: str, block: tuple[int, int], spans: list[Span], started: set[int]) -> Markup:
    """One paragraph `block` of `text` with its whitespace runs as single spaces and the parts
    of `spans` within it as elements (`started`: the spans already begun, whose further pieces
    carry no id)."""
    first, last = block
    opens: dict[int, list[Span]] = {}
    for number, span in enumerate(spans):
        if span.end < first or span.start > last or (span.start < first and span.end == first):
            continue
        at = max(span.start, first)
        attrs = tuple((k, v) for k, v in span.attrs if k != "id") if number in started else span.attrs
        started.add(number)
        opens.setdefault(at, []).append(Span(at, min(span.end, last), span.tag, attrs))
    out: list[str] = []
    stack: list[Span] = []
    waiting: list[str] = []  # elements opened in a run of spaces: written after its one space
    written, space = False, False
    for index in range(first, last + 1):
        while stack and stack[-1].end == index:
            out.extend(waiting)
            waiting.clear()
            out.append(stack.pop().close())
        for span in opens.get(index, []):  # outer spans first (sorted by start, then longest)
            (waiting if space else out).append(span.open())
            if span.end == index:
                out.extend(waiting)
                waiting.clear()
                out.append(span.close())
            else:
                stack.append(span)
        if index == last:
            break
        char = text[index]
        if char.isspace():
            space = written
            continue
        if space:
            out.append(" ")
            space = False
        out.extend(waiting)
        waiting.clear()
        out.append(html.escape(char, quote=False))
        written = True
    out.extend(waiting)
    out.extend(span.close() for span in reversed(stack))
    return Markup("".join(out))


def host(url: str | None) -> str:
    return urlsplit(url or "").hostname or ""


def hit_view(hit: Hit) -> dict:
    """One search result as the results list shows it."""
    return {
        "id": hit.id, "title": hit.title or "(untitled)", "url": hit.url, "source": hit.source,
        "published": moscow_display(hit.published), "story_id": hit.story_id, "story_title": hit.story_title,
        "outlets": hit.outlets, "mfa": bool(hit.mfa), "snippet": snippet_html(hit.marked_snippet),
    }


def search_page(db: Database, form: SearchForm) -> dict:
    """The home page: the form, and for a query its page of results with the count.

    Runs `search` exactly as `mfa-archive search` does with the same options (its default
    `--limit` is PAGE_SIZE), so page 1 holds the CLI's hits in the CLI's order; page N asks
    for N pages and shows the last. The web server never writes, so pending articles are not
    indexed first (see engine.search).
    """
    sources = article_sources(db)
    view = {"form": form, "sources": sources, "hits": [], "total": 0, "more": False, "searched": False,
            "next_page": None, "previous_page": None, "first_rank": 1}
    if not form.q:
        return view
    filters = form.article_filter(sources)
    if filters is None:
        return view
    limit = PAGE_SIZE * form.page
    try:
        hits = search(db, form.q, filters=filters, by_story=form.by_story, limit=limit, index_first=False)
    except QueryError as exc:
        form.errors.append(str(exc))
        return view
    total, more = len(hits), False
    if len(hits) == limit:
        total, more = count_matches(db, form.q, filters=filters, by_story=form.by_story)
    shown = hits[limit - PAGE_SIZE:]
    view.update(
        searched=True, hits=[hit_view(h) for h in shown], raw_hits=shown, total=max(total, len(hits)), more=more,
        first_rank=limit - PAGE_SIZE + 1,
        next_page=form.query_string(page=str(form.page + 1))
        if len(hits) == limit and form.page < MAX_PAGE and (more or total > limit) else None,
        previous_page=form.query_string(page=str(form.page - 1) if form.page > 2 else "") if form.page > 1 else None,
    )
    return view


def explain_reasons(reasons: list[str]) -> list[dict]:
    """mfa_reason entries ("person:Лавров") as {kind, what, name} for the article page."""
    explained = []
    for reason in reasons:
        kind, _, name = reason.partition(":")
        explained.append({"kind": kind, "what": REASON_KINDS.get(kind, kind), "name": name or reason})
    return explained


def _member_view(member: dict, current_id: int | None, titles: dict[int, str], primary_id: int | None) -> dict:
    return {
        "id": member["id"], "title": member["title"] or "(untitled)", "source": member["source"],
        "url": member["url"], "host": host(member["url"]), "published": moscow_display(member["published"]),
        "mfa": member["mfa"], "reprint_of": member["reprint_of"],
        "reprint_of_title": titles.get(member["reprint_of"]) if member["reprint_of"] else None,
        "is_current": member["id"] == current_id, "is_primary": member["id"] == primary_id,
    }


def primary_view(primary: dict | None) -> dict | None:
    """A primary source (the ministry's own document) as the pages name it."""
    if not primary:
        return None
    return {"id": primary["id"], "title": primary["title"] or "(untitled)", "source": primary["source"],
            "url": primary["url"], "host": host(primary["url"]) or primary["source"],
            "published": moscow_display(primary["published"]), "grouped": primary.get("grouped", True),
            "heading": primary.get("heading")}


def story_view(story: dict, current_id: int | None = None) -> dict:
    """A story with its members: who reported it, when, and which versions are reprints."""
    titles = {m["id"]: f"{m['source']}: {m['title'] or '(untitled)'}" for m in story["articles"]}
    primary = story.get("primary")
    members = [_member_view(m, current_id, titles, primary["id"] if primary else None) for m in story["articles"]]
    return {
        "id": story["id"], "title": story["title"] or "(untitled)", "first_seen": moscow_display(story["first_seen"]),
        "last_seen": moscow_display(story["last_seen"]), "size": story["size"], "sources": story["sources"],
        "mfa_articles": story["mfa_articles"], "members": members,
        "reprints": sum(1 for m in members if m["reprint_of"]), "primary": primary_view(primary),
    }


def quote_view(number: int, quote: dict) -> dict:
    """One quote of an article: its verdict, what it changes, and where its passage is."""
    label, key = VERDICTS.get(quote["verdict"], VERDICTS[None])
    issue = ISSUES.get(quote["issue"], quote["issue"]) if quote["issue"] else None
    passage = (f"{quote['match_start']}-{quote['match_end']}"
               if quote["primary_id"] is not None and quote["match_start"] is not None and quote["match_end"] is not None
               and quote["match_end"] > quote["match_start"] else None)
    summary = label + (f": {issue}" if issue else "") + (f" ({quote['issue_detail']})" if quote["issue_detail"] else "")
    return {
        "number": number, "id": f"quote-{number}", "quote": quote["quote"], "kind": quote["kind"],
        "speaker": quote["speaker"], "verdict": label, "class": f"verdict-{key}", "issue": issue,
        "issue_detail": quote["issue_detail"], "score": quote["score"], "summary": summary,
        "primary_id": quote["primary_id"], "passage": passage, "position": quote["position"], "end": quote["end"],
    }


def _quote_span(quote: dict) -> Span:
    classes = f"quote {quote['class']}" + (f" issue-{quote['issue'].split()[0]}" if quote["issue"] else "")
    title = f"{quote['speaker'] or 'nobody named'}: {quote['summary']}"
    return Span(quote["position"], quote["end"], "mark", (("class", classes), ("id", quote["id"]), ("title", title)))


def passages_view(passages: list[dict]) -> list[dict]:
    """The passages of a primary document that the press quotes, each once with its quoters."""
    grouped: dict[tuple[int, int], dict] = {}
    for row in passages:
        key = (row["match_start"], row["match_end"])
        passage = grouped.setdefault(key, {"id": f"m-{key[0]}-{key[1]}", "start": key[0], "end": key[1], "quoted_by": []})
        label, _ = VERDICTS.get(row["verdict"], VERDICTS[None])
        passage["quoted_by"].append({"id": row["article_id"], "source": row["source"],
                                     "title": row["title"] or "(untitled)", "verdict": label,
                                     "issue": ISSUES.get(row["issue"], row["issue"]) if row["issue"] else None})
    return list(grouped.values())


def _passage_span(passage: dict) -> Span:
    quoters = ", ".join(dict.fromkeys(q["source"] for q in passage["quoted_by"]))
    return Span(passage["start"], passage["end"], "mark",
                (("class", "passage"), ("id", passage["id"]), ("title", f"quoted by {quoters}")))


def article_page(db: Database, article_id: int, passage: tuple[int, int] | None = None) -> dict | None:
    """Everything the article page shows, or None when there is no such article.

    `passage` (start, end): the quoted passage a link asks for, marked whole whatever other
    quoted passages it overlaps (those are cut around it).
    """
    article = read_article(db, article_id)
    if article is None:
        return None
    story = get_story(db, article["story_id"]) if article["story_id"] is not None else None
    original = None
    if article["reprint_of"] is not None:
        row = db.execute("SELECT id, source, title FROM articles WHERE id = ?", [article["reprint_of"]]).fetchone()
        original = {"id": row[0], "source": row[1], "title": row[2] or "(untitled)"} if row else None
    reprinted_by = [
        {"id": i, "source": source, "title": title or "(untitled)"}
        for i, source, title in db.execute(
            "SELECT id, source, title FROM articles WHERE reprint_of = ? ORDER BY id", [article_id])
    ]
    quotes = [quote_view(n, q) for n, q in enumerate(article_quotes(db, article_id), 1)]
    passages = passages_view(quoted_passages(db, article_id))
    passages_first = sorted(passages, key=lambda p: (p["start"], p["end"]) != passage)  # stable: text order
    spans = [_quote_span(q) for q in quotes] + [_passage_span(p) for p in passages_first]
    versions = [
        {**version, "replaced_at": moscow_display(version["replaced_at"]), "published": moscow_display(version["published"]),
         "paragraphs": paragraphs(version["text"])}
        for version in earlier_versions(db, article_id)
    ]
    return {
        "id": article["id"], "title": article["title"] or "(untitled)", "lead": article["lead"],
        "paragraphs": marked_paragraphs(article["text"], spans), "published": moscow_display(article["published"]),
        "modified": moscow_display(article["modified"]), "fetched_at": moscow_display(article["fetched_at"]),
        "source": article["source"], "url": article["url"], "host": host(article["url"]),
        "authors": article["authors"], "tags": article["tags"], "section": article["section"],
        "dateline": ", ".join(filter(None, [article["dateline_city"], article["dateline_agency"]])),
        "image_caption": article["image_caption"], "image_credit": article["image_credit"],
        "image_url": article["image_url"], "word_count": article["word_count"],
        "mfa": bool(article["mfa"]), "reasons": explain_reasons(article["mfa_reason"]),
        "story": story_view(story, article_id) if story else None,
        "original": original, "reprinted_by": reprinted_by, "versions": versions,
        "quotes": quotes, "passages": passages, "primary": primary_view(primary_link(db, article_id)),
    }


def story_detail(db: Database, story_id: int) -> dict | None:
    """The story page, or None when there is no such story."""
    story = get_story(db, story_id)
    return story_view(story) if story else None


def stories_page(db: Database, *, all_stories: bool, page: int) -> dict:
    """One page of the stories list, newest first."""
    stories, total = story_page(db, all_stories=all_stories, limit=STORIES_PER_PAGE,
                                offset=(page - 1) * STORIES_PER_PAGE)
    last_page = max(1, -(-total // STORIES_PER_PAGE))
    return {"stories": [story_view(s) for s in stories], "total": total, "page": page, "last_page": last_page,
            "all_stories": all_stories, "first_rank": (page - 1) * STORIES_PER_PAGE + 1}


def watch_view(watch: Watch) -> dict:
    filters = watch.filters
    search_args = {"q": watch.query, "source": filters.source or "", "since": filters.since or "",
                   "until": filters.until or "", "scope": "all" if filters.all_articles else ""}
    return {"name": watch.name, "query": watch.query, "describe": watch.describe(),
            "search_query": urlencode({k: v for k, v in search_args.items() if v})}


def feeds_page(db: Database) -> dict:
    return {"watches": [watch_view(w) for w in list_watches(db)]}

