"""Integrity and consistency checks of an archive, and the repairs that are safe to make.

SQLite's own `integrity_check` says the file is sound; the other checks say the archive's
derived data (the FTS index, the lemma index, versions, stories) still agrees with its articles.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

import sqlite_utils

from archive.store import transaction


@dataclass
class Problem:
    check: str
    detail: str
    repairable: bool


def find_problems(db: sqlite_utils.Database) -> list[Problem]:
    """Run every check; an empty list means the archive is consistent."""
    problems = []
    try:
        result = [r[0] for r in db.execute("PRAGMA integrity_check").fetchall()]
    except sqlite3.DatabaseError as exc:  # damage SQLite cannot even walk past
        return [Problem("integrity_check", f"the file is damaged: {exc}", False)]
    if result != ["ok"]:
        problems.append(Problem("integrity_check", "; ".join(result[:3]), False))
        return problems
    try:
        # rank = 1 compares the index with the external content table; without it FTS5
        # checks only the index's internal consistency and misses rows it lacks.
        db.execute("INSERT INTO articles_fts(articles_fts, rank) VALUES ('integrity-check', 1)")
    except Exception as exc:  # sqlite3.DatabaseError: the index disagrees with the table
        problems.append(Problem("fts", f"articles_fts does not match articles: {exc}", True))
    articles = db.execute("SELECT count(*) FROM articles").fetchone()[0]
    # count(*) on an external-content table reads the content table; the docsize shadow
    # table has one row per document actually indexed.
    indexed = db.execute("SELECT count(*) FROM articles_fts_docsize").fetchone()[0]
    if articles != indexed:
        problems.append(Problem("fts", f"{articles} articles but {indexed} rows in articles_fts", True))
    orphans = db.execute(
        "SELECT count(*) FROM article_versions WHERE article_id NOT IN (SELECT id FROM articles)"
    ).fetchone()[0]
    if orphans:
        problems.append(Problem("versions", f"{orphans} article versions belong to no article", False))
    empty = db.execute("SELECT count(*) FROM articles WHERE text IS NULL OR trim(text) = ''").fetchone()[0]
    if empty:
        problems.append(Problem("articles", f"{empty} articles have no text", False))
    saved = db.execute("SELECT value FROM meta WHERE key = 'morph_keys_version'").fetchone()
    if saved:
        from archive import search

        current = search.keys_version()
        if saved[0] != current:
            problems.append(Problem("lemmas", f"the lemma index was made by {saved[0]}, not {current}", True))
    if "stories" in db.table_names():
        missing = db.execute(
            "SELECT count(DISTINCT story_id) FROM articles WHERE story_id IS NOT NULL "
            "AND story_id NOT IN (SELECT id FROM stories)"
        ).fetchone()[0]
        if missing:
            problems.append(Problem("stories", f"{missing} story ids used by articles are not in stories", True))
        wrong_size = db.execute(
            "SELECT count(*) FROM stories s WHERE size != (SELECT count(*) FROM articles a WHERE a.story_id = s.id)"
        ).fetchone()[0]
        if wrong_size:
            problems.append(Problem("stories", f"{wrong_size} stories have a wrong size", True))
    return problems


def repair(db: sqlite_utils.Database, problems: list[Problem]) -> list[str]:
    """Rebuild what can be rebuilt from the articles table; return what was done."""
    done = []
    kinds = {p.check for p in problems if p.repairable}
    if "fts" in kinds:
        with transaction(db):
            db.execute("INSERT INTO articles_fts(articles_fts) VALUES ('rebuild')")
        done.append("rebuilt the full-text index")
    if "lemmas" in kinds:
        from archive import search

        search.rebuild_index(db)
        done.append("rebuilt the lemma index with this pymorphy3")
    if "stories" in kinds:
        from archive import dedup

        dedup.recluster(db)
        done.append("recomputed reprints and stories")
    return done
