"""The hostile mirror: every broken or malicious response is survived, recorded with a
reason, and never followed off the configured hosts; Retry-After is obeyed.

One real crawl (subprocess, real Scrapy, real HTTP) meets all the cases of
`tests.support.hostile`; the tests read its archive, its output and the mirror's access log.
"""

from __future__ import annotations

import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.support.mirrors import make_mirror as Mirror
from tests.support.hostile import (
    CASES,
    RETRY_AFTER_S,
    TRAP_HOST,
    hostile_answers_logged,
    mirror_config,
    observed_outcome,
)
from tests.conftest import REPO
from tests.support.processes import instrumented_env, wait_for

# The crawl's own peak memory; a decompressed gzip bomb (256 MiB) or 50 MB page held whole would pass it.
PEAK_RSS_LIMIT = 450 * 1024 * 1024
DISALLOWED = {"tass": ("/search", "/video/"), "newsru": ("/search/",), "midru": ("/bitrix/", "/upload/")}


@dataclass
class Measured:
    returncode: int
    stdout: str
    stderr: str
    peak_rss: int  # bytes, of this process alone (its VmHWM at exit; 0 if it did not exit normally)


def run_measured(*args: str, cwd: Path = REPO, timeout: float = 300) -> Measured:
    """Run `mfa-archive ARGS` in a subprocess and measure that child's peak RSS.

    The child reads its own VmHWM (resident-set high-water mark) as it exits (the peak_rss
    hook of tests/support/instrument), so no peak is missed between samples. ru_maxrss from
    wait4 is no use here: Linux carries the parent's peak across fork and exec, so a child of
    a large pytest process would report pytest's memory.
    """
    out = cwd / f".out-{os.getpid()}-{threading.get_ident()}"
    err = out.with_suffix(".err")
    peaks = Path(tempfile.mkdtemp(prefix="peak-rss-"))
    env = instrumented_env(peak_rss_dir=peaks)
    with open(out, "w") as stdout, open(err, "w") as stderr:
        proc = subprocess.Popen([sys.executable, "-m", "archive", *args], cwd=cwd, env=env, stdout=stdout, stderr=stderr)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    peak_file = peaks / str(proc.pid)
    result = Measured(proc.returncode, out.read_text(), err.read_text(),
                      int(peak_file.read_text()) if peak_file.exists() else 0)
    out.unlink()
    err.unlink()
    shutil.rmtree(peaks)
    return result


class Trap:
    """A listener on another loopback address: any connection to it is a crawler escape."""

    def __init__(self, host: str, port: int):
        self.connections: list[tuple] = []
        self._socket = socket.socket()
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind((host, port))
        self._socket.listen(16)
        self._socket.settimeout(0.2)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, peer = self._socket.accept()
            except (TimeoutError, OSError):
                continue
            self.connections.append(peer)
            conn.close()

    def close(self) -> None:
        """Stop listening. Call it after the crawl exited: the kernel completes a connection's
        handshake without waiting for accept(), so every connection the crawl made is accepted
        by now or waiting in the backlog, which is drained here; none goes unrecorded."""
        self._stop.set()
        self._thread.join(timeout=2)
        self._socket.setblocking(False)
        while True:
            try:
                conn, peer = self._socket.accept()
            except OSError:  # BlockingIOError: the backlog is empty
                break
            self.connections.append(peer)
            conn.close()
        self._socket.close()


@dataclass
class HostileRun:
    mirror: Mirror
    db: Path
    result: Measured
    log: list
    trap: Trap

    def conn(self) -> sqlite3.Connection:
        return sqlite3.connect(self.db)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> HostileRun:
    work = tmp_path_factory.mktemp("hostile")
    db = work / "archive.db"
    with Mirror(state="day1", hostile=True) as mirror:
        port = urlsplit(mirror.base_urls["newsru"]).port
        trap = Trap(TRAP_HOST, port)
        try:
            config = mirror_config(mirror.base_urls, work / "sources.toml")
            result = run_measured("crawl", "--db", str(db), "--config", str(config), cwd=work)
        finally:
            trap.close()
        wait_for(hostile_answers_logged, "the mirror logging every hostile request")
        yield HostileRun(mirror, db, result, mirror.access_log, trap)


def test_the_run_goes_on_and_exits_0(hostile):
    assert hostile.result.returncode == 0, hostile.result.stderr
    assert "Traceback" not in hostile.result.stderr
    statuses = dict(hostile.conn().execute("SELECT source, status FROM runs").fetchall())
    # mid.ru is partial too: its mirror serves one document as the anti-bot page.
    assert statuses == {"tass": "partial", "newsru": "partial", "midru": "partial"}


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_each_case_has_its_expected_outcome(hostile, case):
    observed = observed_outcome(hostile.conn(), hostile.log, hostile.mirror.base_urls, case)
    assert observed == case.expected, case.description


