"""Linking in the archive: set each article's `reprint_of` and `story_id`, and keep `stories`.

`link(db, article_id)` runs inside the caller's transaction right after the article row was
written. It computes the article's features once (MinHash of word 5-shingles for reprints,
story features for clustering), stores them in `dedup_docs`, and then:

- finds reprint candidates through LSH band keys among the articles of the weeks around its own,
  plus a "first words" key from any time (a truncated copy keeps its beginning but has a low
  Jaccard with the full text), verifies them by estimated containment, and points every copy's
  `reprint_of` at the earliest one (by publication date, then URL);
- finds story candidates sharing heavy terms within the time window, applies the pairwise
  decision of `archive.link.docs.same_story`, and merges the stories it connects.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from archive.link import stories
from archive.link.caches import band_index, hours_around, select_docs, touch_hour, connection_window
from archive.link.docs import Doc, doc_features, doc_row, same_story
from archive.link.minhash import MINHASH_VERSION, NUM_PERM, copy_by_estimate
from archive.link.primary import refresh_story_primary
from archive.link.schema import MINHASH_VERSION_KEY
from archive.store import Database, transaction


def _compute(db: Database, article_id: int) -> Doc:
    row = db.execute(
        "SELECT url, source, title, lead, text, published, fetched_at, mfa FROM articles WHERE id = ?",
        [article_id],
    ).fetchone()
    if row is None:
        raise KeyError(f"no article with id {article_id}")
    return doc_features(article_id, *row)


def _store(db: Database, doc: Doc) -> None:
    db.execute("INSERT INTO dedup_docs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", doc_row(doc))
    old_token = db.execute("SELECT token FROM dedup_hours WHERE hour = ?", [doc.story.hour]).fetchone()
    token = touch_hour(db, doc.story.hour)
    connection_window(db).add(doc, token)
    band_index(db).add(doc, old_token[0] if old_token else None, token)


def _chunks(ids: list[int], size: int = 500) -> Iterable[list[int]]:
    """`ids` in slices short enough for one statement's parameters."""
    return (ids[start : start + size] for start in range(0, len(ids), size))


def _load(db: Database, ids: list[int]) -> list[Doc]:
    return [doc for chunk in _chunks(ids) for doc in select_docs(db, f"article_id IN ({','.join('?' * len(chunk))})", chunk)]


def _reprint_matches(db: Database, doc: Doc) -> list[Doc]:
    """The stored docs that are copies of `doc`, among those sharing an LSH band in the weeks
    around its own, or its head key.

    Similar pages can share a band with dozens of others, so the candidates' signatures are
    compared as one array, and only the confirmed copies are loaded as full docs.
    """
    candidates = band_index(db).ids_sharing_a_band(db, doc)
    if doc.head_key is not None:
        candidates.update(i for (i,) in db.execute("SELECT article_id FROM dedup_docs WHERE head_key = ?", [doc.head_key]))
    candidates.discard(doc.article_id)
    rows = []
    for chunk in _chunks(sorted(candidates)):
        rows += db.execute(
            f"SELECT article_id, n_shingles, minhash FROM dedup_docs WHERE article_id IN ({','.join('?' * len(chunk))})",
            chunk,
        ).fetchall()
    if not rows:
        return []
    signatures = np.frombuffer(b"".join(blob for _, _, blob in rows), dtype=np.uint32).reshape(len(rows), NUM_PERM)
    equal_counts = (signatures == np.frombuffer(doc.minhash, dtype=np.uint32)).sum(axis=1).tolist()
    copies = [
        article_id for (article_id, n_shingles, _), equal in zip(rows, equal_counts)
        if copy_by_estimate(equal, doc.n_shingles, n_shingles)
    ]
    return _load(db, copies)


def ids_sharing(keys: Iterable[int], index: dict[int, list[int]], at_least: int) -> set[int]:
    """The ids listed under at least `at_least` of `keys` in `index` (a symmetric candidate rule)."""
    counts: dict[int, int] = {}
    for key in keys:
        for article_id in index.get(key, ()):
            counts[article_id] = counts.get(article_id, 0) + 1
    return {article_id for article_id, n in counts.items() if n >= at_least}


