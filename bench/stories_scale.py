"""Scale of reprint detection and story clustering on synthetic news.

Generates articles of realistic length (250-450 words, Zipf-distributed vocabulary, names) in which
about a third are wire copies (some truncated, some with an attribution added) and a fifth are
rewrites of another article, spread over days at `--per-day` articles a day. Prints:

1. ingest throughput through `archive.pipeline.add_article` (classify, store with FTS, dedup,
   stories), and the share of that time spent in `dedup.link`;
2. the time to add one day (`--day` new articles) to an archive of `--archive` articles;
3. peak memory (max RSS) of the process.

    .venv/bin/python bench/stories_scale.py                       # full size: 100k, 1M + 500
    .venv/bin/python bench/stories_scale.py --articles 5000 --archive 20000
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from archive import dedup  # noqa: E402
from archive.models import Article  # noqa: E402
from archive.pipeline import add_article  # noqa: E402
from archive.store import open_archive  # noqa: E402

SYLLABLES = "ва ли ро на ко ст пре до ми ра то ли не ре ка по за де ни го ло ве ти со".split()
NAMES = ["Лавров", "Захарова", "Рябков", "Грушко", "Песков", "Вучич", "Фидан", "Ван И", "Абдель", "Сон"]


class Corpus:
    """A deterministic generator of news-like texts with copies and rewrites."""

    def __init__(self, seed: int, per_day: int) -> None:
        self.random = random.Random(seed)
        self.per_day = per_day
        self.vocabulary = ["".join(self.random.choices(SYLLABLES, k=self.random.randint(2, 4))) for _ in range(30_000)]
        weights = [1 / (rank + 1) for rank in range(len(self.vocabulary))]
        self.cumulative = list(__import__("itertools").accumulate(weights))
        self.recent: list[tuple[str, str]] = []

    def _text(self, words: int) -> str:
        # Real text minus stop words: a few topic words repeat, the rest is a long tail.
        topic = self.random.sample(self.vocabulary[300:], 30)
        tokens = [
            self.random.choice(topic) if self.random.random() < 0.3 else
            self.random.choices(self.vocabulary, cum_weights=self.cumulative)[0]
            for _ in range(words)
        ]
        for i in range(0, words, 25):
            tokens[i] = self.random.choice(NAMES)
        sentences = [" ".join(tokens[i : i + 15]).capitalize() + "." for i in range(0, words, 15)]
        return " ".join(sentences)

    def article(self, number: int) -> Article:
        day, minute = divmod(number, self.per_day)
        published = f"{time.strftime('%Y-%m-%d', time.gmtime(1_600_000_000 + day * 86400))}T" \
                    f"{(minute * 1440 // self.per_day) // 60:02d}:{(minute * 1440 // self.per_day) % 60:02d}:00+03:00"
        roll = self.random.random()
        if roll < 0.33 and self.recent:
            title, text = self.random.choice(self.recent)
            if self.random.random() < 0.3:
                text = text[: len(text) // 2]
            text = f"{text} Об этом передает ТАСС."
        elif roll < 0.53 and self.recent:
            title, base = self.random.choice(self.recent)
            sentences = base.split(". ")
            keep = self.random.sample(sentences, k=max(1, len(sentences) // 3))
            text = ". ".join(keep + [self._text(150)])
        else:
            title, text = self._text(10), self._text(self.random.randint(250, 450))
            self.recent = (self.recent + [(title, text)])[-50:]
        return Article(url=f"https://site{number % 97}.example/news/{number}", source=f"site{number % 97}.example",
                       title=title, text=text, published=published)


def fill(db, corpus: Corpus, start: int, count: int) -> tuple[float, float]:
    """Add `count` articles; return (total seconds, seconds inside dedup.link)."""
    link_time = 0.0
    original_link = dedup.link

    def timed_link(db_, article_id):
        nonlocal link_time
        t = time.perf_counter()
        original_link(db_, article_id)
        link_time += time.perf_counter() - t

    dedup.link = timed_link
    try:
        started = time.perf_counter()
        for number in range(start, start + count):
            add_article(db, corpus.article(number))
        return time.perf_counter() - started, link_time
    finally:
        dedup.link = original_link


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000, help="articles for the throughput run")
    parser.add_argument("--archive", type=int, default=1_000_000, help="archive size before adding one day")
    parser.add_argument("--day", type=int, default=500, help="articles in the added day")
    parser.add_argument("--per-day", type=int, default=500, help="articles published per day")
    parser.add_argument("--dir", default=None, help="directory for the databases (default: a temp dir)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        db = open_archive(Path(tmp) / "throughput.db")
        seconds, in_link = fill(db, Corpus(1, args.per_day), 0, args.articles)
        stats = dedup.stats(db)
        db.conn.close()
        print(f"throughput: {args.articles} articles in {seconds:.1f} s = {args.articles / seconds:.0f} articles/s "
              f"end to end; dedup+stories alone {args.articles / in_link:.0f} articles/s "
              f"({in_link / seconds:.0%} of the time)")
        print(f"  reprints {stats.reprints}, stories {stats.stories}, multi-outlet stories {stats.multi_source_stories}")

        db = open_archive(Path(tmp) / "archive.db")
        corpus = Corpus(2, args.per_day)
        started = time.perf_counter()
        fill(db, corpus, 0, args.archive)
        build = time.perf_counter() - started
        seconds, in_link = fill(db, corpus, args.archive, args.day)
        size = (Path(tmp) / "archive.db").stat().st_size
        db.conn.close()
        print(f"archive of {args.archive} built in {build:.0f} s ({size / 2**20:.0f} MB); adding one day "
              f"({args.day}) took {seconds:.2f} s, of which dedup+stories {in_link:.2f} s")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory (max RSS): {peak:.0f} MB")
    print("targets: dedup+stories >= 2000 articles/s; one day into 1M < 5 s; peak memory < 1 GB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
