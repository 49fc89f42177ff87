"""`mfa-archive demo`: start the local mirror, crawl it with the real crawler, show the result.

A newcomer with no internet sees the whole pipeline work: discovery through robots.txt,
feeds and sitemaps, extraction, storage and full-text search.
"""

from __future__ import annotations

import argparse

from archive.config import REPO_ROOT, load_config

DEMO_QUERY = "Лавров"


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("demo", help="crawl a local mirror of news.ru and TASS, then search it")
    parser.add_argument("--db", default="demo.db", metavar="PATH", help="archive file to fill (default: demo.db)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from archive.crawl import run_crawl
    from archive.mirror import Mirror
    from archive.search import search
    from archive.store import open_archive

    seeds = REPO_ROOT.parent / "shared" / "seeds"
    with Mirror(state="day1", seeds_dir=seeds if seeds.is_dir() else None) as mirror:
        print(f"Local mirror: {', '.join(f'{n} at {u}' for n, u in mirror.base_urls.items())}")
        config = load_config(None, mirror.base_urls)
        report = run_crawl(config, config.select(None), args.db)
    for rep in report.sources.values():
        print(rep.summary())
    db = open_archive(args.db, create=False)
    total = db.execute("SELECT count(*), sum(mfa) FROM articles").fetchone()
    print(f"\n{args.db} now holds {total[0]} articles, {total[1] or 0} of them foreign-ministry news.")
    print(f'\nmfa-archive search "{DEMO_QUERY}" --db {args.db}  (any word form matches):')
    for hit in search(db, DEMO_QUERY, limit=3):
        print(f"  [{hit.source}] {hit.title}\n      {' '.join(hit.snippet.split())}")
    print(f'\nAlso try: sqlite-utils search {args.db} articles "Галузин" -c title')
    return 1 if any(rep.status == "failed" for rep in report.sources.values()) else 0