def _story_matches(db: Database, doc: Doc, reprints: list[Doc]) -> list[Doc]:
    """Reprints, plus the docs of the window that share enough heavy terms and pass `same_story`.

    Sharing MIN_SHARED_KEYS of each other's keys is symmetric and there is no cap on candidates,
    so whether a pair is examined never depends on which of the two arrived first.
    """
    keys = doc.story.keys()
    reprint_ids = {r.article_id for r in reprints}
    matches = []
    for bucket in hours_around(db, doc.story.hour):
        candidates = ids_sharing(keys, bucket.by_key, stories.MIN_SHARED_KEYS)
        candidates |= ids_sharing(doc.story.quote_ngrams, bucket.by_quote, stories.MIN_SHARED_QUOTES)
        for other_id in candidates - reprint_ids - {doc.article_id}:
            other = bucket.docs[other_id]
            if same_story(doc, other, False):
                matches.append(other)
    return matches + reprints


def _assign_reprint(db: Database, doc: Doc, matches: list[Doc]) -> None:
    """Merge the reprint groups `doc` joins and point them all at their earliest copy."""
    if not matches:
        db.execute("UPDATE articles SET reprint_of = NULL WHERE id = ? AND reprint_of IS NOT NULL", [doc.article_id])
        return
    roots = {
        root for (root,) in db.execute(
            f"SELECT coalesce(reprint_of, id) FROM articles WHERE id IN ({','.join('?' * len(matches))})",
            [m.article_id for m in matches],
        )
    }
    marks = ",".join("?" * len(roots))
    member_ids = {
        i for (i,) in db.execute(
            f"SELECT id FROM articles WHERE id IN ({marks}) UNION SELECT id FROM articles WHERE reprint_of IN ({marks})",
            [*roots, *roots],
        )
    } | {doc.article_id}
    original = db.execute(
        f"SELECT article_id FROM dedup_docs WHERE article_id IN ({','.join('?' * len(member_ids))}) "
        f"ORDER BY sort_key, url LIMIT 1",
        sorted(member_ids),
    ).fetchone()[0]
    db.execute(
        f"UPDATE articles SET reprint_of = CASE WHEN id = ? THEN NULL ELSE ? END "
        f"WHERE id IN ({','.join('?' * len(member_ids))}) AND reprint_of IS NOT CASE WHEN id = ? THEN NULL ELSE ? END",
        [original, original, *member_ids, original, original],
    )


def _assign_story(db: Database, doc: Doc, matches: list[Doc]) -> None:
    """Put `doc` in the story of its matches, merging stories it connects (the lowest id stays)."""
    story_ids = sorted(
        {s for (s,) in db.execute(
            f"SELECT story_id FROM articles WHERE id IN ({','.join('?' * len(matches))}) AND story_id IS NOT NULL",
            [m.article_id for m in matches],
        )}
    ) if matches else []
    if story_ids:
        target, merged = story_ids[0], story_ids[1:]
        if merged:
            marks = ",".join("?" * len(merged))
            db.execute(f"UPDATE articles SET story_id = ? WHERE story_id IN ({marks})", [target, *merged])
            db.execute(f"DELETE FROM stories WHERE id IN ({marks})", merged)
    else:
        target = db.execute("INSERT INTO stories (size) VALUES (0)").lastrowid
    db.execute("UPDATE articles SET story_id = ? WHERE id = ?", [target, doc.article_id])
    refresh_story(db, target)


def refresh_story(db: Database, story_id: int) -> None:
    """Recompute a story's summary row from its members (or drop it when it has none)."""
    rows = db.execute(
        "SELECT a.title, d.sort_key, a.url, a.source, a.mfa FROM articles a JOIN dedup_docs d ON d.article_id = a.id "
        "WHERE a.story_id = ? ORDER BY d.sort_key, a.url",
        [story_id],
    ).fetchall()
    if not rows:
        db.execute("DELETE FROM stories WHERE id = ?", [story_id])
        return
    db.execute(
        "UPDATE stories SET title = ?, first_seen = ?, last_seen = ?, size = ?, sources = ?, mfa = ? WHERE id = ?",
        [*story_summary(rows), story_id],
    )
    refresh_story_primary(db, story_id)


