"""Backfill throughput: `mfa-archive ingest FILE.warc.gz` with 1 and 2 jobs against bare
trafilatura, on the same records, in one run.

Builds a CC-NEWS-style WARC (a warcinfo record, then a request and a response record per
page, each record its own gzip member, in capture order) of PAGES synthetic mirror-style
article pages (tests/support/generated.py, rendered as tass.ru and news.ru serve them), then:

1. `mfa-archive ingest` with `--jobs 1` (everything in one process) and `--jobs 2` (two
   extraction workers and the writer), each into a fresh archive, every stage on (extraction,
   relevance, reprints, stories, lemma index, raw store), timed from the command's start to
   its exit;
2. bare `trafilatura.extract` over the same response payloads in this process;
3. `--jobs 2` on two WARCs with the same quarter of the pages: one capture each, and four
   captures each (the later three read, decoded, checked and skipped as already archived),
   so the second file is four times the first and the archive the same: their peak memory
   shows whether memory grows with the file. The full run's peak against these shows what
   grows with the archive instead (per-process caches, each with a cap).

Memory is the peak, sampled every 50 ms, of the proportional set size (PSS) summed over the
ingest process and its workers (forked workers share pages with their parent; PSS counts a
shared page once in the total).

The build machines are shared: bare extraction runs before the ingests, before the first
`--jobs 2` run and after each one, and the table compares against the fastest bare run (which can only lower
the ratios). With --rounds N, `--jobs 2` runs N times, each between two bare runs, and each
round's ratio is taken against the mean of the two bare runs beside it; their median is the
figure least moved by the machine's drift. CPU time per page
(the command and its workers), the cores each run used on average (CPU / wall) and the load
average are printed beside the wall times, to tell the pipeline's cost from the machine's
noise: with two cores to itself, --jobs 2 can reach at most 2 x bare CPU / its CPU a page.

    .venv/bin/python bench/backfill.py [--pages 5000] [--rounds 3]

Target: `--jobs 2` at least 0.5x the pages/s of bare single-process extraction, memory flat
in the size of the WARC.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import trafilatura  # noqa: E402

from archive.fetch.warc import parse_http_response, read_warc  # noqa: E402
from archive.link.caches import MAX_CACHED_DOCS  # noqa: E402
from tests.support.warcs import WarcBuilder, article_pages  # noqa: E402


def build_warc(path: Path, pages, captures: int = 1) -> int:
    """A CC-NEWS-style WARC of `pages`, each captured `captures` times an hour apart; returns
    the file's size."""
    builder = WarcBuilder()
    builder.warcinfo(pages[0].captured)
    for capture in range(captures):
        for page in pages:
            when = page.captured + timedelta(hours=capture)
            builder.request(page.url, when)
            builder.response(page.url, page.body, when,
                             headers=[("Content-Type", page.content_type), ("Content-Length", str(len(page.body)))])
    builder.write(path)
    return path.stat().st_size


