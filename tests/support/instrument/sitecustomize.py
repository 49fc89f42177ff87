"""Test instrumentation for the mfa-archive processes a test starts; inert unless asked for.

Python imports `sitecustomize` at start-up from the first sys.path entry that has one. The
tests put this directory first on PYTHONPATH (tests.support.processes.instrumented_env) for
the subprocesses they want to observe, and it is inherited by those processes' children (the
scheduler's crawls). Each hook is switched on by one environment variable; without them
nothing is changed. The hooks only observe, except the pause, which stops the process at a
chosen SQL statement so that a test can SIGKILL it there, instead of hoping a poll lands in
a write. Standard library only: this runs before anything else in the process.

MFA_TEST_PAUSE      JSON {"marker": path, "mode": "after" | "inside", "articles": n, "step": s}:
                    "after": stop at the first statement after this process committed its
                    n-th new article (outside any transaction, exactly n articles added);
                    "inside": stop inside the write transaction of its n-th new article, at
                    the s-th statement from its INSERT into `articles` (trigger statements
                    count, so s may land mid-statement), or at its COMMIT if that comes first.
                    The process writes `marker` (JSON: what it was about to run) and then
                    sleeps until killed (and exits by itself after 10 minutes).
MFA_TEST_SIGTERM_LOG  path: after a SIGTERM handler of this process ran, append
                    "<pid> <argv>" to it (the handler had queued whatever it does on SIGTERM).
MFA_TEST_PEAK_RSS_DIR  directory: at exit, write this process's VmHWM (peak RSS, bytes) to
                    DIR/<pid>. Read at exit, so no peak is missed by sampling.
"""

from __future__ import annotations

import json
import os
import sys

ARTICLE_INSERT = "INSERT INTO [articles] "
PAUSE_LIMIT_S = 600


def _write_atomically(path: str, text: str) -> None:
    temporary = f"{path}.{os.getpid()}.tmp"
    with open(temporary, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(temporary, path)


def _pause(marker: str, **facts) -> None:
    """Say where this process stopped, then wait to be killed (never return to SQLite)."""
    import time

    _write_atomically(marker, json.dumps({"pid": os.getpid(), **facts}))
    deadline = time.monotonic() + PAUSE_LIMIT_S
    while time.monotonic() < deadline:
        time.sleep(1)
    os._exit(86)  # nobody came for it: do not linger as an orphan


def _install_pause(spec: dict) -> None:
    import sqlite3

    marker, mode, target, step = spec["marker"], spec["mode"], int(spec["articles"]), int(spec.get("step", 0))
    if mode not in ("after", "inside") or target < 1:
        raise ValueError(f"MFA_TEST_PAUSE: bad spec {spec!r}")
    committed = [0]  # new articles this process has committed, over all its connections
    original = sqlite3.connect

    def connect(*args, **kwargs):
        conn = original(*args, **kwargs)
        # Per connection: inside an article's transaction? statements since its INSERT? was the
        # last statement an article's COMMIT (then this statement shows that COMMIT returned)?
        state = {"article": False, "calls": 0, "committing": False}

        def trace(sql: str) -> None:
            if state["committing"]:
                state["committing"] = False
                committed[0] += 1
                if mode == "after" and committed[0] == target:
                    _pause(marker, mode=mode, articles=committed[0], statement=sql[:200],
                           in_transaction=conn.in_transaction)
            if sql.startswith(ARTICLE_INSERT) and not state["article"]:
                state["article"], state["calls"] = True, 0
            if not state["article"]:
                return
            aimed = mode == "inside" and committed[0] + 1 == target
            if sql == "COMMIT":
                state["article"], state["committing"] = False, True
                if aimed:
                    _pause(marker, mode=mode, articles=committed[0], statement=sql, at_step=state["calls"],
                           in_transaction=conn.in_transaction)
            elif sql.startswith("ROLLBACK") and not sql.startswith("ROLLBACK TO"):
                state["article"] = False
            else:
                if aimed and state["calls"] == step:
                    _pause(marker, mode=mode, articles=committed[0], statement=sql[:200], at_step=step,
                           in_transaction=conn.in_transaction)
                state["calls"] += 1

        conn.set_trace_callback(trace)
        return conn

    sqlite3.connect = connect


def _install_sigterm_log(path: str) -> None:
    import signal

    original = signal.signal

    def install(signum, handler):
        if signum == signal.SIGTERM and callable(handler):
            inner = handler

            def handler(number, frame):
                try:
                    return inner(number, frame)
                finally:
                    with open(path, "a", encoding="utf-8") as log:
                        log.write(f"{os.getpid()} {' '.join(sys.argv[1:])}\n")

        return original(signum, handler)

    signal.signal = install


def _install_peak_rss(directory: str) -> None:
    import atexit

    def record() -> None:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    _write_atomically(os.path.join(directory, str(os.getpid())), str(int(line.split()[1]) * 1024))

    atexit.register(record)


if os.environ.get("MFA_TEST_PAUSE"):
    _install_pause(json.loads(os.environ["MFA_TEST_PAUSE"]))
if os.environ.get("MFA_TEST_SIGTERM_LOG"):
    _install_sigterm_log(os.environ["MFA_TEST_SIGTERM_LOG"])
if os.environ.get("MFA_TEST_PEAK_RSS_DIR"):
    _install_peak_rss(os.environ["MFA_TEST_PEAK_RSS_DIR"])
