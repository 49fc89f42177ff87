"""FTS5 merge settings: pages written per article against search latency, for an index grown
one article per commit, as a crawl grows the archive's two full-text indexes.

Run: .venv/bin/python bench/fts_merge.py [--docs 100000] [--words 300] [--settings 4/16 16/64]

FTS5 writes each commit's rows as a new segment and merges segments in the background of
later writes: once `automerge` segments share a level, and at once (in that commit) once
`crisismerge` do. Fewer, larger merges mean fewer pages rewritten per article; more segments
mean more places a query must look. For each setting (`automerge/crisismerge`) this grows a
contentless FTS5 index of synthetic Russian articles (word forms drawn with the devset's
frequencies), one article per transaction in WAL mode, and prints:
- WAL pages written per article (every page of every commit, merges included);
- milliseconds per article, median and the slowest commit (a crisis merge shows up here);
- segments at the end;
- median and p95 latency of 1- and 2-word queries on common words and of 1-word queries on
  rare ones, ranked by bm25, top 10, the settings taking turns query by query.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from search import load_devset, word_distribution  # noqa: E402  (bench/search.py)

CHECKPOINT_EVERY = 1000  # articles between the checkpoints that count the WAL's frames
WAL_HEADER, WAL_FRAME_HEADER = 32, 24  # bytes, from SQLite's WAL file format


def grow(path: Path, texts: list[str], automerge: int, crisismerge: int) -> dict:
    """Index `texts` one commit each into a new file; return the write figures."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA wal_autocheckpoint = 0")
    conn.execute("CREATE VIRTUAL TABLE fts USING fts5(text, content='')")
    conn.execute("INSERT INTO fts(fts, rank) VALUES ('automerge', ?)", [automerge])
    conn.execute("INSERT INTO fts(fts, rank) VALUES ('crisismerge', ?)", [crisismerge])
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    wal, page_size = Path(f"{path}-wal"), conn.execute("PRAGMA page_size").fetchone()[0]
    frames, commits, last_tenth = 0, [], 0
    for number, text in enumerate(texts, 1):
        started = time.perf_counter()
        conn.execute("BEGIN")
        conn.execute("INSERT INTO fts(rowid, text) VALUES (?, ?)", [number, text])
        conn.execute("COMMIT")
        commits.append(time.perf_counter() - started)
        if number % CHECKPOINT_EVERY == 0 or number == len(texts):
            written = (wal.stat().st_size - WAL_HEADER) // (WAL_FRAME_HEADER + page_size)
            frames += written
            if number > len(texts) * 0.9:
                last_tenth += written
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    segments = conn.execute("SELECT count(DISTINCT segid) FROM fts_idx").fetchone()[0]
    conn.close()
    return {
        "pages": frames / len(texts),
        "last_pages": last_tenth / (len(texts) - int(len(texts) * 0.9) or 1),
        "ms": statistics.median(commits) * 1000,
        "worst_ms": max(commits) * 1000,
        "segments": segments,
    }


def query_latency(paths: dict[str, Path], queries: list[str]) -> dict[str, list[float]]:
    """Milliseconds of each query on each index, the indexes taking turns."""
    conns = {name: sqlite3.connect(path) for name, path in paths.items()}
    sql = "SELECT rowid FROM fts WHERE fts MATCH ? ORDER BY rank LIMIT 10"
    for conn in conns.values():  # warm the page cache and the FTS structure
        for query in queries[:20]:
            conn.execute(sql, [query]).fetchall()
    times: dict[str, list[float]] = {name: [] for name in conns}
    for query in queries:
        for name, conn in conns.items():
            started = time.perf_counter()
            conn.execute(sql, [query]).fetchall()
            times[name].append((time.perf_counter() - started) * 1000)
    for conn in conns.values():
        conn.close()
    return times


def _quoted(words: list[str]) -> str:
    return " ".join(f'"{word}"' for word in words)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=100_000, help="articles indexed, one commit each")
    parser.add_argument("--words", type=int, default=300, help="words per article")
    parser.add_argument("--queries", type=int, default=300, help="queries of each kind")
    parser.add_argument("--settings", nargs="+", default=["4/16", "8/32", "16/64"],
                        help="automerge/crisismerge pairs to compare (SQLite's default is 4/16)")
    args = parser.parse_args()
    settings = []
    for setting in args.settings:
        try:
            automerge, crisismerge = (int(part) for part in setting.split("/"))
        except ValueError:
            parser.error(f"--settings takes AUTOMERGE/CRISISMERGE pairs such as 4/16, not {setting!r}")
        settings.append((setting, automerge, crisismerge))
    if args.docs < 1 or args.words < 1 or args.queries < 1:
        parser.error("--docs, --words and --queries must be positive")

    stories, _ = load_devset()
    words, cumulative, common = word_distribution(stories)
    rng = random.Random(7)
    texts = [" ".join(rng.choices(words, cum_weights=cumulative, k=args.words)) for _ in range(args.docs)]
    # Rare: forms seen in the devset but outside its 20,000 most frequent.
    rare = [w for w in words[20_000:] if w.isalpha()] or words
    kinds = {
        "1 common word": [_quoted(rng.sample(common, 1)) for _ in range(args.queries)],
        "2 common words": [_quoted(rng.sample(common, 2)) for _ in range(args.queries)],
        "1 rare word": [_quoted(rng.sample(rare, 1)) for _ in range(args.queries)],
    }
    print(f"{args.docs:,} articles of {args.words} words, one commit each; settings automerge/crisismerge")
    with tempfile.TemporaryDirectory() as tmp:
        paths, grown = {}, {}
        for name, automerge, crisismerge in settings:
            paths[name] = Path(tmp) / f"fts-{automerge}-{crisismerge}.db"
            grown[name] = grow(paths[name], texts, automerge, crisismerge)
        print(f"{'setting':8} {'pages/article':>13} {'in the last tenth':>17} {'ms/article':>10} {'slowest ms':>10} "
              f"{'segments':>8}")
        for name, figures in grown.items():
            print(f"{name:8} {figures['pages']:13.1f} {figures['last_pages']:17.1f} {figures['ms']:10.2f} "
                  f"{figures['worst_ms']:10.1f} "
                  f"{figures['segments']:8d}")
        print(f"query latency, ms, median / p95 (settings in turn, {args.queries} queries of each kind):")
        print(f"{'setting':8} " + " ".join(f"{kind:>18}" for kind in kinds))
        latencies = {kind: query_latency(paths, queries) for kind, queries in kinds.items()}
        for name in paths:
            cells = []
            for kind in kinds:
                times = sorted(latencies[kind][name])
                cells.append(f"{statistics.median(times):8.2f} / {times[int(len(times) * 0.95) - 1]:7.2f}")
            print(f"{name:8} " + " ".join(f"{cell:>18}" for cell in cells))


if __name__ == "__main__":
    main()
