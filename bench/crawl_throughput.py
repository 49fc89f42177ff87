"""Crawl throughput: the whole pipeline against bare trafilatura on the same pages.

Crawls a local mirror with N generated article pages (politeness delays are off because
every source is on loopback), then times bare `trafilatura.extract` over the same HTML,
in the same run. The target is a ratio of at least 0.8: discovery, fetching, storing,
classifying, dedup and indexing add no more than a quarter to extraction's cost.

It also crawls the same mirror once more with the item pipeline replaced by one that drops each
page (in a child process: Scrapy's reactor runs once per process). That run costs what Scrapy
costs to discover and fetch, and bounds what any pipeline built on it can reach: a single-process
crawl that also extracts cannot beat bare / (fetch-only + bare). Nor can any crawl that spreads this
pipeline's CPU time over the machine's cores beat cores x the CPU-time ratio.

Besides the wall-clock ratio (how fast an archive fills) it prints the CPU-time ratio (what the
crawl costs, its process and any child processes it waited for, against bare extraction), which
stays comparable should the crawl ever use more than one core, and the per-article time of the
link and index stages: dedup and stories (`archive.link.linking.link`) and the lemma index
(`archive.search.index.index_pending`), as the pipeline calls them.

    .venv/bin/python bench/crawl_throughput.py [--pages 2000]

With `--baseline PATH` (a checkout of another commit, e.g. `git worktree add /tmp/base HEAD~5`)
it instead measures what a change costs: the baseline's code and this checkout's crawl the same
mirror (this checkout's) for the sources both know, each in its own process, alternating for
`--rounds` rounds, and it prints each one's CPU time per article and the ratio of the medians.

    .venv/bin/python bench/crawl_throughput.py --pages 1000 --baseline /tmp/base --rounds 5
"""

from __future__ import annotations

import argparse
import json
import os
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

# Imported before the clock starts, as the crawl's own modules are: creating the archive imports
# sqlite-utils (and with it numpy and pandas) on first use, which is not the pipeline's cost.
import sqlite_utils  # noqa: E402, F401
import trafilatura  # noqa: E402

import archive.pipeline as pipeline  # noqa: E402
import crawler.run  # noqa: E402
from archive.config import load_config  # noqa: E402
from tests.support.mirrors import MIRROR_FIRST_RUN_DAYS, mirror_sources_text  # noqa: E402
from archive.demo.model import SITES  # noqa: E402
from archive.schema import open_archive  # noqa: E402
from archive.store.rawpages import load_raw  # noqa: E402
from crawler.run import run_crawl  # noqa: E402


