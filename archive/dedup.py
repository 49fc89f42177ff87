"""Reprints (near-identical copies) and stories (same event), kept up to date per article.

`link(db, article_id)` runs inside the caller's transaction right after the article row was
written. It computes the article's features once (MinHash of word 5-shingles for reprints, story
features for clustering), stores them with their index keys, and then:

- finds reprint candidates through LSH band keys plus a "first words" key (a truncated copy keeps
  its beginning but has a low Jaccard with the full text), verifies them by estimated containment,
  and points every copy's `reprint_of` at the earliest one (by publication date, then URL);
- finds story candidates sharing heavy terms within the time window, applies the pairwise
  decision of `archive.stories`, and merges the stories it connects.

Both relations are decided pair by pair from stored features only, and stories/reprint groups are
their connected components, so the result does not depend on arrival order or run boundaries.
"""

from __future__ import annotations

import hashlib
import json
from array import array
from dataclasses import dataclass
from datetime import datetime, timezone

import rensa
import sqlite_utils

from archive import stories
from archive.textnorm import normalize, words

NUM_PERM = 128
BANDS = 32  # 32 bands of 4 rows: a pair at Jaccard 0.5 becomes a candidate 87% of the time
ROWS = NUM_PERM // BANDS
SHINGLE = 5
HEAD_WORDS = 12
MINHASH_SEED = 20250101
REPRINT_JACCARD = 0.6
REPRINT_CONTAINMENT = 0.7  # share of the shorter text's shingles found in the longer one
MIN_SHINGLES_FOR_CONTAINMENT = 10  # below this a short text "contained" in another proves nothing
SAME_SOURCE_COSINE = 0.7  # an outlet's two same-day pieces are usually two events
MIXED_RELEVANCE_COSINE = 0.7  # the Kremlin and the ministry on one topic are two statements


@dataclass
class Doc:
    """One article as the dedup tables know it."""

    article_id: int
    url: str
    source: str
    mfa: bool
    sort_key: str  # UTC ISO time: published, else fetched_at
    n_shingles: int
    minhash: array
    story: stories.StoryFeatures

    @property
    def order(self) -> tuple[str, str]:
        """Earliest first; the URL breaks ties so every arrival order picks the same original."""
        return (self.sort_key, self.url)


def ensure_schema(db: sqlite_utils.Database) -> None:
    """Create the dedup and story tables if missing; called from `store.ensure_schema`."""
    # One statement at a time: executescript would commit the caller's transaction.
    for statement in _SCHEMA.split(";"):
        if statement.strip():
            db.execute(statement)


_SCHEMA = """
        CREATE TABLE IF NOT EXISTS dedup_docs (
            article_id INTEGER PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
            url TEXT NOT NULL, source TEXT NOT NULL, mfa INTEGER NOT NULL,
            sort_key TEXT NOT NULL, hour INTEGER NOT NULL,
            n_shingles INTEGER NOT NULL, minhash BLOB NOT NULL, story BLOB NOT NULL
        );
        CREATE TABLE IF NOT EXISTS dedup_keys (
            key INTEGER NOT NULL, article_id INTEGER NOT NULL, PRIMARY KEY (key, article_id)
        ) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS dedup_keys_article ON dedup_keys(article_id);
        CREATE TABLE IF NOT EXISTS story_keys (
            key INTEGER NOT NULL, hour INTEGER NOT NULL, article_id INTEGER NOT NULL,
            PRIMARY KEY (key, hour, article_id)
        ) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS story_keys_article ON story_keys(article_id);
        CREATE TABLE IF NOT EXISTS stories (
            id INTEGER PRIMARY KEY, title TEXT, first_seen TEXT, last_seen TEXT,
            size INTEGER NOT NULL DEFAULT 0, sources TEXT NOT NULL DEFAULT '[]',
            mfa INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX IF NOT EXISTS stories_last_seen ON stories(last_seen);
"""


def _hash64(data: bytes) -> int:
    return int.from_bytes(hashlib.blake2b(data, digest_size=8).digest(), "big", signed=True)