def _pss_kb(pid: int) -> int:
    """PSS of one process in kB (0 once it is gone)."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as handle:
            for line in handle:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _tree(pid: int) -> list[int]:
    pids, todo = [], [pid]
    while todo:
        current = todo.pop()
        pids.append(current)
        try:
            with open(f"/proc/{current}/task/{current}/children") as handle:
                todo += [int(child) for child in handle.read().split()]
        except OSError:
            pass
    return pids


def run_ingest(warc: Path, db: Path, jobs: int) -> dict:
    """Run the real command; its wall time and the peak PSS of its process tree."""
    peak = [0]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "archive", "ingest", str(warc), "--db", str(db), "--jobs", str(jobs)],
                            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": str(REPO)})

    def sample() -> None:
        while proc.poll() is None:
            peak[0] = max(peak[0], sum(_pss_kb(pid) for pid in _tree(proc.pid)))
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = proc.communicate()
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)  # the command and its workers, all waited for
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    sampler.join()
    if proc.returncode != 0:
        raise SystemExit(f"ingest --jobs {jobs} failed ({proc.returncode}): {err.strip()[-500:]}")
    conn = sqlite3.connect(db)
    articles = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    stories = conn.execute("SELECT count(*) FROM stories").fetchone()[0]
    reprints = conn.execute("SELECT count(*) FROM articles WHERE reprint_of IS NOT NULL").fetchone()[0]
    lemma_rows = conn.execute("SELECT count(*) FROM articles_morph").fetchone()[0]
    raw = conn.execute("SELECT count(*) FROM raw_pages").fetchone()[0]
    conn.close()
    return {"seconds": seconds, "cpu": cpu, "peak_mb": peak[0] / 1024, "articles": articles, "stories": stories,
            "reprints": reprints, "lemma_rows": lemma_rows, "raw_pages": raw, "out": out.strip()}


def payloads(warc: Path) -> list[bytes]:
    bodies = []
    for record in read_warc(warc, lambda r: r.kind == "response", max_block_bytes=20 << 20, on_problem=print):
        if record.kind == "response":
            bodies.append(parse_http_response(record.block).payload)
    return bodies


def bare_extraction(bodies: list[bytes]) -> tuple[float, float]:
    """Bare trafilatura.extract over the payloads in this process: (wall, CPU) seconds."""
    started, started_cpu = time.perf_counter(), time.process_time()
    for body in bodies:
        trafilatura.extract(body.decode("utf-8", "replace"))
    return time.perf_counter() - started, time.process_time() - started_cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=5000, help="article pages in the WARC (default 5000)")
    parser.add_argument("--rounds", type=int, default=1,
                        help="--jobs 2 runs, each between two bare runs; the ratio is also given per round, "
                             "against the mean of the bare runs beside it, and as their median (default 1)")
    args = parser.parse_args()
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    tmp = Path(tempfile.mkdtemp(prefix="mfa-backfill-"))
    started = time.perf_counter()
    pages = article_pages(generated=args.pages, curated=False)
    full, quarter, repeated = tmp / "full.warc.gz", tmp / "quarter.warc.gz", tmp / "quarter-4x.warc.gz"
    size = build_warc(full, pages)
    quarter_size = build_warc(quarter, pages[: len(pages) // 4])
    repeated_size = build_warc(repeated, pages[: len(pages) // 4], captures=4)
    print(f"WARC: {len(pages):,} article pages, {size / 1e6:.1f} MB gzipped; for the memory check "
          f"{len(pages) // 4:,} of them, {quarter_size / 1e6:.1f} MB, and the same captured 4 times, "
          f"{repeated_size / 1e6:.1f} MB; built in {time.perf_counter() - started:.0f} s")
    bodies = payloads(full)
    bare_runs = [bare_extraction(bodies)]
    load_before = os.getloadavg()[0]
    results = {1: run_ingest(full, tmp / "jobs1.db", 1)}
    bare_runs.append(bare_extraction(bodies))  # right before the first --jobs 2 run
    # Each --jobs 2 run sits between two bare runs, so a round's ratio compares runs minutes apart:
    # on a shared machine the speed of both drifts by tens of percent within a quarter of an hour.
    rounds = []
    for round_ in range(args.rounds):
        result = run_ingest(full, tmp / f"jobs2-{round_}.db", 2)
        bare_runs.append(bare_extraction(bodies))
        rounds.append((len(pages) / result["seconds"], len(bodies) / bare_runs[-2][0], len(bodies) / bare_runs[-1][0]))
        if round_ == 0:
            results[2] = result
        else:
            (tmp / f"jobs2-{round_}.db").unlink()
    small = run_ingest(quarter, tmp / "quarter.db", 2)
    small_repeated = run_ingest(repeated, tmp / "quarter-4x.db", 2)
    load_after = os.getloadavg()[0]
    bare_seconds, bare_cpu = min(bare_runs)
    bare_rate = len(bodies) / bare_seconds
    for jobs, result in results.items():
        print(f"--jobs {jobs}: " + " | ".join(result["out"].splitlines()[1:]))
        print(f"--jobs {jobs}: {result['articles']:,} articles, {result['raw_pages']:,} raw pages, "
              f"{result['lemma_rows']:,} in the lemma index, {result['stories']:,} stories, "
              f"{result['reprints']:,} reprints")
    same = all(results[1][k] == results[2][k] for k in ("articles", "stories", "reprints", "lemma_rows", "raw_pages"))
    print(f"the two archives have the same counts: {same}")
    print(f"load average (1 min) {load_before:.1f} before the ingests, {load_after:.1f} after; "
          f"bare runs {', '.join(f'{len(bodies) / w:.0f}' for w, _ in bare_runs)} pages/s")
    print(f"{'':<36}{'pages/s':>9}{'ratio to bare':>15}{'CPU ms/page':>13}{'cores used':>12}{'peak PSS':>11}")
    for jobs, result in results.items():
        rate = len(pages) / result["seconds"]
        print(f"{f'ingest --jobs {jobs} (the command, wall)':<36}{rate:>9.1f}{rate / bare_rate:>15.2f}"
              f"{result['cpu'] / len(pages) * 1000:>13.2f}{result['cpu'] / result['seconds']:>12.2f}"
              f"{result['peak_mb']:>8.0f} MB")
    print(f"{'bare trafilatura.extract, 1 process':<36}{bare_rate:>9.1f}{1:>15.2f}{bare_cpu / len(bodies) * 1000:>13.2f}"
          f"{bare_cpu / bare_seconds:>12.2f}")
    best = 2 * bare_cpu / len(bodies) / (results[2]["cpu"] / len(pages))
    print(f"with two cores to itself, --jobs 2 could reach at most {best:.2f}x bare (2 x bare CPU / its CPU a page)")
    paired = [rate / ((before + after) / 2) for rate, before, after in rounds]
    for number, ((rate, before, after), ratio) in enumerate(zip(rounds, paired), 1):
        print(f"round {number}: --jobs 2 {rate:.1f} pages/s between bare runs of {before:.0f} and {after:.0f} "
              f"pages/s: {ratio:.2f}x")
    print(f"--jobs 2 against --jobs 1: {results[1]['seconds'] / results[2]['seconds']:.2f}x the pages/s; "
          f"target --jobs 2 >= 0.50x bare: {len(pages) / results[2]['seconds'] / bare_rate:.2f} against the "
          f"fastest bare run, {statistics.median(paired):.2f} the median of {len(paired)} round(s) against "
          f"the bare runs beside each")
    print(f"peak PSS of --jobs 2, the same {small['articles']:,} articles: {small['peak_mb']:.0f} MB from "
          f"{quarter_size / 1e6:.1f} MB of WARC, {small_repeated['peak_mb']:.0f} MB from {repeated_size / 1e6:.1f} MB "
          f"(4 captures each; {small_repeated['articles']:,} articles)")
    print(f"peak PSS of --jobs 2 with {results[2]['articles']:,} articles ({size / 1e6:.1f} MB of WARC): "
          f"{results[2]['peak_mb']:.0f} MB (per-process caches filling; the link window holds up to "
          f"{MAX_CACHED_DOCS:,} articles' features)")


if __name__ == "__main__":
    main()
