"""The Datasette plugin: reading pages, the project's metadata, public-mode permissions, facets
and links, for whichever attached database is an mfa-archive.

Registered through the `datasette` entry point (pyproject.toml), so `datasette archive.db`
gets it as well as `mfa-archive serve`. On an instance without an archive it adds nothing.
Its settings come from Datasette's plugin configuration, which `serve` fills in:
`{"plugins": {"mfa-archive": {"database": NAME, "public": true}}}`.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from datasette import hookimpl
from datasette.database import QueryInterrupted
from datasette.facets import DateFacet
from datasette.utils import escape_sqlite, path_with_added_args, path_with_removed_args
from datasette.utils.asgi import NotFound, Response
from markupsafe import Markup, escape

from archive.dates import moscow_display
from archive.search.watches import NAME_PATTERN, WatchError, get_watch
from archive.store import Database
from archive.web import pages
from archive.web.feeds import atom_feed
from archive.web.metadata import PLUGIN_NAME, READER_TABLES, archive_metadata, archive_tables

TEMPLATES = Path(__file__).resolve().parent / "templates"
# Introspection pages that show where the files are; a public server answers 404 instead.
PUBLIC_HIDDEN_PATHS = r"^/-/(databases|threads)(\.json)?$"


class _ArchiveInfo:
    """Which attached database is the archive, its tables, and whether the server is public."""

    def __init__(self, name: str, path: str, tables: list[str], public: bool) -> None:
        self.name, self.path, self.tables, self.public = name, path, tables, public
        self.metadata = archive_metadata(name, tables, public=public)


def archive_info(datasette) -> _ArchiveInfo | None:
    """The archive of this Datasette instance (found once and remembered), or None."""
    cached = getattr(datasette, "_mfa_archive", False)
    if cached is not False:
        return cached
    # The local metadata, not datasette.plugin_config(): that merges in get_metadata below,
    # which asks this function.
    config = (datasette._metadata_local.get("plugins") or {}).get(PLUGIN_NAME) or {}
    info = None
    for name, database in datasette.databases.items():
        if database.is_memory or not database.path or (config.get("database") not in (None, name)):
            continue
        tables = archive_tables(database.path)
        if tables is not None:
            info = _ArchiveInfo(name, database.path, tables, bool(config.get("public")))
            break
    datasette._mfa_archive = info
    return info


async def _read(datasette, info: _ArchiveInfo, fn):
    """Run `fn(Database)` on one of Datasette's read-only connections, in its SQL threads."""
    database = datasette.get_database(info.name)
    return await database.execute_fn(lambda conn: fn(Database(conn, Path(info.path), read_only=True)))


async def _page(datasette, request, template: str, context: dict, *, status: int = 200) -> Response:
    info = archive_info(datasette)
    context = {**context, "archive_db": info.name, "public": info.public}
    return Response.html(await datasette.render_template(template, context, request=request), status=status)


def _number(value: str) -> int:
    """A path's id; ids beyond SQLite's integers cannot exist."""
    number = int(value)
    if number > 2**63 - 1:
        raise NotFound("No such page")
    return number


async def home(datasette, request):
    info = archive_info(datasette)
    form = pages.SearchForm.from_args(request.args)
    view = await _read(datasette, info, lambda db: pages.search_page(db, form))
    return await _page(datasette, request, "mfa_search.html", view, status=400 if form.errors else 200)


async def search_json(datasette, request):
    """The search as JSON: `mfa-archive search --json`'s objects, for scripts and tests."""
    info = archive_info(datasette)
    form = pages.SearchForm.from_args(request.args)
    view = await _read(datasette, info, lambda db: pages.search_page(db, form))
    body = {"query": form.q, "page": form.page, "total": view["total"], "more": view["more"],
            "hits": [hit.as_json() for hit in view.get("raw_hits", [])], "errors": form.errors}
    return Response.json(body, status=400 if form.errors else 200)


async def article(datasette, request):
    info = archive_info(datasette)
    article_id = _number(request.url_vars["article_id"])
    asked = re.fullmatch(r"(\d{1,9})-(\d{1,9})", request.args.get("passage") or "")  # a quote's link: mark it whole
    passage = (int(asked[1]), int(asked[2])) if asked else None
    view = await _read(datasette, info, lambda db: pages.article_page(db, article_id, passage))
    if view is None:
        raise NotFound(f"No article {article_id}")
    return await _page(datasette, request, "mfa_article.html", {"article": view})


