"""Crawl throughput: the whole pipeline against bare trafilatura on the same pages.

Crawls a local mirror with N generated article pages (politeness delays are off because
every source is on loopback), then times bare `trafilatura.extract` over the same HTML,
in the same run. The target is a ratio of at least 0.8: discovery, fetching, storing,
classifying, dedup and indexing add no more than a quarter to extraction's cost.

Besides the wall-clock ratio (how fast an archive fills) it prints the CPU-time ratio (what the
crawl costs, its process and any child processes it waited for, against bare extraction), which
stays comparable should the crawl ever use more than one core.

    .venv/bin/python bench/crawl_throughput.py [--pages 2000]
"""

from __future__ import annotations

import argparse
import re
import resource
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import trafilatura  # noqa: E402

from archive.config import DEFAULT_SOURCES, load_config  # noqa: E402
from archive.crawl import run_crawl  # noqa: E402
from archive.rawstore import load_raw  # noqa: E402
from archive.store import open_archive  # noqa: E402


def bench_config(tmp: Path) -> Path:
    """The default sources file, reading every child sitemap (generated pages sit in old ones)."""
    text = re.sub(r"max_child_sitemaps = \d+", "max_child_sitemaps = 50", DEFAULT_SOURCES.read_text(encoding="utf-8"))
    path = tmp / "sources.toml"
    path.write_text(text, encoding="utf-8")
    return path


def cpu_seconds() -> float:
    """User + system CPU time of this process and of its children that have been waited for."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


@contextmanager
def mirror_process(pages: int):
    """The mirror in its own process, so serving pages does not compete for this one's GIL."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "archive.mirror", "--generated", str(pages)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        base_urls = {}
        while len(base_urls) < 2:
            site, _, url = proc.stdout.readline().strip().partition(": ")
            base_urls[site] = url
        yield base_urls
    finally:
        proc.terminate()
        proc.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=2000, help="generated article pages in the mirror")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="mfa-bench-"))
    with mirror_process(args.pages) as base_urls:
        config = load_config(bench_config(tmp), base_urls)
        db_path = tmp / "archive.db"
        started, started_cpu = time.perf_counter(), cpu_seconds()
        # The mirror process is still running here, so its CPU time is not counted.
        report = run_crawl(config, config.select(None), str(db_path))
        crawl_s, crawl_cpu = time.perf_counter() - started, cpu_seconds() - started_cpu
    db = open_archive(db_path, create=False)
    raw_ids = [r for (r,) in db.execute("SELECT id FROM raw_pages")]
    pages = [load_raw(db, raw_id) for raw_id in raw_ids]
    stored = db.execute("SELECT count(*) FROM articles").fetchone()[0]
    started, started_cpu = time.perf_counter(), cpu_seconds()
    for html in pages:
        trafilatura.extract(html.decode("utf-8", "replace"))
    bare_s, bare_cpu = time.perf_counter() - started, cpu_seconds() - started_cpu
    html_mb = sum(len(p) for p in pages) / 1e6
    crawl_rate = len(pages) / crawl_s
    bare_rate = len(pages) / bare_s
    for rep in report.sources.values():
        print(rep.summary())
    print(f"article pages fetched: {len(pages)} ({html_mb:.1f} MB of HTML), articles stored: {stored}")
    print(f"crawl wall time {crawl_s:.1f} s (from the crawl call, interpreter start excluded); bare {bare_s:.1f} s")
    print(f"crawl CPU time {crawl_cpu:.1f} s (crawl process and its children); bare {bare_cpu:.1f} s")
    print(f"whole pipeline (discover, fetch, extract, classify, dedup, store, index): {crawl_rate:8.1f} pages/s")
    print(f"bare trafilatura.extract on the same HTML:                              {bare_rate:8.1f} pages/s")
    print(f"ratio pipeline / bare extraction, wall clock: {crawl_rate / bare_rate:.2f} (target >= 0.80)")
    print(f"ratio pipeline / bare extraction, CPU time:   {bare_cpu / crawl_cpu:.2f} (pages per CPU second)")


if __name__ == "__main__":
    main()
