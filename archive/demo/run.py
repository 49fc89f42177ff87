"""`mfa-archive demo`: the local mirror, crawled by the real crawler, then searched.

The mirror's ports are part of every URL it serves, so the demo remembers them in its archive
(`meta.demo_ports`) and asks for the same ones next time: a second run then finds every article
already archived instead of storing each again under new URLs.
"""

from __future__ import annotations

import json
import shutil
import sys
from dataclasses import replace
from pathlib import Path

from archive.config import load_config
from archive.demo.server import Mirror
from archive.errors import UserError
from archive.fetch.report import CrawlReport
from archive.ops.runlock import crawl_lock
from archive.schema import open_archive
from archive.search.engine import search
from archive.store import transaction
from crawler.run import run_crawl

DEMO_QUERY = "Лавров"
DEMO_FIRST_RUN_DAYS = 3650
PORTS_KEY = "demo_ports"


def _saved_ports(db_path: Path) -> dict[str, int]:
    if not db_path.exists():
        return {}
    db = open_archive(db_path, read_only=True)
    try:
        saved = db.meta(PORTS_KEY)
    finally:
        db.close()
    try:
        ports = json.loads(saved) if saved else {}
    except ValueError:
        return {}
    return {k: v for k, v in ports.items() if isinstance(v, int) and 0 < v < 65536} if isinstance(ports, dict) else {}


def _tool(name: str) -> str:
    """How to call a command installed beside this Python (the venv's bin), as the user can type it."""
    beside = Path(sys.executable).parent / name
    if beside.exists():
        return str(beside)
    return shutil.which(name) or name


def run_demo(db_path: str | Path) -> CrawlReport:
    """Crawl the local mirror into `db_path` and show the result; the crawl's report, for the
    exit code. An interrupted demo says what it kept and how to finish, and shows nothing more."""
    db_path = Path(db_path)
    ports = _saved_ports(db_path)
    try:
        mirror = Mirror(state="day1", ports=ports).__enter__()
    except OSError as exc:
        raise UserError(
            f"cannot start the mirror on the ports {db_path} was made with ({exc.strerror}); "
            "stop what uses them, or give another --db"
        ) from None
    try:
        print(f"Local mirror: {', '.join(f'{n} at {u}' for n, u in mirror.base_urls.items())}", flush=True)
        config = load_config(None, mirror.base_urls)
        # The mirror's pages are dated January to April 2026: a first crawl reads its sitemaps
        # that far back, whatever today's date.
        config = replace(config, crawl=replace(config.crawl, first_run_days=DEMO_FIRST_RUN_DAYS))
        with crawl_lock(db_path):
            report = run_crawl(config, config.select(None), db_path)
    finally:
        mirror.__exit__(None, None, None)
    db = open_archive(db_path)
    try:
        with transaction(db):
            db.set_meta(PORTS_KEY, json.dumps({site: int(url.rsplit(":", 1)[1]) for site, url in mirror.base_urls.items()}))
        for rep in report.sources.values():
            print(rep.summary())
        total, mfa = db.execute("SELECT count(*), sum(mfa) FROM articles").fetchone()
        print(f"\n{db_path} now holds {total} articles, {mfa or 0} of them foreign-ministry news.")
        if report.stopped == "interrupted":
            print(f"Run {_tool('mfa-archive')} demo again to finish: it fetches only what is missing.")
            return report
        print(f'\n{_tool("mfa-archive")} search "{DEMO_QUERY}" --db {db_path}  (any word form matches):')
        for hit in search(db, DEMO_QUERY, limit=3):
            print(f"  [{hit.source}] {hit.title}\n      {' '.join(hit.snippet.split())}")
    finally:
        db.close()
    print(f"\nRead it in a browser: {_tool('mfa-archive')} serve --db {db_path} --open")
    print(f'\nAlso try: {_tool("sqlite-utils")} search {db_path} articles "Галузин" -c title')
    return report
