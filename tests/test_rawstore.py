"""Raw HTML store: exact round trips, deduplication, per-source dictionaries, old rows readable."""

from __future__ import annotations

import random
import sqlite3

import pytest

from archive.store import Database, transaction
import zstandard

from archive.store import rawpages as rawstore

WORDS = (
    "министр заявил переговоры делегация консультации посол визит сотрудничество санкции "
    "Москва Баку Ереван соглашение граждане освобождение правительство встреча заседание"
).split()


def page(n: int, site: str = "tass") -> bytes:
    """A realistic page: the site's shared markup around varying Russian text."""
    rng = random.Random(n)
    paragraphs = "".join(f"<p class=\"tass_pkg_paragraph-x{n % 3}\">{' '.join(rng.choices(WORDS, k=60))}.</p>\n" for _ in range(6))
    nav = "".join(f'<a class="tass_pkg_link-v5WdK" href="/{s}">{s.title()}</a>' for s in ("politika", "ekonomika", "sport", "obschestvo"))
    return (
        f'<!DOCTYPE html><html lang="ru"><head><meta charset="utf-8"><title>{site} {n}</title>'
        f'<link rel="stylesheet" href="/_next/static/css/3b1f0c2e8a.css"></head><body><div id="__next">'
        f'<header class="Header_header-Ab3dE"><nav class="tass_pkg_nav-Q1w2E">{nav}</nav></header>'
        f'<main><article><h1 class="ds_ext_title-kR2mS">Заголовок {n}</h1>{paragraphs}</article></main>'
        f'<footer class="Footer_footer-Zx9Yc"><p>Информационное агентство России ТАСС. Свидетельство о регистрации СМИ</p></footer>'
        f'</div><script src="/_next/static/chunks/main-8c2d7f.js" defer></script></body></html>'
    ).encode()


@pytest.fixture
def db(tmp_path):
    database = Database(sqlite3.connect(str(tmp_path / "raw.db"), isolation_level=None))
    rawstore.create_tables(database)
    return database


def save(db, n: int, source: str = "tass", body: bytes | None = None) -> int:
    with transaction(db):
        return rawstore.save_raw(
            db,
            url=f"https://{source}.example/politika/{n}",
            final_url=None,
            source=source,
            status=200,
            headers={"Content-Type": "text/html; charset=utf-8"},
            body=body if body is not None else page(n, source),
            fetched_at=f"2026-02-15T10:{n % 60:02d}:00+00:00",
        )


def test_round_trip_is_exact_and_headers_kept(db):
    raw_id = save(db, 1)
    assert rawstore.load_raw(db, raw_id) == page(1)
    assert rawstore.raw_headers(db, raw_id) == {"Content-Type": "text/html; charset=utf-8"}
    row = db.execute("SELECT size, sha256, final_url FROM raw_pages WHERE id = ?", [raw_id]).fetchone()
    assert row[0] == len(page(1)) and len(row[1]) == 64 and row[2].endswith("/politika/1")


def test_identical_bodies_are_stored_once(db):
    first = save(db, 1)
    again = save(db, 2, body=page(1))
    assert again == first
    assert db.execute("SELECT count(*) FROM raw_pages").fetchone()[0] == 1


def test_missing_raw_page_is_a_lookup_error(db):
    with pytest.raises(rawstore.RawPageMissing):
        rawstore.load_raw(db, 12345)


def test_dictionary_trained_per_source_and_shrinks_pages(db):
    ids = [save(db, n) for n in range(rawstore.TRAIN_AFTER + 10)]
    dicts = db.execute("SELECT id, source FROM zstd_dicts").fetchall()
    assert [d[1] for d in dicts] == ["tass"]
    assert db.execute("SELECT count(*) FROM raw_pages WHERE dict_id IS NULL").fetchone()[0] == 0, "early pages recompressed"
    plain = sum(len(zstandard.ZstdCompressor(level=rawstore.LEVEL).compress(page(n))) for n in range(len(ids)))
    with_dict = db.execute("SELECT sum(length(body_zstd)) FROM raw_pages").fetchone()[0]
    assert with_dict < 0.8 * plain
    assert all(rawstore.load_raw(db, raw_id) == page(n) for n, raw_id in enumerate(ids))
    other = save(db, 1000, source="newsru")
    assert db.execute("SELECT dict_id FROM raw_pages WHERE id = ?", [other]).fetchone()[0] is None


def test_old_rows_stay_readable_after_retraining(db, monkeypatch):
    monkeypatch.setattr(rawstore, "TRAIN_AFTER", 10)
    monkeypatch.setattr(rawstore, "RETRAIN_FACTOR", 2)
    ids = [save(db, n) for n in range(45)]
    dict_ids = [r[0] for r in db.execute("SELECT DISTINCT dict_id FROM raw_pages WHERE dict_id IS NOT NULL")]
    assert len(dict_ids) >= 2, "retraining should have produced a second dictionary"
    rawstore._decompressors.clear()  # a fresh process: every dictionary comes from the database
    assert all(rawstore.load_raw(db, raw_id) == page(n) for n, raw_id in enumerate(ids))


def _counted(db) -> dict[str, int]:
    """The kept counts, checked against counting the rows."""
    counted = dict(db.execute("SELECT source, pages FROM raw_page_counts").fetchall())
    assert counted == dict(db.execute("SELECT source, count(*) FROM raw_pages GROUP BY source").fetchall())
    return counted


def test_pages_per_source_are_counted_as_they_are_saved_and_deleted(db):
    for n in range(5):
        save(db, n)
    save(db, 100, source="newsru")
    save(db, 101, body=page(1))  # identical body: stored once, counted once
    assert _counted(db) == {"tass": 5, "newsru": 1}
    with transaction(db):
        db.execute("DELETE FROM raw_pages WHERE source = 'tass' AND id = (SELECT max(id) FROM raw_pages WHERE source = 'tass')")
    assert _counted(db) == {"tass": 4, "newsru": 1}


def test_an_archive_without_page_counts_gets_them_on_opening(db):
    for n in range(rawstore.TRAIN_AFTER):
        save(db, n)
    with transaction(db):
        db.execute("DROP TRIGGER raw_pages_counted")
        db.execute("DROP TRIGGER raw_pages_uncounted")
        db.execute("DROP TABLE raw_page_counts")
    rawstore.create_tables(db)
    assert _counted(db) == {"tass": rawstore.TRAIN_AFTER}
    assert db.execute("SELECT count(*) FROM zstd_dicts").fetchone()[0] == 0
    save(db, 1000)  # the source has TRAIN_AFTER pages: its dictionary is due
    assert db.execute("SELECT source_pages FROM zstd_dicts").fetchall() == [(rawstore.TRAIN_AFTER,)]


def test_whether_a_dictionary_is_due_comes_from_the_kept_count(db):
    for n in range(rawstore.TRAIN_AFTER):
        save(db, n)
    with transaction(db):  # counting the rows would say TRAIN_AFTER, and train
        db.execute("UPDATE raw_page_counts SET pages = 1")
    save(db, 1000)
    assert db.execute("SELECT count(*) FROM zstd_dicts").fetchone()[0] == 0
