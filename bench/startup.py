"""Start-up: `mfa-archive --help` against `python -c pass`, alternating, in one run.

The target (the architecture issue) is at most 4x: the CLI imports only argparse-level code
until a command runs, and no command's module imports sqlite-utils, numpy, pandas or pyarrow
at the top (tests/test_architecture.py checks the imports themselves).

    .venv/bin/python bench/startup.py [--runs 30]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

TARGET = 4.0


def _wall(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=30, help="runs of each command (default 30)")
    args = parser.parse_args()
    if args.runs < 3:
        parser.error("--runs must be at least 3")
    cli = str(Path(sys.executable).parent / "mfa-archive")
    commands = {"mfa-archive --help": [cli, "--help"], "python -c pass": [sys.executable, "-c", "pass"]}
    for command in commands.values():  # warm the page cache
        _wall(command)
    times: dict[str, list[float]] = {name: [] for name in commands}
    ratios = []
    for _ in range(args.runs):
        pair = {name: _wall(command) for name, command in commands.items()}
        for name, seconds in pair.items():
            times[name].append(seconds)
        ratios.append(pair["mfa-archive --help"] / pair["python -c pass"])
    for name, values in times.items():
        print(f"{name:<20} median {statistics.median(values) * 1000:6.1f} ms  (min {min(values) * 1000:.1f}, max {max(values) * 1000:.1f})")
    ratio = statistics.median(ratios)
    print(f"ratio, pair by pair: median {ratio:.2f}x (min {min(ratios):.2f}, max {max(ratios):.2f}); target <= {TARGET:.0f}x: "
          f"{'met' if ratio <= TARGET else 'MISSED'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
