"""Export speed and memory on a large synthetic archive, per format.

Run: .venv/bin/python bench/export.py [--size N] [--words W]

Fills a temporary archive with N synthetic Russian articles (see bench/search.py), then runs
`mfa-archive export` in a fresh process per format and prints wall time, rows per second,
output size and the process's peak memory (max RSS). Memory must not grow with the export:
the same export of a fifth of the rows (`--source tass`) is measured for comparison.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from archive.schema import open_archive  # noqa: E402


def _bench_search():
    """bench/search.py, for its devset loader and synthetic-archive builder."""
    spec = importlib.util.spec_from_file_location("bench_search", REPO / "bench" / "search.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# Runs the CLI, then reports the process's peak RSS. VmHWM, unlike getrusage's ru_maxrss,
# starts afresh at exec, so the parent's memory before the fork does not count.
_CHILD = """
import sys
from archive.cli import main
code = main(sys.argv[1:])
peak = next(line for line in open("/proc/self/status") if line.startswith("VmHWM"))
print(int(peak.split()[1]) * 1024)
sys.exit(code)
"""


def run_export(db: Path, out: Path, fmt: str, *extra: str) -> tuple[float, int]:
    """Seconds and peak RSS (bytes) of one `mfa-archive export` process."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    command = ["export", "--format", fmt, "--out", str(out), "--db", str(db), "--all", *extra]
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-c", _CHILD, *command], env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        sys.exit(f"export failed: {result.stderr.strip()}")
    return seconds, int(result.stdout.split()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1_000_000, help="synthetic articles (default 1,000,000)")
    parser.add_argument("--words", type=int, default=120, help="words per synthetic article (default 120)")
    args = parser.parse_args()
    bench = _bench_search()
    stories, _ = bench.load_devset()
    words, cumulative, _ = bench.word_distribution(stories)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "archive.db"
        db = open_archive(path)
        seconds = bench.fill_synthetic(db, bench.synthetic_rows(args.size, words, cumulative, args.words, random.Random(5)), index=False)
        db.conn.close()
        print(f"Synthetic archive: {args.size:,} articles x {args.words} words, {path.stat().st_size / 2**20:.0f} MB, built in {seconds:.0f} s")
        print(f"{'export':22} {'rows':>9} {'seconds':>8} {'rows/s':>8} {'file MB':>8} {'peak RSS MB':>11}")
        peaks = {}
        for label, fmt, extra, rows in [
            ("jsonl", "jsonl", (), args.size),
            ("csv", "csv", (), args.size),
            ("parquet", "parquet", (), args.size),
            ("jsonl, 1/5 (tass)", "jsonl", ("--source", "tass"), args.size // 5),
        ]:
            out = Path(tmp) / f"out-{label.split(',')[0]}{'-part' if extra else ''}.{fmt}"
            seconds, peak = run_export(path, out, fmt, *extra)
            peaks[label] = peak
            print(f"{label:22} {rows:9,} {seconds:8.1f} {rows / seconds:8,.0f} {out.stat().st_size / 2**20:8.0f} {peak / 2**20:11.0f}")
            out.unlink()
        ratio = peaks["jsonl"] / peaks["jsonl, 1/5 (tass)"]
        print(f"peak memory, all rows / a fifth of them (jsonl): x{ratio:.2f} (constant memory means about 1)")


if __name__ == "__main__":
    main()
