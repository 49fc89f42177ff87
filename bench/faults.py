"""Faults and crashes: every hostile case of the mirror, then 20 SIGKILLs of a crawl.

    .venv/bin/python bench/faults.py [--kills 20] [--seed 1] [--generated 800]

Prints one table: case, expected outcome, observed outcome, articles lost, articles
duplicated. Targets: every case as expected, 0 lost, 0 duplicated. Also prints the hostile
crawl's peak memory against a plain crawl's, as a ratio, and whether the crawl ever
connected to the trap on 127.0.0.2.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.support.mirrors import make_mirror  # noqa: E402
from tests.support.hostile import CASES, TRAP_HOST, mirror_config, observed_outcome  # noqa: E402
from tests.test_crashes import crash_series  # noqa: E402
from tests.test_hostile import DISALLOWED, Trap, run_measured  # noqa: E402


def hostile_rows(work: Path) -> tuple[list[tuple], dict]:
    """Crawl the hostile mirror once; a row per case plus one for the ordinary articles."""
    db = work / "hostile.db"
    with make_mirror(state="day1", hostile=True) as mirror:
        trap = Trap(TRAP_HOST, urlsplit(mirror.base_urls["newsru"]).port)
        started = time.monotonic()
        try:
            result = run_measured("crawl", "--db", str(db), "--config", str(mirror_config(mirror.base_urls, work / "h.toml")), cwd=work)
        finally:
            trap.close()
        elapsed = time.monotonic() - started
        log = mirror.access_log
        conn = sqlite3.connect(db)
        rows = []
        for case in CASES:
            observed = observed_outcome(conn, log, mirror.base_urls, case)
            lost = int(case.expected == "archived" and observed != "archived")
            copies = conn.execute("SELECT count(*) FROM articles WHERE url = ?", [case.url(mirror.base_urls)]).fetchone()[0]
            rows.append((case.name, case.expected, observed, lost, max(copies - 1, 0)))
        hostile_urls = {c.url(mirror.base_urls) for c in CASES}
        ordinary = {
            a.url for site in mirror.base_urls for a in mirror.articles(site)
            if a.is_article and not a.path.startswith(DISALLOWED[site]) and a.url not in hostile_urls
        }
        archived = {u for (u,) in conn.execute("SELECT url FROM articles")}
        total, distinct = conn.execute("SELECT count(*), count(DISTINCT url) FROM articles").fetchone()
        rows.append((f"ordinary articles ({len(ordinary)})", "all archived", f"{len(ordinary & archived)} archived",
                     len(ordinary - archived), total - distinct))
        plain_db = work / "plain.db"
        plain = run_measured("crawl", "--db", str(plain_db), "--config",
                             str(mirror_config(mirror.base_urls, work / "p.toml", hostile=False)), cwd=work)
    figures = {
        "exit": result.returncode, "seconds": elapsed, "trap_connections": len(trap.connections),
        "peak_rss": result.peak_rss, "plain_peak_rss": plain.peak_rss,
    }
    return rows, figures


def crash_rows(work: Path, kills: int, seed: int, generated: int) -> tuple[list[tuple], list]:
    series = crash_series(work, kills, seed, generated)
    sound = sum(not k.problems for k in series.kills)
    writing = sum(k.writing for k in series.kills)
    row = (
        f"SIGKILL x{len(series.kills)}",
        "sound after each kill; next run completes the set",
        f"{sound}/{len(series.kills)} sound ({writing} during writes); final "
        + ("= reference" if not (series.lost or series.extra or series.differing or series.final_problems) else "DIFFERS")
        + f" ({len(series.reference)} articles)",
        len(series.lost), series.duplicated,
    )
    return [row], series.kills


def print_table(rows: list[tuple]) -> None:
    header = ("case", "expected", "observed", "lost", "duplicated")
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(5)]
    for row in [header, tuple("-" * w for w in widths), *rows]:
        print("  ".join(str(v).ljust(w) for v, w in zip(row, widths)))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    # Enough pages that 20 interrupted runs do not finish the archive before the last kill.
    parser.add_argument("--generated", type=int, default=800)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        hostile, figures = hostile_rows(work)
        (work / "crash").mkdir()
        crashes, kills = crash_rows(work / "crash", args.kills, args.seed, args.generated)
    rows = hostile + crashes
    print_table(rows)
    as_expected = sum(r[1] == r[2] for r in hostile[:-1])
    print()
    print(f"hostile cases as expected: {as_expected}/{len(CASES)}; articles lost: {sum(r[3] for r in rows)}; "
          f"duplicated: {sum(r[4] for r in rows)}")
    print(f"hostile crawl: exit {figures['exit']}, {figures['seconds']:.1f} s, connections to {TRAP_HOST}: "
          f"{figures['trap_connections']}")
    print(f"peak RSS: hostile crawl {figures['peak_rss'] >> 20} MiB, plain crawl {figures['plain_peak_rss'] >> 20} MiB "
          f"(ratio {figures['peak_rss'] / figures['plain_peak_rss']:.2f})")
    print()
    print("kills: mode, seconds after start, articles before -> after, write in progress, problems")
    for kill in kills:
        print(f"  {kill.mode:17} {kill.after_s:5.2f} s  {kill.articles_before:4} -> {kill.articles_after:4}  "
              f"{'writing' if kill.writing else 'idle   '}  {kill.problems or 'none'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
