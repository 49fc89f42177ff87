"""Running unattended: the crawl lock, quiet mode, the scheduler, shutdown and health."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from archive.ops.runlock import crawl_lock
from crawler.settings import CONCURRENT_REQUESTS
from tests.support.mirrors import mirror_sources
from tests.conftest import REPO, crawl_args, run_cli
from tests.support.gate import ArticleGate
from tests.support.mirrors import make_mirror as Mirror
from tests.support.processes import count_articles, instrumented_env, wait_for


def _consistent(db: Path) -> sqlite3.Connection:
    """Assert the archive is intact: integrity, FTS agreement, no article without text."""
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.execute("INSERT INTO articles_fts(articles_fts) VALUES ('integrity-check')")
    assert conn.execute("SELECT count(*) FROM articles WHERE text IS NULL OR text = ''").fetchone()[0] == 0
    return conn


@pytest.fixture(scope="module")
def mirror():
    with Mirror(state="day1") as m:
        yield m


def test_second_crawl_exits_75_while_the_lock_is_held(tmp_path, mirror):
    db = tmp_path / "archive.db"
    with crawl_lock(db):
        result = run_cli(*crawl_args(mirror, db))
    assert result.returncode == 75
    assert result.stderr.strip().splitlines() == [
        f"mfa-archive crawl: another crawl is already running on {db} (pid {os.getpid()})"
    ]
    assert not db.exists()


def test_quiet_prints_nothing_on_success_and_the_problem_on_failure(tmp_path, mirror):
    db = tmp_path / "archive.db"
    ok = run_cli(*crawl_args(mirror, db, "--quiet", "--source", "newsru"))
    assert ok.returncode == 0 and ok.stdout == "" and ok.stderr == ""
    bad = run_cli("crawl", "--db", str(db), "--quiet", "--source", "tass", "--base-url", "tass=http://127.0.0.1:9")
    assert bad.returncode == 1 and bad.stdout == ""
    assert "tass: cannot reach 127.0.0.1:9 (connection refused)" in bad.stderr
    assert (tmp_path / "mfa-archive.log").stat().st_size > 0


@pytest.mark.parametrize(
    "edit, message",
    [
        (('schedule = "*/15 * * * *"', 'schedule = "61 * * * *"'), "bad cron expression '61 * * * *'"),
        (('schedule = "*/15 * * * *"', 'schedule = "every day"'), "bad cron expression 'every day'"),
    ],
)
def test_scheduler_refuses_bad_cron_at_start(tmp_path, edit, message):
    config = tmp_path / "sources.toml"
    config.write_text((REPO / "settings" / "sources.toml").read_text(encoding="utf-8").replace(*edit), encoding="utf-8")
    result = run_cli("schedule", "--config", str(config), "--db", str(tmp_path / "a.db"), timeout=30)
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1 and message in result.stderr


def test_scheduler_refuses_unknown_source(tmp_path):
    result = run_cli("schedule", "--source", "ria", "--db", str(tmp_path / "a.db"), timeout=30)
    assert result.returncode == 2 and "unknown source 'ria'" in result.stderr


def _start_scheduler(mirror, db: Path, every: float, *extra: str, env: dict[str, str] | None = None) -> subprocess.Popen:
    args = [sys.executable, "-m", "archive", "schedule", "--db", str(db), "--every", str(every), *extra]
    if "--config" not in extra:
        args += ["--config", str(mirror_sources(db.parent))]
    for name, url in mirror.base_urls.items():
        args += ["--base-url", f"{name}={url}"]
    return subprocess.Popen(
        args, cwd=REPO, env=env or {**os.environ, "PYTHONPATH": str(REPO)},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def _finished_runs(db: Path) -> int:
    if not db.exists():
        return 0
    conn = sqlite3.connect(db, timeout=30)
    try:
        return conn.execute("SELECT count(*) FROM runs WHERE status != 'running'").fetchone()[0]
    except sqlite3.OperationalError:
        return 0
    finally:
        conn.close()


def test_scheduler_fires_repeatedly_in_subprocesses_and_stops_on_sigterm(tmp_path, mirror):
    db = tmp_path / "archive.db"
    proc = _start_scheduler(mirror, db, 2, "--source", "newsru")
    try:
        wait_for(lambda: _finished_runs(db) >= 2, "two runs finished", proc=proc, interval=0.2)
        assert _finished_runs(db) >= 2
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=90)
    assert proc.returncode == 0, err
    assert err.count("crawl newsru exited with code 0") >= 1
    conn = _consistent(db)
    statuses = [s for (s,) in conn.execute("SELECT status FROM runs ORDER BY id")]
    assert statuses[:2] == ["ok", "ok"]


# Article pages the mirror serves before it holds the rest, in the SIGTERM test: enough for
# the 20 it waits for, a tenth of the ~470 a whole run stores. The scheduler crawls one
# source at a time; the gate counts pages of both.
ADMITTED = 40


def _crawl_handled_sigterm(log: Path) -> bool:
    """True once the scheduler's crawl process (not the scheduler) has run its SIGTERM handler."""
    lines = log.read_text(encoding="utf-8").splitlines() if log.exists() else []
    return any(line.split()[1:2] == ["crawl"] for line in lines)


