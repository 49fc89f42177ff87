"""Reprints: exact and truncated copies link to the earliest copy; rewrites and hard negatives don't."""

import sqlite3
from dataclasses import replace

import pytest

from archive.store import transaction

from archive.link import caches, docs, linking, minhash
from archive.models import Article
from archive.pipeline import add_article
from archive.schema import open_archive
from newsfixtures import ORIGINAL, REPRINT, TRUNCATED, event_records
from newsfixtures import record as ingest_record


def _article(record: dict) -> Article:
    return Article(url=record["url"], source=record["url"].split("/")[2], title=record["title"],
                   text=record["text"], published=record["published"])


def _by_url(db) -> dict[str, tuple]:
    rows = db.execute("SELECT url, id, reprint_of, story_id FROM articles").fetchall()
    return {url: (i, reprint_of, story_id) for url, i, reprint_of, story_id in rows}


def test_reprints_point_at_the_earliest_copy_whatever_the_arrival_order(tmp_path):
    records = event_records()
    original, reprint, truncated, rewrite, later = (r["url"] for r in records[:5])
    for name, order in (("forward", records), ("backward", list(reversed(records)))):
        db = open_archive(tmp_path / f"{name}.db")
        for record in order:
            add_article(db, _article(record))
        rows = _by_url(db)
        assert rows[original][1] is None
        assert rows[reprint][1] == rows[original][0]
        assert rows[truncated][1] == rows[original][0], "a truncated copy is still a reprint"
        assert rows[rewrite][1] is None, "a rewrite is not a reprint"
        assert rows[later][1] is None, "the same people two months later is not a reprint"


def test_an_earlier_copy_arriving_late_becomes_the_original(tmp_path):
    records = event_records()
    db = open_archive(tmp_path / "a.db")
    add_article(db, _article(records[1]))
    add_article(db, _article(records[0]))
    rows = _by_url(db)
    assert rows[records[1]["url"]][1] == rows[records[0]["url"]][0]
    assert rows[records[0]["url"]][1] is None


def test_an_updated_text_leaves_its_old_reprint_group(tmp_path):
    records = event_records()
    db = open_archive(tmp_path / "a.db")
    for record in records[:3]:
        add_article(db, _article(record))
    changed = replace(_article(records[1]), text=records[-1]["text"], title="Метель")
    assert add_article(db, changed).status == "updated"
    rows = _by_url(db)
    assert rows[records[1]["url"]][1] is None
    assert rows[records[1]["url"]][2] != rows[records[0]["url"]][2]
    assert rows[records[2]["url"]][1] == rows[records[0]["url"]][0]
    assert db.execute("SELECT count(*) FROM dedup_docs").fetchone()[0] == 3


def test_containment_check_catches_a_third_of_the_text():
    long_tokens = [f"слово{i}" for i in range(300)]
    full = set(minhash.shingles(long_tokens))
    third = set(minhash.shingles(long_tokens[:100]))
    other = set(minhash.shingles([f"иное{i}" for i in range(100)] + long_tokens[:20]))

    def doc(shingle_set):
        return docs.Doc(0, "u", "s", True, "", len(shingle_set), minhash.minhash(shingle_set), None)

    assert docs.is_reprint(doc(full), doc(third))
    assert not docs.is_reprint(doc(full), doc(other))


def _hour_ids(db, hour: int) -> set[int]:
    return {i for bucket in caches.hours_around(db, hour) for i in bucket.docs}


def test_the_window_cache_sees_another_connections_writes_and_forgets_rolled_back_ones(tmp_path):
    records = event_records()
    writer_a = open_archive(tmp_path / "a.db")
    first = add_article(writer_a, _article(records[0])).article_id
    hour = writer_a.execute("SELECT hour FROM dedup_docs WHERE article_id = ?", [first]).fetchone()[0]
    assert _hour_ids(writer_a, hour) == {first}
    writer_b = open_archive(tmp_path / "a.db")
    second = add_article(writer_b, _article(records[3])).article_id
    writer_b.conn.close()
    assert _hour_ids(writer_a, hour) == {first, second}, "a write by another process must be seen"
    with writer_a.conn:
        third = add_article(writer_a, _article(records[1])).article_id
    assert third in _hour_ids(writer_a, hour)
    writer_a.conn.execute("BEGIN")
    from archive import pipeline

    rolled_back = pipeline._add(writer_a, _article(records[2])).article_id
    assert rolled_back in _hour_ids(writer_a, hour)
    writer_a.conn.rollback()
    assert _hour_ids(writer_a, hour) == {first, second, third}, "a rolled-back doc must leave the cache"


def test_a_batch_links_exactly_like_single_additions(tmp_path):
    from archive.pipeline import add_articles

    records = event_records()
    single = open_archive(tmp_path / "single.db")
    for record in records:
        add_article(single, _article(record))
    batched = open_archive(tmp_path / "batched.db")
    results = add_articles(batched, [_article(r) for r in records])
    assert [r.status for r in results] == ["new"] * len(records)
    assert _by_url(single) == _by_url(batched)
    assert [r.status for r in add_articles(batched, [_article(r) for r in records])] == ["unchanged"] * len(records)


def test_updating_story_links_does_not_reindex_the_text(tmp_path):
    db = open_archive(tmp_path / "a.db")
    article_id = add_article(db, _article(event_records()[0])).article_id
    before = db.execute("SELECT total_changes()").fetchone()[0]
    with transaction(db):
        db.execute("UPDATE articles SET story_id = story_id + 0 WHERE id = ?", [article_id])
    assert db.execute("SELECT total_changes()").fetchone()[0] - before == 1, "no FTS rows rewritten"
    with transaction(db):
        db.execute("UPDATE articles SET title = 'Метель' WHERE id = ?", [article_id])
    assert db.execute("SELECT rowid FROM articles_fts WHERE articles_fts MATCH 'Метель'").fetchall() == [(article_id,)]


