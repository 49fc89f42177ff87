"""Dataset exports: formats round-trip, schema and card, filters, --since last, atomic writes."""

from __future__ import annotations

import csv
import json

import pandas as pd
import pyarrow.parquet as pq
import pytest

from archive.store import transaction
import yaml

from archive.cli import main
from archive.dates import parse_day
from archive.export import dataset
from archive.export.dataset import SCHEMA_VERSION, atomic_output, export_columns
from archive.store.filters import ArticleFilter
from archive.models import Article
from archive.schema import open_archive
from archive.store.articles import ARTICLE_COLUMNS, upsert_article



def export(db, fmt, out, *, since=None, until=None, source=None, all_articles=False, by_story=False):
    """dataset.export with the options given as the CLI gives them."""
    filters = ArticleFilter(
        source=source, all_articles=all_articles,
        since=parse_day(since, "--since") if since not in (None, "last") else None,
        until=parse_day(until, "--until") if until else None,
    )
    return dataset.export(db, fmt, out, filters=filters, since_last=since == "last", by_story=by_story)

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


def test_since_last_exports_only_new_articles(archive_db, tmp_path, capsys):
    path, db = archive_db
    out = tmp_path / "feed.jsonl"
    assert main(["export", "--format", "jsonl", "--out", str(out), "--db", str(path), "--since", "last"]) == 0
    assert len(out.read_text().splitlines()) == 6
    assert capsys.readouterr().err.splitlines() == [f"exported 6 articles to {out} (card: {tmp_path / 'README.md'})"]
    new_ids = _store(db, [_article(n) for n in (20, 21)])
    assert main(["export", "--format", "jsonl", "--out", str(out), "--db", str(path), "--since", "last"]) == 0
    assert [json.loads(line)["id"] for line in out.read_text().splitlines()] == new_ids
    # Another prefix has its own history; the same prefix with another format continues.
    assert export(db, "jsonl", tmp_path / "other.jsonl", since="last").rows == 8
    assert export(db, "csv", tmp_path / "feed.csv", since="last").rows == 0


def test_a_failed_export_leaves_the_previous_file_untouched(archive_db, tmp_path):
    _, db = archive_db
    out = tmp_path / "out.jsonl"
    out.write_text("previous export\n")
    with pytest.raises(RuntimeError):
        with atomic_output(out) as tmp:
            tmp.write_text("half")
            raise RuntimeError("disk full")
    assert out.read_text() == "previous export\n"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
    export(db, "jsonl", out)
    assert out.read_text().count("\n") == 6 and oct(out.stat().st_mode & 0o777) != "0o600"


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