def sort_time(published: str | None, fetched_at: str | None) -> datetime:
    """When the article appeared, in UTC: the publication time, else when it was fetched.

    A date without a time counts as noon UTC (mid-day in Moscow) so the same date is close
    and adjacent dates are not.
    """
    for value in (published, fetched_at):
        if not value:
            continue
        try:
            moment = datetime.fromisoformat(value if "T" in value or " " in value else f"{value}T12:00:00")
        except ValueError:
            continue
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=timezone.utc)
        return moment.astimezone(timezone.utc)
    return datetime(1970, 1, 1, tzinfo=timezone.utc)


def shingles(tokens: list[str]) -> set[str]:
    """Distinct word 5-shingles; a text shorter than one shingle is its own single shingle."""
    if len(tokens) < SHINGLE:
        return {" ".join(tokens)} if tokens else set()
    return {" ".join(tokens[i : i + SHINGLE]) for i in range(len(tokens) - SHINGLE + 1)}


def minhash(shingle_set: set[str]) -> array:
    sketch = rensa.RMinHash(num_perm=NUM_PERM, seed=MINHASH_SEED)
    sketch.update(sorted(shingle_set))
    return array("I", sketch.digest())


def reprint_keys(signature: array, body_tokens: list[str]) -> list[int]:
    """LSH band keys plus a key for the first words of the body."""
    keys = [_hash64(bytes([band]) + signature[band * ROWS : (band + 1) * ROWS].tobytes()) for band in range(BANDS)]
    if len(body_tokens) >= HEAD_WORDS:
        keys.append(_hash64(b"head:" + " ".join(body_tokens[:HEAD_WORDS]).encode()))
    return keys


def is_reprint(a: Doc, b: Doc) -> bool:
    """Estimated Jaccard or containment of the 5-shingle sets is high enough for a copy."""
    equal = sum(x == y for x, y in zip(a.minhash, b.minhash))
    jaccard = equal / NUM_PERM
    if jaccard >= REPRINT_JACCARD:
        return True
    smaller = min(a.n_shingles, b.n_shingles)
    if smaller < MIN_SHINGLES_FOR_CONTAINMENT:
        return False
    shared = jaccard * (a.n_shingles + b.n_shingles) / (1 + jaccard)
    return shared / smaller >= REPRINT_CONTAINMENT


def same_story(a: Doc, b: Doc, reprint: bool) -> bool:
    """`stories.same_story` plus two priors about who is speaking and who is publishing."""
    if reprint:
        return True
    if not stories.same_story(a.story, b.story):
        return False
    if a.source == b.source or a.mfa != b.mfa:
        bar = SAME_SOURCE_COSINE if a.source == b.source else MIXED_RELEVANCE_COSINE
        return stories.cosine(a.story.terms, b.story.terms) >= bar
    return True


