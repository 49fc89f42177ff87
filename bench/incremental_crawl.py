"""Incremental crawling: what three successive runs ask the mirror for.

    .venv/bin/python bench/incremental_crawl.py

Run 1 crawls the day-1 mirror into a fresh archive, run 2 crawls it again unchanged, run 3
crawls the "day 2" state (N new and M updated articles). For each run it prints the
requests by kind (robots, feed, sitemap, section, article, other) and how many were
answered 304, from the mirror's access log. Targets: run 2 makes zero article requests
and every feed and sitemap request is answered 304 (section pages carry no validators,
so they are fetched in full: reported, not hidden); run 3 makes exactly N + M article
requests.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from archive.demo.server import Mirror  # noqa: E402
from tests.support.mirrors import mirror_sources  # noqa: E402

KINDS = ("robots", "feed", "sitemap", "section", "article", "other")
DISALLOWED = {"tass": ("/search", "/preview/", "/n/", "/api", "/video/"), "newsru": ("/search/",)}


def crawl(mirror: Mirror, db: Path) -> int:
    args = [sys.executable, "-m", "archive", "crawl", "--quiet", "--db", str(db), "--config", str(mirror_sources(db.parent))]
    for name, url in mirror.base_urls.items():
        args += ["--base-url", f"{name}={url}"]
    return subprocess.run(args, cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=600).returncode


def requests_by_kind(mirror: Mirror) -> dict[str, tuple[int, int]]:
    """kind -> (requests, of which 304)."""
    total, not_modified = Counter(), Counter()
    for entry in mirror.access_log:
        total[entry.kind] += 1
        not_modified[entry.kind] += entry.status == 304
    return {kind: (total[kind], not_modified[kind]) for kind in KINDS}


def day2_changes(day1: dict, mirror: Mirror) -> tuple[set[str], set[str]]:
    """Article URLs new on day 2, and those whose modified time moved (robots-allowed only)."""
    day2 = {a.url: a for site in mirror.base_urls for a in mirror.articles(site) if not a.path.startswith(DISALLOWED[site])}
    new = {u for u, a in day2.items() if u not in day1 and a.is_article}
    updated = {u for u, a in day2.items() if u in day1 and a.modified != day1[u].modified}
    return new, updated


def main() -> int:
    rows = []
    with tempfile.TemporaryDirectory() as tmp, Mirror(state="day1") as mirror:
        db = Path(tmp) / "archive.db"
        day1 = {a.url: a for site in mirror.base_urls for a in mirror.articles(site)}
        runs = [("1 first", "day1"), ("2 unchanged", "day1"), ("3 day 2", "day2")]
        for label, state in runs:
            if state != mirror.state:
                mirror.set_state(state)
            mirror.clear_log()
            code = crawl(mirror, db)
            rows.append((label, code, requests_by_kind(mirror)))
        new, updated = day2_changes(day1, mirror)
    print(f"{'run':12} {'exit':>4}  " + "  ".join(f"{k:>12}" for k in KINDS))
    for label, code, counts in rows:
        cells = "  ".join(f"{n:>5} ({m:>3} 304)" if n else f"{'0':>12}" for n, m in (counts[k] for k in KINDS))
        print(f"{label:12} {code:>4}  {cells}")
    second, third = rows[1][2], rows[2][2]
    listings, listings_304 = (sum(second[k][i] for k in ("feed", "sitemap")) for i in (0, 1))
    print()
    print(f"unchanged run: {second['article'][0]} article requests (target 0); feeds+sitemaps answered 304: "
          f"{listings_304}/{listings} (target all); section pages fetched in full: {second['section'][0]} (no validators)")
    print(f"day 2: {len(new)} new + {len(updated)} updated = {len(new) + len(updated)} expected article requests; "
          f"made {third['article'][0]} (ratio {third['article'][0] / max(len(new) + len(updated), 1):.2f}, target 1.00)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