@pytest.mark.slow  # an interrupted run, then two whole runs of ~470 articles
def test_sigterm_mid_crawl_loses_and_half_writes_nothing(tmp_path):
    """Deterministic: an ArticleGate serves ADMITTED article pages and holds the next, so the
    crawl provably runs (it needs ~470) when SIGTERM comes. The held page is let go only once
    the crawl process's SIGTERM handler has run (the sigterm_log hook says so): Scrapy then
    finishes the requests already in its downloader (at most CONCURRENT_REQUESTS, stuck
    behind the held one) and schedules nothing new. So the scheduler's runs store at least
    the 20 waited for and at most ADMITTED + CONCURRENT_REQUESTS articles."""
    db = tmp_path / "archive.db"
    handled = tmp_path / "sigterm-handled.log"
    gate = ArticleGate(allowed=ADMITTED)
    with Mirror(state="day1", generated=400, gate=gate) as big:
        proc = _start_scheduler(big, db, 3600, env=instrumented_env(sigterm_log=handled))  # first run starts at once
        try:
            wait_for(lambda: count_articles(db) >= 20, "20 articles stored", proc=proc)
            assert gate.wait_until_holding(timeout=120), "the crawl reaches a held article page"
            proc.send_signal(signal.SIGTERM)
            wait_for(lambda: _crawl_handled_sigterm(handled), "the crawl process handling SIGTERM", proc=proc)
        except BaseException:
            proc.kill()
            raise
        finally:
            gate.open()
        proc.communicate(timeout=120)
        assert proc.returncode == 0
        conn = _consistent(db)
        interrupted = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
        conn.close()
        # The next run completes the set: exactly what one uninterrupted run archives.
        assert run_cli(*crawl_args(big, db), timeout=600).returncode == 0
        reference = tmp_path / "reference.db"
        assert run_cli(*crawl_args(big, reference), timeout=600).returncode == 0
    urls = {u for (u,) in _consistent(db).execute("SELECT url FROM articles")}
    expected = {u for (u,) in sqlite3.connect(reference).execute("SELECT url FROM articles")}
    assert 20 <= interrupted < len(expected)
    assert interrupted <= ADMITTED + CONCURRENT_REQUESTS
    assert urls == expected


def test_status_reports_runs_and_check_flags_a_dead_run(tmp_path, mirror):
    db = tmp_path / "archive.db"
    assert run_cli(*crawl_args(mirror, db)).returncode == 0
    status = run_cli("status", "--db", str(db), "--json")
    health = json.loads(status.stdout)
    assert {r["source"] for r in health["last_runs"]} == set(mirror.base_urls)
    assert len(health["per_day"]) == 30 and sum(n for _, n in health["per_day"]) > 0
    # A run row left "running" with no crawl holding the lock is a run that died.
    conn = sqlite3.connect(db)
    conn.execute("INSERT INTO runs (source, started_at, status) VALUES ('tass', '2026-01-01T00:00:00+00:00', 'running')")
    conn.commit()
    check = run_cli("status", "--db", str(db), "--check")
    assert check.returncode == 1
    assert "tass: the run started 2026-01-01T00:00:00+00:00 did not finish" in check.stdout


def test_status_warns_about_a_blocked_source_and_a_layout_change(tmp_path, mirror):
    db = tmp_path / "archive.db"
    assert run_cli(*crawl_args(mirror, db)).returncode == 0
    conn = sqlite3.connect(db)
    conn.execute(
        "INSERT INTO runs (source, started_at, finished_at, status, message, layout_changed, extraction_failed) "
        "VALUES ('newsru', '2026-11-01T00:00:00+00:00', '2026-11-01T00:01:00+00:00', 'blocked', 'HTTP 403', 1, 9)"
    )
    conn.commit()
    check = run_cli("status", "--db", str(db), "--check")
    assert check.returncode == 1
    assert "newsru: blocked by the site" in check.stdout
    assert "newsru: layout changed? 9 pages gave no article" in check.stdout


def test_status_on_a_missing_archive_is_one_line(tmp_path):
    result = run_cli("status", "--db", str(tmp_path / "none.db"))
    assert result.returncode == 2 and result.stderr.strip() == f"mfa-archive status: error: no archive at {tmp_path / 'none.db'}"


def test_scheduler_refuses_an_unusable_archive_at_start(tmp_path):
    not_a_file = tmp_path / "archive.db"
    not_a_file.mkdir()
    result = run_cli("schedule", "--db", str(not_a_file), timeout=30)
    assert result.returncode == 2
    assert result.stderr.strip() == f"mfa-archive schedule: error: {not_a_file} is a directory, not an archive file"
