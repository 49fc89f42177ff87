"""Saved searches ("watches"): a name, a query and its filters, kept in the archive.

Each watch is published as an Atom feed (archive.web.feeds) by `serve` and by
`mfa-archive watch feed`. The name becomes part of a URL and of file names, so it is kept to
ASCII letters, digits, `-` and `_`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from archive.dates import utc_now
from archive.errors import UserError
from archive.search.query import query_parts
from archive.search.schema import WATCHES_TABLE
from archive.store import Database, transaction
from archive.store.filters import ArticleFilter

NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
NAME_RULE = "1-64 ASCII letters, digits, '-' or '_', starting with a letter or digit"


class WatchError(UserError):
    """A watch that cannot be added, found or removed; the message is one line."""


@dataclass(frozen=True)
class Watch:
    name: str
    query: str
    filters: ArticleFilter
    created_at: str

    def describe(self) -> str:
        """The filters in words, for `watch list` and the feed's subtitle."""
        words = ["all articles" if self.filters.all_articles else "ministry news"]
        if self.filters.source:
            words.append(f"from {self.filters.source}")
        if self.filters.since:
            words.append(f"since {self.filters.since}")
        if self.filters.until:
            words.append(f"until {self.filters.until}")
        return ", ".join(words)


def check_name(name: str) -> str:
    """`name` if it can name a watch, else WatchError."""
    if not NAME_PATTERN.fullmatch(name):
        raise WatchError(f"bad watch name {name!r}: use {NAME_RULE}")
    return name


def _watch(row: tuple) -> Watch:
    name, query, source, since, until, all_articles, created_at = row
    filters = ArticleFilter(
        source=source,
        since=date.fromisoformat(since) if since else None,
        until=date.fromisoformat(until) if until else None,
        all_articles=bool(all_articles),
    )
    return Watch(name, query, filters, created_at)


_COLUMNS = "name, query, source, since, until, all_articles, created_at"


def add_watch(db: Database, name: str, query: str, filters: ArticleFilter = ArticleFilter()) -> Watch:
    """Save a watch; a bad name, a query with nothing to search or a name in use is WatchError."""
    check_name(name)
    query = " ".join(query.split())
    query_parts(query)  # raises QueryError (one line) when nothing is left to search for
    if filters.since and filters.until and filters.since > filters.until:
        raise WatchError(f"--since {filters.since} is after --until {filters.until}")
    with transaction(db):
        if db.execute(f"SELECT 1 FROM {WATCHES_TABLE} WHERE name = ?", [name]).fetchone():
            raise WatchError(f"a watch named {name!r} exists already (mfa-archive watch remove {name} first)")
        created_at = utc_now()
        db.execute(
            f"INSERT INTO {WATCHES_TABLE} ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [name, query, filters.source, filters.since and filters.since.isoformat(),
             filters.until and filters.until.isoformat(), int(filters.all_articles), created_at],
        )
    return Watch(name, query, filters, created_at)


def list_watches(db: Database) -> list[Watch]:
    """Every watch, by name."""
    if WATCHES_TABLE not in db.table_names():  # an archive opened by plain Datasette, before schema 8
        return []
    return [_watch(row) for row in db.execute(f"SELECT {_COLUMNS} FROM {WATCHES_TABLE} ORDER BY name")]


def get_watch(db: Database, name: str) -> Watch:
    """The watch called `name`; WatchError naming the existing ones when there is none."""
    check_name(name)
    row = None
    if WATCHES_TABLE in db.table_names():
        row = db.execute(f"SELECT {_COLUMNS} FROM {WATCHES_TABLE} WHERE name = ?", [name]).fetchone()
    if row is None:
        known = ", ".join(w.name for w in list_watches(db)) or "none yet; add one with mfa-archive watch add"
        raise WatchError(f"no watch named {name!r} (watches: {known})")
    return _watch(row)


def remove_watch(db: Database, name: str) -> None:
    """Delete the watch called `name`; WatchError when there is none."""
    with transaction(db):
        get_watch(db, name)
        db.execute(f"DELETE FROM {WATCHES_TABLE} WHERE name = ?", [name])
