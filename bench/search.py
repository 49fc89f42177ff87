"""Search quality on the devset and search speed on a large synthetic archive.

Run: .venv/bin/python bench/search.py [--size N] [--words W] [--archive PATH] [--folds K] [--quality-only]

1. Indexes ../shared/devset/stories.jsonl into a temporary archive (the store's schema) and
   runs search_queries.jsonl, printing mean recall@10 and MRR for `mfa-archive search`'s engine
   (as with --all) beside plain-FTS5 baselines measured in the same run, then the engine with
   its query mechanisms added one at a time (derived adjectives and names, other names), over
   the whole devset and per fold: the stories are split into --folds folds (as bench/stories.py
   splits them) and each query counts in the fold of most of its relevant articles.
   recall@10 = relevant found in the top 10 / min(relevant, 10).
2. Fills an archive with N synthetic Russian articles (word forms drawn with the devset's
   frequencies) and prints the index size and median/p95 latency of 1-, 2- and 3-word queries.
   With --archive PATH the synthetic archive is kept there and reused by later runs, so
   repeated measurements skip the ~8 minutes of building a million articles.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from archive.schema import open_archive  # noqa: E402
from archive.search import query as search_query  # noqa: E402
from archive.search.engine import search  # noqa: E402
from archive.search.index import rebuild_index  # noqa: E402
from archive.search.query import STOPWORDS  # noqa: E402
from archive.store import transaction  # noqa: E402
from archive.store.filters import ArticleFilter  # noqa: E402

DEVSET = REPO.parent / "shared" / "devset"
_WORD = re.compile(r"\w+")


def load_devset() -> tuple[list[dict], list[dict]]:
    """The devset articles and queries, read at run time (never copied into the repository)."""
    if not (DEVSET / "stories.jsonl").exists():
        sys.exit(f"bench/search.py: the devset is missing at {DEVSET}")
    stories = [json.loads(line) for line in (DEVSET / "stories.jsonl").open(encoding="utf-8")]
    queries = [json.loads(line) for line in (DEVSET / "search_queries.jsonl").open(encoding="utf-8")]
    return stories, queries


def devset_rows(stories: list[dict]) -> list[dict]:
    """Article rows in the store's schema for the devset articles."""
    return [
        {
            "url": s["url"],
            "source": s["source"],
            "title": s["title"] or "",
            "text": s["text"],
            "published": f"{s['date']}T12:00:00+03:00" if s["date"] else None,
            "mfa": int(s["mfa"]),
            "content_hash": s["id"],  # the devset id, to map hits back to judgements
        }
        for s in stories
    ]


def insert_rows(db, rows: list[dict]) -> None:
    columns = list(rows[0])
    with transaction(db):
        db.conn.executemany(
            f"INSERT INTO articles ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})",
            [[r[c] for c in columns] for r in rows],
        )


def _quoted_words(query: str) -> list[str]:
    return [f'"{w.lower()}"' for w in _WORD.findall(query) if w.lower() not in STOPWORDS]


def plain_fts(db, expression: str) -> list[str]:
    """Devset ids ranked by plain FTS5 bm25 for a raw MATCH expression."""
    sql = (
        "SELECT a.content_hash FROM articles_fts JOIN articles a ON a.id = articles_fts.rowid "
        "WHERE articles_fts MATCH ? ORDER BY rank LIMIT 10"
    )
    return [r[0] for r in db.execute(sql, [expression]).fetchall()]


def score(ranked: list[str], relevant: set[str]) -> tuple[float, float]:
    found = sum(1 for d in ranked[:10] if d in relevant)
    reciprocal = next((1 / i for i, d in enumerate(ranked[:10], 1) if d in relevant), 0.0)
    return found / min(len(relevant), 10), reciprocal


def quality(db, queries: list[dict]) -> dict[str, tuple[float, float]]:
    """Mean recall@10 and MRR per method, all on the same archive."""
    import snowballstemmer

    stem = snowballstemmer.stemmer("russian").stemWord
    methods = {
        "exact words AND (plain FTS5)": lambda q: plain_fts(db, " ".join(_quoted_words(q))),
        "exact words OR + bm25": lambda q: plain_fts(db, " OR ".join(_quoted_words(q))),
        "snowball stem* OR + bm25": lambda q: plain_fts(
            db, " OR ".join(f'"{stem(w.strip(chr(34)))}" *' for w in _quoted_words(q))
        ),
        "mfa-archive search (--all)": lambda q: [
            db.execute("SELECT content_hash FROM articles WHERE id = ?", [h.id]).fetchone()[0]
            for h in search(db, q, filters=ArticleFilter(all_articles=True), limit=10)
        ],
    }
    results = {}
    for name, run in methods.items():
        scores = [score(run(q["query"]), set(q["relevant"])) for q in queries]
        results[name] = (statistics.mean(s[0] for s in scores), statistics.mean(s[1] for s in scores))
    return results


