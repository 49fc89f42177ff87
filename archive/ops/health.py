"""Health of an archive that runs unattended: the last runs, daily counts and warnings.

Each warning names a failure a user would otherwise only notice weeks later: a source gone
quiet, a layout change that makes extraction yield nothing, a block, a run that died, or an
archive growing far faster than usual.
"""

from __future__ import annotations

import json
import statistics
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta, timezone

from archive.dates import parse_datetime
from archive.store import Database

# A source is "quiet" when its newest article is older than this many usual gaps...
QUIET_GAPS = 4
# ...and at least this old, so a slow weekend is not an alarm.
QUIET_MIN = timedelta(hours=12)
# A run that stored this many times more bytes than the median run is unusual growth.
GROWTH_FACTOR = 10
DAYS = 30


@dataclass
class Health:
    last_runs: list[dict] = field(default_factory=list)
    running: list[dict] = field(default_factory=list)  # {source, started_at} of the crawl in progress
    per_day: list[tuple[str, int]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    ever_started: bool = False  # some crawl started on this archive, finished or not

    def as_dict(self) -> dict:
        return asdict(self)


def _quiet_warning(db: Database, source: str, now: datetime) -> str | None:
    """Warn when nothing new was archived from a source for much longer than it usually
    takes the site to publish something (the median gap between its publication times)."""
    times = sorted(
        t
        for (value,) in db.execute(
            "SELECT published FROM articles WHERE source = ? AND published IS NOT NULL "
            "ORDER BY published DESC LIMIT 200",
            [source],
        )
        if (t := parse_datetime(value))
    )
    last_new = parse_datetime(db.execute("SELECT max(fetched_at) FROM articles WHERE source = ?", [source]).fetchone()[0])
    if len(times) < 3 or last_new is None:
        return None
    gaps = [(b - a) for a, b in zip(times, times[1:]) if b > a]
    usual = statistics.median(gaps) if gaps else timedelta(hours=1)
    silence = now - last_new
    if silence > max(QUIET_GAPS * usual, QUIET_MIN):
        hours = silence.total_seconds() / 3600
        return f"{source}: nothing new archived for {hours:.0f} h (the site usually publishes every {usual.total_seconds() / 60:.0f} min)"
    return None


def _growth_warning(db: Database, source: str) -> str | None:
    sizes = [b for (b,) in db.execute(
        "SELECT bytes FROM runs WHERE source = ? AND bytes IS NOT NULL ORDER BY id DESC LIMIT 30", [source]
    )]
    if len(sizes) < 5:
        return None
    usual = statistics.median(sizes[1:])
    if usual and sizes[0] > GROWTH_FACTOR * usual:
        return f"{source}: the last run downloaded {sizes[0]:,} bytes, {sizes[0] / usual:.0f}x the usual run"
    return None


def check_health(db: Database, *, crawl_running: bool, now: datetime | None = None) -> Health:
    """Collect the last run per source, articles per day for 30 days, and every active warning.

    `crawl_running` says whether a crawl holds the lock now; if none does, a run still marked
    running was killed.
    """
    now = now or datetime.now(timezone.utc)
    health = Health()
    sources = [s for (s,) in db.execute("SELECT DISTINCT source FROM runs ORDER BY source")]
    health.ever_started = bool(sources)
    for source in sources:
        row = db.execute(
            "SELECT * FROM runs WHERE source = ? AND status != 'running' ORDER BY id DESC LIMIT 1", [source]
        ).fetchone()
        if row:
            columns = [d[0] for d in db.execute("SELECT * FROM runs LIMIT 0").description]
            last = dict(zip(columns, row))
            try:  # stored as JSON text; shown as the object it is
                last["failed_by_reason"] = json.loads(last.get("failed_by_reason") or "{}")
            except ValueError:
                pass
            health.last_runs.append(last)
            if last["status"] == "blocked":
                health.warnings.append(f"{source}: blocked by the site in the last run ({last['message']})")
            elif last["status"] == "failed":
                health.warnings.append(f"{source}: the last run failed ({last['message']})")
            elif last["status"] == "interrupted":
                health.warnings.append(f"{source}: the last run was interrupted ({last['message']})")
            if last.get("layout_changed"):
                health.warnings.append(
                    f"{source}: layout changed? {last['extraction_failed']} pages gave no article in the last run"
                )
        for (run_id, started) in db.execute(
            "SELECT id, started_at FROM runs WHERE source = ? AND status = 'running' ORDER BY id", [source]
        ).fetchall():
            later = db.execute("SELECT 1 FROM runs WHERE source = ? AND id > ? LIMIT 1", [source, run_id]).fetchone()
            if later or not crawl_running:
                health.warnings.append(f"{source}: the run started {started} did not finish")
            else:
                health.running.append({"source": source, "started_at": started})
        for warning in (_quiet_warning(db, source, now), _growth_warning(db, source)):
            if warning:
                health.warnings.append(warning)
    first_day = (now - timedelta(days=DAYS - 1)).date()
    counts = dict(
        db.execute(
            "SELECT substr(fetched_at, 1, 10) AS day, count(*) FROM articles WHERE fetched_at >= ? GROUP BY day",
            [first_day.isoformat()],
        ).fetchall()
    )
    health.per_day = [
        ((first_day + timedelta(days=i)).isoformat(), counts.get((first_day + timedelta(days=i)).isoformat(), 0))
        for i in range(DAYS)
    ]
    return health


def sparkline(values: list[int]) -> str:
    """A one-line bar chart of `values`, for a terminal."""
    bars = " ▁▂▃▄▅▆▇█"
    top = max(values) if values else 0
    return "".join(bars[0] if not top else bars[max(1, round(v / top * 8)) if v else 0] for v in values)

