"""Search: ranked hits for a query, in every word form, with snippets.

Measured (bench/search.py): lemma keys rank as well as prefix queries over the plain index
(`россиян*`), and stay fast on a million articles, because exact terms can skip through an
FTS5 doclist while every prefix query first merges all matching terms' doclists.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field

from archive.dates import sort_time
from archive.errors import QueryError
from archive.search.index import MORPH_FTS, MORPH_TABLE, catch_up
from archive.search.query import query_parts
from archive.search.snippets import HIGHLIGHT, make_snippet
from archive.store import Database
from archive.store.filters import ArticleFilter

# bm25 column weights for (title, lead, text): a word in the headline says more than in the body.
BM25_WEIGHTS = (4.0, 2.0, 1.0)
MAX_RANKED = 10_000  # see _ranked_rows


@dataclass
class Hit:
    """One search result: an article, or with `by_story` the best article of a story.

    `snippet` shows the matched words in [brackets]; `marked_snippet` has the raw HIGHLIGHT
    markers so a terminal can render them in bold instead.
    """

    id: int
    url: str
    title: str
    source: str
    published: str | None
    story_id: int | None
    mfa: int
    marked_snippet: str
    score: float
    story_title: str | None = None
    outlets: list[str] = field(default_factory=list)
    # With by_story: the story's primary source (the ministry's own publication), if it has one.
    primary_url: str | None = None
    primary_title: str | None = None
    primary_source: str | None = None

    @property
    def snippet(self) -> str:
        return self.marked_snippet.replace(HIGHLIGHT[0], "[").replace(HIGHLIGHT[1], "]")

    def as_json(self) -> dict:
        """The hit as one `--json` line."""
        data = {k: v for k, v in self.__dict__.items() if k != "marked_snippet"}
        data["snippet"] = self.snippet
        return data


def _story_columns(db: Database) -> tuple[str, str]:
    """The story title and join to use: early archives have no `stories` table or no title."""
    if "stories" in db.table_names() and "title" in db.columns("stories"):
        return "s.title", "LEFT JOIN stories s ON s.id = a.story_id"
    return "NULL", ""


def _outlets(db: Database, story_ids: list[int]) -> dict[int, list[str]]:
    if not story_ids:
        return {}
    marks = ", ".join("?" for _ in story_ids)
    rows = db.execute(
        f"SELECT story_id, source FROM articles WHERE story_id IN ({marks}) GROUP BY story_id, source ORDER BY min(published)",
        story_ids,
    ).fetchall()
    outlets: dict[int, list[str]] = {}
    for story_id, source in rows:
        outlets.setdefault(story_id, []).append(source)
    return outlets


def _ranked_rows(
    db: Database, match: str, where: str, params: dict, exclude: list[int], limit: int, by_story: bool
) -> list[tuple]:
    """Best `limit` rows for one MATCH expression, skipping articles (or stories) in `exclude`.

    FTS5 has no top-k shortcut: bm25 reads every match's length, about 2 µs each. So a very
    common query is ranked among its newest MAX_RANKED matches only; walking the doclist
    newest first and stopping there costs one pass, scoring as it goes.

    The FTS index is ranked alone, then the filters are applied to the ranked matches a
    batch at a time, best first, until `limit` pass: joining `articles` for every match
    would double the cost, and SQLite would join a whole pool before sorting it.
    """
    weights = ", ".join(str(w) for w in BM25_WEIGHTS)
    ranked = db.execute(
        f"""SELECT id, score FROM (
              SELECT rowid AS id, bm25({MORPH_FTS}, {weights}) AS score FROM {MORPH_FTS}
              WHERE {MORPH_FTS} MATCH ? ORDER BY rowid DESC LIMIT {MAX_RANKED})
            ORDER BY score""",
        [match],
    )
    group = "coalesce(a.story_id, -a.id)" if by_story else "a.id"
    passing = f"SELECT a.id, {group} FROM articles a WHERE a.id IN (SELECT value FROM json_each(:ids)) AND {where}"
    chosen: list[tuple[int, float]] = []
    taken = set(exclude)
    batch_size = 2 * limit
    try:
        while len(chosen) < limit and (batch := ranked.fetchmany(batch_size)):
            groups = dict(db.execute(passing, {"ids": json.dumps([r[0] for r in batch]), **params}).fetchall())
            for article_id, score in batch:
                story = groups.get(article_id)
                if story is not None and story not in taken and len(chosen) < limit:
                    taken.add(story)  # with by_story, the first row of a story is its best
                    chosen.append((article_id, score))
            batch_size *= 4
    finally:
        ranked.close()
    title_sql, join_sql = _story_columns(db) if by_story else ("NULL", "")
    return db.execute(
        f"""SELECT a.id, a.url, a.title, a.source, a.published, a.story_id, a.mfa,
                   coalesce(a.lead, '') || char(10) || coalesce(a.text, ''), j.value ->> 1, {title_sql},
                   coalesce(m.lead, '') || char(10) || coalesce(m.text, '')
            FROM json_each(:chosen) j CROSS JOIN articles a ON a.id = j.value ->> 0
                 LEFT JOIN {MORPH_TABLE} m ON m.id = a.id {join_sql}
            ORDER BY j.key""",
        {"chosen": json.dumps(chosen)},
    ).fetchall()


def search(
    db: Database,
    query: str,
    *,
    filters: ArticleFilter = ArticleFilter(),
    by_story: bool = False,
    limit: int = 20,
    index_first: bool = True,
) -> list[Hit]:
    """Ranked hits for `query`, best first, among the articles `filters` select.

    Articles with every word of the query come first, then those with only some, each tier
    ordered by bm25. With `by_story` each story appears once, represented by its best-ranked
    article, with the outlets that reported it.

    `index_first`: lemmatize articles queued since the last write before searching (see
    index.catch_up). The web server passes False because it never writes to the archive; the
    crawl indexes its own articles in the transaction that stores them, so only rows written
    by other tools (sqlite-utils, a manual UPDATE) wait for the next CLI search or `check`.
    """
    if limit < 1:
        raise QueryError("--limit must be at least 1")
    parts = query_parts(query)
    if index_first:
        catch_up(db)
    where, params = filters.sql()
    tiers = [" AND ".join(parts), " OR ".join(parts)] if len(parts) > 1 else parts
    rows: list[tuple] = []
    seen: list[int] = []
    try:
        for match in tiers:
            found = _ranked_rows(db, match, where, params, seen, limit - len(rows), by_story)
            rows += [(row, match) for row in found]
            seen += [(r[5] if r[5] is not None else -r[0]) if by_story else r[0] for r in found]
            if len(rows) >= limit:
                break
    except sqlite3.OperationalError as exc:
        raise QueryError(f"cannot search for {query!r}: {exc}") from None
    hits = [
        Hit(
            id=r[0], url=r[1], title=r[2], source=r[3], published=r[4], story_id=r[5], mfa=r[6],
            marked_snippet=make_snippet(r[7], match, indexed=r[10]), score=-r[8], story_title=r[9],
        )
        for r, match in rows
    ]
    if by_story:
        story_ids = [h.story_id for h in hits if h.story_id is not None]
        outlets = _outlets(db, story_ids)
        primaries = _primaries(db, story_ids)
        for hit in hits:
            hit.outlets = outlets.get(hit.story_id, [hit.source]) if hit.story_id is not None else [hit.source]
            if hit.story_id in primaries:
                hit.primary_url, hit.primary_title, hit.primary_source = primaries[hit.story_id]
                hit.outlets = [hit.primary_source, *(o for o in hit.outlets if o != hit.primary_source)]
    return hits


def _primaries(db: Database, story_ids: list[int]) -> dict[int, tuple[str, str, str]]:
    """story id -> (url, title, source) of its primary source, for stories that have one."""
    from archive.link.primary import story_primaries

    return {sid: (p["url"], p["title"], p["source"]) for sid, p in story_primaries(db, story_ids).items()}


def count_matches(db: Database, query: str, *, filters: ArticleFilter = ArticleFilter(), by_story: bool = False,
                  cap: int = MAX_RANKED) -> tuple[int, bool]:
    """How many articles (or stories) match `query` at all: (count, True if it is a lower bound).

    Counted among at most `cap` full-text matches, so a very common word costs no more than
    ranking does.
    """
    match = " OR ".join(query_parts(query))
    where, params = filters.sql()
    group = "coalesce(a.story_id, -a.id)" if by_story else "a.id"
    found, capped = db.execute(
        f"""SELECT count(DISTINCT {group}), (SELECT count(*) FROM (SELECT 1 FROM {MORPH_FTS}
                   WHERE {MORPH_FTS} MATCH :match LIMIT :cap)) >= :cap
            FROM (SELECT rowid AS id FROM {MORPH_FTS} WHERE {MORPH_FTS} MATCH :match LIMIT :cap) m
            JOIN articles a ON a.id = m.id WHERE {where}""",
        {"match": match, "cap": cap, **params},
    ).fetchone()
    return found, bool(capped)


def newest_matches(db: Database, query: str, *, filters: ArticleFilter = ArticleFilter(), limit: int = 50) -> list[Hit]:
    """The `limit` articles with every word of `query` that were added to the archive last,
    newest published first: what a saved search's feed shows.

    Chosen by arrival (article id), not by publication date, so an article crawled late with
    an old date still enters the feed when it arrives and a reader polling the feed sees it.
    The words match as in `search` (every form, phrases); `score` is 0, as nothing is ranked.
    Never writes: a feed is read by the web server too.
    """
    if limit < 1:
        raise QueryError("a feed needs at least 1 entry")
    match = " AND ".join(query_parts(query))
    where, params = filters.sql()
    matches = db.execute(f"SELECT rowid FROM {MORPH_FTS} WHERE {MORPH_FTS} MATCH ? ORDER BY rowid DESC", [match])
    passing = f"SELECT a.id FROM articles a WHERE a.id IN (SELECT value FROM json_each(:ids)) AND {where}"
    chosen: list[int] = []
    batch_size = 2 * limit
    try:
        while len(chosen) < limit and (batch := [r[0] for r in matches.fetchmany(batch_size)]):
            keep = {r[0] for r in db.execute(passing, {"ids": json.dumps(batch), **params})}
            chosen += [article_id for article_id in batch if article_id in keep][: limit - len(chosen)]
            batch_size *= 4
    except sqlite3.OperationalError as exc:
        raise QueryError(f"cannot search for {query!r}: {exc}") from None
    finally:
        matches.close()
    rows = db.execute(
        f"""SELECT a.id, a.url, a.title, a.source, a.published, a.story_id, a.mfa,
                   coalesce(a.lead, '') || char(10) || coalesce(a.text, ''),
                   coalesce(m.lead, '') || char(10) || coalesce(m.text, ''), a.fetched_at
            FROM articles a LEFT JOIN {MORPH_TABLE} m ON m.id = a.id
            WHERE a.id IN (SELECT value FROM json_each(:chosen))""",
        {"chosen": json.dumps(chosen)},
    ).fetchall()
    # Offsets differ between sources and ingested files, so dates are compared as moments.
    rows.sort(key=lambda r: (sort_time(r[4], r[9]), r[0]), reverse=True)
    return [
        Hit(id=r[0], url=r[1], title=r[2], source=r[3], published=r[4], story_id=r[5], mfa=r[6],
            marked_snippet=make_snippet(r[7], match, indexed=r[8]), score=0.0)
        for r in rows
    ]
