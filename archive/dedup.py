"""Reprints (near-identical copies) and stories (same event), kept up to date per article.

`link(db, article_id)` runs inside the caller's transaction right after the article row was
written. It computes the article's features once (MinHash of word 5-shingles for reprints, story
features for clustering), stores them with their index keys, and then:

- finds reprint candidates through LSH band keys among the articles of the weeks around its own,
  plus a "first words" key from any time (a truncated copy keeps its beginning but has a low
  Jaccard with the full text), verifies them by estimated containment, and points every copy's
  `reprint_of` at the earliest one (by publication date, then URL);
- finds story candidates sharing heavy terms within the time window, applies the pairwise
  decision of `archive.stories`, and merges the stories it connects.

Story candidates come from the decoded features of the time window, kept per connection in an
LRU cache of hour buckets; band keys likewise, in a cache of week buckets computed from the
stored MinHashes. Every write to an hour gives it a new random token in `dedup_hours`; a cached
hour or week whose tokens differ (another process wrote, or a transaction was rolled back) is
reloaded, so the caches never answer from a state the database does not have.

Both relations are decided pair by pair from stored features only, and stories/reprint groups are
their connected components, so the result does not depend on arrival order or run boundaries.
"""

from __future__ import annotations

import hashlib
import json
import random
import sqlite3
from array import array
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import cached_property

import numpy as np
import rensa
import sqlite_utils

from archive import stories
from archive.store import transaction
from archive.textnorm import normalize, words

NUM_PERM = 128
BANDS = 32  # 32 bands of 4 rows: a pair at Jaccard 0.5 becomes a candidate 87% of the time
ROWS = NUM_PERM // BANDS
SHINGLE = 5
HEAD_WORDS = 12
MINHASH_SEED = 20250101
# Band keys are matched among the articles of the neighbouring weeks only, from a per-process
# index built from their stored MinHashes. A table of band keys for the whole archive cost 33
# random B-tree pages per article, read and written, and 1 GB at 1M articles
# (bench/stories_scale.py, docs/performance.md). Copies published further apart are found by
# the head key, which catches verbatim and truncated reprints.
REPRINT_WEEKS = 1  # band keys match within this many weeks either side
HOURS_PER_WEEK = 7 * 24
REPRINT_JACCARD = 0.6
REPRINT_CONTAINMENT = 0.7  # share of the shorter text's shingles found in the longer one
MIN_SHINGLES_FOR_CONTAINMENT = 10  # below this a short text "contained" in another proves nothing
SAME_SOURCE_COSINE = 0.7  # an outlet's two same-day pieces are usually two events
MIXED_RELEVANCE_COSINE = 0.7  # the Kremlin and the ministry on one topic are two statements
# Decoded features kept per connection: a few days of a busy archive, tens of MB.
MAX_CACHED_DOCS = 20_000


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
    head_key: int | None = None  # hash of the body's first words, when it has enough of them

    @property
    def order(self) -> tuple[str, str]:
        """Earliest first; the URL breaks ties so every arrival order picks the same original."""
        return (self.sort_key, self.url)

    @property
    def week(self) -> int:
        """The week its band keys are filed under (weeks since the Unix epoch, UTC)."""
        return self.story.hour // HOURS_PER_WEEK

    @cached_property
    def band_keys(self) -> np.ndarray:
        """LSH band keys of the MinHash; cached as linking needs them twice."""
        return band_keys(np.frombuffer(self.minhash, dtype=np.uint32).reshape(1, NUM_PERM))[0]


def ensure_schema(db: sqlite_utils.Database) -> None:
    """Create the dedup and story tables if missing; called from `store.ensure_schema`."""
    # Schema 2 kept every article's band keys; they are computed from dedup_docs now.
    db.execute("DROP TABLE IF EXISTS dedup_keys")
    # One statement at a time: executescript would commit the caller's transaction.
    statement = ""
    for line in _SCHEMA.splitlines(keepends=True):
        statement += line
        if sqlite3.complete_statement(statement):
            db.execute(statement)
            statement = ""