# The original with a sentence put before it: the head key differs, the bands mostly don't.
NEW_BEGINNING = "Об этом сообщила пресс-служба министерства в среду вечером после окончания встречи. " + ORIGINAL


def _copies_of_the_original(tmp_path, name: str, copy_text: str, copy_published: str) -> tuple:
    records = event_records()
    db = open_archive(tmp_path / f"{name}.db")
    original = add_article(db, _article(records[0])).article_id
    copy = add_article(db, _article(ingest_record("https://copy.example.net/1", copy_text, copy_published))).article_id
    return db.execute("SELECT reprint_of FROM articles WHERE id = ?", [copy]).fetchone()[0], original


def test_a_copy_with_the_same_beginning_is_found_at_any_distance_in_time(tmp_path):
    for published in ("2025-03-13T09:00:00+03:00", "2027-01-20T09:00:00+03:00"):
        for name, text in (("verbatim", REPRINT), ("truncated", TRUNCATED)):
            reprint_of, original = _copies_of_the_original(tmp_path, f"{name}-{published[:4]}", text, published)
            assert reprint_of == original, (name, published)


def test_a_copy_with_a_new_beginning_is_found_within_the_neighbouring_weeks_only(tmp_path):
    """Band keys are filed by week (what keeps linking fast in a large archive): a copy that
    changed its first words is matched within REPRINT_WEEKS, not months later."""
    near, original = _copies_of_the_original(tmp_path, "near", NEW_BEGINNING, "2025-03-19T09:00:00+03:00")
    assert near == original
    far, _ = _copies_of_the_original(tmp_path, "far", NEW_BEGINNING, "2025-05-20T09:00:00+03:00")
    assert far is None


def test_an_archive_with_a_band_key_table_drops_it_on_opening_and_still_links(tmp_path):
    """Schema 2 kept every article's band keys in `dedup_keys`; they come from dedup_docs now."""
    path = tmp_path / "old.db"
    db = open_archive(path)
    for item in event_records():
        add_article(db, _article(item))
    with transaction(db):
        db.execute("CREATE TABLE dedup_keys (key INTEGER NOT NULL, article_id INTEGER NOT NULL, "
                   "PRIMARY KEY (key, article_id)) WITHOUT ROWID")
        db.execute("INSERT INTO dedup_keys VALUES (1, 1)")
        db.execute("DROP INDEX dedup_docs_head_key")
        db.execute("UPDATE meta SET value = '2' WHERE key = 'schema_version'")
    db.conn.close()

    reopened = open_archive(path)
    assert "dedup_keys" not in reopened.table_names()
    assert "dedup_docs_head_key" in {row[1] for row in reopened.execute("PRAGMA index_list(dedup_docs)")}
    original_id = _by_url(reopened)[event_records()[0]["url"]][0]
    for n, (text, published) in enumerate(((REPRINT, "2025-03-12T18:00:00+03:00"),
                                           (NEW_BEGINNING, "2025-03-13T18:00:00+03:00"))):
        copy = add_article(reopened, _article(ingest_record(f"https://copy.example.net/{n}", text, published)))
        assert reopened.execute("SELECT reprint_of FROM articles WHERE id = ?", [copy.article_id]).fetchone()[0] == original_id


def test_the_band_index_sees_another_connections_writes_and_forgets_rolled_back_ones(tmp_path):
    from archive.pipeline import _add

    reader = open_archive(tmp_path / "a.db")
    original = add_article(reader, _article(event_records()[0])).article_id  # the reader caches this week now
    (original_doc,) = linking._load(reader, [original])
    writer = open_archive(tmp_path / "a.db")
    assert caches.band_index(writer).ids_sharing_a_band(writer, original_doc) == {original}
    copy = _article(ingest_record("https://copy.example.net/1", NEW_BEGINNING, "2025-03-13T09:00:00+03:00"))

    writer.conn.execute("BEGIN IMMEDIATE")
    rolled_back = _add(writer, copy).article_id
    assert caches.band_index(writer).ids_sharing_a_band(writer, original_doc) == {original, rolled_back}
    writer.conn.rollback()
    assert caches.band_index(writer).ids_sharing_a_band(writer, original_doc) == {original}, \
        "a rolled-back doc must leave the cache"

    later = add_article(writer, copy).article_id
    assert caches.band_index(reader).ids_sharing_a_band(reader, original_doc) == {original, later}, \
        "a write by another connection must be seen"
    assert _by_url(reader)[copy.url][1] == original


def test_an_article_whose_linking_fails_leaves_nothing_behind(tmp_path):
    """add_article is one transaction: a failure after the article row was written (here in
    linking) must take the row, its full-text entry and its old version back with it."""
    db = open_archive(tmp_path / "a.db")
    first, second = (_article(r) for r in event_records()[:2])
    add_article(db, first)
    with transaction(db):
        db.conn.execute("CREATE TRIGGER fail_linking BEFORE INSERT ON dedup_docs BEGIN SELECT RAISE(ABORT, 'boom'); END")
    before = {table: db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
              for table in ("articles", "articles_fts", "article_versions", "articles_morph", "stories")}
    for failing in (second, replace(first, text=first.text + " Дополнено.")):
        with pytest.raises(sqlite3.IntegrityError, match="boom"):
            add_article(db, failing)
        after = {table: db.execute(f"SELECT count(*) FROM {table}").fetchone()[0] for table in before}
        assert after == before, failing.url
        assert db.execute("SELECT text FROM articles WHERE url = ?", [first.url]).fetchone()[0] == first.text
