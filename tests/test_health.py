"""Health warnings, each triggered by a real mirror state and a real crawl."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta, timezone

from archive.ops.health import check_health
from tests.support.mirrors import make_mirror as Mirror
from archive.schema import open_archive
from tests.conftest import crawl_args, run_cli


def _warnings(db) -> list[str]:
    result = run_cli("status", "--db", str(db), "--check")
    assert result.returncode == 1, result.stdout
    return [line for line in result.stdout.splitlines() if line.startswith("WARNING ")]


def test_a_redesign_that_hides_the_body_is_flagged_not_archived_as_junk(tmp_path):
    db = tmp_path / "archive.db"
    with Mirror(state="day1") as mirror:
        assert run_cli(*crawl_args(mirror, db, "--source", "newsru")).returncode == 0
        before = sqlite3.connect(db).execute("SELECT count(*) FROM articles").fetchone()[0]
        mirror.set_condition("newsru", "redesign")
        mirror.set_state("day2")
        result = run_cli(*crawl_args(mirror, db, "--source", "newsru"))
    line = next(line for line in result.stdout.splitlines() if line.startswith("newsru:"))
    assert "Layout changed?" in line, line
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT count(*) FROM articles").fetchone()[0] == before
    reasons = {r for (r,) in conn.execute("SELECT reason FROM failures WHERE source = 'newsru'")}
    assert reasons & {"too-short", "empty"}
    assert any("newsru: layout changed?" in w for w in _warnings(db))


def test_a_site_answering_403_is_reported_blocked_and_warned_about(tmp_path):
    db = tmp_path / "archive.db"
    with Mirror(state="day1") as mirror:
        assert run_cli(*crawl_args(mirror, db)).returncode == 0
        mirror.set_condition("tass", "blocked")
        mirror.set_state("day2")
        mirror.clear_log()
        result = run_cli(*crawl_args(mirror, db))
        refused = [e for e in mirror.access_log if e.site == "tass" and e.status == 403]
    assert result.returncode == 1
    assert f"tass: BLOCKED by {mirror.base_urls['tass'][7:]} (blocked (HTTP 403)); not retrying hard" in result.stdout
    # Politeness: a refusal is not hammered. Each listing is asked once; no article is asked at all.
    assert refused and all(e.kind != "article" for e in refused)
    assert len({e.path for e in refused}) == len(refused)
    assert any(w.startswith("WARNING tass: blocked by the site") for w in _warnings(db))


def test_a_source_that_stops_publishing_is_warned_about(tmp_path):
    db = tmp_path / "archive.db"
    with Mirror(state="day1") as mirror:
        assert run_cli(*crawl_args(mirror, db)).returncode == 0
    archive = open_archive(db)
    now = datetime.now(timezone.utc)
    assert not [w for w in check_health(archive, crawl_running=False, now=now).warnings if "nothing new" in w]
    later = check_health(archive, crawl_running=False, now=now + timedelta(days=2)).warnings
    # mid.ru's documents on the mirror are days apart: two quiet days are usual for it.
    assert {w.split(":")[0] for w in later if "nothing new archived for 48 h" in w} == {"tass", "newsru"}
