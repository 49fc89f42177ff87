"""The project's Datasette metadata for an archive of any file name, and what a public server shows.

`settings/datasette.yml` (shipped in the package as archive/defaults/datasette.yml) describes
the archive under the database key `archive`; here that block is given to whichever database
is the archive (`demo` for demo.db). Tables readers use keep their place; every other table
(raw pages, crawl state, index internals) is hidden from navigation, and on a public server
it cannot be opened at all.
"""

from __future__ import annotations

import copy
import sqlite3
from functools import lru_cache
from pathlib import Path

from archive.config import DEFAULT_SETTINGS

PLUGIN_NAME = "mfa-archive"
METADATA_FILE = DEFAULT_SETTINGS / "datasette.yml"
TEMPLATE_KEY = "archive"  # the database key of settings/datasette.yml
# The tables a reader may open; on a public server every other table is refused.
READER_TABLES = frozenset({"articles", "stories", "article_versions", "watches"})
# Tables every archive has, and which plain Datasette databases lack.
_ARCHIVE_MARKERS = {"articles", "stories", "meta", "articles_morph_fts"}


@lru_cache(maxsize=1)
def _project_metadata(text: str) -> dict:
    import yaml

    return yaml.safe_load(text) or {}


def project_metadata() -> dict:
    """settings/datasette.yml as a dict (read again when the file changes)."""
    return copy.deepcopy(_project_metadata(METADATA_FILE.read_text(encoding="utf-8")))


def archive_tables(path: str | Path) -> list[str] | None:
    """The tables of the SQLite file at `path` if it is an mfa-archive, else None.

    Opened read-only (`mode=ro`): deciding which database to dress must not write anything.
    """
    try:
        conn = sqlite3.connect(f"file:{Path(path).resolve().as_posix()}?mode=ro", uri=True)
    except sqlite3.Error:
        return None
    try:
        tables = [name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    except sqlite3.Error:
        return None
    finally:
        conn.close()
    return tables if _ARCHIVE_MARKERS <= set(tables) else None


def archive_metadata(database: str, tables: list[str], *, public: bool) -> dict:
    """Datasette metadata for the archive attached as `database`, which has `tables`.

    Public: no arbitrary SQL anywhere, and every table but READER_TABLES is refused (`allow:
    false`), not merely hidden; the plugin's permission check says the same, so neither alone
    has to be right.
    """
    metadata = project_metadata()
    block = (metadata.pop("databases", None) or {}).get(TEMPLATE_KEY) or {}
    table_config = block.setdefault("tables", {})
    for table in tables:
        if table not in READER_TABLES:
            table_config.setdefault(table, {})["hidden"] = True
            if public:
                table_config[table]["allow"] = False
    if public:
        metadata["allow_sql"] = False
        block["allow_sql"] = False
        block.pop("queries", None)
    metadata["databases"] = {database: block}
    return metadata
