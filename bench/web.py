"""The search page of `mfa-archive serve` against the CLI's engine, on a large synthetic archive.

Run: .venv/bin/python bench/web.py --archive PATH [--size N] [--per-size Q]

Uses (or first builds, with bench/search.py's generator: devset word frequencies, about 9
minutes for a million articles) the synthetic archive at PATH, then times in one process, for
the same 1-, 2- and 3-word queries of common words, alternating which goes first:

- cli: what `mfa-archive search QUERY` does: engine.search(limit=20), then count_matches
  when the page is full (to print "20 of N");
- web: GET /?q=QUERY through Datasette's own ASGI app in this process (routing, permission
  checks, the same engine on Datasette's read-only connection in its SQL thread, the count,
  the template): the server's side of a request, without a network in between.

Targets (issue 15): web median under 50 ms and p95 under 200 ms. The first pass over a
freshly built or copied archive reads it from disk; the figures are after one warm-up pass.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import random
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import quote

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from archive.schema import open_archive  # noqa: E402
from archive.search.engine import count_matches, search  # noqa: E402
from archive.web.pages import PAGE_SIZE  # noqa: E402
from archive.web.server import make_datasette  # noqa: E402


def _bench_search():
    """bench/search.py as a module: its devset loader and synthetic archive builder."""
    spec = importlib.util.spec_from_file_location("bench_search", REPO / "bench" / "search.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def build_or_reuse(path: Path, size: int) -> tuple[list[str], str]:
    """The common query words, and how the archive came to be."""
    bench = _bench_search()
    stories, _ = bench.load_devset()
    words, cumulative, common = bench.word_distribution(stories)
    if path.exists():
        return common, f"reused {path}"
    db = open_archive(path)
    seconds = bench.fill_synthetic(db, bench.synthetic_rows(size, words, cumulative, 120, random.Random(5)))
    db.close()
    return common, f"built {path} in {seconds:.0f} s"


def cli_search(db, query: str) -> list[int]:
    hits = search(db, query, limit=PAGE_SIZE)
    if len(hits) == PAGE_SIZE:
        count_matches(db, query)
    return [hit.id for hit in hits]


async def measure(path: Path, queries: list[str]) -> tuple[dict[str, list[float]], int]:
    datasette = make_datasette(path, public=False)
    await datasette.invoke_startup()
    db = open_archive(path, read_only=True)
    times: dict[str, list[float]] = {"cli": [], "web": []}
    mismatches = 0

    async def web(query: str) -> float:
        started = time.perf_counter()
        response = await datasette.client.get("/?q=" + quote(query))
        elapsed = (time.perf_counter() - started) * 1000
        assert response.status_code == 200, response.text[:200]
        return elapsed

    def cli(query: str) -> float:
        started = time.perf_counter()
        cli_search(db, query)
        return (time.perf_counter() - started) * 1000

    for query in queries[:20]:  # warm-up: the first touches of a cold file are disk reads
        cli(query)
        await web(query)
    for n, query in enumerate(queries):
        if n % 2:
            times["cli"].append(cli(query))
            times["web"].append(await web(query))
        else:
            times["web"].append(await web(query))
            times["cli"].append(cli(query))
        if n % 25 == 0:  # the page shows what the CLI finds
            found = (await datasette.client.get("/-/search.json?q=" + quote(query))).json()["hits"]
            mismatches += [hit["id"] for hit in found] != cli_search(db, query)
    db.close()
    return times, mismatches


def summary(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    return statistics.median(ordered), ordered[max(0, int(len(ordered) * 0.95) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--archive", type=Path, required=True, help="the synthetic archive (built there if missing)")
    parser.add_argument("--size", type=int, default=1_000_000, help="articles when building (default 1,000,000)")
    parser.add_argument("--per-size", type=int, default=100, help="queries of each length (default 100)")
    args = parser.parse_args()
    common, origin = build_or_reuse(args.archive, args.size)
    db = open_archive(args.archive, read_only=True)
    size = db.execute("SELECT max(id) FROM articles").fetchone()[0]
    db.close()
    rng = random.Random(7)
    by_length = {n: [" ".join(rng.sample(common, n)) for _ in range(args.per_size)] for n in (1, 2, 3)}
    queries = [q for n in (1, 2, 3) for q in by_length[n]]
    rng.shuffle(queries)
    times, mismatches = asyncio.run(measure(args.archive, queries))
    print(f"Archive: {size:,} articles ({origin}); {len(queries)} queries, 1-3 common words, {PAGE_SIZE} hits a page")
    print(f"{'':6} {'median ms':>9} {'p95 ms':>7}   (web targets: median < 50, p95 < 200)")
    for name in ("cli", "web"):
        median, p95 = summary(times[name])
        print(f"{name:6} {median:9.1f} {p95:7.1f}")
    lengths = {q: len(q.split()) for q in queries}
    for n in (1, 2, 3):
        picked = [i for i, q in enumerate(queries) if lengths[q] == n]
        cli_m, cli_p = summary([times["cli"][i] for i in picked])
        web_m, web_p = summary([times["web"][i] for i in picked])
        print(f"  {n}-word: cli {cli_m:.1f} / {cli_p:.1f}, web {web_m:.1f} / {web_p:.1f} (median / p95 ms)")
    print(f"pages that differ from the CLI's hits: {mismatches} of {len(range(0, len(queries), 25))} checked")


if __name__ == "__main__":
    main()