# The engine's query mechanisms, added one at a time (module switches of archive.search.query).
MECHANISMS = [
    ("lemmas only", {"DERIVATION": False, "OTHER_NAMES": False}),
    ("+ derived adjectives and names", {"DERIVATION": True, "OTHER_NAMES": False}),
    ("+ other names (synonyms, initials)", {"DERIVATION": True, "OTHER_NAMES": True}),
]


def engine_ids(db, query: str) -> list[str]:
    return [
        db.execute("SELECT content_hash FROM articles WHERE id = ?", [h.id]).fetchone()[0]
        for h in search(db, query, filters=ArticleFilter(all_articles=True), limit=10)
    ]


def query_folds(stories: list[dict], queries: list[dict], folds: int, seed: int = 16) -> list[int]:
    """The fold of each query: stories split as bench/stories.py splits them; a query belongs to
    the fold holding most of its relevant articles."""
    names = sorted({s["story"] for s in stories})
    random.Random(seed).shuffle(names)
    fold_of_story = {story: n % folds for n, story in enumerate(names)}
    fold_of_article = {s["id"]: fold_of_story[s["story"]] for s in stories}
    return [Counter(fold_of_article[a] for a in q["relevant"]).most_common(1)[0][0] for q in queries]


def mechanisms(db, stories: list[dict], queries: list[dict], folds: int) -> None:
    """Recall@10 and MRR with each mechanism added, overall and per fold (with the spread)."""
    fold_of = query_folds(stories, queries, folds)
    print(f"\nQuery mechanisms one at a time; {folds} folds by story (seed 16), queries per fold: "
          + " ".join(str(fold_of.count(k)) for k in range(folds)))
    print(f"{'mechanism':36} {'all R@10':>8} {'MRR':>6} " + " ".join(f"{'fold ' + str(k + 1):>11}" for k in range(folds))
          + f" {'R min':>6} {'R sd':>5} {'MRR min':>7}")
    saved = {name: getattr(search_query, name) for _, switches in MECHANISMS for name in switches}
    try:
        for label, switches in MECHANISMS:
            for name, value in switches.items():
                setattr(search_query, name, value)
            scores = [score(engine_ids(db, q["query"]), set(q["relevant"])) for q in queries]
            per_fold = []
            for k in range(folds):
                mine = [sc for sc, f in zip(scores, fold_of) if f == k]
                per_fold.append((statistics.mean(m[0] for m in mine), statistics.mean(m[1] for m in mine)))
            recalls = [r for r, _ in per_fold]
            print(f"{label:36} {statistics.mean(s[0] for s in scores):8.3f} {statistics.mean(s[1] for s in scores):6.3f} "
                  + " ".join(f"{r:5.3f}/{m:5.3f}" for r, m in per_fold)
                  + f" {min(recalls):6.3f} {statistics.stdev(recalls):5.3f} {min(m for _, m in per_fold):7.3f}")
    finally:
        for name, value in saved.items():
            setattr(search_query, name, value)
    print("cells: recall@10/MRR of the fold's queries; the mechanisms have no parameters fitted to the devset")


def word_distribution(stories: list[dict]) -> tuple[list[str], list[int], list[str]]:
    """Devset word forms with cumulative weights (for Zipf-like synthetic text), and the
    2,000 most frequent content words (for queries)."""
    counts = Counter(w for s in stories for w in _WORD.findall(s["text"]) if not w.isdigit())
    words = list(counts)
    cumulative, total = [], 0
    for word in words:
        total += counts[word]
        cumulative.append(total)
    common = [w for w, _ in counts.most_common() if len(w) > 3 and w.lower() not in STOPWORDS][:2000]
    return words, cumulative, common


def synthetic_rows(n: int, words: list[str], cumulative: list[int], length: int, rng: random.Random):
    """Yield `n` synthetic article rows (tuples in `synthetic_columns` order)."""
    sources = ["tass", "newsru", "ria.ru", "lenta.ru", "kommersant.ru"]
    for i in range(n):
        body = rng.choices(words, cum_weights=cumulative, k=length)
        title = " ".join(rng.choices(words, cum_weights=cumulative, k=8)).capitalize()
        day = f"20{15 + i % 11:02d}-{1 + i % 12:02d}-{1 + i % 28:02d}T{i % 24:02d}:00:00+03:00"
        yield (
            f"https://example.org/{i}", sources[i % 5], title, " ".join(body[:25]), " ".join(body),
            day, int(rng.random() < 0.8), i // 3 + 1, day, '["Иван Петров"]', '["МИД"]',
        )


