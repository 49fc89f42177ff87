"""Primary-source linking on the mirror: does each press report point at the ministry's document
it reports, and at the right part of a briefing?

Crawls the local mirror (day1, then day2) with the real crawler twice: all sources at once, and
the press first with mid.ru a run later (documents that arrive after their reports must link
them then). Every TASS and news.ru page is scored against `PRIMARY_SOURCES`
(archive/demo/content_reports.py): the document it reports and the part, or none, which
includes the hard negatives (the same spokeswoman on the same topic the day before, the same
officials two months earlier, the minister's press conference beside the joint statement of
the same day). Pages not listed there report no document of the mirror.

    .venv/bin/python bench/primary_links.py
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from archive.demo.content_reports import PRIMARY_SOURCES  # noqa: E402
from tests.support.mirrors import make_mirror  # noqa: E402
from tests.support.primary_gold import primary_links, score_links  # noqa: E402

TARGET_PRECISION = 0.95


def crawl(mirror, db: Path, sources: list[str]) -> None:
    """`mfa-archive crawl` of some sources of the mirror, in its own process."""
    args = [sys.executable, "-m", "archive", "crawl", "--db", str(db), "--quiet"]
    for name, url in mirror.base_urls.items():
        args += ["--base-url", f"{name}={url}"]
    for name in sources:
        args += ["--source", name]
    subprocess.run(args, cwd=REPO, check=False, capture_output=True, text=True,
                   env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=600)


def run(order: str, work: Path) -> dict:
    db = work / f"{order}.db"
    with make_mirror("day1") as mirror:
        if order == "together":
            crawl(mirror, db, [])
            mirror.set_state("day2")
            crawl(mirror, db, [])
        else:
            crawl(mirror, db, ["tass", "newsru"])
            mirror.set_state("day2")
            crawl(mirror, db, ["tass", "newsru"])
            crawl(mirror, db, ["midru"])
    found = primary_links(db)
    return {"links": found, **score_links(found)}


def main() -> int:
    work = Path(tempfile.mkdtemp(prefix="mfa-primary-"))
    results = {order: run(order, work) for order in ("together", "documents-last")}
    for order, result in results.items():
        print(f"{order}: {result['predicted']} links, {result['correct']} correct of {result['expected']} expected; "
              f"precision {result['precision']:.3f}, recall {result['recall']:.3f}; "
              f"right part of a briefing {result['right_part']}/{result['with_part']}; "
              f"hard negatives left unlinked {result['negatives_unlinked']}/{result['negatives']}")
        for path in result["wrong"]:
            print(f"   wrong: {path} -> {result['links'][path]} (expected {PRIMARY_SOURCES.get(path)})")
        for path in result["missed"]:
            print(f"   missed: {path} (expected {PRIMARY_SOURCES.get(path)})")
    same = results["together"]["links"] == results["documents-last"]["links"]
    print(f"same links whichever arrives first: {'yes' if same else 'NO'}")
    ok = all(r["precision"] >= TARGET_PRECISION for r in results.values()) and same
    print(f"target: precision >= {TARGET_PRECISION} in both orders: {'met' if ok else 'NOT met'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