def test_every_ordinary_article_is_still_archived(hostile):
    archived = {u for (u,) in hostile.conn().execute("SELECT url FROM articles")}
    hostile_urls = {c.url(hostile.mirror.base_urls) for c in CASES}
    expected = {
        a.url
        for site in hostile.mirror.base_urls
        for a in hostile.mirror.articles(site)
        if a.is_article and not a.path.startswith(DISALLOWED[site]) and a.url not in hostile_urls
    }
    assert len(expected) >= 60
    assert expected - archived == set()


def test_no_redirect_or_entity_reaches_another_host(hostile):
    assert hostile.trap.connections == [], "a redirect or an external entity reached 127.0.0.2"
    refused = hostile.conn().execute("SELECT count(*) FROM failures WHERE reason = 'off-site request refused'").fetchone()[0]
    assert refused == 4
    assert "4 off-site requests refused" in hostile.result.stdout


def test_memory_stays_bounded(hostile):
    assert 50 << 20 < hostile.result.peak_rss < PEAK_RSS_LIMIT, f"peak RSS {hostile.result.peak_rss >> 20} MiB"


def _requests(hostile: HostileRun, name: str) -> list:
    case = next(c for c in CASES if c.name == name)
    return [e for e in hostile.log if e.site == case.site and e.path == case.path]


def test_retry_after_is_waited_for(hostile):
    limited = _requests(hostile, "http-429-then-ok")
    assert [e.status for e in limited] == [429, 200]
    assert limited[1].at - limited[0].at >= RETRY_AFTER_S - 0.05
    unavailable = _requests(hostile, "http-503-then-ok")
    assert [e.status for e in unavailable] == [503, 200]
    assert unavailable[1].at - unavailable[0].at >= 1 - 0.05


def test_a_retry_after_beyond_the_budget_is_left_for_the_next_run(hostile):
    assert [e.status for e in _requests(hostile, "http-429-too-long")] == [429]
    url = next(c for c in CASES if c.name == "http-429-too-long").url(hostile.mirror.base_urls)
    attempts, next_try = hostile.conn().execute("SELECT attempts, next_try FROM frontier WHERE url = ?", [url]).fetchone()
    assert attempts == 1 and next_try


def test_server_errors_back_off_exponentially_then_give_up(hostile):
    for name in ("http-500", "http-502", "http-503"):
        hits = _requests(hostile, name)
        assert [e.status for e in hits] == [int(name[-3:])] * 3
        gaps = [b.at - a.at for a, b in zip(hits, hits[1:])]
        assert gaps[0] >= 1 - 0.05 and gaps[1] >= 2 - 0.05, gaps


def test_blocked_and_timed_out_pages_are_asked_once(hostile):
    for name in ("http-403", "antibot-stub", "timeout", "slow-drip"):
        assert len(_requests(hostile, name)) == 1, name


def test_listing_errors_are_in_the_run_summary(hostile):
    line = next(line for line in hostile.result.stdout.splitlines() if line.startswith("newsru:"))
    assert "listing errors: " in line
    for reason in ("document declares a DTD", "malformed XML", "sitemap listed twice"):
        assert reason in line


def test_temporary_failures_stay_in_the_frontier_and_permanent_ones_do_not(hostile):
    base = hostile.mirror.base_urls
    frontier = {u for (u,) in hostile.conn().execute("SELECT url FROM frontier")}
    by_name = {c.name: c.url(base) for c in CASES}
    for name in ("http-500", "http-503", "http-429-too-long", "timeout", "connection-reset", "truncated", "antibot-stub"):
        assert by_name[name] in frontier, name
    for name in ("redirect-other-host", "empty-200", "http-429-then-ok", "windows-1251"):
        assert by_name[name] not in frontier, name


def test_the_next_run_does_not_ask_again_before_the_pause(hostile, tmp_path):
    """A second run right away makes no article request at all: temporary failures wait
    for their growing pause, permanent ones are never asked for again."""
    hostile.mirror.clear_log()
    config = mirror_config(hostile.mirror.base_urls, tmp_path / "sources.toml")
    again = run_measured("crawl", "--db", str(hostile.db), "--config", str(config), cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    wait_for(hostile_answers_logged, "the mirror logging every hostile request")
    asked = [e.path for e in hostile.mirror.access_log if e.kind == "article"]
    assert asked == []
