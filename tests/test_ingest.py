"""`mfa-archive ingest`: good lines import, bad lines are reported by number and skipped."""

import json

from conftest import run_cli
from newsfixtures import ORIGINAL, UNRELATED, record

from archive.pipeline.ingest import MAX_LINE_BYTES, source_from_url
from archive.schema import open_archive


def test_bad_lines_are_reported_and_the_rest_imports(tmp_path):
    lines = [
        json.dumps(record("https://www.Tass.ru/politika/1", ORIGINAL, "2025-03-12"), ensure_ascii=False),
        "{not json",
        json.dumps({"url": "https://a.ru/2", "title": "x", "published": None}),
        json.dumps(record("https://a.ru/3", UNRELATED, "12.03.2025")),
        json.dumps({"url": "https://a.ru/4", "title": 5, "text": "t", "published": None}),
        "",
        json.dumps(record("https://a.ru/5", "x" * (MAX_LINE_BYTES + 10), None)),
        json.dumps(record("https://other.example/6", UNRELATED, "2025-03-12T10:00:00+03:00", source="custom")),
        json.dumps(["a", "list"]),
    ]
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    db_path = tmp_path / "a.db"
    result = run_cli("ingest", str(path), "--db", str(db_path))
    assert result.returncode == 1
    errors = result.stderr.strip().splitlines()
    assert [e.split(":")[1] for e in errors] == ["2", "3", "4", "5", "7", "9"]
    assert "missing field 'text'" in errors[1] and "not an ISO date" in errors[2]
    assert "longer than" in errors[4]
    assert result.stdout.strip().splitlines()[-1] == "imported 2 (new 2, updated 0, unchanged 0), failed 6"
    db = open_archive(db_path)
    rows = dict(db.execute("SELECT url, source FROM articles").fetchall())
    assert rows == {"https://www.Tass.ru/politika/1": "tass.ru", "https://other.example/6": "custom"}


def test_reingesting_counts_unchanged_and_updated(tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_text(json.dumps(record("https://a.ru/1", ORIGINAL, None), ensure_ascii=False) + "\n", encoding="utf-8")
    db_path = tmp_path / "a.db"
    assert run_cli("ingest", str(path), "--db", str(db_path)).returncode == 0
    again = run_cli("ingest", str(path), "--db", str(db_path))
    assert again.returncode == 0 and "unchanged 1" in again.stdout
    path.write_text(json.dumps(record("https://a.ru/1", UNRELATED, None), ensure_ascii=False) + "\n", encoding="utf-8")
    assert "updated 1" in run_cli("ingest", str(path), "--db", str(db_path)).stdout


def test_missing_file_is_a_one_line_error(tmp_path):
    result = run_cli("ingest", str(tmp_path / "absent.jsonl"), "--db", str(tmp_path / "a.db"))
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1 and "no such file" in result.stderr


def test_source_from_url():
    assert source_from_url("https://WWW.News.Ru./a") == "news.ru"
    assert source_from_url("http://m.example.com/x") == "m.example.com"
