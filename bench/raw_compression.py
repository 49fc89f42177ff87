"""Raw HTML storage: stored bytes as a share of the original HTML, with and without dictionaries.

Serves the local mirror, fetches every page once over HTTP (articles of both sites, curated,
seed and generated), then stores them with `archive.store.rawpages.save_raw` into two fresh SQLite
files: one where no dictionary is ever trained (plain zstd), one with the normal per-source
training. Stored bytes count the compressed bodies plus every dictionary.

    .venv/bin/python bench/raw_compression.py [--generated N]

Target: stored raw bytes <= 10% of the original HTML.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

# rawpages.create_tables imports sqlite-utils (and with it numpy and pandas) on first use; imported
# here so that the first timed run does not pay for it.
import sqlite_utils  # noqa: E402, F401

from archive.store import Database, rawpages, transaction  # noqa: E402
from tests.support.mirrors import make_mirror  # noqa: E402
from tests.test_gold import fetch  # noqa: E402

SEEDS = REPO.parent / "shared" / "seeds"


def mirror_pages(generated: int) -> list[tuple[str, str, bytes]]:
    """(source, url, body) of every article page the mirror serves, oldest first as a crawl meets them."""
    with make_mirror(seeds_dir=SEEDS if SEEDS.is_dir() else None, generated=generated) as mirror:
        pages = [(site, page.url, fetch(page.url)[0]) for site in ("tass", "newsru") for page in reversed(mirror.articles(site))]
    return pages


def store_all(pages: list[tuple[str, str, bytes]], path: Path, *, dictionaries: bool) -> tuple[int, int, float]:
    """(compressed body bytes, dictionary bytes, seconds) after saving every page into a new archive."""
    # Only the raw page tables, on a plain connection in autocommit as the archive's own.
    db = Database(sqlite3.connect(str(path), isolation_level=None), path)
    saved_train_after = rawpages.TRAIN_AFTER
    rawpages.TRAIN_AFTER = rawpages.TRAIN_AFTER if dictionaries else 10**12
    start = time.perf_counter()
    try:
        with transaction(db):
            rawpages.create_tables(db)
            for source, url, body in pages:
                rawpages.save_raw(
                    db, url=url, final_url=None, source=source, status=200,
                    headers={"Content-Type": "text/html; charset=utf-8"}, body=body, fetched_at="2026-04-14T12:00:00+00:00",
                )
    finally:
        rawpages.TRAIN_AFTER = saved_train_after
    seconds = time.perf_counter() - start
    bodies = db.execute("SELECT coalesce(sum(length(body_zstd)), 0) FROM raw_pages").fetchone()[0]
    dicts = db.execute("SELECT coalesce(sum(length(dict)), 0) FROM zstd_dicts").fetchone()[0]
    after = db.execute(
        "SELECT coalesce(sum(length(body_zstd)), 0), coalesce(sum(size), 0) FROM raw_pages WHERE dict_id IS NOT NULL"
    ).fetchone()
    if dictionaries and after[1]:
        print(f"  pages compressed with a dictionary alone: {after[0] / after[1]:.2%} of their HTML")
    db.conn.close()
    return bodies, dicts, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--generated", type=int, default=2000, help="generated pages per mirror (default 2000)")
    args = parser.parse_args()
    pages = mirror_pages(args.generated)
    original = sum(len(body) for _, _, body in pages)
    print(f"{len(pages)} pages, {original / 1e6:.2f} MB of HTML (dictionary after {rawpages.TRAIN_AFTER} pages per source)")
    with tempfile.TemporaryDirectory() as tmp:
        for label, use_dicts in (("zstd level 3, no dictionary", False), ("zstd + per-source dictionary", True)):
            bodies, dicts, seconds = store_all(pages, Path(tmp) / f"{use_dicts}.db", dictionaries=use_dicts)
            print(
                f"{label:<30} stored {(bodies + dicts) / original:6.2%} of the HTML "
                f"(bodies {bodies / original:.2%} + dictionaries {dicts / 1e3:.0f} KB), {len(pages) / seconds:.0f} pages/s"
            )
    print("target: <= 10.00%")


if __name__ == "__main__":
    main()
