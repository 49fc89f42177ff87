"""The built-in scheduler: APScheduler 3 in the foreground, one crawl subprocess per job.

Each crawl runs in a subprocess because a Twisted reactor cannot be restarted in one
process. Jobs run one at a time (a single worker), so two sources due at the same minute
queue instead of contending for the archive's crawl lock.
"""

from __future__ import annotations

import logging
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass
from datetime import datetime, timezone

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from archive.config import Source
from archive.errors import ConfigError

log = logging.getLogger("mfa-archive.schedule")

# A job may start this late (e.g. after the laptop slept) and still run once.
MISFIRE_GRACE_S = 600
# On SIGTERM the running crawl gets this long to finish its in-flight pages before SIGKILL.
STOP_TIMEOUT_S = 60


@dataclass
class Job:
    source: str
    trigger: object


def build_jobs(sources: list[Source], every_s: float | None = None) -> list[Job]:
    """A trigger per source from its `schedule` cron expression (or a fixed interval)."""
    jobs = []
    for source in sources:
        if every_s is not None:
            jobs.append(Job(source.name, IntervalTrigger(seconds=every_s)))
            continue
        if not source.schedule:
            raise ConfigError(f"source {source.name!r} has no schedule (a cron expression such as '*/15 * * * *')")
        try:
            jobs.append(Job(source.name, CronTrigger.from_crontab(source.schedule)))
        except ValueError as exc:
            raise ConfigError(f"source {source.name!r}: bad cron expression {source.schedule!r}: {exc}") from None
    return jobs


class CrawlScheduler:
    """Run `crawl_command + ["--source", NAME]` on each job's trigger until stopped."""

    def __init__(self, jobs: list[Job], crawl_command: list[str]):
        self.crawl_command = crawl_command
        self.current: subprocess.Popen | None = None
        self.lock = threading.Lock()
        self.stopping = False
        self.scheduler = BlockingScheduler(
            executors={"default": ThreadPoolExecutor(max_workers=1)},
            job_defaults={"max_instances": 1, "coalesce": True, "misfire_grace_time": MISFIRE_GRACE_S},
        )
        now = datetime.now(timezone.utc)
        for job in jobs:
            # Each source is crawled once at start-up, then on its schedule.
            self.scheduler.add_job(
                self.run_crawl, job.trigger, args=[job.source], id=job.source, name=f"crawl {job.source}", next_run_time=now
            )

    def run_crawl(self, source: str) -> None:
        with self.lock:
            if self.stopping:
                return
            self.current = subprocess.Popen([*self.crawl_command, "--source", source])
        code = self.current.wait()
        with self.lock:
            self.current = None
        log.info("crawl %s exited with %s", source, code)
        print(f"mfa-archive schedule: crawl {source} exited with code {code}", file=sys.stderr, flush=True)

    def stop(self, signum: int, _frame) -> None:
        """Let the running crawl finish (or kill it after STOP_TIMEOUT_S), then exit."""
        with self.lock:
            self.stopping = True
            child = self.current
        if child is not None:
            child.send_signal(signal.SIGTERM)  # Scrapy finishes in-flight pages, then stops
            try:
                child.wait(STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                child.kill()  # every article write is one transaction, so nothing is half-stored
                child.wait()
        self.scheduler.shutdown(wait=False)

    def run(self) -> None:
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)
        self.scheduler.start()