_SCHEMA = """
        CREATE TABLE IF NOT EXISTS dedup_docs (
            article_id INTEGER PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
            url TEXT NOT NULL, source TEXT NOT NULL, mfa INTEGER NOT NULL,
            sort_key TEXT NOT NULL, hour INTEGER NOT NULL, n_shingles INTEGER NOT NULL,
            head_key INTEGER, minhash BLOB NOT NULL, story BLOB NOT NULL
        );
        CREATE INDEX IF NOT EXISTS dedup_docs_hour ON dedup_docs(hour);
        CREATE INDEX IF NOT EXISTS dedup_docs_head_key ON dedup_docs(head_key) WHERE head_key IS NOT NULL;
        CREATE TABLE IF NOT EXISTS dedup_hours (hour INTEGER PRIMARY KEY, token INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS stories (
            id INTEGER PRIMARY KEY, title TEXT, first_seen TEXT, last_seen TEXT,
            size INTEGER NOT NULL DEFAULT 0, sources TEXT NOT NULL DEFAULT '[]',
            mfa INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX IF NOT EXISTS stories_last_seen ON stories(last_seen);
        CREATE INDEX IF NOT EXISTS articles_reprint_of ON articles(reprint_of) WHERE reprint_of IS NOT NULL;
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


_BAND_SEEDS = np.random.default_rng(MINHASH_SEED).integers(1, 2**63, size=(BANDS, ROWS + 1), dtype=np.uint64) | np.uint64(1)


def band_keys(signatures: np.ndarray) -> np.ndarray:
    """The (n, BANDS) LSH keys of n MinHash signatures: a 64-bit hash of each band's ROWS values.

    Vectorised, as a process computes them for the thousands of articles of the weeks around
    its first article. Two equal bands give equal keys; a rare collision only adds a candidate,
    which the MinHash comparison then rejects.
    """
    bands = signatures.reshape(len(signatures), BANDS, ROWS).astype(np.uint64)
    keys = np.broadcast_to(_BAND_SEEDS[:, ROWS], (len(signatures), BANDS)).copy()
    for row in range(ROWS):  # uint64 arithmetic wraps, as a hash wants
        keys = (keys ^ bands[:, :, row]) * _BAND_SEEDS[:, row]
        keys ^= keys >> np.uint64(29)
    return keys.view(np.int64)


def shingles(tokens: list[str]) -> set[str]:
    """Distinct word 5-shingles; a text shorter than one shingle is its own single shingle."""
    if len(tokens) < SHINGLE:
        return {" ".join(tokens)} if tokens else set()
    # zip of shifted lists builds the windows in C, ~2x faster than slicing per position
    return set(map(" ".join, zip(*(tokens[i:] for i in range(SHINGLE)))))


def minhash(shingle_set: set[str]) -> array:
    """MinHash of the shingles; a minimum does not depend on order, so the set is not sorted first."""
    sketch = rensa.RMinHash(num_perm=NUM_PERM, seed=MINHASH_SEED)
    sketch.update(list(shingle_set))
    return array("I", sketch.digest())


def head_key(body_tokens: list[str]) -> int | None:
    """Key of the body's first words: a truncated copy keeps them (None for a very short body)."""
    if len(body_tokens) < HEAD_WORDS:
        return None
    return _hash64(b"head:" + " ".join(body_tokens[:HEAD_WORDS]).encode())


def is_reprint(a: Doc, b: Doc) -> bool:
    """Estimated Jaccard or containment of the 5-shingle sets is high enough for a copy."""
    equal = sum(x == y for x, y in zip(a.minhash, b.minhash))
    return copy_by_estimate(equal, a.n_shingles, b.n_shingles)


def copy_by_estimate(equal: int, a_shingles: int, b_shingles: int) -> bool:
    """`is_reprint` from the number of equal MinHash values, so a batch check decides alike."""
    jaccard = equal / NUM_PERM
    if jaccard >= REPRINT_JACCARD:
        return True
    smaller = min(a_shingles, b_shingles)
    if smaller < MIN_SHINGLES_FOR_CONTAINMENT:
        return False
    shared = jaccard * (a_shingles + b_shingles) / (1 + jaccard)
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


def _compute(db: sqlite_utils.Database, article_id: int) -> Doc:
    row = db.execute(
        "SELECT url, source, title, lead, text, published, fetched_at, mfa FROM articles WHERE id = ?",
        [article_id],
    ).fetchone()
    if row is None:
        raise KeyError(f"no article with id {article_id}")
    return doc_features(article_id, *row)


