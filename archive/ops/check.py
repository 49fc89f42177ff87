"""Integrity and consistency checks of an archive, and the repairs that are safe to make.

SQLite's own `integrity_check` says the file is sound; the other checks say the archive's
derived data (the FTS index, the lemma index, versions, stories) still agrees with its articles,
and that no killed export left its temporary file in a directory exports were written to.
"""

from __future__ import annotations

import hashlib
import random
import sqlite3
from dataclasses import dataclass

import zstandard

from archive.errors import RawPageMissing
from archive.export.schema import export_directories
from archive.export.targets import leftover_temporaries, remove_leftover_temporaries
from archive.link.linking import recluster
from archive.link.minhash import MINHASH_VERSION
from archive.link.schema import MINHASH_VERSION_KEY, STORY_RULE_VERSION, STORY_RULE_VERSION_KEY
from archive.search.index import rebuild_index
from archive.search.lemmas import KEYS_VERSION_KEY, keys_version
from archive.store import Database, transaction
from archive.store.database import writable_twin
from archive.store.rawpages import load_raw

# Raw pages whose bytes are checked against their SHA-256 by default (all with `full`): a
# sample finds damage that is spread out, and stays quick on an archive of millions.
RAW_SAMPLE = 1000
_SHOWN = 5  # ids named in a problem line


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


def find_problems(db: Database, *, full: bool = False) -> list[Problem]:
    """Run every check; an empty list means the archive is consistent. `full` checks every
    raw page's bytes instead of a sample."""
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
    problems += raw_page_problems(db, full=full)
    return problems


def raw_page_problems(db: Database, *, full: bool = False, sample: int = RAW_SAMPLE) -> list[Problem]:
    """Raw pages whose bytes no longer match the SHA-256 stored when they were saved, and zstd
    dictionaries that do not match theirs: a random sample of `sample` pages, or all of them
    with `full`. Not repairable: the original bytes are gone (a crawl or a WARC can bring
    the page back)."""
    if "raw_pages" not in db.table_names():
        return []
    problems = []
    bad_dicts = [
        # CAST: a damaged row may hold text, which sqlite3 would fail to decode
        dict_id for dict_id, data, sha in db.execute("SELECT id, CAST(dict AS BLOB), sha256 FROM zstd_dicts")
        if hashlib.sha256(data or b"").hexdigest() != sha
    ]
    if bad_dicts:
        problems.append(Problem("raw_pages", f"{len(bad_dicts)} zstd dictionaries do not match their SHA-256 "
                                             f"(ids {_ids(bad_dicts)}): the pages compressed with them cannot be read", False))
    total = db.execute("SELECT count(*) FROM raw_pages").fetchone()[0]
    ids = _all_raw_ids(db) if full or total <= sample else _sampled_raw_ids(db, sample)
    checked, mismatched, unreadable = 0, [], []
    for raw_id in ids:
        row = db.execute("SELECT sha256, size FROM raw_pages WHERE id = ?", [raw_id]).fetchone()
        if row is None:
            continue
        checked += 1
        try:
            body = load_raw(db, raw_id)
        # Damaged compressed data, its dictionary gone, or no blob at all (TypeError: text or NULL).
        except (zstandard.ZstdError, RawPageMissing, sqlite3.DatabaseError, TypeError):
            unreadable.append(raw_id)
            continue
        if hashlib.sha256(body).hexdigest() != row[0] or len(body) != row[1]:
            mismatched.append(raw_id)
    scope = "every raw page" if checked == total else f"a sample of {checked:,} of {total:,} raw pages"
    if mismatched:
        problems.append(Problem("raw_pages", f"{len(mismatched):,} raw pages do not match their stored SHA-256 "
                                             f"(ids {_ids(mismatched)}; checked {scope})", False))
    if unreadable:
        problems.append(Problem("raw_pages", f"{len(unreadable):,} raw pages cannot be decompressed "
                                             f"(ids {_ids(unreadable)}; checked {scope})", False))
    return problems


def _ids(ids: list[int]) -> str:
    shown = ", ".join(str(i) for i in ids[:_SHOWN])
    return shown + (f" and {len(ids) - _SHOWN:,} more" if len(ids) > _SHOWN else "")


def _all_raw_ids(db: Database):
    """Every raw page id, in slices, so a full check holds no list of millions."""
    last = 0
    while True:
        ids = [i for (i,) in db.execute("SELECT id FROM raw_pages WHERE id > ? ORDER BY id LIMIT 1000", [last])]
        if not ids:
            return
        yield from ids
        last = ids[-1]


def _sampled_raw_ids(db: Database, sample: int) -> list[int]:
    """About `sample` distinct raw page ids at random: each the first id at or after a random
    point of the id range (a lookup each, instead of sorting the whole table by random())."""
    low, high = db.execute("SELECT min(id), max(id) FROM raw_pages").fetchone()
    picked: set[int] = set()
    for point in random.sample(range(low, high + 1), min(sample, high - low + 1)):
        row = db.execute("SELECT id FROM raw_pages WHERE id >= ? ORDER BY id LIMIT 1", [point]).fetchone()
        picked.add(row[0])
    return sorted(picked)


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
        done.append("recomputed reprints, stories, primary sources and quotes")
    return done
