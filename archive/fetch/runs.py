"""The `runs` table: one row per source per crawl, so `status` can tell what happened and when."""

from __future__ import annotations

import json

from archive.dates import utc_now
from archive.fetch.report import CrawlReport
from archive.store import Database, transaction


def start_runs(db: Database, report: CrawlReport) -> dict[str, int]:
    """A `runs` row per source, marked running; a row left running means the run died."""
    with transaction(db):
        return {
            rep.name: db.insert("runs", {"source": rep.name, "started_at": rep.started_at, "status": "running"})
            for rep in report.sources.values()
        }


def finish_runs(db: Database, run_ids: dict[str, int], report: CrawlReport, duration_s: float, finished_cleanly: bool) -> None:
    """Fill in each source's run row once the crawl is over.

    Only a run that finished (not one stopped by a signal) sets the lastmod mark that the
    next run's sitemap filter starts from.
    """
    with transaction(db):
        for rep in report.sources.values():
            rep.finished_at = utc_now()
            db.update(
                "runs",
                run_ids[rep.name],
                {
                    "finished_at": rep.finished_at,
                    "status": rep.status,
                    "discovered": rep.discovered,
                    "requested": rep.requested,
                    "new": rep.new,
                    "updated": rep.updated,
                    "skipped": rep.skipped,
                    "failed": rep.failed,
                    "failed_by_reason": json.dumps(dict(rep.failed_by_reason), ensure_ascii=False),
                    "extraction_failed": rep.extraction_failed,
                    "layout_changed": int(rep.layout_changed),
                    "lastmod_mark": rep.lastmod_mark if finished_cleanly else None,
                    "bytes": rep.bytes,
                    "duration_s": round(duration_s, 3),
                    "message": rep.summary(),
                },
            )