def doc_features(
    article_id: int, url: str, source: str, title: str | None, lead: str | None, text: str | None,
    published: str | None, fetched_at: str | None, mfa: bool | int | None,
) -> Doc:
    """The features of one article from its stored columns; `link` and bulk builders share it."""
    body = " ".join(p for p in (lead, text) if p)
    body_tokens = words(normalize(body))
    shingle_set = shingles(words(normalize(title or "")) + body_tokens)
    moment = sort_time(published, fetched_at)
    return Doc(
        article_id=article_id,
        url=url,
        source=source,
        mfa=bool(mfa),
        sort_key=moment.isoformat(timespec="seconds"),
        n_shingles=len(shingle_set),
        minhash=minhash(shingle_set),
        story=stories.features(title or "", body, int(moment.timestamp() // 3600)),
        head_key=head_key(body_tokens),
    )


@dataclass
class _Hour:
    """The docs of one hour bucket as of the database state named by `token`."""

    token: int
    docs: dict[int, Doc] = field(default_factory=dict)
    by_key: dict[int, list[int]] = field(default_factory=dict)  # story key -> article ids
    by_quote: dict[int, list[int]] = field(default_factory=dict)  # quote n-gram -> article ids

    def add(self, doc: Doc) -> None:
        self.docs[doc.article_id] = doc
        for key in doc.story.keys():
            self.by_key.setdefault(key, []).append(doc.article_id)
        for gram in doc.story.quote_ngrams:
            self.by_quote.setdefault(gram, []).append(doc.article_id)


class _Window:
    """Per-connection LRU cache of hour buckets (see the module docstring)."""

    def __init__(self) -> None:
        self.hours: OrderedDict[int, _Hour] = OrderedDict()
        self.docs = 0

    def put(self, hour: int, bucket: _Hour) -> None:
        self.drop(hour)
        self.hours[hour] = bucket
        self.docs += len(bucket.docs)

    def drop(self, hour: int) -> None:
        bucket = self.hours.pop(hour, None)
        if bucket is not None:
            self.docs -= len(bucket.docs)

    def add(self, doc: Doc, token: int) -> None:
        """Add a just-stored doc to its hour, if cached (then current: see `link`)."""
        bucket = self.hours.get(doc.story.hour)
        if bucket is not None:
            bucket.add(doc)
            bucket.token = token
            self.docs += 1

    def evict(self, keep: int) -> None:
        """Drop least recently used hours beyond MAX_CACHED_DOCS, keeping the `keep` newest ones."""
        while len(self.hours) > keep and self.docs > MAX_CACHED_DOCS:
            self.drop(next(iter(self.hours)))


def _per_connection(db: sqlite_utils.Database, name: str, factory: type):
    """The cache object `name` of this connection, made on first use (each process has its own)."""
    cache = getattr(db, name, None)
    if cache is None:
        cache = factory()
        setattr(db, name, cache)
    return cache


def _window(db: sqlite_utils.Database) -> _Window:
    return _per_connection(db, "_dedup_window", _Window)


def _touch_hour(db: sqlite_utils.Database, hour: int) -> int:
    """Mark the hour as changed: a new random token (a rolled-back one can never come back)."""
    token = random.getrandbits(62)
    db.execute("INSERT OR REPLACE INTO dedup_hours (hour, token) VALUES (?, ?)", [hour, token])
    return token


def _hours_around(db: sqlite_utils.Database, hour: int) -> list[_Hour]:
    """The current hour buckets within the story window of `hour`, reloading stale ones."""
    window = _window(db)
    low, high = hour - stories.WINDOW_HOURS, hour + stories.WINDOW_HOURS
    tokens = dict(db.execute("SELECT hour, token FROM dedup_hours WHERE hour BETWEEN ? AND ?", [low, high]))
    buckets = []
    for h in range(low, high + 1):
        token = tokens.get(h)
        cached = window.hours.get(h)
        if token is None:
            window.drop(h)
            continue
        if cached is None or cached.token != token:
            cached = _Hour(token)
            for doc in _select(db, "hour = ?", [h]):
                cached.add(doc)
            window.put(h, cached)
        window.hours.move_to_end(h)
        buckets.append(cached)
    window.evict(keep=high - low + 1)
    return buckets


_HALF_BITS, _HALF_MASK = 31, (1 << 31) - 1  # a 62-bit token as two halves whose sums cannot overflow


@dataclass
class _Week:
    """The band keys of one week's docs, sorted for lookup, as of the week's token sums `state`."""

    state: tuple[int, int] | None
    keys: np.ndarray  # sorted band keys
    ids: np.ndarray  # the article id of each key
    added: dict[int, list[int]] = field(default_factory=dict)  # keys of docs stored since loading

    def ids_with(self, keys: np.ndarray) -> set[int]:
        found: set[int] = set()
        starts, ends = np.searchsorted(self.keys, keys, "left"), np.searchsorted(self.keys, keys, "right")
        for start, end in zip(starts.tolist(), ends.tolist()):
            if start != end:
                found.update(self.ids[start:end].tolist())
        if self.added:
            for key in keys.tolist():
                if key in self.added:
                    found.update(self.added[key])
        return found


class _BandIndex:
    """Per-connection cache of week buckets of band keys (see the module docstring)."""

    def __init__(self) -> None:
        self.weeks: OrderedDict[int, _Week] = OrderedDict()

    def weeks_around(self, db: sqlite_utils.Database, week: int) -> list[_Week]:
        """The current buckets of the weeks within REPRINT_WEEKS of `week`, reloading stale ones."""
        low, high = week - REPRINT_WEEKS, week + REPRINT_WEEKS
        # A week's state is the sum of its hours' random tokens, summed in SQL in two halves so
        # the sum cannot overflow: any write or rollback changes it, and only 3 rows come back.
        states = {week: (high_sum, low_sum) for week, high_sum, low_sum in db.execute(
            f"SELECT hour / {HOURS_PER_WEEK} - (hour < 0 AND hour % {HOURS_PER_WEEK} != 0), "
            f"sum(token >> {_HALF_BITS}), sum(token & {_HALF_MASK}) FROM dedup_hours WHERE hour BETWEEN ? AND ? GROUP BY 1",
            [low * HOURS_PER_WEEK, (high + 1) * HOURS_PER_WEEK - 1])}
        buckets = []
        for number in range(low, high + 1):
            cached = self.weeks.get(number)
            if cached is None or cached.state != states.get(number):
                cached = self._load(db, number, states.get(number))
            self.weeks.move_to_end(number)
            buckets.append(cached)
        while len(self.weeks) > 2 * (2 * REPRINT_WEEKS + 1):
            self.weeks.popitem(last=False)
        return buckets

    def ids_sharing_a_band(self, db: sqlite_utils.Database, doc: Doc) -> set[int]:
        """The stored docs of the weeks around `doc`'s that share at least one band key with it."""
        return set().union(*(week.ids_with(doc.band_keys) for week in self.weeks_around(db, doc.week)))

    def _load(self, db: sqlite_utils.Database, week: int, state: tuple[int, int] | None) -> _Week:
        rows = db.execute("SELECT article_id, minhash FROM dedup_docs WHERE hour BETWEEN ? AND ?",
                          [week * HOURS_PER_WEEK, (week + 1) * HOURS_PER_WEEK - 1]).fetchall()
        signatures = np.frombuffer(b"".join(blob for _, blob in rows), dtype=np.uint32).reshape(len(rows), NUM_PERM)
        keys = band_keys(signatures).ravel()
        ids = np.repeat(np.array([i for i, _ in rows], dtype=np.int64), BANDS)
        order = np.argsort(keys, kind="stable")
        self.weeks[week] = _Week(state, keys[order], ids[order])
        return self.weeks[week]

    def add(self, doc: Doc, old_token: int | None, token: int) -> None:
        """Add a just-stored doc to its week, if cached (then current: `link` looked it up first),
        whose hour's token went from `old_token` to `token`."""
        cached = self.weeks.get(doc.week)
        if cached is not None:
            for key in doc.band_keys.tolist():
                cached.added.setdefault(key, []).append(doc.article_id)
            high_sum, low_sum = cached.state or (0, 0)
            if old_token is not None:
                high_sum, low_sum = high_sum - (old_token >> _HALF_BITS), low_sum - (old_token & _HALF_MASK)
            cached.state = (high_sum + (token >> _HALF_BITS), low_sum + (token & _HALF_MASK))


def _band_index(db: sqlite_utils.Database) -> _BandIndex:
    return _per_connection(db, "_dedup_band_index", _BandIndex)


def doc_row(doc: Doc) -> tuple:
    """The `dedup_docs` row of a doc."""
    return (doc.article_id, doc.url, doc.source, int(doc.mfa), doc.sort_key, doc.story.hour,
            doc.n_shingles, doc.head_key, doc.minhash.tobytes(), doc.story.encode())


def _store(db: sqlite_utils.Database, doc: Doc) -> None:
    db.execute("INSERT INTO dedup_docs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", doc_row(doc))
    old_token = db.execute("SELECT token FROM dedup_hours WHERE hour = ?", [doc.story.hour]).fetchone()
    token = _touch_hour(db, doc.story.hour)
    _window(db).add(doc, token)
    _band_index(db).add(doc, old_token[0] if old_token else None, token)


_DOC_COLUMNS = "article_id, url, source, mfa, sort_key, hour, n_shingles, head_key, minhash, story"


def _select(db: sqlite_utils.Database, where: str, params: list) -> list[Doc]:
    rows = db.execute(f"SELECT {_DOC_COLUMNS} FROM dedup_docs WHERE {where}", params).fetchall()
    return [
        Doc(article_id, url, source, bool(mfa), sort_key, n, array("I", blob), stories.StoryFeatures.decode(hour, story),
            head)
        for article_id, url, source, mfa, sort_key, hour, n, head, blob, story in rows
    ]


def _chunks(ids: list[int], size: int = 500) -> Iterable[list[int]]:
    """`ids` in slices short enough for one statement's parameters."""
    return (ids[start : start + size] for start in range(0, len(ids), size))


def _load(db: sqlite_utils.Database, ids: list[int]) -> list[Doc]:
    return [doc for chunk in _chunks(ids) for doc in _select(db, f"article_id IN ({','.join('?' * len(chunk))})", chunk)]


def _reprint_matches(db: sqlite_utils.Database, doc: Doc) -> list[Doc]:
    """The stored docs that are copies of `doc`, among those sharing an LSH band in the weeks
    around its own, or its head key.

    Similar pages can share a band with dozens of others, so the candidates' signatures are
    compared as one array, and only the confirmed copies are loaded as full docs.
    """
    candidates = _band_index(db).ids_sharing_a_band(db, doc)
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


def _story_matches(db: sqlite_utils.Database, doc: Doc, reprints: list[Doc]) -> list[Doc]:
    """Reprints, plus the docs of the window that share enough heavy terms and pass `same_story`.

    Sharing MIN_SHARED_KEYS of each other's keys is symmetric and there is no cap on candidates,
    so whether a pair is examined never depends on which of the two arrived first.
    """
    keys = doc.story.keys()
    reprint_ids = {r.article_id for r in reprints}
    matches = []
    for bucket in _hours_around(db, doc.story.hour):
        candidates = ids_sharing(keys, bucket.by_key, stories.MIN_SHARED_KEYS)
        candidates |= ids_sharing(doc.story.quote_ngrams, bucket.by_quote, stories.MIN_SHARED_QUOTES)
        for other_id in candidates - reprint_ids - {doc.article_id}:
            other = bucket.docs[other_id]
            if same_story(doc, other, False):
                matches.append(other)
    return matches + reprints


def _assign_reprint(db: sqlite_utils.Database, doc: Doc, matches: list[Doc]) -> None:
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
    db.execute(
        "UPDATE stories SET title = ?, first_seen = ?, last_seen = ?, size = ?, sources = ?, mfa = ? WHERE id = ?",
        [*story_summary(rows), story_id],
    )


def story_summary(rows: list[tuple]) -> tuple:
    """(title, first_seen, last_seen, size, sources, mfa) of a story from its members'
    (title, sort_key, url, source, mfa) rows in (sort_key, url) order."""
    title = next((r[0] for r in rows if r[0]), rows[0][0])
    sources = sorted({r[3] for r in rows})
    return (title, rows[0][1], rows[-1][1], len(rows), json.dumps(sources, ensure_ascii=False),
            sum(r[4] or 0 for r in rows))


def _forget(db: sqlite_utils.Database, article_id: int) -> None:
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
    _touch_hour(db, old.story.hour)
    _window(db).drop(old.story.hour)
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
    doc = _compute(db, article_id)
    # The doc's own hour and week are loaded before the doc is stored, so _store can add it to
    # buckets known to be current.
    _hours_around(db, doc.story.hour)
    _band_index(db).weeks_around(db, doc.week)
    _store(db, doc)
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
    with transaction(db):
        for table in ("dedup_docs", "dedup_hours", "stories"):
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