async def story(datasette, request):
    info = archive_info(datasette)
    story_id = _number(request.url_vars["story_id"])
    view = await _read(datasette, info, lambda db: pages.story_detail(db, story_id))
    if view is None:
        raise NotFound(f"No story {story_id}")
    return await _page(datasette, request, "mfa_story.html", {"story": view})


async def stories(datasette, request):
    info = archive_info(datasette)
    page = request.args.get("page") or "1"
    page = int(page) if page.isdigit() and 0 < int(page) < 10**6 else 1
    all_stories = request.args.get("scope") == "all"
    view = await _read(datasette, info, lambda db: pages.stories_page(db, all_stories=all_stories, page=page))
    return await _page(datasette, request, "mfa_stories.html", view)


async def feeds(datasette, request):
    info = archive_info(datasette)
    view = await _read(datasette, info, pages.feeds_page)
    return await _page(datasette, request, "mfa_feeds.html", view)


async def feed(datasette, request):
    info = archive_info(datasette)
    name = request.url_vars["name"]
    if not NAME_PATTERN.fullmatch(name):
        raise NotFound(f"No feed {name}")
    site = datasette.absolute_url(request, "/").rstrip("/")

    def make(db: Database) -> bytes | None:
        try:
            watch = get_watch(db, name)
        except WatchError:
            return None
        return atom_feed(db, watch, site)

    body = await _read(datasette, info, make)
    if body is None:
        raise NotFound(f"No feed {name}")
    return Response(body, content_type="application/atom+xml; charset=utf-8")


async def hidden_in_public(request):
    raise NotFound("Not available on a public server")


@hookimpl
def register_routes(datasette):
    info = archive_info(datasette)
    if info is None:
        return []
    routes = [
        (r"^/$", home),
        (r"^/-/search\.json$", search_json),
        (r"^/-/article/(?P<article_id>\d+)$", article),
        (r"^/-/story/(?P<story_id>\d+)$", story),
        (r"^/-/stories$", stories),
        (r"^/-/feeds$", feeds),
        (r"^/-/feeds/(?P<name>[^/]+)\.atom$", feed),
    ]
    if info.public:
        routes.append((PUBLIC_HIDDEN_PATHS, hidden_in_public))
    return routes


@hookimpl
def asgi_wrapper(datasette):
    """Answer GET and HEAD only, on every page: the server reads the archive and nothing else,
    so a POST (a write query, a form of some other plugin) is refused before any view sees it."""

    def wrap(app):
        async def read_only(scope, receive, send):
            if scope["type"] == "http" and scope["method"] not in ("GET", "HEAD") and archive_info(datasette):
                await send({"type": "http.response.start", "status": 405,
                            "headers": [(b"content-type", b"text/plain; charset=utf-8"), (b"allow", b"GET, HEAD")]})
                await send({"type": "http.response.body", "body": b"Method not allowed: this server only reads the archive\n"})
                return
            await app(scope, receive, send)

        return read_only

    return wrap


@hookimpl
def get_metadata(datasette, key, database, table):
    info = archive_info(datasette)
    return info.metadata if info else None


@hookimpl(trylast=True)
def permission_allowed(datasette, actor, action, resource):
    """On a public server: no arbitrary SQL, no download, no table but READER_TABLES, no other
    database. Called last, so no other plugin's answer overrides these refusals."""
    info = archive_info(datasette)
    if info is None or not info.public:
        return None
    if action in ("execute-sql", "view-database-download", "permissions-debug", "debug-menu"):
        return False
    if action == "view-database" and resource != info.name:
        return False
    if action == "view-table":
        database, table = resource
        if database != info.name or table.lower() not in READER_TABLES:
            return False
    if action == "view-query":
        return False  # canned queries are SQL too; the public metadata has none
    return None


@hookimpl
def prepare_jinja2_environment(env, datasette):
    """Add the reading pages' templates (all named mfa_*, so no Datasette page is replaced)."""
    from jinja2 import ChoiceLoader, FileSystemLoader

    env.loader = ChoiceLoader([FileSystemLoader(str(TEMPLATES)), env.loader])


