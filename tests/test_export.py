"""Dataset exports through the library: formats round-trip, schema and card (where it goes, what
it says), filters, release streams (--since last), atomic writes, empty selections, --bom,
temporary files of killed exports.

The targets (stdout, FIFOs, devices, links) and the command as a user runs it: test_export_targets.py.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess

import pandas as pd
import pyarrow.parquet as pq
import pytest

from archive.store import transaction
import yaml

from archive.cli import main
from archive.dates import parse_day
from archive.errors import ExportError
from archive.export import dataset, writers
from archive.export.card import MARKER, is_our_card
from archive.export.rows import SCHEMA_VERSION, export_columns
from archive.export.schema import create_tables
from archive.export.targets import AtomicFile
from archive.store.filters import ArticleFilter
from archive.models import Article
from archive.schema import open_archive
from archive.store.articles import ARTICLE_COLUMNS, upsert_article



def export(db, fmt, out, *, since=None, until=None, source=None, all_articles=False, by_story=False, stream=None,
           bom=False):
    """dataset.export with the options given as the CLI gives them."""
    filters = ArticleFilter(
        source=source, all_articles=all_articles,
        since=parse_day(since, "--since") if since not in (None, "last") else None,
        until=parse_day(until, "--until") if until else None,
    )
    return dataset.export(db, fmt, out, filters=filters, since_last=since == "last", by_story=by_story,
                          stream=stream, bom=bom)


def _article(n: int, **extra) -> Article:
    fields = dict(
        url=f"https://example.org/news/{n}",
        source="tass" if n % 2 else "newsru",
        title=f"Захарова ответила на вопрос {n}",
        lead=f"Официальный представитель МИД прокомментировала событие номер {n}.",
        text=f"Мария Захарова заявила журналистам, что событие {n} «не останется без ответа». Конец.",
        published=f"2025-0{1 + n % 9}-1{n % 10}T1{n % 10}:15:00+03:00",
        authors=["Иван Петров", f"Автор {n}"],
        tags=["МИД", "брифинг"],
        section="politics",
    )
    return Article(**{**fields, **extra})


def _store(db, articles: list[Article], *, mfa: bool = True, story_id: int | None = None) -> list[int]:
    """Write articles through the store, labels and story pinned so exports are predictable."""
    ids = []
    with transaction(db):
        for article in articles:
            article_id, _ = upsert_article(db, article, mfa=mfa, mfa_reasons=["test"])
            db.execute("UPDATE articles SET story_id = ? WHERE id = ?", [story_id, article_id])
            ids.append(article_id)
    return ids


@pytest.fixture
def archive_db(tmp_path):
    db = open_archive(tmp_path / "a.db")
    _store(db, [_article(n) for n in range(1, 7)])
    _store(db, [_article(n) for n in range(7, 9)], mfa=False)
    return tmp_path / "a.db", db


def _stored_rows(db, where: str = "mfa = 1") -> list[dict]:
    columns = list(ARTICLE_COLUMNS)
    rows = db.execute(f"SELECT {', '.join(columns)} FROM articles WHERE {where} ORDER BY id").fetchall()
    return [dict(zip(columns, row)) for row in rows]


def _as_exported(row: dict) -> dict:
    """What the export promises for a stored row: JSON lists decoded, mfa and official booleans,
    and its quotes (none for these articles, stored without the link stage)."""
    out = dict(row)
    for name in ("authors", "tags", "mfa_reason"):
        out[name] = json.loads(row[name]) if row[name] else []
    out["mfa"] = bool(row["mfa"])
    out["official"] = bool(row["official"])
    out["quotes"] = []
    return out


def test_jsonl_round_trips_every_column(archive_db, tmp_path):
    _, db = archive_db
    result = export(db, "jsonl", tmp_path / "out.jsonl")
    records = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()]
    assert records == [_as_exported(row) for row in _stored_rows(db)]
    assert result.rows == 6 and list(records[0]) == export_columns(False)
    assert records[0]["authors"] == ["Иван Петров", "Автор 1"]
    assert records[0]["published"].endswith("+03:00")


def test_csv_round_trips_every_column(archive_db, tmp_path):
    _, db = archive_db
    export(db, "csv", tmp_path / "out.csv", all_articles=True)
    with (tmp_path / "out.csv").open(encoding="utf-8", newline="") as f:
        records = list(csv.DictReader(f))
    stored = _stored_rows(db, "1")
    assert len(records) == len(stored) == 8
    for record, row in zip(records, stored):
        assert record["text"] == row["text"] and record["url"] == row["url"]
        assert json.loads(record["authors"]) == json.loads(row["authors"])
        assert record["mfa"] == ("true" if row["mfa"] else "false")
        assert int(record["id"]) == row["id"]


def test_parquet_has_explicit_types_and_reads_back(archive_db, tmp_path):
    _, db = archive_db
    export(db, "parquet", tmp_path / "out.parquet")
    table = pq.read_table(tmp_path / "out.parquet")
    assert table.schema.metadata[b"schema_version"] == str(SCHEMA_VERSION).encode()
    assert str(table.schema.field("id").type) == "int64"
    assert str(table.schema.field("mfa").type) == "bool"
    assert str(table.schema.field("authors").type).startswith("list<")
    frame = pd.read_parquet(tmp_path / "out.parquet")
    expected = [_as_exported(row) for row in _stored_rows(db)]
    assert frame["url"].tolist() == [row["url"] for row in expected]
    assert [list(a) for a in frame["authors"]] == [row["authors"] for row in expected]
    assert frame["mfa"].all()


def test_dataset_card_has_a_yaml_header_hubs_read(archive_db, tmp_path):
    _, db = archive_db
    export(db, "parquet", tmp_path / "out.parquet", all_articles=True)
    card = (tmp_path / "README.md").read_text(encoding="utf-8")
    assert card.startswith("---\n")
    header = yaml.safe_load(card.split("---\n")[1])
    assert header["schema_version"] == SCHEMA_VERSION
    assert header["dataset_info"]["splits"][0]["num_examples"] == 8
    assert [f["name"] for f in header["dataset_info"]["features"]] == export_columns(False)
    assert header["configs"][0]["data_files"][0]["path"] == "out.parquet"
    assert sorted(header["sources"]) == ["newsru", "tass"]
    assert header["counts"]["mfa_articles"] == 6
    assert header["date_range"]["first_published"] < header["date_range"]["last_published"]
    assert "--all" in header["created"]["command"]


def test_filters_match_search_semantics(archive_db, tmp_path):
    _, db = archive_db
    assert export(db, "jsonl", tmp_path / "a.jsonl", source="tass").rows == 3
    assert export(db, "jsonl", tmp_path / "b.jsonl", all_articles=True, source="tass").rows == 4
    result = export(db, "jsonl", tmp_path / "c.jsonl", since="2025-03-01", until="2025-05-31")
    days = [json.loads(line)["published"][:10] for line in (tmp_path / "c.jsonl").read_text().splitlines()]
    assert result.rows == len(days) > 0
    assert all("2025-03-01" <= day <= "2025-05-31" for day in days)


def test_by_story_writes_one_row_per_story_the_original_report(tmp_path):
    db = open_archive(tmp_path / "s.db")
    reprint_first = _article(1, published="2025-01-01T08:00:00+03:00")
    original = _article(2, published="2025-01-01T09:00:00+03:00")
    later = _article(3, published="2025-01-02T09:00:00+03:00")
    ids = _store(db, [reprint_first, original, later], story_id=42)
    with transaction(db):
        db.execute("UPDATE articles SET reprint_of = ? WHERE id = ?", [ids[1], ids[0]])
    lone = _store(db, [_article(4)])[0]
    export(db, "jsonl", tmp_path / "stories.jsonl", by_story=True)
    records = [json.loads(line) for line in (tmp_path / "stories.jsonl").read_text().splitlines()]
    assert [r["id"] for r in records] == [ids[1], lone]
    assert records[0]["story_size"] == 3 and sorted(records[0]["story_sources"]) == ["newsru", "tass"]
    assert records[1]["story_size"] == 1 and list(records[1]) == export_columns(True)


def _ids(path) -> list[int]:
    return [json.loads(line)["id"] for line in path.read_text(encoding="utf-8").splitlines()]


def test_since_last_exports_only_new_articles(archive_db, tmp_path, capsys):
    path, db = archive_db
    out = tmp_path / "feed.jsonl"
    assert main(["export", "--format", "jsonl", "--out", str(out), "--db", str(path), "--since", "last"]) == 0
    assert len(out.read_text().splitlines()) == 6
    assert capsys.readouterr().err.splitlines() == [f"exported 6 articles to {out} (card: {tmp_path / 'README.md'})"]
    new_ids = _store(db, [_article(n) for n in (20, 21)])
    day2 = tmp_path / "feed-day2.jsonl"
    assert main(["export", "--format", "jsonl", "--out", str(day2), "--db", str(path), "--since", "last"]) == 0
    assert _ids(day2) == new_ids
    # Schema 7: the release stream, not the path, carries the history. Before, a second run to
    # the same path wrote only the new rows over the first delta; now the file keeps it.
    first_delta = _ids(out)
    assert main(["export", "--format", "jsonl", "--out", str(out), "--db", str(path), "--since", "last"]) == 0
    assert _ids(out) == first_delta + new_ids
    assert "still holds the earlier release" in capsys.readouterr().err
    # Before: another prefix had its own history (8 rows) and feed.csv continued feed.jsonl's
    # (0 rows). Now a new name in the same stream has nothing new, and CSV is its own stream.
    assert export(db, "jsonl", tmp_path / "other.jsonl", since="last").written is False
    assert not (tmp_path / "other.jsonl").exists()
    assert export(db, "csv", tmp_path / "feed.csv", since="last").rows == 8


def test_a_failed_export_leaves_the_previous_file_untouched(archive_db, tmp_path):
    _, db = archive_db
    out = tmp_path / "out.jsonl"
    out.write_text("previous export\n")
    with pytest.raises(RuntimeError):
        with AtomicFile(out).open() as sink:
            sink.write(b"half")
            raise RuntimeError("disk full")
    assert out.read_text() == "previous export\n"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
    export(db, "jsonl", out)
    assert out.read_text().count("\n") == 6 and oct(out.stat().st_mode & 0o777) != "0o600"


def test_a_release_is_recorded_only_once_its_file_is_in_place(archive_db, tmp_path, monkeypatch):
    """A release that fails while writing leaves no record: the next run makes it again."""
    _, db = archive_db

    def full_disk(sink, batches, layout):
        sink.write(b"half")
        raise OSError(28, "No space left on device")

    monkeypatch.setitem(writers.WRITERS, "jsonl", full_disk)
    with pytest.raises(OSError):
        export(db, "jsonl", tmp_path / "day1.jsonl", since="last")
    monkeypatch.undo()
    assert not (tmp_path / "day1.jsonl").exists() and not (tmp_path / "README.md").exists()
    assert db.execute("SELECT count(*) FROM exports").fetchone()[0] == 0
    assert export(db, "jsonl", tmp_path / "day1.jsonl", since="last").rows == 6


def test_a_release_into_the_file_of_an_older_release_keeps_that_delta(archive_db, tmp_path):
    _, db = archive_db
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    export(db, "jsonl", a, since="last")
    first = _ids(a)
    second = _store(db, [_article(20)])
    export(db, "jsonl", b, since="last")
    assert _ids(b) == second
    third = _store(db, [_article(21)])
    export(db, "jsonl", a, since="last")  # a held the first delta: it still does
    assert _ids(a) == first + second + third
    # The earlier file moved away (published, say): the next release into its name starts afresh.
    a.rename(tmp_path / "published.jsonl")
    fourth = _store(db, [_article(22)])
    export(db, "jsonl", a, since="last")
    assert _ids(a) == fourth


def test_release_streams_are_separate_by_name_format_and_filters(archive_db, tmp_path):
    _, db = archive_db
    assert export(db, "jsonl", tmp_path / "a.jsonl", since="last").rows == 6
    assert export(db, "jsonl", tmp_path / "b.jsonl", since="last", stream="weekly").rows == 6
    assert export(db, "parquet", tmp_path / "c.parquet", since="last").rows == 6
    assert export(db, "jsonl", tmp_path / "d.jsonl", since="last", source="tass").rows == 3
    assert export(db, "jsonl", tmp_path / "e.jsonl", since="last", all_articles=True).rows == 8
    assert export(db, "jsonl", tmp_path / "f.jsonl", since="last", by_story=True).rows == 6
    for name in ("g.jsonl", "h.parquet"):
        result = export(db, name.split(".")[1], tmp_path / name, since="last")
        assert (result.written, result.rows) == (False, 0) and not (tmp_path / name).exists()


@pytest.mark.parametrize(
    "options, message",
    [
        (dict(since="last", until="2025-05-31"), "--until cannot be used with --since last"),
        (dict(stream="daily"), "--stream names a release stream"),
        (dict(since="last", stream="no/slashes"), "bad release stream name"),
        (dict(bom=True), "--bom is for --format csv only"),
    ],
)
def test_options_that_do_not_fit_are_refused_before_writing(archive_db, tmp_path, options, message):
    _, db = archive_db
    with pytest.raises(ExportError, match=message):
        export(db, "jsonl", tmp_path / "out.jsonl", **options)
    assert list(tmp_path.glob("*.jsonl")) == [] and not (tmp_path / "README.md").exists()


def test_an_empty_selection_writes_nothing_and_records_nothing(archive_db, tmp_path):
    _, db = archive_db
    out = tmp_path / "out.parquet"
    out.write_bytes(b"an earlier export")
    result = export(db, "parquet", out, since="2030-01-01")
    assert (result.written, result.rows, result.card_path) == (False, 0, None)
    assert out.read_bytes() == b"an earlier export" and not (tmp_path / "README.md").exists()
    assert db.execute("SELECT count(*) FROM exports").fetchone()[0] == 0


def test_our_card_is_replaced_and_anyone_elses_is_not(archive_db, tmp_path):
    _, db = archive_db
    first = export(db, "jsonl", tmp_path / "one.jsonl")
    assert first.card_path == tmp_path / "README.md" and not first.card_beside_readme
    assert is_our_card(tmp_path / "README.md")
    second = export(db, "csv", tmp_path / "two.csv", all_articles=True)
    assert second.card_path == tmp_path / "README.md"
    assert "`two.csv`" in (tmp_path / "README.md").read_text(encoding="utf-8")
    # The marker must be the line right after the YAML header: a README quoting it is not ours.
    quoting = "# Notes\n\nmfa-archive cards start with:\n" + MARKER + "\n"
    (tmp_path / "README.md").write_text(quoting, encoding="utf-8")
    third = export(db, "jsonl", tmp_path / "three.jsonl")
    assert (tmp_path / "README.md").read_text(encoding="utf-8") == quoting
    assert third.card_path == tmp_path / "three.jsonl.README.md" and third.card_beside_readme
    assert is_our_card(third.card_path)
    # When both names hold someone else's files, nothing at all is written.
    third.card_path.write_text("mine too\n", encoding="utf-8")
    with pytest.raises(ExportError, match="not mfa-archive dataset cards"):
        export(db, "jsonl", tmp_path / "three.jsonl", all_articles=True)
    assert len((tmp_path / "three.jsonl").read_text().splitlines()) == 6


def test_a_symlinked_readme_is_never_written_through(archive_db, tmp_path):
    _, db = archive_db
    elsewhere = tmp_path / "elsewhere.md"
    elsewhere.write_text("not a card\n")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "README.md").symlink_to(elsewhere)
    result = export(db, "jsonl", tmp_path / "out" / "data.jsonl")
    assert result.card_path == tmp_path / "out" / "data.jsonl.README.md"
    assert elsewhere.read_text() == "not a card\n" and (tmp_path / "out" / "README.md").is_symlink()


def test_card_splits_carry_what_the_loader_checks_and_csv_lists_are_text(archive_db, tmp_path):
    _, db = archive_db
    export(db, "csv", tmp_path / "out.csv", all_articles=True)
    card = (tmp_path / "README.md").read_text(encoding="utf-8")
    header = yaml.safe_load(card.split("---\n")[1])
    assert header["dataset_info"]["splits"] == [
        {"name": "train", "num_bytes": (tmp_path / "out.csv").stat().st_size, "num_examples": 8}
    ]
    assert card.split("---\n", 2)[2].splitlines()[0] == MARKER
    features = {f["name"]: f for f in header["dataset_info"]["features"]}
    assert features["authors"] == {"name": "authors", "dtype": "string"}  # a JSON array in a cell
    export(db, "parquet", tmp_path / "out.parquet")
    header = yaml.safe_load((tmp_path / "README.md").read_text(encoding="utf-8").split("---\n")[1])
    assert {f["name"]: f for f in header["dataset_info"]["features"]}["authors"] == {
        "name": "authors", "sequence": "string"}


def test_the_by_story_card_describes_the_methods_really_used(archive_db, tmp_path):
    _, db = archive_db
    export(db, "jsonl", tmp_path / "stories.jsonl", by_story=True)
    body = " ".join((tmp_path / "README.md").read_text(encoding="utf-8").split("---\n", 2)[2].split())
    assert "Stories (reports of one event) are not found by MinHash" in body
    assert "cosine similarity of their weighted term vectors" in body
    assert "MinHash over word 5-shingles" in body and "Jaccard" in body and "containment" in body
    assert "Each row is a story's primary source" in body


def test_bom_starts_a_csv_only_when_asked(archive_db, tmp_path):
    _, db = archive_db
    export(db, "csv", tmp_path / "excel.csv", bom=True)
    export(db, "csv", tmp_path / "plain.csv")
    assert (tmp_path / "excel.csv").read_bytes().startswith(b"\xef\xbb\xbfid,url,")
    assert (tmp_path / "plain.csv").read_bytes().startswith(b"id,url,")
    with (tmp_path / "excel.csv").open(encoding="utf-8-sig", newline="") as f:
        assert [row["title"] for row in csv.DictReader(f)][0] == "Захарова ответила на вопрос 1"


def test_temporary_files_of_killed_exports_go_and_nothing_else(archive_db, tmp_path):
    _, db = archive_db
    dead = _dead_pid()
    planted = {
        f".out.jsonl.{dead}.mfa-export.tmp": True,  # a killed export's: removed
        f".other.csv.{dead}.mfa-export.tmp": True,  # another target's in the same directory: removed too
        ".out.jsonl.1.mfa-export.tmp": False,  # a running process's (init's)
        f".out.jsonl.{dead}.tmp": False,  # not the pattern
        f"out.jsonl.{dead}.mfa-export.tmp": False,  # not hidden: not the pattern
        ".out.jsonl.0.mfa-export.tmp": False,  # no process has pid 0
    }
    # This process's own pid on the target's name: a killed process that had the same pid.
    planted[f".out.jsonl.{os.getpid()}.mfa-export.tmp"] = True
    for name in planted:
        (tmp_path / name).write_text("partial")
    (tmp_path / f".link.{dead}.mfa-export.tmp").symlink_to(tmp_path / "a.db")  # not a regular file
    export(db, "jsonl", tmp_path / "out.jsonl")
    for name, removed in planted.items():
        assert (tmp_path / name).exists() is not removed, name
    assert (tmp_path / f".link.{dead}.mfa-export.tmp").is_symlink()


def _dead_pid() -> int:
    """The pid of a process that has exited (and was reaped)."""
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def test_schema_7_keeps_old_exports_without_a_stream(tmp_path):
    """An archive of schema 6 with exports keyed on path prefixes: the rows stay (for `check`),
    `prefix` goes, and the first release of a stream after the upgrade holds everything."""
    path = tmp_path / "old.db"
    db = open_archive(path)
    _store(db, [_article(n) for n in range(1, 4)])
    with transaction(db):
        db.execute("DROP TABLE exports")
        create_tables(db)
        db.execute(
            """INSERT INTO exports (prefix, path, format, by_story, exported_at, rows, max_article_id, schema_version,
                                    command) VALUES (?, ?, 'jsonl', 0, '2026-01-01T00:00:00+00:00', 3, 3, 1, 'old')""",
            [str(tmp_path / "feed"), str(tmp_path / "feed.jsonl")],
        )
        db.execute("UPDATE meta SET value = '6' WHERE key = 'schema_version'")
    db.close()
    db = open_archive(path)
    columns = [row[1] for row in db.execute("PRAGMA table_info(exports)")]
    assert "prefix" not in columns and {"stream", "from_id"} <= set(columns)
    assert db.execute("SELECT path, stream, from_id, max_article_id FROM exports").fetchall() == [
        (str(tmp_path / "feed.jsonl"), None, None, 3)]
    assert export(db, "jsonl", tmp_path / "feed.jsonl", since="last").rows == 3


@pytest.mark.parametrize(
    "out", ["{tmp}/missing-dir/out.jsonl", "{tmp}/a.db/out.jsonl", "{tmp}", "/proc/out.jsonl"]
)
def test_unwritable_output_is_one_line_and_exit_2(archive_db, tmp_path, out, capsys):
    path, _ = archive_db
    target = out.format(tmp=tmp_path)
    assert main(["export", "--format", "csv", "--out", target, "--db", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err and "error" in err


@pytest.mark.parametrize("args", [["--since", "last week"], ["--until", "2025-02-30"]])
def test_bad_export_dates_exit_2(archive_db, tmp_path, args, capsys):
    path, _ = archive_db
    argv = ["export", "--format", "jsonl", "--out", str(tmp_path / "x.jsonl"), "--db", str(path), *args]
    assert main(argv) == 2
    assert capsys.readouterr().err.count("\n") == 1
    assert not (tmp_path / "x.jsonl").exists()


def test_unknown_format_exits_2(archive_db, tmp_path, capsys):
    path, _ = archive_db
    assert main(["export", "--format", "xml", "--out", str(tmp_path / "x.xml"), "--db", str(path)]) == 2
    assert capsys.readouterr().err.count("\n") == 1
