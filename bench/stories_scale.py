"""Scale of reprint detection and story clustering on synthetic news that behaves like real news.

The generator writes events, not random texts: each event has its own people and places (from a
pool of 3,000 names), a dozen distinctive topic words (from the tail of a Zipf vocabulary whose
head is real Russian function words, which the features drop as in real copy) and a quote. An
event is reported by an original, wire copies (some truncated, some with an attribution added)
and rewrites that keep the names, topic words and quote; the same people return in later events
(hard negatives). Prints:

1. reprint level: articles/s of shingling, MinHash, LSH lookup and reprint linking alone;
2. ingest throughput through `archive.pipeline.add_articles` (classify, store with FTS, search
   index, dedup, stories), and dedup+stories alone (time inside `archive.link.linking.link`);
3. the time to add one day (`--day` new articles, one `add_article` call each, as the crawler
   does) to an archive of `--archive` articles made beforehand by `bulk_build`, in a new process
   as a scheduled crawl is, `--day-runs` times (median and range: disk timings on a shared VM
   vary a lot); with `--cold` the page cache is dropped first, as after a reboot. With `--days N`
   each copy takes N consecutive days, each in its own process: the full-text indexes merge
   their segments in waves, which one day can miss or catch;
4. peak memory: of the ingest, of the process adding the day, and of the bulk build (scaffolding).

`bulk_build` writes the same rows `add_articles` would (articles, dedup features and keys, reprint
links, stories; `tests/test_bulk_build.py` checks it) without the per-article queries: features
are computed by worker processes, linking runs in memory over a sliding window, rows go in with
executemany in transactions of BULK_CHUNK articles and the FTS index is rebuilt once at the end.
Its one assumption is that copies of an article appear within REPRINT_HOURS of it, which holds for
this generator (it copies only the last ~2 hours of events). The lemma index is rebuilt at the end,
as `archive.search.index.rebuild_index` does for an archive loaded in bulk.

With `--archive-file` the background archive is kept (with the generator's state beside it) and
reused by later runs, which add the day to a copy of it: a 1M archive takes about an hour to build.

    .venv/bin/python bench/stories_scale.py                       # full size: 100k, 1M + 500
    .venv/bin/python bench/stories_scale.py --articles 5000 --archive 20000
"""

from __future__ import annotations

import argparse
import itertools
import json
import multiprocessing
import os
import pickle
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import archive.pipeline as pipeline  # noqa: E402
from archive.classify import relevance  # noqa: E402
from archive.dates import utc_now  # noqa: E402
from archive.link import caches, linking, minhash, stories  # noqa: E402
from archive.link import docs as link_docs  # noqa: E402
from archive.link import schema as link_schema  # noqa: E402
from archive.models import Article  # noqa: E402
from archive.pipeline import add_article, add_articles  # noqa: E402
from archive.schema import open_archive  # noqa: E402
from archive.search import index as search_index  # noqa: E402
from archive.store import Database, transaction  # noqa: E402
from archive.store import articles as store_articles  # noqa: E402

FUNCTION_WORDS = (
    "и в не на что с по как а то к за из от о для же у это так но его было уже ее до их при "
    "был только также может этом об они после всех этого между более без заявил сообщил отметил"
).split()
SYLLABLES = "ва ли ро на ко ст пре до ми ра то не ре ка по за де ни го ло ве ти со бу жа лу мо се ты".split()
BATCH = 1000
BULK_CHUNK = 2000  # articles per worker task and per write transaction of the bulk build
REPRINT_HOURS = 7 * 24  # how far apart the bulk build looks for copies (the generator: ~2 hours)