def bench_config(tmp: Path) -> Path:
    """The mirror's sources file (tests.support.mirrors), reading every child sitemap (generated
    pages sit in old ones)."""
    text = re.sub(r"max_child_sitemaps = \d+", "max_child_sitemaps = 50", mirror_sources_text())
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
        [sys.executable, "-m", "tests.support.serve_mirror", "--generated", str(pages)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        base_urls = {}
        while len(base_urls) < len(SITES):
            site, _, url = proc.stdout.readline().strip().partition(": ")
            base_urls[site] = url
        yield base_urls
    finally:
        proc.terminate()
        proc.wait()


class DiscardPipeline:
    """The fetch-only run's item pipeline: the page is dropped as soon as Scrapy hands it over."""

    def __init__(self, crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler) -> "DiscardPipeline":
        return cls(crawler)

    def process_item(self, page):
        self.crawler.spider.report.source(page.source).stored("new")
        return page


def fetch_only(config_path: Path, base_urls: dict[str, str], db_path: Path) -> None:
    """Crawl with DiscardPipeline and print {pages, seconds, cpu} as JSON (runs in a child process)."""
    project_settings = crawler.run.scrapy_settings

    def discarding_settings(config, sources):
        settings = project_settings(config, sources)
        settings.set("ITEM_PIPELINES", {f"{__name__}.DiscardPipeline": 300}, priority="cmdline")
        return settings

    crawler.run.scrapy_settings = discarding_settings
    config = load_config(config_path, base_urls)
    started, started_cpu = time.perf_counter(), cpu_seconds()
    report = run_crawl(config, config.select(None), str(db_path))
    seconds, cpu = time.perf_counter() - started, cpu_seconds() - started_cpu
    pages = sum(rep.new for rep in report.sources.values())
    print(json.dumps({"pages": pages, "seconds": seconds, "cpu": cpu}))


def run_fetch_only(config_path: Path, base_urls: dict[str, str], db_path: Path) -> dict:
    child = subprocess.run(
        [sys.executable, __file__, "--fetch-only-child", json.dumps([str(config_path), base_urls, str(db_path)])],
        cwd=REPO, capture_output=True, text=True, check=True,
    )
    return json.loads(child.stdout.strip().splitlines()[-1])


@contextmanager
def stage_timer(names: list[str], totals: dict[str, float]):
    """Add the wall time and the CPU time (of this process: on a shared machine the steadier
    figure) spent in each `archive.pipeline.<name>`, as the pipeline looks them up, to
    totals[name] and totals[name + " cpu"]."""
    originals = {name: getattr(pipeline, name) for name in names}

    def wrap(name, function):
        def timed_call(*args, **kwargs):
            started, started_cpu = time.perf_counter(), time.process_time()
            try:
                return function(*args, **kwargs)
            finally:
                totals[name] = totals.get(name, 0.0) + time.perf_counter() - started
                totals[name + " cpu"] = totals.get(name + " cpu", 0.0) + time.process_time() - started_cpu
        return timed_call

    for name, function in originals.items():
        setattr(pipeline, name, wrap(name, function))
    try:
        yield
    finally:
        for name, function in originals.items():
            setattr(pipeline, name, function)


# A crawl of some sources by the code of `repo`, in a child process that prints its own CPU time.
_CRAWL_CHILD = """
import json, resource, sys, time
sys.path.insert(0, sys.argv[1])
from archive.config import load_config
from crawler.run import run_crawl
config_path, base_urls, db_path, names = json.loads(sys.argv[2])
config = load_config(config_path, {n: base_urls[n] for n in names})
def cpu():
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime
started = cpu()
report = run_crawl(config, config.select(names), db_path)
print(json.dumps({"pages": sum(r.new + r.updated + r.unchanged + r.extraction_failed for r in report.sources.values()),
                  "cpu": cpu() - started}))
"""


def crawl_child(repo: Path, config_path: Path, base_urls: dict[str, str], db_path: Path, names: list[str]) -> dict:
    child = subprocess.run(
        [sys.executable, "-c", _CRAWL_CHILD, str(repo), json.dumps([str(config_path), base_urls, str(db_path), names])],
        cwd=repo, capture_output=True, text=True, check=True, env={**os.environ, "PYTHONPATH": str(repo)},
    )
    return json.loads(child.stdout.strip().splitlines()[-1])


def compare(baseline: Path, pages: int, rounds: int) -> None:
    """CPU time per article of the baseline's code and this checkout's, on the same mirror and sources."""
    import statistics

    tmp = Path(tempfile.mkdtemp(prefix="mfa-bench-"))
    known = re.findall(r"^\[sources\.(\w+)\]", (baseline / "settings" / "sources.toml").read_text(encoding="utf-8"), re.M)
    results: dict[str, list[float]] = {"baseline": [], "this checkout": []}
    with mirror_process(pages) as base_urls:
        names = [n for n in known if n in base_urls]
        for number in range(rounds):
            for label, repo in (("baseline", baseline), ("this checkout", REPO)):
                config = repo / "settings" / "sources.toml"
                text = re.sub(r"max_child_sitemaps = \d+", "max_child_sitemaps = 50", config.read_text(encoding="utf-8"))
                # The mirror's pages are months old: read its whole sitemaps, as mirror_sources_text() does.
                text = re.sub(r"\nfirst_run_days = \d+\n", f"\nfirst_run_days = {MIRROR_FIRST_RUN_DAYS}\n", text)
                config_path = tmp / f"{label.replace(' ', '-')}-{number}.toml"
                config_path.write_text(text, encoding="utf-8")
                run = crawl_child(repo, config_path, base_urls, tmp / f"{label.replace(' ', '-')}-{number}.db", names)
                per_article = run["cpu"] / run["pages"] * 1000
                results[label].append(per_article)
                print(f"round {number + 1} {label:14} {run['pages']} pages, {per_article:.2f} ms CPU per article", flush=True)
    base, this = (statistics.median(results[k]) for k in ("baseline", "this checkout"))
    print(f"sources {', '.join(names)}; median CPU per article: baseline {base:.2f} ms, this checkout {this:.2f} ms; "
          f"ratio {this / base:.3f} ({(this / base - 1) * 100:+.1f}%)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=2000, help="generated article pages in the mirror")
    parser.add_argument("--baseline", type=Path, help="a checkout of another commit: compare its crawl's cost with this one's")
    parser.add_argument("--rounds", type=int, default=5, help="alternating rounds of the comparison")
    parser.add_argument("--fetch-only-child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.baseline:
        if not (args.baseline / "crawler" / "run.py").is_file():
            parser.error(f"--baseline {args.baseline} is not a checkout of this project")
        compare(args.baseline.resolve(), args.pages, args.rounds)
        return
    if args.fetch_only_child:
        config_path, base_urls, db_path = json.loads(args.fetch_only_child)
        fetch_only(Path(config_path), base_urls, Path(db_path))
        return
    tmp = Path(tempfile.mkdtemp(prefix="mfa-bench-"))
    with mirror_process(args.pages) as base_urls:
        floor = run_fetch_only(bench_config(tmp), base_urls, tmp / "fetch-only.db")
        config = load_config(bench_config(tmp), base_urls)
        db_path = tmp / "archive.db"
        started, started_cpu = time.perf_counter(), cpu_seconds()
        stages: dict[str, float] = {}
        # The mirror process is still running here, so its CPU time is not counted.
        with stage_timer(["link", "index_pending"], stages):
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
    for kind, suffix in (("wall", ""), ("CPU", " cpu")):
        link_ms, lemma_ms = (stages.get(name + suffix, 0.0) / max(1, stored) * 1000 for name in ("link", "index_pending"))
        print(f"link and index stages per stored article, {kind}: dedup+stories {link_ms:.2f} ms, "
              f"lemma index {lemma_ms:.2f} ms, together {link_ms + lemma_ms:.2f} ms")
    print(f"ratio pipeline / bare extraction, CPU time:   {bare_cpu / crawl_cpu:.2f} (pages per CPU second)")
    fetch_ms, bare_ms = floor["seconds"] / floor["pages"] * 1000, bare_s / len(pages) * 1000
    print(f"fetch only (Scrapy, pages dropped): {floor['pages']} pages, {fetch_ms:.2f} ms/page wall, "
          f"{floor['cpu'] / floor['pages'] * 1000:.2f} ms/page CPU; bare extraction {bare_ms:.2f} ms/page")
    print(f"bound for one process that fetches and extracts: ratio <= {bare_ms / (fetch_ms + bare_ms):.2f}")
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    print(f"bound for this pipeline's CPU time spread perfectly over this machine's {cores} cores: "
          f"ratio <= {cores * bare_cpu / crawl_cpu:.2f}")


if __name__ == "__main__":
    main()
