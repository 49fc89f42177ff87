"""One crawl per archive at a time, so cron can never start overlapping runs.

The lock is an advisory `flock` on `<archive>.lock`: the kernel releases it when the holder
exits for any reason, SIGKILL included, so a crashed run never leaves a stale lock behind. The
lock file is opened without following symbolic links, and only a regular file is used.
"""

from __future__ import annotations

import fcntl
import os
from contextlib import contextmanager
from pathlib import Path

from archive.errors import Locked
from archive.safefiles import open_own_file


def lock_path(db_path: str | Path) -> Path:
    return Path(f"{db_path}.lock")


@contextmanager
def crawl_lock(db_path: str | Path):
    """Hold the crawl lock of `db_path` for the duration of the block, or raise Locked."""
    fd = open_own_file(lock_path(db_path))
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "unknown"
            raise Locked(f"another crawl is already running on {db_path} (pid {holder})") from None
        os.ftruncate(fd, 0)  # ours: a regular file, and we hold its lock
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield
    finally:
        os.close(fd)


def is_locked(db_path: str | Path) -> bool:
    """True while a crawl holds the lock of `db_path`; never creates the lock file."""
    path = lock_path(db_path)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return False  # no lock file (or not one of ours): nobody holds it
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    except OSError:
        return False
    finally:
        os.close(fd)
    return False