SYNTHETIC_COLUMNS = ["url", "source", "title", "lead", "text", "published", "mfa", "story_id", "fetched_at", "authors", "tags"]


def fill_synthetic(db, rows, batch: int = 50_000, *, index: bool = True) -> float:
    """Bulk-load `rows` without the FTS triggers, then rebuild the index once (unless `index`
    is false, for benchmarks that never search); returns seconds."""
    started = time.perf_counter()
    triggers = db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'articles'").fetchall()
    insert = f"INSERT INTO articles ({', '.join(SYNTHETIC_COLUMNS)}) VALUES ({', '.join('?' for _ in SYNTHETIC_COLUMNS)})"
    with transaction(db):
        for name, _ in triggers:
            db.execute(f"DROP TRIGGER {name}")
    chunk: list[tuple] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == batch:
            with transaction(db):
                db.conn.executemany(insert, chunk)
            chunk = []
    with transaction(db):
        if chunk:
            db.conn.executemany(insert, chunk)
        if index:
            db.execute("INSERT INTO articles_fts(articles_fts) VALUES ('rebuild')")
        for _, sql in triggers:
            db.execute(sql)
    if index:
        rebuild_index(db)
    return time.perf_counter() - started


def latency(db, words: list[str], rng: random.Random, per_size: int = 200) -> dict[int, tuple[float, float]]:
    """Median and p95 milliseconds of `search` for 1-, 2- and 3-word queries of common words."""
    results = {}
    for n_words in (1, 2, 3):
        times = []
        for _ in range(per_size):
            query = " ".join(rng.sample(words, n_words))
            started = time.perf_counter()
            search(db, query, limit=10)
            times.append((time.perf_counter() - started) * 1000)
        times.sort()
        results[n_words] = (statistics.median(times), times[int(len(times) * 0.95) - 1])
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1_000_000, help="synthetic articles (default 1,000,000)")
    parser.add_argument("--words", type=int, default=120, help="words per synthetic article (default 120)")
    parser.add_argument("--archive", type=Path, help="keep the synthetic archive here; reuse it if it exists")
    parser.add_argument("--folds", type=int, default=5, help="folds by story for the per-mechanism table (default 5)")
    parser.add_argument("--quality-only", action="store_true", help="skip the synthetic archive and its latency")
    args = parser.parse_args()
    stories, queries = load_devset()
    rng = random.Random(5)
    with tempfile.TemporaryDirectory() as tmp:
        db = open_archive(Path(tmp) / "devset.db")
        insert_rows(db, devset_rows(stories))
        print(f"Devset: {len(stories)} articles, {len(queries)} queries")
        print(f"{'method':34} {'recall@10':>9} {'MRR':>6}")
        results = quality(db, queries)
        for name, (recall, mrr) in results.items():
            print(f"{name:34} {recall:9.3f} {mrr:6.3f}")
        baseline = results["exact words OR + bm25"]
        ours = results["mfa-archive search (--all)"]
        print(f"engine / exact OR: recall x{ours[0] / baseline[0]:.2f}, MRR x{ours[1] / baseline[1]:.2f}")
        mechanisms(db, stories, queries, args.folds)
        if args.quality_only:
            return

        words, cumulative, common = word_distribution(stories)
        synthetic = args.archive or Path(tmp) / "synthetic.db"
        reused = synthetic.exists()
        db = open_archive(synthetic)
        if reused:
            size = db.execute("SELECT count(*) FROM articles").fetchone()[0]
            built = f"reused from {synthetic}"
        else:
            size = args.size
            seconds = fill_synthetic(db, synthetic_rows(size, words, cumulative, args.words, rng))
            db.conn.commit()
            built = f"built and indexed in {seconds:.0f} s"
        page_size = db.execute("PRAGMA page_size").fetchone()[0]
        megabytes = {
            name: db.execute("SELECT count(*) FROM dbstat WHERE name LIKE ?", [pattern]).fetchone()[0] * page_size / 2**20
            for name, pattern in [
                ("articles table", "articles"),
                ("plain FTS index", "articles_fts%"),
                ("lemma table", "articles_morph"),
                ("lemma FTS index", "articles_morph_fts%"),
            ]
        }
        print(f"\nSynthetic archive: {size:,} articles, {built}")
        print(", ".join(f"{name} {size:.0f} MB" for name, size in megabytes.items()))
        search(db, "прогрев кэша", limit=10)
        print(f"{'query':8} {'median ms':>9} {'p95 ms':>7}   (targets: median < 20, p95 < 100)")
        # Its own generator: the same queries whether the archive was built or reused.
        for n_words, (median, p95) in latency(db, common, random.Random(6)).items():
            print(f"{n_words}-word   {median:9.1f} {p95:7.1f}")
        db.conn.close()


if __name__ == "__main__":
    main()
