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

An undated article (archive.link.docs) is compared with articles at any distance in time, found
through `story_keys` (every article's story keys) and the head key. Of the dated articles it
matches, the best (`docs.anchor_rank`: a copy first, then the closest content) dates it, and it
joins only the matches within the story window of that date: so it never bridges two stories of
different dates. A best match by content alone dates it only when it stands out from the dated
articles of other dates (`docs.anchor_holds`); one that does not is kept as its `anchor_id` with
`date_source` 'none', and a dated article of another date that arrives as close as the anchor
moves it out of its story. The anchor is the best of *all* its matches, whenever they arrived: a dated
article that arrives later and beats the anchor moves the undated article (`_move`), so the
grouping stays the same in any arrival order. Two undated articles join only as copies of each
other dated alike (both by nothing, or by anchors within the window).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from archive.dates import dateline_day_before, moscow_day
from archive.link import stories
from archive.link.caches import band_index, hours_around, select_docs, touch_hour, connection_window
from archive.link.docs import (
    CONTENT, DATELINE, DOC_COLUMNS, NONE, REPRINT, Doc, anchor_holds, anchor_rank, doc_features, doc_row, is_reprint,
    same_story, similarities,
)
from archive.link.minhash import MINHASH_VERSION, NUM_PERM, copy_by_estimate
from archive.link.primary import link_primary, refresh_story_primary
from archive.link.schema import (
    MINHASH_VERSION_KEY, STORY_KEYS, STORY_RULE_VERSION, STORY_RULE_VERSION_KEY, key_words,
)
from archive.store import Database, transaction


def article_features(
    url: str, source: str, title: str | None, lead: str | None, text: str | None, published: str | None,
    fetched_at: str | None, mfa: bool,
) -> Doc:
    """The features `link` would compute for an article stored with these values, before it has
    an id (CPU only: shingles, MinHash, story terms; `link` sets the id). The band keys are
    computed too, so a worker process hands over everything linking needs."""
    doc = doc_features(0, url, source, title, lead, text, published, fetched_at, mfa)
    doc.band_keys  # noqa: B018 - a cached property, computed where the CPU is spare
    return doc


def _compute(db: Database, article_id: int) -> Doc:
    row = db.execute(
        "SELECT url, source, title, lead, text, published, fetched_at, mfa FROM articles WHERE id = ?",
        [article_id],
    ).fetchone()
    if row is None:
        raise KeyError(f"no article with id {article_id}")
    return doc_features(article_id, *row)


def _store(db: Database, doc: Doc) -> None:
    db.execute(f"INSERT INTO dedup_docs ({DOC_COLUMNS}) VALUES ({', '.join('?' * len(doc_row(doc)))})", doc_row(doc))
    db.execute(f"INSERT INTO {STORY_KEYS} (rowid, keys) VALUES (?, ?)", [doc.article_id, key_words(doc.story.keys())])
    if doc.undated:
        # Undated articles are in no hour bucket and no band week: dated ones find them here.
        db.conn.executemany("INSERT OR IGNORE INTO undated_keys (key, article_id) VALUES (?, ?)",
                            [(key, doc.article_id) for key in doc.story.keys()])
        return
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
        candidates.update(i for (i,) in db.execute(
            "SELECT article_id FROM dedup_docs WHERE head_key = ? AND undated = 0", [doc.head_key]))
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
    others = []
    for bucket in hours_around(db, doc.story.hour):  # dated docs only, all within reach
        candidates = ids_sharing(keys, bucket.by_key, stories.MIN_SHARED_KEYS)
        if doc.story.quote_ngrams:
            candidates |= ids_sharing(doc.story.quote_ngrams, bucket.by_quote, stories.MIN_SHARED_QUOTES)
        others += (bucket.docs[other_id] for other_id in candidates - reprint_ids - {doc.article_id})
    # The cosines of all candidates at once (`similarities`, equal to one `cosine` a pair): the
    # pairwise loop was half of this function's CPU.
    matches = [other for other, similarity in zip(others, similarities(doc, others))
               if same_story(doc, other, False, similarity=similarity)]
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
    # The date's source goes in the same row write (an UPDATE rewrites the whole article row).
    db.execute("UPDATE articles SET story_id = ?, date_source = ? WHERE id = ?", [target, doc.date_source, doc.article_id])
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


def _forget(db: Database, article_id: int) -> Doc:
    """Take an article out of its reprint group and story, and re-link those left; returns its
    stored doc.

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
    # A contentless FTS5 row is deleted by giving back what it indexed; an article linked before
    # schema 9 (until `recluster`) has none, and deleting what is not there would corrupt it.
    if db.execute(f"SELECT 1 FROM {STORY_KEYS}_docsize WHERE id = ?", [article_id]).fetchone():
        db.execute(f"INSERT INTO {STORY_KEYS} ({STORY_KEYS}, rowid, keys) VALUES ('delete', ?, ?)",
                   [article_id, key_words(old.story.keys())])
    if old.undated:
        db.execute("DELETE FROM undated_keys WHERE key IN (SELECT value FROM json_each(?)) AND article_id = ?",
                   [json.dumps(old.story.keys()), article_id])
    else:
        touch_hour(db, old.story.hour)
        connection_window(db).drop(old.story.hour)
    db.execute("UPDATE articles SET reprint_of = NULL, story_id = NULL WHERE id = ?", [article_id])
    if group:
        db.execute(f"UPDATE articles SET reprint_of = NULL WHERE id IN ({','.join('?' * len(group))})", group)
    if story_members:
        db.execute(f"UPDATE articles SET story_id = NULL WHERE id IN ({','.join('?' * len(story_members))})", story_members)
    if story_id is not None:  # its members are re-linked below; alone, it leaves no story behind
        db.execute("DELETE FROM stories WHERE id = ?", [story_id])
    for doc in _load(db, sorted(set(group) | set(story_members))):
        _relink(db, doc)
    if not old.undated and stories.RULE.undated_margin > 0:
        # It may have been the best match of an undated article that did not stand out, or the
        # rival of another date that kept one out of a story (`anchor_holds`): those are linked again.
        candidates = sorted(ids_sharing_in_table(db, "undated_keys", old.story.keys()))
        for (other_id,) in db.execute(
                f"SELECT article_id FROM dedup_docs WHERE undated = 1 AND date_source = '{NONE}' "
                f"AND anchor_id IS NOT NULL AND (anchor_id = ? OR article_id IN ({','.join('?' * len(candidates))}))",
                [article_id, *candidates]).fetchall():
            (other,) = _load(db, [other_id])
            _move(db, other)
    return old


def _dated_partners(db: Database, doc: Doc) -> tuple[list[Doc], list[Doc], list[Doc]]:
    """The undated docs a dated `doc` joins (copies among them apart), and those it would date
    better than their present anchor, which must move.

    Undated docs whose story is being rebuilt (story_id NULL, inside `_forget`) are skipped:
    each is re-linked in turn and compares itself with `doc` then.
    """
    candidates = ids_sharing_in_table(db, "undated_keys", doc.story.keys())
    if doc.head_key is not None:
        candidates |= {i for (i,) in db.execute(
            "SELECT article_id FROM dedup_docs WHERE head_key = ? AND undated = 1", [doc.head_key])}
    joined, copies, moving = [], [], []
    if not candidates:
        return joined, copies, moving
    marks = ",".join("?" * len(candidates))
    pending = {i for (i,) in db.execute(
        f"SELECT id FROM articles WHERE id IN ({marks}) AND story_id IS NULL", sorted(candidates))}
    undated = _load(db, sorted(candidates - pending))
    anchors = {a.article_id: a for a in _load(db, sorted({u.anchor_id for u in undated if u.anchor_id is not None}))}
    for other in undated:
        reprint = is_reprint(doc, other)
        anchor = anchors.get(other.anchor_id)  # its best match, whether it took its date from it or not
        matches = same_story(doc, other, reprint)
        if matches and (anchor is None or anchor_rank(other, doc, reprint) < anchor_rank(other, anchor, is_reprint(other, anchor))):
            moving.append(other)
        elif other.date_source == NONE:
            continue  # its best match did not stand out, and still does not
        elif anchor is not None and not anchor_holds(other, anchor, other.date_source == REPRINT, [doc]):
            # Of another date and as close in content as the anchor: the undated article no longer
            # stands out for its story, and leaves it.
            moving.append(other)
        elif matches and abs(doc.story.hour - anchor.story.hour) <= stories.RULE.window_hours:
            (copies if reprint else joined).append(other)
    return joined, copies, moving


def ids_sharing_in_table(db: Database, table: str, keys: list[int]) -> set[int]:
    """The ids filed under at least MIN_SHARED_KEYS of `keys` in a key table (symmetric, as
    `ids_sharing`)."""
    return {i for (i,) in db.execute(
        f"SELECT article_id FROM {table} WHERE key IN (SELECT value FROM json_each(?)) "
        f"GROUP BY article_id HAVING count(*) >= {stories.MIN_SHARED_KEYS}", [json.dumps(keys)])}


def _link_undated(db: Database, doc: Doc) -> None:
    """Date an undated doc by its best dated match, and join the matches within the story window
    of that date, and the undated copies of it dated alike."""
    counts: dict[int, int] = {}
    for word in key_words(doc.story.keys()).split():
        for (article_id,) in db.execute(f"SELECT rowid FROM {STORY_KEYS} WHERE {STORY_KEYS} MATCH ?", [word]):
            counts[article_id] = counts.get(article_id, 0) + 1
    candidates = {article_id for article_id, n in counts.items() if n >= stories.MIN_SHARED_KEYS}
    if doc.head_key is not None:
        candidates |= {i for (i,) in db.execute("SELECT article_id FROM dedup_docs WHERE head_key = ?", [doc.head_key])}
    candidates.discard(doc.article_id)
    others = _load(db, sorted(candidates))
    matched = []
    for other in (o for o in others if not o.undated):
        reprint = is_reprint(doc, other)
        if same_story(doc, other, reprint):
            matched.append((anchor_rank(doc, other, reprint), other, reprint))
    matched.sort(key=lambda m: m[0])
    best = matched[0][1] if matched else None
    if matched and not anchor_holds(doc, best, matched[0][2], [o for o in others if not o.undated]):
        matched = []  # content alone, and not closer to this date than to another by the margin
    anchor = matched[0][1] if matched else None
    window = stories.RULE.window_hours
    joined = [(other, reprint) for _, other, reprint in matched if abs(other.story.hour - anchor.story.hour) <= window]
    for other in (o for o in others if o.undated and is_reprint(doc, o)):
        other_anchor_hour = _anchor_hour(db, other)
        if (anchor is None and other_anchor_hour is None) or (
                anchor is not None and other_anchor_hour is not None
                and abs(other_anchor_hour - anchor.story.hour) <= window):
            joined.append((other, True))
    _date_undated(db, doc, anchor, matched[0][2] if matched else False, best)
    _assign_reprint(db, doc, [other for other, reprint in joined if reprint])
    _assign_story(db, doc, [other for other, _ in joined])


def _anchor_hour(db: Database, doc: Doc) -> int | None:
    if doc.anchor_id is None or doc.date_source == NONE:  # no match, or one that did not stand out
        return None
    row = db.execute("SELECT hour FROM dedup_docs WHERE article_id = ?", [doc.anchor_id]).fetchone()
    return row[0] if row else None


def _date_undated(db: Database, doc: Doc, anchor: Doc | None, reprint: bool, best: Doc | None) -> None:
    """Record where an undated doc's date comes from, and the date, on its rows.

    A best match by content that did not stand out (`anchor_holds`) gives no date (source
    'none'), but is kept as `anchor_id`: only a dated article that beats it can change that.
    """
    if anchor is None:
        source, sort_key, day = (DATELINE if doc.dateline is not None else NONE), doc.sort_key, None
        if doc.dateline is not None:
            day = dateline_day_before(doc.dateline, doc.sort_key)
    else:
        source = REPRINT if reprint else DATELINE if doc.dateline is not None else CONTENT
        sort_key, day = anchor.sort_key, moscow_day(anchor.sort_key)
    doc.anchor_id = anchor.article_id if anchor else best.article_id if best else None
    doc.date_source = source
    db.execute("UPDATE dedup_docs SET anchor_id = ?, date_source = ?, sort_key = ? WHERE article_id = ?",
               [doc.anchor_id, source, sort_key, doc.article_id])
    db.execute("UPDATE articles SET inferred_date = ? WHERE id = ?", [day, doc.article_id])


def _move(db: Database, doc: Doc) -> None:
    """Re-date an undated doc that a new dated article dates better, and regroup what it left."""
    old = _forget(db, doc.article_id)
    old.anchor_id = None
    _store(db, old)
    _link_undated(db, old)


def _relink(db: Database, doc: Doc) -> None:
    if doc.undated:
        _link_undated(db, doc)
        return
    reprints = _reprint_matches(db, doc)
    joined, copies, moving = _dated_partners(db, doc)
    _assign_reprint(db, doc, reprints + copies)
    _assign_story(db, doc, _story_matches(db, doc, reprints) + joined + copies)
    for other in moving:
        _move(db, other)


def link(db: Database, article_id: int, features: Doc | None = None) -> None:
    """Compute and store the article's features, then set its `reprint_of` and `story_id`.

    `features` are the article's features computed beforehand from the very values it was
    stored with (`article_features`; a backfill computes them in its worker processes), so
    they are not computed again here. Runs inside the caller's transaction and never commits.
    """
    if db.execute("SELECT 1 FROM dedup_docs WHERE article_id = ?", [article_id]).fetchone():
        _forget(db, article_id)
    if features is not None:
        features.article_id = article_id
    doc = features or _compute(db, article_id)
    if not doc.undated:
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
    """Recompute features, reprints, stories, primary sources and quotes of the whole archive
    from scratch, in one transaction.

    Needed after a change of parameters, and for an archive from before a mechanism existed
    (articles stored before schema 13 have no quotes until then); articles are re-linked oldest
    first, which gives the same components as any other order.
    """
    with transaction(db):
        for table in ("dedup_docs", "dedup_hours", "stories", "undated_keys",
                      "primary_docs", "press_cues", "primary_links", "quotes"):
            db.execute(f"DELETE FROM {table}")
        db.execute(f"INSERT INTO {STORY_KEYS} ({STORY_KEYS}) VALUES ('delete-all')")
        db.set_meta(MINHASH_VERSION_KEY, MINHASH_VERSION)
        db.set_meta(STORY_RULE_VERSION_KEY, STORY_RULE_VERSION)
        db.execute("UPDATE articles SET reprint_of = NULL, story_id = NULL")
        ids = [i for (i,) in db.execute("SELECT id FROM articles ORDER BY coalesce(published, fetched_at), url")]
        for article_id in ids:
            link(db, article_id)
            link_primary(db, article_id)
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
