"""FTS5 merge settings: pages written per article against search latency, for an index grown
one article per commit, as a crawl grows the archive's two full-text indexes.

Run: .venv/bin/python bench/fts_merge.py [--docs 200000] [--settings 4/16 8/32 16/64]

FTS5 writes each commit's rows as a new segment and merges segments in the background of
later writes: once `automerge` segments share a level, and at once (in that commit) once
`crisismerge` do. Fewer, larger merges mean fewer pages rewritten per article; more segments
mean more places a query must look. For each setting (`automerge/crisismerge`) this grows a
contentless FTS5 index of the synthetic articles `bench/stories_scale.py` adds to its 1M
archive (a Zipf vocabulary of 60,000 forms, events with names and quotes), one article per
transaction in WAL mode, and prints:
- WAL pages written per article (every page of every commit, merges included), overall and
  over the last tenth, and the KB per article written to disk (WAL and checkpoints, from
  /proc/self/io);
- milliseconds per article, median and the slowest commit (a crisis merge shows up here);
- segments at the end;
- median and p95 latency of 1- and 2-word queries on common words (the 2,000 most frequent
  after the function words) and of 1-word queries on rare ones (the 20,000 least frequent),
  ranked by bm25, top 10, the settings taking turns query by query.
"""

from __future__ import annotations

import argparse
import math
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from stories_scale import FUNCTION_WORDS, Corpus  # noqa: E402  (bench/stories_scale.py)

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
    written_before = _disk_writes()
    frames, commits, last_tenth = 0, [], 0
    tenth_start = int(len(texts) * 0.9)
    for number, text in enumerate(texts, 1):
        started = time.perf_counter()
        conn.execute("BEGIN")
        conn.execute("INSERT INTO fts(rowid, text) VALUES (?, ?)", [number, text])
        conn.execute("COMMIT")
        commits.append(time.perf_counter() - started)
        if number % CHECKPOINT_EVERY == 0 or number in (tenth_start, len(texts)):
            written = (wal.stat().st_size - WAL_HEADER) // (WAL_FRAME_HEADER + page_size)
            frames += written
            if number > tenth_start:
                last_tenth += written
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    segments = conn.execute("SELECT count(DISTINCT segid) FROM fts_idx").fetchone()[0]
    conn.close()
    disk_kb = (_disk_writes() - written_before) / 1024 / len(texts)
    return {
        "pages": frames / len(texts),
        "last_pages": last_tenth / max(1, len(texts) - tenth_start),
        "ms": statistics.median(commits) * 1000,
        "worst_ms": max(commits) * 1000,
        "segments": segments,
        "disk_kb": disk_kb,
    }


def _disk_writes() -> int:
    """Bytes this process has written to the disk (Linux)."""
    for line in Path("/proc/self/io").read_text().splitlines():
        if line.startswith("write_bytes:"):
            return int(line.split()[1])
    return 0


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
    parser.add_argument("--docs", type=int, default=200_000, help="articles indexed, one commit each")
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
        # FTS5's own limits: it rejects automerge above 64 and quietly replaces crisismerge below 2.
        if not 0 <= automerge <= 64 or not 2 <= crisismerge < 2000:
            parser.error(f"--settings {setting}: automerge must be 0-64 and crisismerge 2-1999")
        if (automerge, crisismerge) in [(a, c) for _, a, c in settings]:
            parser.error(f"--settings {setting} is given twice")
        settings.append((setting, automerge, crisismerge))
    if args.docs < 1 or args.queries < 1:
        parser.error("--docs and --queries must be positive")

    corpus = Corpus(7, 500)
    texts = [f"{article.title} {article.text}" for article in map(corpus.article, range(args.docs))]
    content = corpus.vocabulary[len(FUNCTION_WORDS):]  # by falling frequency (Zipf rank)
    common, rare = content[:2000], content[-20_000:]
    rng = random.Random(7)
    kinds = {
        "1 common word": [_quoted(rng.sample(common, 1)) for _ in range(args.queries)],
        "2 common words": [_quoted(rng.sample(common, 2)) for _ in range(args.queries)],
        "1 rare word": [_quoted(rng.sample(rare, 1)) for _ in range(args.queries)],
    }
    words = sum(len(text.split()) for text in texts) / len(texts)
    print(f"{args.docs:,} articles of {words:.0f} words on average, one commit each; settings automerge/crisismerge")
    with tempfile.TemporaryDirectory() as tmp:
        paths, grown = {}, {}
        for name, automerge, crisismerge in settings:
            paths[name] = Path(tmp) / f"fts-{automerge}-{crisismerge}.db"
            grown[name] = grow(paths[name], texts, automerge, crisismerge)
        print(f"{'setting':8} {'pages/article':>13} {'in the last tenth':>17} {'disk KB/article':>15} "
              f"{'ms/article':>10} {'slowest ms':>10} {'segments':>8}")
        for name, figures in grown.items():
            print(f"{name:8} {figures['pages']:13.1f} {figures['last_pages']:17.1f} {figures['disk_kb']:15.1f} "
                  f"{figures['ms']:10.2f} {figures['worst_ms']:10.1f} "
                  f"{figures['segments']:8d}")
        print(f"query latency, ms, median / p95 (settings in turn, {args.queries} queries of each kind):")
        print(f"{'setting':8} " + " ".join(f"{kind:>18}" for kind in kinds))
        latencies = {kind: query_latency(paths, queries) for kind, queries in kinds.items()}
        for name in paths:
            cells = []
            for kind in kinds:
                times = sorted(latencies[kind][name])
                cells.append(f"{statistics.median(times):8.2f} / {times[math.ceil(len(times) * 0.95) - 1]:7.2f}")
            print(f"{name:8} " + " ".join(f"{cell:>18}" for cell in cells))


if __name__ == "__main__":
    main()