class Corpus:
    """A deterministic generator of events and the articles that report them."""

    def __init__(self, seed: int, per_day: int) -> None:
        self.random = random.Random(seed)
        self.per_day = per_day
        words = {"".join(self.random.choices(SYLLABLES, k=self.random.randint(2, 5))) for _ in range(60_000)}
        self.vocabulary = FUNCTION_WORDS + sorted(words)
        self.cumulative = list(itertools.accumulate(1 / (rank + 1) ** 1.05 for rank in range(len(self.vocabulary))))
        self.names = sorted({w.capitalize() + "ов" for w in self.random.sample(sorted(words), 3000)})
        self.recent: list[dict] = []  # the events of the last hours, with their first article

    def _background(self, count: int) -> list[str]:
        return self.random.choices(self.vocabulary, cum_weights=self.cumulative, k=count)

    def _text(self, event: dict, words: int) -> str:
        tokens = self._background(words)
        for i in range(0, words, 4):  # a quarter of the words carry the event
            tokens[i] = self.random.choice(event["topic"])
        for i in range(2, words, 20):
            tokens[i] = self.random.choice(event["names"])
        sentences = [" ".join(tokens[i : i + 14]) + "." for i in range(0, words, 14)]
        sentences.insert(self.random.randint(1, 3), f'«{event["quote"]}», - сказал {event["names"][0]}.')
        return " ".join(s[0].upper() + s[1:] for s in sentences)

    def _event(self) -> dict:
        topic = self.random.sample(self.vocabulary[2000:], 12)
        return {
            "names": self.random.sample(self.names, self.random.randint(2, 4)),
            "topic": topic,
            "quote": " ".join(self._background(8) + topic[:3] + self._background(8)),
        }

    def article(self, number: int) -> Article:
        day, minute = divmod(number, self.per_day)
        minutes = minute * 1440 // self.per_day
        published = time.strftime("%Y-%m-%dT%H:%M:00+00:00", time.gmtime(1_600_000_000 + day * 86400 + minutes * 60))
        roll = self.random.random()
        if roll < 0.3 and self.recent:
            event = self.random.choice(self.recent)
            title, text = event["title"], event["text"]
            if self.random.random() < 0.3:
                text = text[: len(text) // 2]
            text = f"{text} Об этом передает ТАСС."
        elif roll < 0.5 and self.recent:
            event = self.random.choice(self.recent)
            title, text = " ".join(self.random.sample(event["topic"], 5)).capitalize(), self._text(event, 200)
        else:
            event = self._event()
            title = f'{event["names"][0]}: {" ".join(event["topic"][:4] + self._background(4))}'
            event.update(title=title, text=self._text(event, self.random.randint(250, 450)))
            self.recent = (self.recent + [event])[-40:]  # about two hours of events
            text = event["text"]
        return Article(url=f"https://site{number % 97}.example/news/{number}", source=f"site{number % 97}.example",
                       title=title, text=text, published=published)


@contextmanager
def timed(targets: list[tuple[object, list[str]]], total: list[float]) -> Iterator[None]:
    """Add the time spent in `module.<name>` (for each module and name of `targets`, not nested
    in another of them) to total[0]."""
    originals = {(module, name): getattr(module, name) for module, names in targets for name in names}
    depth = [0]

    def wrap(function: Callable) -> Callable:
        def timed_call(*args, **kwargs):
            depth[0] += 1
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                depth[0] -= 1
                if depth[0] == 0:
                    total[0] += time.perf_counter() - started
        return timed_call

    for (module, name), function in originals.items():
        setattr(module, name, wrap(function))
    try:
        yield
    finally:
        for (module, name), function in originals.items():
            setattr(module, name, function)


# The functions of each timed part, in the modules their callers look them up in: `_add` calls
# link and index_pending by the names archive.pipeline imported; the reprint stage's features
# are computed in archive.link.docs and its matching runs in archive.link.linking.
LINK = [(pipeline, ["link"])]
LEMMA_INDEX = [(pipeline, ["index_pending"])]
REPRINT_STAGE = [(link_docs, ["shingles", "minhash", "head_key"]), (linking, ["_reprint_matches", "_assign_reprint"])]


def fill(db, corpus: Corpus, start: int, count: int, *, batched: bool) -> tuple[float, float, float, float, float]:
    """Add `count` articles; return (seconds adding, seconds in linking.link, seconds in the reprint
    stage, seconds in the lemma index, CPU seconds adding). Generating the articles is not timed."""
    in_link, in_reprints, in_lemmas, adding, cpu = [0.0], [0.0], [0.0], 0.0, 0.0
    with timed(LINK, in_link), timed(REPRINT_STAGE, in_reprints), timed(LEMMA_INDEX, in_lemmas):
        for batch_start in range(start, start + count, BATCH):
            batch = [corpus.article(n) for n in range(batch_start, min(start + count, batch_start + BATCH))]
            started, started_cpu = time.perf_counter(), time.process_time()
            if batched:
                add_articles(db, batch)
            else:
                for article in batch:
                    add_article(db, article)
            adding, cpu = adding + time.perf_counter() - started, cpu + time.process_time() - started_cpu
    return adding, in_link[0], in_reprints[0], in_lemmas[0], cpu


def _prepared(numbered: list[tuple[int, Article]]) -> list[tuple[tuple, link_docs.Doc]]:
    """The `articles` row values and dedup features of each article, as `_add` would make them.

    Runs in a worker process.
    """
    now = utc_now()
    prepared = []
    for article_id, article in numbered:
        verdict = relevance.classify(article)
        row = store_articles._article_row(article, verdict.mfa, verdict.reasons, now)
        doc = link_docs.doc_features(article_id, row["url"], row["source"], row["title"], row["lead"], row["text"],
                                     row["published"], row["fetched_at"], row["mfa"])
        _ = doc.band_keys  # both key caches are filled here, so they travel with the pickled doc
        doc.story.keys()
        prepared.append(((article_id, *row.values()), doc))
    return prepared


class _Components:
    """Union-find over article ids; an id never linked is its own component."""

    def __init__(self) -> None:
        self.parent: dict[int, int] = {}

    def find(self, item: int) -> int:
        root = item
        while (up := self.parent.get(root, root)) != root:
            root = up
        while item != root:  # path compression keeps later finds short
            item, self.parent[item] = self.parent.get(item, item), root
        return root

    def union(self, a: int, b: int) -> None:
        root_a, root_b = self.find(a), self.find(b)
        if root_a != root_b:
            self.parent[max(root_a, root_b)] = min(root_a, root_b)


def _reprint_keys(doc: link_docs.Doc) -> list[int]:
    """The keys through which `linking.link` finds copies: band keys, and the head key if any."""
    keys = doc.band_keys.tolist()
    return keys if doc.head_key is None else [*keys, doc.head_key]


class BulkLinker:
    """The reprint and story relations of `linking.link`, decided in memory for docs in time order.

    Each doc is compared with the earlier docs of its story window (and of REPRINT_HOURS for
    copies) found through the same keys and decided by the same pairwise functions as `link`; the
    components are the same because the relations are pairwise and symmetric.
    """

    def __init__(self) -> None:
        self.story_hours: dict[int, caches.Hour] = {}  # the story index of the last RULE.reach_hours
        self.docs: dict[int, link_docs.Doc] = {}  # the docs of the last REPRINT_HOURS
        self.hour_ids: dict[int, list[int]] = {}
        self.by_reprint_key: dict[int, list[int]] = {}
        self.reprints = _Components()
        self.stories = _Components()
        self.orders: dict[int, tuple[str, str]] = {}  # (sort_key, url) of docs in a reprint group
        self.originals: dict[int, int] = {}  # reprint group root -> its earliest member
        self.last_hour: int | None = None

    def add(self, doc: link_docs.Doc) -> None:
        if doc.undated:
            raise ValueError("bulk linking takes dated articles only (the generator dates every one)")
        hour = doc.story.hour
        if self.last_hour is not None and hour < self.last_hour:
            raise ValueError("bulk linking needs the docs in time order")
        self.last_hour = hour
        self._evict(hour)
        signature = np.frombuffer(doc.minhash, dtype=np.uint32)
        reprint_ids = set()
        for other_id in {i for key in _reprint_keys(doc) for i in self.by_reprint_key.get(key, ())}:
            other = self.docs[other_id]
            equal = int(np.count_nonzero(np.frombuffer(other.minhash, dtype=np.uint32) == signature))
            if minhash.copy_by_estimate(equal, doc.n_shingles, other.n_shingles):
                reprint_ids.add(other_id)
                self._join_copies(doc, other)
                self.stories.union(doc.article_id, other_id)
        for bucket in self.story_hours.values():
            candidates = linking.ids_sharing(doc.story.keys(), bucket.by_key, stories.MIN_SHARED_KEYS)
            candidates |= linking.ids_sharing(doc.story.quote_ngrams, bucket.by_quote, stories.MIN_SHARED_QUOTES)
            for other_id in candidates - reprint_ids:
                if link_docs.same_story(doc, bucket.docs[other_id], False):
                    self.stories.union(doc.article_id, other_id)
        self.story_hours.setdefault(hour, caches.Hour(0)).add(doc)
        self.docs[doc.article_id] = doc
        self.hour_ids.setdefault(hour, []).append(doc.article_id)
        for key in _reprint_keys(doc):
            self.by_reprint_key.setdefault(key, []).append(doc.article_id)

    def _join_copies(self, a: link_docs.Doc, b: link_docs.Doc) -> None:
        self.orders[a.article_id], self.orders[b.article_id] = a.order, b.order
        originals = [self.originals.pop(root, root) for root in {self.reprints.find(a.article_id),
                                                                 self.reprints.find(b.article_id)}]
        self.reprints.union(a.article_id, b.article_id)
        self.originals[self.reprints.find(a.article_id)] = min(originals, key=self.orders.__getitem__)

    def original_of(self, article_id: int) -> int | None:
        """The `reprint_of` of an article as far as the docs added so far tell (None: an original)."""
        if article_id not in self.orders:
            return None
        original = self.originals[self.reprints.find(article_id)]
        return None if original == article_id else original

    def story_of(self, article_id: int) -> int:
        """The story id of an article so far: the smallest article id of its component."""
        return self.stories.find(article_id)

    def _evict(self, hour: int) -> None:
        """Forget the docs no later doc can be linked to (docs come in time order)."""
        for old in [h for h in self.story_hours if h < hour - stories.RULE.reach_hours]:
            del self.story_hours[old]
        for old in [h for h in self.hour_ids if h < hour - REPRINT_HOURS]:
            for article_id in self.hour_ids.pop(old):
                for key in _reprint_keys(self.docs.pop(article_id)):
                    listed = self.by_reprint_key[key]
                    listed.remove(article_id)
                    if not listed:
                        del self.by_reprint_key[key]

def bulk_build(db: Database, corpus: Corpus, count: int, *, workers: int) -> None:
    """Fill an empty archive with articles 0..count-1 of `corpus`, with the rows `add_articles` would write."""
    if db.execute("SELECT count(*) FROM articles").fetchone()[0]:
        raise ValueError("bulk_build needs an empty archive")
    triggers = db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'articles' "
                          "AND sql LIKE '%AFTER INSERT%'").fetchall()
    columns = ", ".join(["id", *store_articles._article_row(Article(url="", source="", title="", text=""), False, [], "")])
    linker = BulkLinker()
    hours: set[int] = set()
    written: dict[int, tuple[int | None, int]] = {}  # article id -> (reprint_of, story_id) as inserted
    chunks = ([(n + 1, corpus.article(n)) for n in range(start, min(count, start + BULK_CHUNK))]
              for start in range(0, count, BULK_CHUNK))
    with transaction(db):  # FTS rows are built once at the end; no lemma backlog is queued
        for name, _ in triggers:
            db.execute(f"DROP TRIGGER {name}")
    for prepared in _in_workers(_prepared, chunks, workers):
        for _, doc in prepared:
            linker.add(doc)
            hours.add(doc.story.hour)
        # Links as known now; most are final, so the fix-up at the end rewrites few pages.
        links = [(linker.original_of(doc.article_id), linker.story_of(doc.article_id)) for _, doc in prepared]
        written.update((doc.article_id, link) for (_, doc), link in zip(prepared, links))
        with transaction(db):
            marks = ", ".join("?" * (len(prepared[0][0]) + 2))
            db.conn.executemany(f"INSERT INTO articles ({columns}, reprint_of, story_id) VALUES ({marks})",
                                [(*row, *link) for (row, _), link in zip(prepared, links)])
            db.conn.executemany(f"INSERT INTO dedup_docs ({link_docs.DOC_COLUMNS}) VALUES "
                                f"({', '.join('?' * len(link_docs.doc_row(prepared[0][1])))})",
                                [link_docs.doc_row(doc) for _, doc in prepared])
            db.conn.executemany("INSERT INTO story_keys (rowid, keys) VALUES (?, ?)",
                                [(doc.article_id, link_schema.key_words(doc.story.keys())) for _, doc in prepared])
            db.conn.executemany("UPDATE articles SET date_source = ? WHERE id = ?",
                                [(doc.date_source, doc.article_id) for _, doc in prepared])
    changed = [(*final, article_id) for article_id, link in written.items()
               if (final := (linker.original_of(article_id), linker.story_of(article_id))) != link]
    with transaction(db):
        db.conn.executemany("UPDATE articles SET reprint_of = ?, story_id = ? WHERE id = ?", changed)
        db.conn.executemany("INSERT INTO dedup_hours VALUES (?, ?)", [(h, random.getrandbits(62)) for h in sorted(hours)])
        rows = db.execute("SELECT a.story_id, a.title, d.sort_key, a.url, a.source, a.mfa FROM articles a "
                          "JOIN dedup_docs d ON d.article_id = a.id ORDER BY a.story_id, d.sort_key, a.url")
        db.conn.executemany(
            "INSERT INTO stories (id, title, first_seen, last_seen, size, sources, mfa) VALUES (?, ?, ?, ?, ?, ?, ?)",
            ((story_id, *linking.story_summary([m[1:] for m in members]))
             for story_id, members in itertools.groupby(rows, key=lambda r: r[0])),
        )
        db.execute("INSERT INTO articles_fts (articles_fts) VALUES ('rebuild')")
        for _, sql in triggers:
            db.execute(sql)
    search_index.rebuild_index(db)