def story_summary(rows: list[tuple]) -> tuple:
    """(title, first_seen, last_seen, size, sources, mfa) of a story from its members'
    (title, sort_key, url, source, mfa) rows in (sort_key, url) order."""
    title = next((r[0] for r in rows if r[0]), rows[0][0])
    sources = sorted({r[3] for r in rows})
    return (title, rows[0][1], rows[-1][1], len(rows), json.dumps(sources, ensure_ascii=False),
            sum(r[4] or 0 for r in rows))


def _forget(db: Database, article_id: int) -> None:
    """Take a re-extracted article out of its reprint group and story, and re-link those left.

    Its old text may have been the only bridge between other members, so the remaining members
    are re-linked from their stored features (no recomputation) to split what no longer connects.
    """
    row = db.execute("SELECT coalesce(reprint_of, id), story_id FROM articles WHERE id = ?", [article_id]).fetchone()
    root, story_id = row
    group = [i for (i,) in db.execute(
        "SELECT id FROM articles WHERE id = ? AND id != ? UNION SELECT id FROM articles WHERE reprint_of = ? AND id != ?",
        [root, article_id, root, article_id])]
    story_members = [i for (i,) in db.execute(
        "SELECT id FROM articles WHERE story_id = ? AND id != ?", [story_id, article_id])] if story_id else []
    (old,) = _load(db, [article_id])
    db.execute("DELETE FROM dedup_docs WHERE article_id = ?", [article_id])
    touch_hour(db, old.story.hour)
    connection_window(db).drop(old.story.hour)
    db.execute("UPDATE articles SET reprint_of = NULL, story_id = NULL WHERE id = ?", [article_id])
    if group:
        db.execute(f"UPDATE articles SET reprint_of = NULL WHERE id IN ({','.join('?' * len(group))})", group)
    if story_members:
        db.execute(f"UPDATE articles SET story_id = NULL WHERE id IN ({','.join('?' * len(story_members))})", story_members)
        db.execute("DELETE FROM stories WHERE id = ?", [story_id])
    for doc in _load(db, sorted(set(group) | set(story_members))):
        _relink(db, doc)


def _relink(db: Database, doc: Doc) -> None:
    reprints = _reprint_matches(db, doc)
    _assign_reprint(db, doc, reprints)
    _assign_story(db, doc, _story_matches(db, doc, reprints))


def link(db: Database, article_id: int) -> None:
    """Compute and store the article's features, then set its `reprint_of` and `story_id`.

    Runs inside the caller's transaction and never commits.
    """
    if db.execute("SELECT 1 FROM dedup_docs WHERE article_id = ?", [article_id]).fetchone():
        _forget(db, article_id)
    doc = _compute(db, article_id)
    # The doc's own hour and week are loaded before the doc is stored, so _store can add it to
    # buckets known to be current.
    hours_around(db, doc.story.hour)
    band_index(db).weeks_around(db, doc.week)
    _store(db, doc)
    _relink(db, doc)


@dataclass
class ReclusterStats:
    articles: int
    stories: int
    reprints: int
    multi_source_stories: int


def recluster(db: Database) -> ReclusterStats:
    """Recompute features, reprints and stories of the whole archive from scratch, in one transaction.

    Needed after a change of parameters; articles are re-linked oldest first, which gives the same
    components as any other order.
    """
    with transaction(db):
        for table in ("dedup_docs", "dedup_hours", "stories"):
            db.execute(f"DELETE FROM {table}")
        db.set_meta(MINHASH_VERSION_KEY, MINHASH_VERSION)
        db.execute("UPDATE articles SET reprint_of = NULL, story_id = NULL")
        ids = [i for (i,) in db.execute("SELECT id FROM articles ORDER BY coalesce(published, fetched_at), url")]
        for article_id in ids:
            link(db, article_id)
    return stats(db)


def stats(db: Database) -> ReclusterStats:
    """Counts describing the current reprint and story state."""
    return ReclusterStats(
        articles=db.execute("SELECT count(*) FROM dedup_docs").fetchone()[0],
        stories=db.execute("SELECT count(*) FROM stories").fetchone()[0],
        reprints=db.execute("SELECT count(*) FROM articles WHERE reprint_of IS NOT NULL").fetchone()[0],
        multi_source_stories=db.execute(
            "SELECT count(*) FROM stories WHERE json_array_length(sources) > 1").fetchone()[0],
    )
