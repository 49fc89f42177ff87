"""A crawl writing while searches, exports and `status` run on the same archive in other
processes: nobody sees "database is locked" or a torn read; a second crawl exits 75.

The crawl is paced by an ArticleGate, so the readers provably meet a running crawl: while the
gate is not open, only the article pages it admits are served, far fewer than the crawl needs,
so the crawl cannot finish, holds its lock and keeps its runs marked running. Slow (the
`slow` marker: `pytest -m slow`).
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from archive.demo.model import SITES
from tests.conftest import REPO
from tests.support.gate import ArticleGate
from tests.support.hostile import mirror_config
from tests.support.mirrors import make_mirror as Mirror
from tests.support.processes import count_articles, wait_for

pytestmark = pytest.mark.slow

GENERATED = 300
FIRST = 10  # article pages served before the readers start
ROUNDS = 3  # rounds of search, export and status while the gate still paces the crawl
PER_ROUND = 20  # article pages admitted at the start of each of those rounds
# FIRST + ROUNDS * PER_ROUND = 70 article pages of the ~360 the crawl needs: it cannot finish.


def _start(*args: str, cwd: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "archive", *args], cwd=cwd, env={**os.environ, "PYTHONPATH": str(REPO)},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


class SnapshotReader(threading.Thread):
    """Reads the archive in read transactions while the crawl writes, and records any read in
    which tables that one transaction writes together disagree (a torn read)."""

    def __init__(self, db: Path):
        super().__init__(daemon=True)
        self.db = db
        self.stop = threading.Event()
        self.reads = 0
        self.torn: list[str] = []
        self.errors: list[str] = []

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                self._read_once()
            except sqlite3.OperationalError as exc:
                self.errors.append(str(exc))
            time.sleep(0.02)

    def _read_once(self) -> None:
        conn = sqlite3.connect(self.db, timeout=30)
        try:
            conn.execute("BEGIN")
            articles = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
            indexed = conn.execute("SELECT count(*) FROM articles_fts_docsize").fetchone()[0]
            without_raw = conn.execute(
                "SELECT count(*) FROM articles WHERE raw_id NOT IN (SELECT id FROM raw_pages)").fetchone()[0]
            conn.execute("COMMIT")
        finally:
            conn.close()
        self.reads += 1
        if articles != indexed or without_raw:
            self.torn.append(f"{articles} articles, {indexed} indexed, {without_raw} without their raw page")


def _round(db: Path, work: Path, number: int) -> list[tuple[str, subprocess.CompletedProcess]]:
    """One search, one export and one status, run at once against the archive."""
    batch = {
        "search": _start("search", "--db", str(db), "--all", "--json", "--limit", "5", "Россия", cwd=work),
        "export": _start("export", "--db", str(db), "--all", "--format", "jsonl", "--out", str(work / f"e{number}.jsonl"), cwd=work),
        "status": _start("status", "--db", str(db), "--json", cwd=work),
    }
    done = []
    for name, proc in batch.items():
        out, err = proc.communicate(timeout=120)
        done.append((name, subprocess.CompletedProcess(proc.args, proc.returncode, out, err)))
    return done


@pytest.fixture(scope="module")
def contended(tmp_path_factory):
    """One crawl of 360 pages, with other commands run against its archive all along."""
    work = tmp_path_factory.mktemp("concurrency")
    db = work / "archive.db"
    gate = ArticleGate(allowed=FIRST)
    with Mirror(state="day1", generated=GENERATED, gate=gate) as mirror:
        config = mirror_config(mirror.base_urls, work / "sources.toml", hostile=False)
        crawl = _start("crawl", "--quiet", "--db", str(db), "--config", str(config), cwd=work)
        reader = SnapshotReader(db)
        try:
            wait_for(lambda: count_articles(db) > 0, "the crawl storing its first article", proc=crawl)
            # The crawl holds the lock until the gate opens, so the second one meets it whenever it starts.
            second = _start("crawl", "--quiet", "--db", str(db), "--config", str(config), cwd=work)
            second_out, second_err = second.communicate(timeout=120)
            reader.start()
            readers: list[tuple[str, subprocess.CompletedProcess]] = []
            for number in range(1, ROUNDS + 1):
                gate.grant(PER_ROUND)  # the crawl writes while this round reads
                readers += _round(db, work, number)
            wait_for(lambda: reader.reads >= 10, "ten reads by the reader thread")
            gate.open()
            rounds = ROUNDS
            while crawl.poll() is None:  # and more rounds while it writes at full speed, until it ends
                rounds += 1
                readers += _round(db, work, rounds)
        except BaseException:
            crawl.kill()
            raise
        finally:
            gate.open()
        crawl_out, crawl_err = crawl.communicate(timeout=300)
        reader.stop.set()
        reader.join(timeout=10)
    yield {
        "crawl": (crawl.returncode, crawl_err), "second": (second.returncode, second_err),
        "readers": readers, "reader": reader, "db": db, "work": work,
    }


def test_readers_and_the_crawl_all_succeed(contended):
    code, err = contended["crawl"]
    assert code == 0, err
    assert len(contended["readers"]) >= 3
    for name, result in contended["readers"]:
        assert result.returncode == 0, f"{name}: {result.stderr}"
        assert "locked" not in result.stderr and "Traceback" not in result.stderr, f"{name}: {result.stderr}"


def test_no_torn_read_and_no_lock_error(contended):
    reader = contended["reader"]
    assert reader.reads >= 10
    assert reader.errors == []
    assert reader.torn == []


def test_exports_are_consistent_snapshots(contended):
    for path in sorted(contended["work"].glob("e*.jsonl")):
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
        assert rows and all(row["text"] and row["title"] for row in rows), path
        assert len({row["url"] for row in rows}) == len(rows), path


def test_status_does_not_call_a_running_crawl_dead(contended):
    statuses = [json.loads(r.stdout) for name, r in contended["readers"] if name == "status"]
    assert statuses
    for status in statuses:
        assert not [w for w in status["warnings"] if "did not finish" in w], status["warnings"]
    running = [run for status in statuses for run in status["running"]]
    assert running, "a status taken during the crawl lists it as running"
    assert {run["source"] for run in running} <= set(SITES) and all(run["started_at"] for run in running)


def test_a_second_crawl_exits_75(contended):
    code, err = contended["second"]
    assert code == 75
    assert err.strip().startswith("mfa-archive crawl: another crawl is already running on")
