"""SIGKILL the crawl at chosen and at random points, many inside database writes: the archive
stays sound after every kill and the next run completes it, with nothing lost or duplicated.

Every kill is certain to land on a crawl that is still running, and where it was aimed:

- "after-n-articles" and "in-transaction" kills stop the crawl process at an exact SQL
  statement (the pause hook of tests/support/instrument/sitecustomize.py): after its n-th new
  article is committed, or inside the write transaction of its n-th article. The process
  says so in a marker file and sleeps; only then is it killed. Each run has hundreds of
  articles left to store and n <= 12, so the point is always reached.
- "random-delay" kills come 0.3-4 s after the start, anywhere (start-up, listings, writes,
  mid-statement). An ArticleGate holds the mirror's article pages after a random 1-12 of
  them, so the run cannot finish before the kill (it needs hundreds more). A held request
  times out only after the crawler's 10 s DOWNLOAD_TIMEOUT, counted from after the start,
  and even then the next article page is held again.

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
from archive.schema import open_archive
from tests.conftest import REPO
from tests.support.gate import ArticleGate
from tests.support.hostile import mirror_config
from tests.support.mirrors import make_mirror as Mirror
from tests.support.processes import count_articles, instrumented_env, read_marker, wait_for, write_lock_held

pytestmark = pytest.mark.slow

GENERATED = 300
KILLS = 5
MODES = ("after-n-articles", "in-transaction", "random-delay")  # kill i uses MODES[i % 3]
POLL_S = 0.01


@dataclass
class Kill:
    """One SIGKILL: when, how many articles the archive held, whether a write was under way."""

    mode: str  # one of MODES
    after_s: float
    articles_before: int
    articles_after: int
    # The archive's write lock was held (a write transaction open): for a paused process, at
    # the kill itself; for a random-delay kill, a moment before it (the process still ran).
    writing: bool
    problems: list[str]
    aimed: int | None = None  # the n of an after-n-articles or in-transaction kill
    paused_at: dict | None = None  # what the paused process was about to run (its marker)


def start_crawl(config: Path, db: Path, env: dict[str, str] | None = None) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "archive", "crawl", "--quiet", "--db", str(db), "--config", str(config)],
        cwd=REPO, env=env or {**os.environ, "PYTHONPATH": str(REPO)},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )


def _killed(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGKILL)
    proc.wait()


def kill_once(config: Path, db: Path, rng: random.Random, mode: str, gate: ArticleGate) -> Kill:
    """Start a crawl and SIGKILL it at a point chosen by `mode` (see the module docstring).

    Fails the test if the crawl ends before the kill: then a kill would silently be missing.
    """
    before = count_articles(db)
    aimed = rng.randint(1, 12)
    if mode == "random-delay":
        gate.limit(rng.randint(1, 12))
        delay = rng.uniform(0.3, 4.0)
        proc = start_crawl(config, db)
        started = time.monotonic()
        try:
            # Polls a clock, not the crawl: the gate keeps the crawl running however late this is.
            wait_for(lambda: time.monotonic() - started >= delay, "the random delay", proc=proc, interval=POLL_S)
            writing = write_lock_held(db)
        finally:
            _killed(proc)
            gate.open()
        return Kill(mode, time.monotonic() - started, before, count_articles(db), writing, consistency_problems(db))
    marker = db.with_name(f"pause-{os.getpid()}.json")
    marker.unlink(missing_ok=True)
    pause = {"marker": marker, "mode": "after" if mode == "after-n-articles" else "inside", "articles": aimed,
             # Where in the article's transaction: 0 is its INSERT, before it runs; every statement,
             # trigger statements included, counts; past the last one the pause is at COMMIT.
             "step": rng.randint(0, 60)}
    proc = start_crawl(config, db, instrumented_env(pause=pause))
    started = time.monotonic()
    try:
        paused_at = wait_for(lambda: read_marker(marker), f"the crawl pausing ({mode}, n={aimed})", proc=proc)
        # The process now sleeps inside the hook and cannot run another statement: whatever the
        # probe sees is the state the kill leaves it in.
        writing = write_lock_held(db)
    finally:
        _killed(proc)
    return Kill(mode, time.monotonic() - started, before, count_articles(db), writing, consistency_problems(db),
                aimed, paused_at)


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
    """A reference crawl, then `kills` killed crawls and one to completion on another archive.

    Each killed run stores at most 12 new articles, so with `generated` pages there are always
    hundreds left: a kill never meets a finished crawl (it would fail the test, not be skipped).
    """
    rng = random.Random(seed)
    db, reference_db = work / "archive.db", work / "reference.db"
    gate = ArticleGate()  # open, except while a random-delay run is under way
    with Mirror(state="day1", generated=generated, gate=gate) as mirror:
        config = mirror_config(mirror.base_urls, work / "sources.toml", hostile=False)
        assert start_crawl(config, reference_db).wait(timeout=300) == 0
        done = [kill_once(config, db, rng, MODES[n % len(MODES)], gate) for n in range(kills)]
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


def test_each_aimed_kill_lands_where_it_was_aimed(series):
    """After n articles: exactly n more, no write open. Inside the n-th article's transaction:
    the write lock held, and that article rolled back with the process (n - 1 more)."""
    modes = [k.mode for k in series.kills]
    assert modes.count("in-transaction") >= 2 and modes.count("after-n-articles") >= 2, modes
    for kill in series.kills:
        if kill.mode == "after-n-articles":
            assert not kill.paused_at["in_transaction"] and not kill.writing, kill
            assert kill.articles_after == kill.articles_before + kill.aimed, kill
        elif kill.mode == "in-transaction":
            assert kill.paused_at["in_transaction"] and kill.writing, kill
            assert kill.articles_after == kill.articles_before + kill.aimed - 1, kill


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