def _in_workers(function: Callable, items: Iterator, workers: int) -> Iterator:
    """`map(function, items)` in `workers` processes (0: in this one), in order.

    Unlike Pool.imap it takes items only as results are consumed, so a million generated
    articles never wait in memory at once.
    """
    if not workers:
        yield from map(function, items)
        return
    with multiprocessing.Pool(workers) as pool:
        pending = [pool.apply_async(function, (item,)) for item in itertools.islice(items, 2 * workers)]
        while pending:
            result = pending.pop(0).get()
            pending += [pool.apply_async(function, (item,)) for item in itertools.islice(items, 1)]
            yield result


def _state_path(archive: Path) -> Path:
    """Where the generator's state after building `archive` is kept (the day continues from it)."""
    return archive.with_name(archive.name + ".corpus")


def _background_archive(args: argparse.Namespace, tmp: Path) -> tuple[Path, str]:
    """The archive the day is added to (its generator state saved beside it), and how it was made."""
    path = Path(args.archive_file) if args.archive_file else tmp / "archive.db"
    state = _state_path(path)
    if path.exists() and state.exists():
        return path, "reused"
    for stale in (path, state, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        stale.unlink(missing_ok=True)
    db = open_archive(path)
    corpus = Corpus(2, args.per_day)
    started = time.perf_counter()
    bulk_build(db, corpus, args.archive, workers=args.workers)
    built = f"bulk-built in {time.perf_counter() - started:.0f} s"
    db.conn.close()
    state.write_bytes(pickle.dumps(corpus))
    return path, built


def add_day(db_path: Path, state: Path, archive_size: int, day: int, days_before: int) -> dict:
    """Add the day after `days_before` days of `day` articles, continuing the saved generator, one
    add_article each (runs in a child)."""
    corpus = pickle.loads(state.read_bytes())
    start = archive_size + days_before * day
    for number in range(archive_size, start):  # the generator's state depends on every article before
        corpus.article(number)
    db = open_archive(db_path)
    # max(id), not count(*): counting would read an index of the whole archive into the cache first.
    if db.execute("SELECT max(id) FROM articles").fetchone()[0] != start:
        raise SystemExit(f"the archive does not hold {start} articles ({archive_size} and {days_before} days of "
                         f"{day}); remove it or pass its size")
    read_before, written_before = _disk_io_mb()
    seconds, in_link, _, in_lemmas, cpu = fill(db, corpus, start, day, batched=False)
    # Closing checkpoints what the WAL still holds: part of the cost of adding the day.
    started, started_cpu = time.perf_counter(), time.process_time()
    db.conn.close()
    seconds, cpu = seconds + time.perf_counter() - started, cpu + time.process_time() - started_cpu
    read, written = _disk_io_mb()
    return {"seconds": seconds, "cpu": cpu, "in_link": in_link, "in_lemmas": in_lemmas, "peak_mb": _peak_mb(),
            "read_mb": read - read_before, "write_mb": written - written_before}


def _timed_days(background: Path, day_db: Path, args: argparse.Namespace) -> list[dict]:
    """Add `args.days` days to a fresh copy of the background archive, each in a new process, as
    each scheduled crawl is (its own caches start cold, its memory is its own); return the
    children's figures."""
    shutil.copyfile(background, day_db)
    with open(day_db, "rb+") as copy:
        os.fsync(copy.fileno())  # else writing back the copy competes with the day for the disk
    figures = []
    for days_before in range(args.days):
        if args.cold:
            Path("/proc/sys/vm/drop_caches").write_text("3\n")
        child = subprocess.run(
            [sys.executable, __file__, "--add-day-child",
             json.dumps([str(day_db), str(_state_path(background)), args.archive, args.day, days_before])],
            capture_output=True, text=True,
        )
        if child.returncode:
            raise SystemExit(child.stderr.strip().splitlines()[-1])
        figures.append(json.loads(child.stdout))
    return figures


def _disk_io_mb() -> tuple[float, float]:
    """MB this process has read from and written to the disk (not the page cache)."""
    fields = dict(line.split(": ") for line in Path("/proc/self/io").read_text().splitlines())
    return int(fields["read_bytes"]) / 2**20, int(fields["write_bytes"]) / 2**20


def _peak_mb() -> float:
    """This process's own peak resident memory (VmHWM; ru_maxrss can carry a parent's across exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000, help="articles for the throughput run")
    parser.add_argument("--archive", type=int, default=1_000_000, help="archive size before adding one day")
    parser.add_argument("--day", type=int, default=500, help="articles in the added day")
    parser.add_argument("--per-day", type=int, default=500, help="articles published per day")
    parser.add_argument("--dir", default=None, help="directory for the databases (default: a temp dir)")
    parser.add_argument("--workers", type=int, default=2, help="processes computing features for the bulk build")
    parser.add_argument("--archive-file", default=None,
                        help="keep the background archive here and reuse it if it exists (the day goes into a copy)")
    parser.add_argument("--day-runs", type=int, default=3, help="add the day this many times, each to a fresh copy")
    parser.add_argument("--days", type=int, default=1, help="consecutive days added to each copy")
    parser.add_argument("--cold", action="store_true",
                        help="drop the page cache before each day (needs root): the worst case, as after a reboot")
    parser.add_argument("--add-day-child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.add_day_child:
        db_path, state, archive_size, day, days_before = json.loads(args.add_day_child)
        print(json.dumps(add_day(Path(db_path), Path(state), archive_size, day, days_before)))
        return 0
    if min(args.articles, args.archive, args.day, args.per_day, args.day_runs, args.days) < 1 or args.workers < 0:
        parser.error("sizes, --day-runs and --days must be positive and --workers not negative")
    if args.cold and not os.access("/proc/sys/vm/drop_caches", os.W_OK):
        parser.error("--cold drops the page cache, which needs root")

    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        db = open_archive(Path(tmp) / "throughput.db")
        seconds, in_link, in_reprints, _, _ = fill(db, Corpus(1, args.per_day), 0, args.articles, batched=True)
        stats = linking.stats(db)
        db.conn.close()
        print(f"reprint level (shingles, MinHash, LSH lookup, linking): {args.articles / in_reprints:.0f} articles/s")
        print(f"ingest of {args.articles}: {seconds:.1f} s = {args.articles / seconds:.0f} articles/s end to end; "
              f"dedup+stories alone {args.articles / in_link:.0f} articles/s = {in_link / args.articles * 1000:.2f} ms "
              f"per article ({in_link / seconds:.0%} of the time)")
        print(f"  reprints {stats.reprints}, stories {stats.stories}, multi-outlet stories {stats.multi_source_stories}")
        print(f"  peak memory of this ingest (this process so far): {_peak_mb():.0f} MB")

        background, built = _background_archive(args, Path(tmp))
        day_db = Path(tmp) / "day.db"
        days = [day for _ in range(args.day_runs) for day in _timed_days(background, day_db, args)]
        size = day_db.stat().st_size
        cache = "dropped before each day" if args.cold else "as the copy left it"
        runs = f"{args.day_runs} run{'s' if args.day_runs > 1 else ''}"
        print(f"archive of {args.archive} {built} ({size / 2**20:.0f} MB); adding one day "
              f"({args.day}, one add_article each, in a new process, page cache {cache}), "
              f"{runs} of {args.days} consecutive day{'s' if args.days > 1 else ''}, median [min-max] of the days:")
        for label, key in (("wall", "seconds"), ("CPU", "cpu"), ("dedup+stories", "in_link"),
                           ("lemma index", "in_lemmas"), ("read from disk, MB", "read_mb"), ("written, MB", "write_mb")):
            values = sorted(day[key] for day in days)
            print(f"  {label}: {statistics.median(values):.2f} [{values[0]:.2f}-{values[-1]:.2f}]")
        print(f"  dedup+stories per article: {statistics.median(d['in_link'] for d in days) / args.day * 1000:.2f} ms; "
              f"peak memory of that process: {max(d['peak_mb'] for d in days):.0f} MB")
    # Not RUSAGE_CHILDREN: a child's ru_maxrss can carry this process's peak across fork and exec.
    print(f"peak memory of the benchmark's own process, bulk build included (scaffolding, not the product): "
          f"{_peak_mb():.0f} MB")
    print("targets: reprint level >= 2000 articles/s; one day into 1M < 5 s; peak memory < 1 GB; "
          "dedup+stories well under 1 ms per article")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
