"""Integrity and consistency checks of an archive, and the repairs that are safe to make.

SQLite's own `integrity_check` says the file is sound; the other checks say the archive's
derived data (the FTS index, the lemma index, versions, stories) still agrees with its articles,
and that no killed export left its temporary file in a directory exports were written to.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from archive.export.schema import export_directories
from archive.export.targets import leftover_temporaries, remove_leftover_temporaries
from archive.link.linking import recluster
from archive.link.minhash import MINHASH_VERSION
from archive.link.schema import MINHASH_VERSION_KEY, STORY_RULE_VERSION, STORY_RULE_VERSION_KEY
from archive.search.index import rebuild_index
from archive.search.lemmas import KEYS_VERSION_KEY, keys_version
from archive.store import Database, transaction
from archive.store.database import writable_twin


@dataclass
class Problem:
    check: str
    detail: str
    repairable: bool


def _fts_mismatch(db: Database) -> str | None:
    """FTS5's own comparison of articles_fts with the articles table, or None if they agree.

    It is asked for with an INSERT, which a read-only connection refuses, so a read-only check
    asks through a writable twin inside a transaction that is rolled back: nothing is written.
    """
    checker = db
    if db.read_only:
        try:
            checker = writable_twin(db)
        except sqlite3.Error:
            return None  # the file cannot be opened for writing here: the row counts still compare
    try:
        checker.execute("BEGIN")
        # rank = 1 compares the index with the external content table; without it FTS5
        # checks only the index's internal consistency and misses rows it lacks.
        checker.execute("INSERT INTO articles_fts(articles_fts, rank) VALUES ('integrity-check', 1)")
    except sqlite3.DatabaseError as exc:  # the index disagrees with the table
        return str(exc)
    finally:
        if checker.conn.in_transaction:
            checker.execute("ROLLBACK")
        if checker is not db:
            checker.close()
    return None


def find_problems(db: Database) -> list[Problem]:
    """Run every check; an empty list means the archive is consistent."""
    problems = []
    try:
        result = [r[0] for r in db.execute("PRAGMA integrity_check").fetchall()]
    except sqlite3.DatabaseError as exc:  # damage SQLite cannot even walk past
        return [Problem("integrity_check", f"the file is damaged: {exc}", False)]
    if result != ["ok"]:
        problems.append(Problem("integrity_check", "; ".join(result[:3]), False))
        return problems
    mismatch = _fts_mismatch(db)
    if mismatch:
        problems.append(Problem("fts", f"articles_fts does not match articles: {mismatch}", True))
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
    saved = db.meta(KEYS_VERSION_KEY)
    if saved:
        current = keys_version()
        if saved != current:
            problems.append(Problem("lemmas", f"the lemma index was made by {saved}, not {current}", True))
    saved = db.meta(MINHASH_VERSION_KEY)
    if saved and saved != MINHASH_VERSION:
        problems.append(
            Problem("reprints", f"the stored MinHash signatures were made by {saved}, not {MINHASH_VERSION}", True)
        )
    for directory in export_directories(db):
        leftovers = leftover_temporaries(directory)
        if leftovers:
            names = ", ".join(path.name for path in leftovers[:3]) + (", ..." if len(leftovers) > 3 else "")
            problems.append(
                Problem("exports", f"{len(leftovers)} temporary files of killed exports in {directory}: {names}", True)
            )
    grouped = db.execute("SELECT 1 FROM dedup_docs LIMIT 1").fetchone() if "dedup_docs" in db.table_names() else None
    saved = db.meta(STORY_RULE_VERSION_KEY)
    if grouped and saved != STORY_RULE_VERSION:
        problems.append(Problem("stories", f"the stories were grouped by {saved or 'the rule before undated articles'}, "
                                f"not {STORY_RULE_VERSION} (recluster)", True))
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


def repair(db: Database, problems: list[Problem]) -> list[str]:
    """Rebuild what can be rebuilt from the articles table; return what was done."""
    done = []
    kinds = {p.check for p in problems if p.repairable}
    if "fts" in kinds:
        with transaction(db):
            db.execute("INSERT INTO articles_fts(articles_fts) VALUES ('rebuild')")
        done.append("rebuilt the full-text index")
    if "lemmas" in kinds:
        rebuild_index(db)
        done.append("rebuilt the lemma index with this pymorphy3")
    if "exports" in kinds:
        removed = sum(remove_leftover_temporaries(directory) for directory in export_directories(db))
        done.append(f"removed {removed} temporary files of killed exports")
    if kinds & {"stories", "reprints"}:
        recluster(db)
        done.append("recomputed reprints and stories")
    return done
