"""Per-connection caches of the link stage, kept exact across processes and rollbacks.

Story candidates come from the decoded features of the time window, kept per connection in an
LRU cache of hour buckets; reprint band keys likewise, in a cache of week buckets computed from
the stored MinHashes. Every write to an hour gives it a new random token in `dedup_hours`; a
cached hour or week whose tokens differ (another process wrote, or a transaction was rolled
back) is reloaded, so the caches never answer from a state the database does not have.
"""

from __future__ import annotations

import random
from array import array
from collections import OrderedDict
from dataclasses import dataclass, field

import numpy as np

from archive.link import stories
from archive.link.docs import DOC_COLUMNS, HOURS_PER_WEEK, Doc
from archive.link.minhash import BANDS, NUM_PERM, band_keys
from archive.store import Database

# Band keys are matched among the articles of the neighbouring weeks only, from a per-process
# index built from their stored MinHashes. A table of band keys for the whole archive cost 33
# random B-tree pages per article, read and written, and 1 GB at 1M articles
# (bench/stories_scale.py, docs/performance.md). Copies published further apart are found by
# the head key, which catches verbatim and truncated reprints.
REPRINT_WEEKS = 1  # band keys match within this many weeks either side
# Decoded features kept per connection: a few days of a busy archive, tens of MB.
MAX_CACHED_DOCS = 20_000


def select_docs(db: Database, where: str, params: list) -> list[Doc]:
    rows = db.execute(f"SELECT {DOC_COLUMNS} FROM dedup_docs WHERE {where}", params).fetchall()
    return [
        Doc(article_id, url, source, bool(mfa), sort_key, n, array("I", blob), stories.StoryFeatures.decode(hour, story),
            head, bool(undated), dateline, date_source, anchor_id)
        for article_id, url, source, mfa, sort_key, hour, n, head, blob, story, undated, dateline, date_source, anchor_id
        in rows
    ]


@dataclass
class Hour:
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


class Window:
    """Per-connection LRU cache of hour buckets (see the module docstring)."""

    def __init__(self) -> None:
        self.hours: OrderedDict[int, Hour] = OrderedDict()
        self.docs = 0

    def put(self, hour: int, bucket: Hour) -> None:
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


def per_connection(db: Database, name: str, factory: type):
    """The cache object `name` of this connection, made on first use (each process has its own)."""
    cache = getattr(db, name, None)
    if cache is None:
        cache = factory()
        setattr(db, name, cache)
    return cache


def connection_window(db: Database) -> Window:
    return per_connection(db, "_dedup_window", Window)


def touch_hour(db: Database, hour: int) -> int:
    """Mark the hour as changed: a new random token (a rolled-back one can never come back)."""
    token = random.getrandbits(62)
    db.execute("INSERT OR REPLACE INTO dedup_hours (hour, token) VALUES (?, ?)", [hour, token])
    return token


def hours_around(db: Database, hour: int) -> list[Hour]:
    """The current hour buckets within the story window of `hour`, reloading stale ones.

    Buckets hold dated articles only: undated ones are found through `undated_keys`.
    """
    window = connection_window(db)
    reach = stories.RULE.reach_hours
    low, high = hour - reach, hour + reach
    tokens = dict(db.execute("SELECT hour, token FROM dedup_hours WHERE hour BETWEEN ? AND ? ORDER BY hour", [low, high]))
    # Hours without articles have no token: a bucket cached for one is stale and goes; only the
    # hours that have articles are visited below (a date without a time counts as noon, so most
    # of the 89 hours around one are empty).
    for h in [h for h in range(low, high + 1) if h not in tokens and h in window.hours]:
        window.drop(h)
    buckets = []
    for h, token in tokens.items():
        cached = window.hours.get(h)
        if cached is None or cached.token != token:
            cached = Hour(token)
            for doc in select_docs(db, "hour = ? AND undated = 0", [h]):
                cached.add(doc)
            window.put(h, cached)
        window.hours.move_to_end(h)
        buckets.append(cached)
    window.evict(keep=high - low + 1)
    return buckets


_HALF_BITS, _HALF_MASK = 31, (1 << 31) - 1  # a 62-bit token as two halves whose sums cannot overflow


@dataclass
class Week:
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


class BandIndex:
    """Per-connection cache of week buckets of band keys (see the module docstring)."""

    def __init__(self) -> None:
        self.weeks: OrderedDict[int, Week] = OrderedDict()

    def weeks_around(self, db: Database, week: int) -> list[Week]:
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

    def ids_sharing_a_band(self, db: Database, doc: Doc) -> set[int]:
        """The stored docs of the weeks around `doc`'s that share at least one band key with it."""
        return set().union(*(week.ids_with(doc.band_keys) for week in self.weeks_around(db, doc.week)))

    def _load(self, db: Database, week: int, state: tuple[int, int] | None) -> Week:
        rows = db.execute("SELECT article_id, minhash FROM dedup_docs WHERE hour BETWEEN ? AND ? AND undated = 0",
                          [week * HOURS_PER_WEEK, (week + 1) * HOURS_PER_WEEK - 1]).fetchall()
        signatures = np.frombuffer(b"".join(blob for _, blob in rows), dtype=np.uint32).reshape(len(rows), NUM_PERM)
        keys = band_keys(signatures).ravel()
        ids = np.repeat(np.array([i for i, _ in rows], dtype=np.int64), BANDS)
        order = np.argsort(keys, kind="stable")
        self.weeks[week] = Week(state, keys[order], ids[order])
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


def band_index(db: Database) -> BandIndex:
    return per_connection(db, "_dedup_band_index", BandIndex)
