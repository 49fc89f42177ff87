"""Watching mfa-archive subprocesses without racing them: instrumented environments, waits on
observable conditions (never fixed sleeps), and probes of an archive another process writes."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
INSTRUMENT = Path(__file__).resolve().parent / "instrument"  # holds the sitecustomize.py hooks
# How long a test waits for something that takes a second or two: generous, so that a slow
# or busy machine only makes a test slower, never makes it fail.
PATIENCE_S = 120.0


def instrumented_env(*, pause: dict | None = None, sigterm_log: Path | None = None,
                     peak_rss_dir: Path | None = None) -> dict[str, str]:
    """The environment for `python -m archive ...` with the hooks of
    tests/support/instrument/sitecustomize.py switched on as asked (see there)."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(INSTRUMENT), str(REPO)])}
    for name in ("MFA_TEST_PAUSE", "MFA_TEST_SIGTERM_LOG", "MFA_TEST_PEAK_RSS_DIR"):
        env.pop(name, None)
    if pause is not None:
        env["MFA_TEST_PAUSE"] = json.dumps({**pause, "marker": str(pause["marker"])})
    if sigterm_log is not None:
        env["MFA_TEST_SIGTERM_LOG"] = str(sigterm_log)
    if peak_rss_dir is not None:
        env["MFA_TEST_PEAK_RSS_DIR"] = str(peak_rss_dir)
    return env


def wait_for(condition: Callable[[], object], what: str, *, proc: subprocess.Popen | None = None,
             timeout: float = PATIENCE_S, interval: float = 0.02):
    """Poll `condition` until it returns something true, and return that. Fails the test if
    `timeout` passes first, or if `proc` exits first (so a run that ended early is reported,
    not waited for)."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if proc is not None and proc.poll() is not None:
            result = condition()  # it may have become true just before the exit
            if result:
                return result
            raise AssertionError(f"the process exited with code {proc.returncode} before {what}")
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout:.0f} s: {what}")
        time.sleep(interval)


def count_articles(db: Path) -> int:
    """Articles committed so far, read as any other process would (0 before the schema exists)."""
    if not db.exists():
        return 0
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
        try:
            return conn.execute("SELECT count(*) FROM articles").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.OperationalError:
        return 0


def write_lock_held(db: Path) -> bool:
    """True if some process holds the archive's write lock now, i.e. a write transaction is
    open. Takes the lock for an instant when it is free; never creates the file."""
    if not db.exists():
        return False
    try:
        conn = sqlite3.connect(f"file:{db}?mode=rw", uri=True, timeout=0, isolation_level=None)
    except sqlite3.OperationalError:
        return False
    try:
        conn.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as exc:
        return "locked" in str(exc)
    else:
        conn.execute("ROLLBACK")
        return False
    finally:
        conn.close()


def read_marker(path: Path) -> dict | None:
    """The JSON a paused process wrote (see the pause hook), or None while there is none."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
