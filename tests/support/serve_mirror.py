"""`python -m tests.support.serve_mirror [--state day1|day2] [--port-tass N --port-newsru N --port-midru N] [--seeds DIR]
[--generated N]`: serve the mirror until Ctrl-C (for benchmarks that want it in its own process)."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from archive.demo.server import STATES
from tests.support.mirrors import make_mirror


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.support.serve_mirror", description="Serve the local news.ru/TASS/mid.ru mirror.")
    parser.add_argument("--state", choices=STATES, default="day1")
    parser.add_argument("--port-tass", type=int, default=0, help="port for TASS (default: any free port)")
    parser.add_argument("--port-newsru", type=int, default=0, help="port for news.ru (default: any free port)")
    parser.add_argument("--port-midru", type=int, default=0, help="port for mid.ru (default: any free port)")
    parser.add_argument("--seeds", type=Path, default=None, help="directory with the seed pages to render")
    parser.add_argument("--generated", type=int, default=0, help="number of synthetic pages to add")
    args = parser.parse_args(argv)
    if args.generated < 0:
        parser.error("--generated must be 0 or more")
    if args.seeds is not None and not args.seeds.is_dir():
        parser.error(f"--seeds: no such directory: {args.seeds}")
    try:
        mirror = make_mirror(args.state, seeds_dir=args.seeds, generated=args.generated,
                             ports={"tass": args.port_tass, "newsru": args.port_newsru, "midru": args.port_midru})
        mirror.__enter__()
    except OSError as error:
        print(f"error: cannot start the mirror: {error}", file=sys.stderr)
        return 2
    try:
        for site, url in mirror.base_urls.items():
            print(f"{site}: {url}", flush=True)
        print("serving; Ctrl-C to stop", flush=True)
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        return 0
    finally:
        mirror.__exit__(None, None, None)


if __name__ == "__main__":
    sys.exit(main())
