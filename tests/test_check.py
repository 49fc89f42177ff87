"""`mfa-archive check [--repair]`: a healthy archive passes; each kind of damage is found,
and the repairable ones are repaired."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest

from archive.models import Article
from archive.pipeline import add_article
from archive.schema import open_archive
from tests.conftest import run_cli

TEXTS = [
    ("Захарова прокомментировала высылку дипломатов", "Официальный представитель МИД России Мария Захарова заявила, "
     "что Москва ответит на высылку российских дипломатов зеркально и в ближайшее время."),
    ("Лавров провел переговоры в Анкаре", "Министр иностранных дел России Сергей Лавров провел переговоры с турецким "
     "коллегой, стороны обсудили торговлю, энергетику и региональную безопасность."),
    ("Рябков: мяч на стороне Вашингтона", "Заместитель министра иностранных дел Сергей Рябков заявил, что Россия "
     "готова к диалогу о стратегической стабильности только на равных условиях."),
]


@pytest.fixture
def archive(tmp_path) -> Path:
    """A small real archive: three articles stored through the one pipeline entry point."""
    path = tmp_path / "archive.db"
    db = open_archive(path)
    for number, (title, text) in enumerate(TEXTS):
        add_article(db, Article(
            url=f"https://tass.ru/politika/{2741000 + number}", source="tass", title=title, text=text * 3,
            published=f"2026-04-1{number}T10:00:00+03:00",
        ))
    db.conn.close()
    return path


def _check(path: Path, *extra: str):
    return run_cli("check", "--db", str(path), *extra, timeout=120)


def _found_then_repaired(path: Path, problem: str, repair: str) -> None:
    """`check` reports `problem` (exit 1), `check --repair` does `repair` (exit 0), and then
    `check` finds nothing."""
    found = _check(path)
    assert found.returncode == 1, found.stdout
    assert problem in found.stdout
    repaired = _check(path, "--repair")
    assert repair in repaired.stdout, repaired.stdout
    assert repaired.returncode == 0, repaired.stdout
    assert _check(path).returncode == 0


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_healthy_archive_passes(archive):
    result = _check(archive)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == f"{archive}: ok"


def test_fts_out_of_sync_is_found_and_repaired(archive):
    conn = sqlite3.connect(archive)
    title, lead, text = conn.execute("SELECT title, lead, text FROM articles WHERE id = 1").fetchone()
    # Remove the row's index entries behind the triggers' back, as a crash outside a transaction could.
    conn.execute("INSERT INTO articles_fts(articles_fts, rowid, title, lead, text) VALUES ('delete', 1, ?, ?, ?)",
                 [title, lead, text])
    conn.commit()
    conn.close()
    _found_then_repaired(archive, "PROBLEM fts:", "REPAIRED rebuilt the full-text index")
    hits = sqlite3.connect(archive).execute(
        "SELECT rowid FROM articles_fts WHERE articles_fts MATCH 'Захарова'").fetchall()
    assert hits == [(1,)]


def test_orphan_versions_are_reported_and_not_invented_away(archive):
    conn = sqlite3.connect(archive)  # foreign keys are off on a plain connection, as in any other tool
    conn.execute("INSERT INTO article_versions (article_id, replaced_at, source, title, text) "
                 "VALUES (999, '2026-04-01T00:00:00+00:00', 'tass', 't', 'x')")
    conn.commit()
    conn.close()
    found = _check(archive, "--repair")
    assert found.returncode == 1
    assert "PROBLEM versions: 1 article versions belong to no article" in found.stdout
    assert "STILL versions:" in found.stdout


def test_stories_that_disagree_with_articles_are_reclustered(archive):
    conn = sqlite3.connect(archive)
    conn.execute("UPDATE articles SET story_id = 4242 WHERE id = 2")
    conn.commit()
    conn.close()
    _found_then_repaired(archive, "PROBLEM stories:", "REPAIRED recomputed reprints, stories, primary sources and quotes")
    conn = sqlite3.connect(archive)
    assert conn.execute("SELECT count(*) FROM articles WHERE story_id = 4242").fetchone()[0] == 0


def test_an_article_without_text_is_reported(archive):
    conn = sqlite3.connect(archive)
    conn.execute("UPDATE articles SET text = '  ' WHERE id = 3")
    conn.commit()
    conn.close()
    found = _check(archive)
    assert found.returncode == 1 and "PROBLEM articles: 1 articles have no text" in found.stdout


def test_a_corrupt_file_is_one_line_and_left_as_it_was(archive):
    data = bytearray(archive.read_bytes())
    data[4096:8192] = b"\xa5" * 4096  # overwrite the second page
    archive.write_bytes(bytes(data))
    before = _digest(archive)
    result = _check(archive)
    assert result.returncode in (1, 2)
    assert "Traceback" not in result.stderr
    assert len((result.stdout + result.stderr).strip().splitlines()) <= 2
    assert _digest(archive) == before


def test_check_without_repair_changes_nothing(archive):
    conn = sqlite3.connect(archive)
    conn.execute("UPDATE articles SET story_id = 4242 WHERE id = 2")
    conn.commit()
    conn.close()
    before = _digest(archive)
    assert _check(archive).returncode == 1
    assert _digest(archive) == before


def test_missing_archive_is_one_line_exit_2(tmp_path):
    result = _check(tmp_path / "none.db")
    assert result.returncode == 2
    assert result.stderr.strip() == f"mfa-archive check: error: no archive at {tmp_path / 'none.db'}"
    assert not (tmp_path / "none.db").exists()


def test_a_lemma_index_made_by_another_pymorphy3_is_found_and_rebuilt(archive):
    conn = sqlite3.connect(archive)
    conn.execute("UPDATE meta SET value = 'pymorphy3 0.1' WHERE key = 'morph_keys_version'")
    # A stale key, as another analyzer version might have made it, and a lemma row built with it.
    conn.execute("UPDATE morph_keys SET key = 'старыйключ' WHERE form = 'захарова'")
    conn.execute("UPDATE articles_morph SET title = replace(title, 'захаров', 'старыйключ') WHERE id = 1")
    conn.commit()
    conn.close()
    _found_then_repaired(archive, "PROBLEM lemmas: the lemma index was made by pymorphy3 0.1, not pymorphy3 ",
                         "REPAIRED rebuilt the lemma index with this pymorphy3")
    conn = sqlite3.connect(archive)
    assert "старыйключ" not in conn.execute("SELECT title FROM articles_morph WHERE id = 1").fetchone()[0]
    assert conn.execute("SELECT count(*) FROM morph_keys WHERE key = 'старыйключ'").fetchone() == (0,)


def test_minhash_signatures_made_by_another_rensa_are_found_and_recomputed(archive):
    """Stored signatures only match new ones made by the same MinHash: an archive whose
    signatures another rensa made would silently stop finding reprints."""
    from archive.link.minhash import MINHASH_VERSION

    conn = sqlite3.connect(archive)
    assert conn.execute("SELECT value FROM meta WHERE key = 'minhash_version'").fetchone() == (MINHASH_VERSION,)
    conn.execute("UPDATE meta SET value = 'rensa 0.0.1; RMinHash 128 perm' WHERE key = 'minhash_version'")
    conn.execute("UPDATE dedup_docs SET minhash = zeroblob(length(minhash))")  # what another rensa might have made
    conn.commit()
    conn.close()
    _found_then_repaired(archive, "PROBLEM reprints: the stored MinHash signatures were made by rensa 0.0.1",
                         "REPAIRED recomputed reprints, stories, primary sources and quotes")
    conn = sqlite3.connect(archive)
    assert conn.execute("SELECT value FROM meta WHERE key = 'minhash_version'").fetchone() == (MINHASH_VERSION,)
    assert conn.execute("SELECT count(*) FROM dedup_docs WHERE minhash = zeroblob(length(minhash))").fetchone() == (0,)


def test_stories_grouped_by_an_older_rule_are_found_and_regrouped(archive):
    """An archive grouped before undated articles could join stories (schema 6) is regrouped."""
    from archive.link.schema import STORY_RULE_VERSION

    conn = sqlite3.connect(archive)
    assert conn.execute("SELECT value FROM meta WHERE key = 'story_rule_version'").fetchone() == (STORY_RULE_VERSION,)
    conn.execute("DELETE FROM meta WHERE key = 'story_rule_version'")
    conn.commit()
    conn.close()
    _found_then_repaired(archive, "PROBLEM stories: the stories were grouped by the rule before undated articles",
                         "REPAIRED recomputed reprints, stories, primary sources and quotes")
    conn = sqlite3.connect(archive)
    assert conn.execute("SELECT value FROM meta WHERE key = 'story_rule_version'").fetchone() == (STORY_RULE_VERSION,)


# ------------------------------------------------------------------ raw pages against their SHA-256


@pytest.fixture
def with_raw_pages(tmp_path) -> Path:
    """An archive with 30 raw pages, as the crawl keeps them."""
    from archive.models import FetchedPage
    from archive.store import transaction
    from archive.store.rawpages import save_page

    path = tmp_path / "raw.db"
    db = open_archive(path)
    with transaction(db):
        for number in range(30):
            save_page(db, FetchedPage(
                url=f"https://tass.ru/politika/{2743000 + number}", source="tass", status=200, headers={},
                body=f"<html><body><p>Страница {number}: {'текст ' * 200}</p></body></html>".encode(),
                fetched_at="2026-04-14T10:00:00+00:00"))
    db.close()
    return path


def _spoil(path: Path, raw_id: int) -> None:
    conn = sqlite3.connect(path)
    blob = bytearray(conn.execute("SELECT body_zstd FROM raw_pages WHERE id = ?", [raw_id]).fetchone()[0])
    blob[-8:-4] = bytes(b ^ 0xFF for b in blob[-8:-4])  # inside the compressed data or its checksum
    conn.execute("UPDATE raw_pages SET body_zstd = ? WHERE id = ?", [bytes(blob), raw_id])
    conn.commit()
    conn.close()


def test_raw_pages_that_no_longer_match_their_sha256_are_problems(with_raw_pages):
    conn = sqlite3.connect(with_raw_pages)
    conn.execute("UPDATE raw_pages SET sha256 = replace(sha256, substr(sha256, 1, 1), 'x') WHERE id IN (4, 9)")
    conn.commit()
    conn.close()
    _spoil(with_raw_pages, 17)
    before = _digest(with_raw_pages)
    found = _check(with_raw_pages, "--full")
    assert found.returncode == 1
    assert "PROBLEM raw_pages: 2 raw pages do not match their stored SHA-256 (ids 4, 9; checked every raw page)" \
        in found.stdout
    assert "PROBLEM raw_pages: 1 raw pages cannot be decompressed (ids 17; checked every raw page)" in found.stdout
    assert _digest(with_raw_pages) == before
    repaired = _check(with_raw_pages, "--repair", "--full")
    assert repaired.returncode == 1 and "STILL raw_pages:" in repaired.stdout  # the bytes are gone: not repairable


def test_without_full_a_sample_is_checked(with_raw_pages, monkeypatch):
    from archive.ops import check

    conn = sqlite3.connect(with_raw_pages)
    conn.execute("UPDATE raw_pages SET sha256 = 'x' || substr(sha256, 2)")  # every page damaged
    conn.commit()
    conn.close()
    db = open_archive(with_raw_pages, create=False, read_only=True)
    try:
        sampled = check.raw_page_problems(db, sample=10)
        everything = check.raw_page_problems(db, full=True, sample=10)
    finally:
        db.close()
    assert len(sampled) == 1 and "(ids" in sampled[0].detail
    checked = int(sampled[0].detail.split("a sample of ")[1].split(" of 30")[0])
    assert 1 <= checked <= 10 and sampled[0].detail.startswith(f"{checked} raw pages do not match")
    assert everything[0].detail.startswith("30 raw pages do not match") and "checked every raw page" in everything[0].detail


def test_a_damaged_zstd_dictionary_is_a_problem(tmp_path):
    from archive.models import FetchedPage
    from archive.store import transaction
    from archive.store.rawpages import TRAIN_AFTER, save_page

    path = tmp_path / "dict.db"
    db = open_archive(path)
    with transaction(db):
        for number in range(TRAIN_AFTER + 5):
            save_page(db, FetchedPage(
                url=f"https://tass.ru/politika/{2744000 + number}", source="tass", status=200, headers={},
                body=(f"<html><head><title>{number}</title></head><body>" + "<div class=x>общая разметка</div>" * 50
                      + f"<p>{number * 7919}</p></body></html>").encode(), fetched_at="2026-04-14T10:00:00+00:00"))
    db.close()
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT count(*) FROM zstd_dicts").fetchone()[0] >= 1
    conn.execute("UPDATE zstd_dicts SET dict = substr(dict, 1, length(dict) - 1) || x'00'")
    conn.commit()
    conn.close()
    found = _check(path, "--full")
    assert found.returncode == 1
    assert "zstd dictionaries do not match their SHA-256" in found.stdout, found.stdout