def _compute(db: sqlite_utils.Database, article_id: int) -> tuple[Doc, list[int]]:
    row = db.execute(
        "SELECT url, source, title, lead, text, published, fetched_at, mfa FROM articles WHERE id = ?",
        [article_id],
    ).fetchone()
    if row is None:
        raise KeyError(f"no article with id {article_id}")
    url, source, title, lead, text, published, fetched_at, mfa = row
    body = " ".join(p for p in (lead, text) if p)
    body_tokens = words(normalize(body))
    shingle_set = shingles(words(normalize(title or "")) + body_tokens)
    signature = minhash(shingle_set)
    moment = sort_time(published, fetched_at)
    doc = Doc(
        article_id=article_id,
        url=url,
        source=source,
        mfa=bool(mfa),
        sort_key=moment.isoformat(timespec="seconds"),
        n_shingles=len(shingle_set),
        minhash=signature,
        story=stories.features(title or "", body, int(moment.timestamp() // 3600)),
    )
    return doc, reprint_keys(signature, body_tokens)


def _store(db: sqlite_utils.Database, doc: Doc, keys: list[int]) -> None:
    db.execute(
        "INSERT OR REPLACE INTO dedup_docs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [doc.article_id, doc.url, doc.source, int(doc.mfa), doc.sort_key, doc.story.hour,
         doc.n_shingles, doc.minhash.tobytes(), doc.story.encode()],
    )
    db.conn.executemany("INSERT OR IGNORE INTO dedup_keys VALUES (?, ?)", [(k, doc.article_id) for k in keys])
    db.conn.executemany(
        "INSERT OR IGNORE INTO story_keys VALUES (?, ?, ?)",
        [(k, doc.story.hour, doc.article_id) for k in doc.story.keys()],
    )


def _load(db: sqlite_utils.Database, ids: list[int]) -> list[Doc]:
    if not ids:
        return []
    docs = []
    for chunk_start in range(0, len(ids), 500):
        chunk = ids[chunk_start : chunk_start + 500]
        rows = db.execute(
            f"SELECT article_id, url, source, mfa, sort_key, hour, n_shingles, minhash, story FROM dedup_docs "
            f"WHERE article_id IN ({','.join('?' * len(chunk))})",
            chunk,
        ).fetchall()
        for article_id, url, source, mfa, sort_key, hour, n, blob, story in rows:
            docs.append(
                Doc(article_id, url, source, bool(mfa), sort_key, n, array("I", blob),
                    stories.StoryFeatures.decode(hour, story))
            )
    return docs


def _reprint_matches(db: sqlite_utils.Database, doc: Doc) -> list[Doc]:
    keys = [k for (k,) in db.execute("SELECT key FROM dedup_keys WHERE article_id = ?", [doc.article_id])]
    ids = [
        i for (i,) in db.execute(
            f"SELECT DISTINCT article_id FROM dedup_keys WHERE key IN ({','.join('?' * len(keys))}) AND article_id != ?",
            [*keys, doc.article_id],
        )
    ] if keys else []
    return [other for other in _load(db, ids) if is_reprint(doc, other)]


def _story_matches(db: sqlite_utils.Database, doc: Doc, reprints: list[Doc]) -> list[Doc]:
    keys = doc.story.keys()
    window = stories.WINDOW_HOURS
    ids = [
        i for (i,) in db.execute(
            f"SELECT article_id FROM story_keys WHERE key IN ({','.join('?' * len(keys))}) "
            f"AND hour BETWEEN ? AND ? AND article_id != ? GROUP BY article_id HAVING count(*) >= ? "
            f"ORDER BY count(*) DESC, article_id LIMIT ?",
            [*keys, doc.story.hour - window, doc.story.hour + window, doc.article_id, stories.MIN_SHARED_KEYS,
             stories.MAX_CANDIDATES],
        )
    ] if keys else []
    reprint_ids = {r.article_id for r in reprints}
    matches = [other for other in _load(db, ids) if other.article_id not in reprint_ids and same_story(doc, other, False)]
    return matches + reprints


def _assign_reprint(db: sqlite_utils.Database, doc: Doc, matches: list[Doc]) -> None:
    """Merge the reprint groups `doc` joins and point them all at their earliest copy."""
    if not matches:
        db.execute("UPDATE articles SET reprint_of = NULL WHERE id = ?", [doc.article_id])
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
            f"SELECT id FROM articles WHERE id IN ({marks}) OR reprint_of IN ({marks})", [*roots, *roots]
        )
    } | {doc.article_id}
    members = _load(db, sorted(member_ids))
    original = min(members, key=lambda m: m.order).article_id
    db.execute(
        f"UPDATE articles SET reprint_of = CASE WHEN id = ? THEN NULL ELSE ? END "
        f"WHERE id IN ({','.join('?' * len(member_ids))})",
        [original, original, *member_ids],
    )


def _assign_story(db: sqlite_utils.Database, doc: Doc, matches: list[Doc]) -> None:
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


def refresh_story(db: sqlite_utils.Database, story_id: int) -> None:
    """Recompute a story's summary row from its members (or drop it when it has none)."""
    rows = db.execute(
        "SELECT a.title, d.sort_key, a.url, a.source, a.mfa FROM articles a JOIN dedup_docs d ON d.article_id = a.id "
        "WHERE a.story_id = ? ORDER BY d.sort_key, a.url",
        [story_id],
    ).fetchall()
    if not rows:
        db.execute("DELETE FROM stories WHERE id = ?", [story_id])
        return
    title = next((r[0] for r in rows if r[0]), rows[0][0])
    sources = sorted({r[3] for r in rows})
    db.execute(
        "UPDATE stories SET title = ?, first_seen = ?, last_seen = ?, size = ?, sources = ?, mfa = ? WHERE id = ?",
        [title, rows[0][1], rows[-1][1], len(rows), json.dumps(sources, ensure_ascii=False),
         sum(r[4] or 0 for r in rows), story_id],
    )