@hookimpl
def startup(datasette):
    """Load the morphology once, before the first search asks for it (about a second)."""
    if archive_info(datasette) is None:
        return None

    async def warm():
        from archive.search.query import query_parts

        await datasette.get_database(archive_info(datasette).name).execute_fn(lambda conn: query_parts("мид"))

    return warm


@hookimpl
def menu_links(datasette, actor, request):
    if archive_info(datasette) is None:
        return []
    return [
        {"href": datasette.urls.path("/"), "label": "Search the archive"},
        {"href": datasette.urls.path("/-/stories"), "label": "Stories"},
        {"href": datasette.urls.path("/-/feeds"), "label": "Feeds"},
    ]


class MonthFacet(DateFacet):
    """Facet a date column by month (`YYYY-MM`), newest month first; a month selects rows whose
    value starts with it, which holds for the archive's ISO 8601 dates whatever their offset."""

    type = "month"

    async def suggest(self):
        return []

    async def facet_results(self):
        results, timed_out = [], []
        args = dict(self.get_querystring_pairs())
        size = self.get_facet_size()
        for source_and_config in self.get_configs():
            config = source_and_config["config"]
            column = config.get("column") or config["simple"]
            sql = f"""select substr({escape_sqlite(column)}, 1, 7) as value, count(*) as count from ({self.sql})
                      where {escape_sqlite(column)} glob '[0-9][0-9][0-9][0-9]-[0-9][0-9]*'
                      group by value order by value desc limit {size + 1}"""
            try:
                rows = (await self.ds.execute(self.database, sql, self.params, truncate=False,
                                              custom_time_limit=self.ds.setting("facet_time_limit_ms"))).rows
            except QueryInterrupted:  # over facet_time_limit_ms: listed as timed out, as Datasette does
                timed_out.append(column)
                continue
            values = []
            for row in rows[:size]:
                key = f"{column}__startswith"
                selected = args.get(key) == row["value"]
                path = (path_with_removed_args(self.request, {key: row["value"]}) if selected
                        else path_with_added_args(self.request, {key: row["value"]}))
                values.append({"value": row["value"], "label": row["value"], "count": row["count"],
                               "toggle_url": self.ds.absolute_url(self.request, path), "selected": selected})
            results.append({
                "name": column, "type": self.type, "results": values,
                "hideable": source_and_config["source"] != "metadata",
                "toggle_url": path_with_removed_args(self.request, {"_facet_month": column}),
                "truncated": len(rows) > size,
            })
        return results, timed_out


@hookimpl
def register_facet_classes():
    return [MonthFacet]


def _link(datasette, path: str, text) -> Markup:
    return Markup(f'<a href="{escape(datasette.urls.path(path))}">{escape(text)}</a>')


@hookimpl
def render_cell(row, value, column, table, database, datasette):
    """In the archive's tables: ids and headlines link to the reading pages, times show in
    Moscow time, a story's `mfa` count reads as yes/no, and a canonical URL that repeats the
    URL is left blank."""
    info = archive_info(datasette)
    if info is None or database != info.name or value is None:
        return None
    try:
        row_id = row["id"]
    except (IndexError, KeyError):  # the reader left the id column out (?_col=)
        row_id = None
    if table == "articles":
        if column == "title" and row_id is not None:
            return _link(datasette, f"/-/article/{row_id}", value)
        if column == "reprint_of" and isinstance(value, int):
            return _link(datasette, f"/-/article/{value}", f"article {value}")
        if column == "story_id" and isinstance(value, int):
            return _link(datasette, f"/-/story/{value}", f"story {value}")
        if column == "canonical_url" and value == row["url"]:
            return Markup('<span title="same as url">=</span>')
    if table == "stories":
        if column == "title" and row_id is not None:
            return _link(datasette, f"/-/story/{row_id}", value)
        if column in ("first_seen", "last_seen"):
            return moscow_display(value)
        if column == "mfa" and isinstance(value, int):
            return f"yes ({value} ministry article{'s' if value > 1 else ''})" if value else "no"
        if column == "sources":
            try:
                return ", ".join(json.loads(value))
            except (TypeError, ValueError):
                return None
    if table == "article_versions" and column == "article_id" and isinstance(value, int):
        return _link(datasette, f"/-/article/{value}", f"article {value}")
    return None
