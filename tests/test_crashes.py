"""SIGKILL the crawl at random points, many during database writes: the archive stays
sound after every kill and the next run completes it, with nothing lost or duplicated.

Slow (the `slow` marker: `pytest -m slow`); bench/faults.py does the same with 20 kills.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from archive.ops.check import find_problems
from tests.support.mirrors import make_mirror as Mirror
from tests.support.hostile import mirror_config
from archive.schema import open_archive
from tests.conftest import REPO

pytestmark = pytest.mark.slow

GENERATED = 300
KILLS = 5
POLL_S = 0.01


@dataclass
class Kill:
    """One SIGKILL: when, how many articles the archive held, whether a write was under way."""

    mode: str  # "after-n-articles" or "random-delay"
    after_s: float
    articles_before: int
    articles_after: int
    writing: bool  # the WAL grew or an article appeared in the last poll before the kill
    problems: list[str]


def start_crawl(config: Path, db: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "archive", "crawl", "--quiet", "--db", str(db), "--config", str(config)],
        cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )


def count_articles(db: Path) -> int:
    """Articles committed so far, read as any other process would (0 before the schema exists)."""
    if not db.exists():
        return 0
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
        try:
            return conn.execute("SELECT count(*) FROM articles").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.OperationalError:
        return 0


def _wal_size(db: Path) -> int:
    wal = Path(f"{db}-wal")
    return wal.stat().st_size if wal.exists() else 0


def kill_once(config: Path, db: Path, rng: random.Random, mode: str) -> Kill | None:
    """Start a crawl and SIGKILL it: right after a random number of new articles appear, or
    after a random delay. None if the crawl finished before the kill came."""
    before = count_articles(db)
    target = before + rng.randint(1, 12)
    delay = rng.uniform(0.3, 4.0)
    proc = start_crawl(config, db)
    started = time.monotonic()
    last_count, last_wal, writing = before, _wal_size(db), False
    while proc.poll() is None:
        time.sleep(POLL_S)
        count, wal = count_articles(db), _wal_size(db)
        writing = count != last_count or wal != last_wal
        last_count, last_wal = count, wal
        due = count >= target if mode == "after-n-articles" else time.monotonic() - started >= delay
        if due:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            return Kill(mode, time.monotonic() - started, before, count_articles(db), writing, consistency_problems(db))
    return None


def consistency_problems(db: Path) -> list[str]:
    """Everything wrong with the archive after a crash; empty when it is sound."""
    if not db.exists():
        return []
    conn = sqlite3.connect(db)
    try:
        if "articles" not in {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}:
            return []  # killed before the schema transaction committed: nothing was written
        problems = []
        if conn.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            problems.append("integrity_check failed")
        try:
            conn.execute("INSERT INTO articles_fts(articles_fts, rank) VALUES ('integrity-check', 1)")
        except sqlite3.DatabaseError as exc:
            problems.append(f"articles_fts disagrees with articles: {exc}")
        articles = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
        indexed = conn.execute("SELECT count(*) FROM articles_fts_docsize").fetchone()[0]
        if articles != indexed:
            problems.append(f"{articles} articles, {indexed} indexed")
        half = conn.execute(
            "SELECT count(*) FROM articles WHERE trim(coalesce(text, '')) = '' OR trim(coalesce(title, '')) = '' "
            "OR content_hash IS NULL OR raw_id IS NULL OR raw_id NOT IN (SELECT id FROM raw_pages)"
        ).fetchone()[0]
        if half:
            problems.append(f"{half} half-stored articles")
    finally:
        conn.close()
    archive = open_archive(db, create=False)
    try:
        problems += [f"check: {p.check}: {p.detail}" for p in find_problems(archive)]
    finally:
        archive.conn.close()
    return problems


def article_hashes(db: Path) -> dict[str, str]:
    conn = sqlite3.connect(db)
    try:
        rows = conn.execute("SELECT url, content_hash FROM articles").fetchall()
    finally:
        conn.close()
    return dict(rows)


@dataclass
class CrashSeries:
    kills: list[Kill]
    reference: dict[str, str]
    final: dict[str, str]
    final_problems: list[str]
    final_rows: int

    @property
    def lost(self) -> set[str]:
        return set(self.reference) - set(self.final)

    @property
    def extra(self) -> set[str]:
        return set(self.final) - set(self.reference)

    @property
    def differing(self) -> set[str]:
        return {u for u in set(self.reference) & set(self.final) if self.reference[u] != self.final[u]}

    @property
    def duplicated(self) -> int:
        return self.final_rows - len(self.final)


def crash_series(work: Path, kills: int, seed: int, generated: int = GENERATED) -> CrashSeries:
    """A reference crawl, then `kills` killed crawls and one to completion on another archive."""
    rng = random.Random(seed)
    db, reference_db = work / "archive.db", work / "reference.db"
    with Mirror(state="day1", generated=generated) as mirror:
        config = mirror_config(mirror.base_urls, work / "sources.toml", hostile=False)
        assert start_crawl(config, reference_db).wait(timeout=300) == 0
        done: list[Kill] = []
        modes = ["after-n-articles", "random-delay"]
        while len(done) < kills:
            kill = kill_once(config, db, rng, modes[len(done) % 2])
            if kill is None:
                break  # the archive is complete: no run left to kill
            done.append(kill)
        assert start_crawl(config, db).wait(timeout=300) == 0
    conn = sqlite3.connect(db)
    rows = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    conn.close()
    return CrashSeries(done, article_hashes(reference_db), article_hashes(db), consistency_problems(db), rows)


@pytest.fixture(scope="module")
def series(tmp_path_factory) -> CrashSeries:
    return crash_series(tmp_path_factory.mktemp("crashes"), KILLS, seed=int(os.environ.get("CRASH_SEED", "7")))


def test_every_kill_leaves_a_sound_archive(series):
    assert len(series.kills) == KILLS
    for kill in series.kills:
        assert kill.problems == [], kill


def test_some_kills_hit_writes(series):
    assert sum(k.writing for k in series.kills) >= 2, series.kills
    assert any(k.articles_after > k.articles_before for k in series.kills)


def test_the_next_run_completes_the_set_exactly(series):
    assert len(series.reference) >= 300
    assert series.final_problems == []
    assert series.lost == set()
    assert series.extra == set()
    assert series.duplicated == 0
    assert series.differing == set()


def test_a_resumed_article_gets_the_same_text_as_a_fresh_one(tmp_path):
    """An article whose text exists only in the full-text feed, left in the frontier by an
    interrupted run, is archived with that text even though the feed has not changed."""
    db = tmp_path / "archive.db"
    with Mirror(state="day1") as mirror:
        config = mirror_config(mirror.base_urls, tmp_path / "sources.toml", hostile=False)
        assert start_crawl(config, db).wait(timeout=300) == 0
        page = next(a for a in mirror.articles("tass") if a.kind == "rss_fulltext_only")
        fresh = article_hashes(db)[page.url]
        conn = sqlite3.connect(db)
        with conn:
            conn.execute("DELETE FROM articles WHERE url = ?", [page.url])
            conn.execute("INSERT INTO frontier (url, source, first_seen, attempts) VALUES (?, 'tass', '2026-01-01', 0)",
                         [page.url])
        conn.close()
        mirror.clear_log()
        assert start_crawl(config, db).wait(timeout=300) == 0
        feeds = {e.path: e.status for e in mirror.access_log if e.kind == "feed" and e.site == "tass"}
    assert feeds["/rss/yandex.xml"] == 200 and feeds["/rss/v2.xml"] == 304
    assert article_hashes(db).get(page.url) == fresh