def _forget(db: sqlite_utils.Database, article_id: int) -> None:
    """Take a re-extracted article out of its reprint group and story, and re-link those left.

    Its old text may have been the only bridge between other members, so the remaining members
    are re-linked from their stored features (no recomputation) to split what no longer connects.
    """
    row = db.execute("SELECT coalesce(reprint_of, id), story_id FROM articles WHERE id = ?", [article_id]).fetchone()
    root, story_id = row
    group = [i for (i,) in db.execute(
        "SELECT id FROM articles WHERE (id = ? OR reprint_of = ?) AND id != ?", [root, root, article_id])]
    story_members = [i for (i,) in db.execute(
        "SELECT id FROM articles WHERE story_id = ? AND id != ?", [story_id, article_id])] if story_id else []
    db.execute("DELETE FROM dedup_keys WHERE article_id = ?", [article_id])
    db.execute("DELETE FROM story_keys WHERE article_id = ?", [article_id])
    db.execute("DELETE FROM dedup_docs WHERE article_id = ?", [article_id])
    db.execute("UPDATE articles SET reprint_of = NULL, story_id = NULL WHERE id = ?", [article_id])
    if group:
        db.execute(f"UPDATE articles SET reprint_of = NULL WHERE id IN ({','.join('?' * len(group))})", group)
    if story_members:
        db.execute(f"UPDATE articles SET story_id = NULL WHERE id IN ({','.join('?' * len(story_members))})", story_members)
        db.execute("DELETE FROM stories WHERE id = ?", [story_id])
    for doc in _load(db, sorted(set(group) | set(story_members))):
        _relink(db, doc)


def _relink(db: sqlite_utils.Database, doc: Doc) -> None:
    reprints = _reprint_matches(db, doc)
    _assign_reprint(db, doc, reprints)
    _assign_story(db, doc, _story_matches(db, doc, reprints))


def link(db: sqlite_utils.Database, article_id: int) -> None:
    """Compute and store the article's features, then set its `reprint_of` and `story_id`.

    Runs inside the caller's transaction and never commits.
    """
    if db.execute("SELECT 1 FROM dedup_docs WHERE article_id = ?", [article_id]).fetchone():
        _forget(db, article_id)
    doc, keys = _compute(db, article_id)
    _store(db, doc, keys)
    _relink(db, doc)


@dataclass
class ReclusterStats:
    articles: int
    stories: int
    reprints: int
    multi_source_stories: int


def recluster(db: sqlite_utils.Database) -> ReclusterStats:
    """Recompute features, reprints and stories of the whole archive from scratch, in one transaction.

    Needed after a change of parameters; articles are re-linked oldest first, which gives the same
    components as any other order.
    """
    with db.conn:
        for table in ("dedup_keys", "story_keys", "dedup_docs", "stories"):
            db.execute(f"DELETE FROM {table}")
        db.execute("UPDATE articles SET reprint_of = NULL, story_id = NULL")
        ids = [i for (i,) in db.execute("SELECT id FROM articles ORDER BY coalesce(published, fetched_at), url")]
        for article_id in ids:
            link(db, article_id)
    return stats(db)


def stats(db: sqlite_utils.Database) -> ReclusterStats:
    """Counts describing the current reprint and story state."""
    return ReclusterStats(
        articles=db.execute("SELECT count(*) FROM dedup_docs").fetchone()[0],
        stories=db.execute("SELECT count(*) FROM stories").fetchone()[0],
        reprints=db.execute("SELECT count(*) FROM articles WHERE reprint_of IS NOT NULL").fetchone()[0],
        multi_source_stories=db.execute(
            "SELECT count(*) FROM stories WHERE json_array_length(sources) > 1").fetchone()[0],
    )
