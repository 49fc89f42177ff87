"""One crawl per archive at a time, so cron can never start overlapping runs.

The lock is an advisory `flock` on `<archive>.lock`: the kernel releases it when the holder
exits for any reason, SIGKILL included, so a crashed run never leaves a stale lock behind.
"""

from __future__ import annotations

import fcntl
import os
from contextlib import contextmanager
from pathlib import Path


class Locked(Exception):
    """Another process holds the archive's crawl lock."""


@contextmanager
def crawl_lock(db_path: str | Path):
    """Hold the crawl lock of `db_path` for the duration of the block, or raise Locked."""
    lock_path = Path(f"{db_path}.lock")
    handle = open(lock_path, "a+")
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            raise Locked(f"another crawl is already running on {db_path} (pid {holder})") from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        yield
    finally:
        handle.close()


def is_locked(db_path: str | Path) -> bool:
    """True while a crawl holds the lock of `db_path`."""
    try:
        with crawl_lock(db_path):
            return False
    except Locked:
        return True
