"""Bad input at the edges, across every command: one line on stderr, exit 2, and the archive
file exactly as it was.

Gaps only: single cases that other test files already cover (a missing archive for
`status`, bad crawl arguments and config values, bad cron, export's unwritable output,
search's FTS syntax, ingest's bad lines) are not repeated here.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
from pathlib import Path

import pytest

from archive.cli import main
from archive.pipeline.ingest import MAX_LINE_BYTES
from archive.models import Article
from archive.pipeline import add_article
from archive.schema import open_archive
from tests.conftest import REPO, run_cli
from tests.test_check import TEXTS
from tests.test_hostile import run_measured

CLOSED = ["--base-url", "tass=http://127.0.0.1:9", "--base-url", "newsru=http://127.0.0.1:9"]
# Every command that takes --db, with arguments that would be fine on a good archive.
COMMANDS = {
    "search": ["search", "Захарова", "--all"],
    "export": ["export", "--format", "jsonl", "--out", "{tmp}/out.jsonl", "--all"],
    "status": ["status"],
    "stories": ["stories", "--all"],
    "quotes": ["quotes"],
    "check": ["check"],
    "recluster": ["recluster"],
    "reextract": ["reextract"],
    "ingest": ["ingest", "{tmp}/in.jsonl"],
}


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "absent"


@pytest.fixture(scope="module")
def good_archive(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("good") / "archive.db"
    db = open_archive(path)
    for number, (title, text) in enumerate(TEXTS):
        add_article(db, Article(url=f"https://tass.ru/politika/{2742000 + number}", source="tass", title=title,
                                text=text * 3, published=f"2026-04-1{number}T10:00:00+03:00"))
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.conn.close()
    return path


def _bad_archive(kind: str, tmp: Path, good: Path) -> Path:
    """An archive path that no command can use, of the given kind."""
    path = tmp / "archive.db"
    if kind == "garbage":
        path.write_bytes(b"this is a text file, not a database\n" * 200)
    elif kind == "not-an-archive":
        conn = sqlite3.connect(path)
        conn.execute("CREATE TABLE notes (body TEXT)")
        conn.commit()
        conn.close()
    elif kind == "directory":
        path.mkdir()
    elif kind == "truncated":
        path.write_bytes(good.read_bytes()[:3000])
    elif kind == "damaged":
        data = bytearray(good.read_bytes())
        data[4096:8192] = b"\xa5" * 4096
        path.write_bytes(bytes(data))
    return path


def _run(capsys, tmp: Path, command: str, db: Path, *extra: str) -> tuple[int, list[str]]:
    args = [a.replace("{tmp}", str(tmp)) for a in COMMANDS[command]]
    code = main([*args, "--db", str(db), *extra])
    captured = capsys.readouterr()
    return code, captured.err.strip().splitlines() + captured.out.strip().splitlines()


@pytest.fixture
def ingest_file(tmp_path) -> Path:
    path = tmp_path / "in.jsonl"
    path.write_text(json.dumps({"url": "https://a.ru/1", "title": "Заголовок", "text": "Текст статьи " * 20,
                                "published": "2026-04-01"}, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("kind", ["garbage", "not-an-archive", "directory", "truncated", "damaged"])
@pytest.mark.parametrize("command", list(COMMANDS))
def test_an_unusable_archive_is_one_line_exit_2_and_untouched(tmp_path, capsys, good_archive, ingest_file, kind, command):
    db = _bad_archive(kind, tmp_path, good_archive)
    before = _digest(db)
    code, lines = _run(capsys, tmp_path, command, db)
    if command == "check" and kind == "damaged":
        # check's own verdict on a file it can open: exit 1 with the problem (documented).
        assert code == 1 and lines == ["PROBLEM integrity_check: the file is damaged: database disk image is malformed"]
    else:
        assert code == 2, lines
        assert len(lines) == 1 and lines[0].startswith(f"mfa-archive {command}: error: "), lines
    assert _digest(db) == before  # writing commands run quick_check before they write
    assert not (tmp_path / "out.jsonl").exists()


@pytest.mark.parametrize("command", [c for c in COMMANDS if c != "ingest"])
def test_a_missing_archive_is_one_line_exit_2_and_not_created(tmp_path, capsys, command):
    db = tmp_path / "none.db"
    code, lines = _run(capsys, tmp_path, command, db)
    assert code == 2 and lines == [f"mfa-archive {command}: error: no archive at {db}"]
    assert not db.exists()


@pytest.mark.parametrize("kind", ["garbage", "not-an-archive", "directory", "damaged"])
def test_crawl_refuses_an_unusable_archive(tmp_path, good_archive, kind):
    db = _bad_archive(kind, tmp_path, good_archive)
    before = _digest(db)
    result = run_cli("crawl", "--db", str(db), *CLOSED, timeout=120)
    assert result.returncode == 2, result.stdout + result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and result.stderr.startswith("mfa-archive crawl: error: ")
    assert _digest(db) == before


@pytest.mark.parametrize("extra, message", [
    (["--db", "/nonexistent-dir/archive.db"], "cannot create /nonexistent-dir/archive.db: directory /nonexistent-dir does not exist"),
    (["--log-file", "/nonexistent-dir/crawl.log"], "No such file or directory: /nonexistent-dir/crawl.log"),
])
def test_crawl_with_an_unwritable_path_is_one_line(tmp_path, extra, message):
    args = ["crawl", *CLOSED, *extra]
    if "--db" not in extra:
        args += ["--db", str(tmp_path / "a.db")]
    result = run_cli(*args, timeout=120)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [f"mfa-archive crawl: error: {message}"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes to read-only files; run as a normal user to test this")
@pytest.mark.parametrize("command", ["recluster", "ingest"])
def test_a_read_only_archive_is_one_line_for_writers(tmp_path, capsys, good_archive, ingest_file, command):
    db = tmp_path / "archive.db"
    shutil.copy(good_archive, db)
    db.chmod(0o444)
    before = _digest(db)
    code, lines = _run(capsys, tmp_path, command, db)
    assert code == 2 and len(lines) == 1, lines
    assert _digest(db) == before


@pytest.mark.parametrize("command", ["search", "export", "stories", "reextract", "quotes"])
@pytest.mark.parametrize("date", ["2026-13-01", "2026-02-30", "yesterday", "01.04.2026"])
def test_bad_dates_are_one_line_exit_2_everywhere(tmp_path, capsys, good_archive, command, date):
    db = tmp_path / "archive.db"
    shutil.copy(good_archive, db)
    before = _digest(db)
    code, lines = _run(capsys, tmp_path, command, db, "--since", date)
    assert code == 2 and len(lines) == 1 and lines[0].startswith(f"mfa-archive {command}: error: "), lines
    assert _digest(db) == before


@pytest.mark.parametrize("edit, message", [
    (("[crawl]", "[crawl]\nspeed = 3"), "unknown key crawl.speed"),
    (("max_child_sitemaps = 2", 'max_child_sitemaps = "two"'), "must be a whole number"),
    (('base_url = "https://tass.ru"', 'base_url = "tass.ru"'), "base_url must be an http(s) URL"),
    (("[sources.tass]", "[sources.tass]\nfrequency = 1"), "unknown key sources.tass.frequency"),
])
def test_the_scheduler_refuses_a_bad_config_at_start(tmp_path, edit, message):
    config = tmp_path / "sources.toml"
    config.write_text((REPO / "settings" / "sources.toml").read_text(encoding="utf-8").replace(*edit, 1), encoding="utf-8")
    result = run_cli("schedule", "--config", str(config), "--db", str(tmp_path / "a.db"), timeout=30)
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1 and message in result.stderr
    assert not (tmp_path / "a.db").exists()


def test_a_100_mb_ingest_line_is_refused_in_bounded_memory(tmp_path, good_archive):
    db = tmp_path / "archive.db"
    shutil.copy(good_archive, db)
    good = json.dumps({"url": "https://a.ru/{}", "title": "Заголовок", "text": "Текст статьи " * 20,
                       "published": "2026-04-01"}, ensure_ascii=False)
    path = tmp_path / "big.jsonl"
    with open(path, "w", encoding="utf-8") as out:
        out.write(good.replace("{}", "1") + "\n")
        out.write('{"url": "https://a.ru/huge", "title": "x", "text": "')
        chunk = "я" * (1 << 20)
        for _ in range(50):  # 50 Mi Cyrillic letters: 100 MB of UTF-8
            out.write(chunk)
        out.write('"}\n')
        out.write(good.replace("{}", "2") + "\n")
    small = tmp_path / "small.jsonl"
    small.write_text(good.replace("{}", "3") + "\n", encoding="utf-8")
    baseline = run_measured("ingest", str(small), "--db", str(tmp_path / "baseline.db"), cwd=tmp_path)
    result = run_measured("ingest", str(path), "--db", str(db), cwd=tmp_path)
    assert result.returncode == 1  # documented: the job ran, some lines failed
    errors = result.stderr.strip().splitlines()
    assert errors == [f"{path}:2: line longer than {MAX_LINE_BYTES} bytes"]
    # Reading the line whole would add its 100 MB; a bounded reader adds about one MAX_LINE_BYTES buffer.
    growth = result.peak_rss - baseline.peak_rss
    assert growth < 4 * MAX_LINE_BYTES, f"peak RSS {result.peak_rss >> 20} MiB vs {baseline.peak_rss >> 20} MiB"
    urls = {u for (u,) in sqlite3.connect(db).execute("SELECT url FROM articles")}
    assert {"https://a.ru/1", "https://a.ru/2"} <= urls and "https://a.ru/huge" not in urls
