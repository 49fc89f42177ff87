"""Reprints: exact and truncated copies link to the earliest copy; rewrites and hard negatives don't."""

from dataclasses import replace

from archive import dedup
from archive.models import Article
from archive.pipeline import add_article
from archive.store import open_archive
from newsfixtures import ORIGINAL, REPRINT, TRUNCATED, event_records, record


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
    full = set(dedup.shingles(long_tokens))
    third = set(dedup.shingles(long_tokens[:100]))
    other = set(dedup.shingles([f"иное{i}" for i in range(100)] + long_tokens[:20]))

    def doc(shingle_set):
        return dedup.Doc(0, "u", "s", True, "", len(shingle_set), dedup.minhash(shingle_set), None)

    assert dedup.is_reprint(doc(full), doc(third))
    assert not dedup.is_reprint(doc(full), doc(other))


def _hour_ids(db, hour: int) -> set[int]:
    return {i for bucket in dedup._hours_around(db, hour) for i in bucket.docs}


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
    with db.conn:
        db.execute("UPDATE articles SET story_id = story_id + 0 WHERE id = ?", [article_id])
    assert db.execute("SELECT total_changes()").fetchone()[0] - before == 1, "no FTS rows rewritten"
    with db.conn:
        db.execute("UPDATE articles SET title = 'Метель' WHERE id = ?", [article_id])
    assert db.execute("SELECT rowid FROM articles_fts WHERE articles_fts MATCH 'Метель'").fetchall() == [(article_id,)]


def _copies_of_the_original(tmp_path, name: str, copy_text: str, copy_published: str) -> tuple:
    records = event_records()
    db = open_archive(tmp_path / f"{name}.db")
    original = add_article(db, _article(records[0])).article_id
    copy = add_article(db, _article(record("https://copy.example.net/1", copy_text, copy_published))).article_id
    return db.execute("SELECT reprint_of FROM articles WHERE id = ?", [copy]).fetchone()[0], original


def test_a_copy_with_the_same_beginning_is_found_at_any_distance_in_time(tmp_path):
    for published in ("2025-03-13T09:00:00+03:00", "2027-01-20T09:00:00+03:00"):
        for name, text in (("verbatim", REPRINT), ("truncated", TRUNCATED)):
            reprint_of, original = _copies_of_the_original(tmp_path, f"{name}-{published[:4]}", text, published)
            assert reprint_of == original, (name, published)


def test_a_copy_with_a_new_beginning_is_found_within_the_neighbouring_weeks_only(tmp_path):
    """Band keys are filed by week (what keeps linking fast in a large archive): a copy that
    changed its first words is matched within REPRINT_WEEKS, not months later."""
    reintroduced = "Об этом сообщила пресс-служба министерства в среду вечером после окончания встречи. " + ORIGINAL
    near, original = _copies_of_the_original(tmp_path, "near", reintroduced, "2025-03-19T09:00:00+03:00")
    assert near == original
    far, _ = _copies_of_the_original(tmp_path, "far", reintroduced, "2025-05-20T09:00:00+03:00")
    assert far is None


def test_an_archive_with_keys_filed_by_key_alone_is_converted_on_opening(tmp_path):
    """Schema 2 kept (key, article_id) rows with the head key among the band keys."""
    path = tmp_path / "old.db"
    db = open_archive(path)
    for item in event_records():
        add_article(db, _article(item))
    expected = db.execute("SELECT week, key, article_id FROM dedup_keys ORDER BY 1, 2, 3").fetchall()
    docs = dedup._load(db, [i for (i,) in db.execute("SELECT article_id FROM dedup_docs")])
    with db.conn:
        db.execute("DROP TABLE dedup_keys")
        db.execute("CREATE TABLE dedup_keys (key INTEGER NOT NULL, article_id INTEGER NOT NULL, "
                   "PRIMARY KEY (key, article_id)) WITHOUT ROWID")
        db.conn.executemany("INSERT OR IGNORE INTO dedup_keys VALUES (?, ?)", [
            (key, doc.article_id) for doc in docs for key in [*doc.band_keys, doc.head_key] if key is not None])
        db.execute("UPDATE meta SET value = '2' WHERE key = 'schema_version'")
    db.conn.close()

    reopened = open_archive(path)
    assert reopened.execute("SELECT week, key, article_id FROM dedup_keys ORDER BY 1, 2, 3").fetchall() == expected
    copy = add_article(reopened, _article(record("https://copy.example.net/2", REPRINT, "2025-03-12T18:00:00+03:00")))
    assert reopened.execute("SELECT reprint_of FROM articles WHERE id = ?", [copy.article_id]).fetchone()[0] == \
        _by_url(reopened)[event_records()[0]["url"]][0]
