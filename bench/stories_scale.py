"""Scale of reprint detection and story clustering on synthetic news that behaves like real news.

The generator writes events, not random texts: each event has its own people and places (from a
pool of 3,000 names), a dozen distinctive topic words (from the tail of a Zipf vocabulary whose
head is real Russian function words, which the features drop as in real copy) and a quote. An
event is reported by an original, wire copies (some truncated, some with an attribution added)
and rewrites that keep the names, topic words and quote; the same people return in later events
(hard negatives). Prints:

1. reprint level: articles/s of shingling, MinHash, LSH lookup and reprint linking alone;
2. ingest throughput through `archive.pipeline.add_articles` (classify, store with FTS, search
   index, dedup, stories), and dedup+stories alone (time inside `dedup.link`);
3. the time to add one day (`--day` new articles, one `add_article` call each, as the crawler
   does) to an archive of `--archive` articles built through `add_articles` beforehand;
4. peak memory (max RSS) of the process.

    .venv/bin/python bench/stories_scale.py                       # full size: 100k, 1M + 500
    .venv/bin/python bench/stories_scale.py --articles 5000 --archive 20000
"""

from __future__ import annotations

import argparse
import itertools
import random
import resource
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from archive import dedup  # noqa: E402
from archive.models import Article  # noqa: E402
from archive.pipeline import add_article, add_articles  # noqa: E402
from archive.store import open_archive  # noqa: E402

FUNCTION_WORDS = (
    "и в не на что с по как а то к за из от о для же у это так но его было уже ее до их при "
    "был только также может этом об они после всех этого между более без заявил сообщил отметил"
).split()
SYLLABLES = "ва ли ро на ко ст пре до ми ра то не ре ка по за де ни го ло ве ти со бу жа лу мо се ты".split()
BATCH = 1000


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
def timed(module: object, names: list[str], total: list[float]) -> Iterator[None]:
    """Add the time spent in `module.<name>` (for each name, not nested in another) to total[0]."""
    originals = {name: getattr(module, name) for name in names}
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

    for name, function in originals.items():
        setattr(module, name, wrap(function))
    try:
        yield
    finally:
        for name, function in originals.items():
            setattr(module, name, function)


REPRINT_STAGE = ["shingles", "minhash", "head_key", "_reprint_matches", "_assign_reprint"]


def fill(db, corpus: Corpus, start: int, count: int, *, batched: bool) -> tuple[float, float, float]:
    """Add `count` articles; return (total seconds, seconds in dedup.link, seconds in the reprint stage)."""
    in_link, in_reprints = [0.0], [0.0]
    with timed(dedup, ["link"], in_link), timed(dedup, REPRINT_STAGE, in_reprints):
        started = time.perf_counter()
        if batched:
            for batch_start in range(start, start + count, BATCH):
                add_articles(db, [corpus.article(n) for n in range(batch_start, min(start + count, batch_start + BATCH))])
        else:
            for number in range(start, start + count):
                add_article(db, corpus.article(number))
        return time.perf_counter() - started, in_link[0], in_reprints[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000, help="articles for the throughput run")
    parser.add_argument("--archive", type=int, default=1_000_000, help="archive size before adding one day")
    parser.add_argument("--day", type=int, default=500, help="articles in the added day")
    parser.add_argument("--per-day", type=int, default=500, help="articles published per day")
    parser.add_argument("--dir", default=None, help="directory for the databases (default: a temp dir)")
    args = parser.parse_args()
    if min(args.articles, args.archive, args.day, args.per_day) < 1:
        parser.error("all sizes must be positive")

    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        db = open_archive(Path(tmp) / "throughput.db")
        seconds, in_link, in_reprints = fill(db, Corpus(1, args.per_day), 0, args.articles, batched=True)
        stats = dedup.stats(db)
        db.conn.close()
        print(f"reprint level (shingles, MinHash, LSH lookup, linking): {args.articles / in_reprints:.0f} articles/s")
        print(f"ingest of {args.articles}: {seconds:.1f} s = {args.articles / seconds:.0f} articles/s end to end; "
              f"dedup+stories alone {args.articles / in_link:.0f} articles/s = {in_link / args.articles * 1000:.2f} ms "
              f"per article ({in_link / seconds:.0%} of the time)")
        print(f"  reprints {stats.reprints}, stories {stats.stories}, multi-outlet stories {stats.multi_source_stories}")

        db = open_archive(Path(tmp) / "archive.db")
        corpus = Corpus(2, args.per_day)
        started = time.perf_counter()
        fill(db, corpus, 0, args.archive, batched=True)
        build = time.perf_counter() - started
        db.conn.close()
        db = open_archive(Path(tmp) / "archive.db")  # a fresh process's connection: cold cache
        seconds, in_link, _ = fill(db, corpus, args.archive, args.day, batched=False)
        size = (Path(tmp) / "archive.db").stat().st_size
        db.conn.close()
        print(f"archive of {args.archive} built in {build:.0f} s ({size / 2**20:.0f} MB); adding one day "
              f"({args.day}, one add_article each) took {seconds:.2f} s, of which dedup+stories {in_link:.2f} s "
              f"({in_link / args.day * 1000:.2f} ms per article)")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory (max RSS): {peak:.0f} MB")
    print("targets: reprint level >= 2000 articles/s; one day into 1M < 5 s; peak memory < 1 GB; "
          "dedup+stories well under 1 ms per article")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
