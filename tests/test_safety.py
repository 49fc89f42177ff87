"""Safe on every surface a user touches, tried the way the outside trials tried it: the installed
`mfa-archive`, run as a subprocess from a directory of the user's, with faults and bad input.

Special files (FIFOs, character devices, symbolic links) are only ever ones these tests create
inside their own temporary directory.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import signal
import sqlite3
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from archive.demo.server import Mirror
from archive.demo.snapshot import SiteSnapshot
from archive.models import Article
from archive.pipeline import add_article
from archive.schema import open_archive
from tests.support.hostile import mirror_config
from tests.conftest import crawl_args
from tests.support.mirrors import make_mirror
from tests.support.processes import count_articles

BIN = Path(sys.executable).parent
MFA = str(BIN / "mfa-archive")


def mfa(*args: str, cwd: Path, timeout: float = 240, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([MFA, *args], cwd=cwd, capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, "COLUMNS": "200"}, **kwargs)


def one_error_line(result: subprocess.CompletedProcess, command: str) -> str:
    """The single stderr line of a refused command (exit 2), without tracebacks."""
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"mfa-archive {command}: error: "), result.stderr
    return lines[0]


def small_archive(path: Path) -> Path:
    db = open_archive(path)
    for n, (title, source) in enumerate([("Захарова ответила на слова главы МИД Латвии", "tass"),
                                         ("Лавров провел переговоры с главой МИД Египта", "newsru"),
                                         ("Синоптики пообещали оттепель", "newsru")]):
        add_article(db, Article(
            url=f"https://{'tass.ru/politika' if source == 'tass' else 'news.ru/world'}/{n}", source=source, title=title,
            text=f"{title}. Официальный представитель МИД России Мария Захарова заявила об этом на брифинге. " * 4,
            # Two days apart: the texts share their boilerplate, and a day apart that is one story.
            lead="Москва ответит зеркально.", published=f"2026-04-{10 + 2 * n}T10:00:00+03:00",
        ))
    db.close()
    return path


# ---------------------------------------------------------------- what the tool may create


def test_read_only_commands_create_and_write_nothing(tmp_path):
    empty = tmp_path / "empty.db"
    empty.touch()
    fifo = tmp_path / "pipe.db"
    os.mkfifo(fifo)
    for command in (["search", "Захарова"], ["status"], ["stories"], ["check"]):
        for target in (empty, fifo):
            line = one_error_line(mfa(*command, "--db", str(target), cwd=tmp_path), command[0])
            assert str(target) in line
    assert empty.stat().st_size == 0 and stat.S_ISFIFO(fifo.stat().st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty.db", "pipe.db"]


@pytest.mark.skipif(os.geteuid() != 0, reason="creating a character device needs root")
def test_a_device_given_as_the_archive_gets_no_journal_and_no_lock(tmp_path):
    device = tmp_path / "null"
    os.mknod(device, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    for command in (["crawl", "--base-url", "tass=http://127.0.0.1:9", "--source", "tass"], ["search", "x"],
                    ["ingest", str(device)], ["export", "--format", "jsonl", "--out", str(tmp_path / "o.jsonl")]):
        one_error_line(mfa(*command, "--db", str(device), cwd=tmp_path), command[0])
    assert stat.S_ISCHR(device.stat().st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["null"]


def test_the_lock_and_the_log_are_never_written_through_a_symlink(tmp_path):
    precious = tmp_path / "precious.txt"
    precious.write_text("a file the tool did not create\n")
    args = ["crawl", "--base-url", "tass=http://127.0.0.1:9", "--source", "tass", "--db", "a.db"]
    (tmp_path / "a.db.lock").symlink_to(precious)
    line = one_error_line(mfa(*args, cwd=tmp_path), "crawl")
    assert "a.db.lock is a symbolic link" in line
    (tmp_path / "a.db.lock").unlink()
    (tmp_path / "crawl.log").symlink_to(precious)
    line = one_error_line(mfa(*args, "--log-file", "crawl.log", cwd=tmp_path), "crawl")
    assert "crawl.log is a symbolic link" in line
    assert precious.read_text() == "a file the tool did not create\n"


# ---------------------------------------------------------------- faults


def _paced(delay_s: float):
    """A mirror hook: every article page answers after `delay_s`, so a crawl of N pages takes at
    least N x delay_s / 2 (one request at a time per site, two sites)."""

    def decorate(snapshot: SiteSnapshot) -> None:
        for path, resource in snapshot.resources.items():
            if resource.kind == "article":
                snapshot.behaviours[path] = _slow(resource, delay_s)

    return decorate


def _slow(resource, delay_s: float):
    def answer(handler) -> int:
        time.sleep(delay_s)
        try:
            handler.send_response(200)
            handler.send_header("Content-Type", resource.content_type)
            handler.send_header("Content-Length", str(len(resource.body)))
            handler.end_headers()
            handler.wfile.write(resource.body)
        except OSError:
            pass
        return 200

    return answer


def test_a_sigterm_is_recorded_and_reported_as_an_interrupted_run(tmp_path):
    """The mirror answers each article after 0.3 s and lists 60 of them, so the crawl needs at
    least 9 s; the signal comes as soon as the first article is stored, which the test waits
    for (up to 60 s): whatever the machine's speed, the crawl is still running when it lands."""
    db = tmp_path / "archive.db"
    with Mirror("day1", decorate=_paced(0.3)) as mirror:
        args = crawl_args(mirror, db)
        crawl = subprocess.Popen([MFA, *args], cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 60
        while count_articles(db) == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert count_articles(db) > 0
        crawl.send_signal(signal.SIGTERM)
        out, err = crawl.communicate(timeout=120)
    assert crawl.returncode == 130, (out, err)
    assert re.search(r"^tass: INTERRUPTED after \d+ of \d+ requested pages", out, re.M), out
    conn = sqlite3.connect(db)
    statuses = conn.execute("SELECT DISTINCT status FROM runs").fetchall()
    assert statuses == [("interrupted",)]
    assert conn.execute("SELECT count(*) FROM runs WHERE lastmod_mark IS NOT NULL").fetchone() == (0,)
    status = mfa("status", "--db", str(db), "--check", cwd=tmp_path)
    assert status.returncode == 1
    assert "WARNING tass: the last run was interrupted" in status.stdout
    assert "No crawl has run" not in status.stdout


def _in_small_filesystem(tmp_path: Path, megabytes: int, command: str) -> subprocess.CompletedProcess:
    """Run `command` (a shell line) with a fresh tmpfs of that size mounted at tmp_path/disk, in
    a private mount namespace, so nothing outside the test sees the mount."""
    disk = tmp_path / "disk"
    disk.mkdir()
    script = f"mount -t tmpfs -o size={megabytes}m tmpfs {disk} || exit 97; cd {disk} && {command}"
    return subprocess.run(["unshare", "-m", "--propagation", "private", "sh", "-c", script],
                          capture_output=True, text=True, timeout=300)


def test_a_full_disk_stops_the_crawl_with_one_line_and_a_failed_run(tmp_path):
    (tmp_path / "probe").mkdir()
    probe = _in_small_filesystem(tmp_path / "probe", 1, "true")
    if probe.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here (unshare/mount refused: {probe.stderr.strip()[:120]})")
    with make_mirror("day1", generated=600) as mirror:
        config = mirror_config(mirror.base_urls, tmp_path / "sources.toml", hostile=False, max_child_sitemaps=10)
        result = _in_small_filesystem(
            tmp_path, 3,
            f"{MFA} crawl --db a.db --config {config}; echo exit=$?; "
            f"{MFA} status --db a.db --json; {MFA} check --db a.db; echo check=$?",
        )
    out = result.stdout
    assert "exit=1" in out, out + result.stderr
    summary = [line for line in out.splitlines() if line.startswith(("tass:", "newsru:"))]
    assert summary and all("STOPPED: disk full" in line for line in summary), out
    assert "Logging error" not in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.splitlines()) <= 2, result.stderr
    status = json.loads(next(line for line in out.splitlines() if line.startswith("{")))
    assert {run["status"] for run in status["last_runs"]} == {"failed"}
    assert isinstance(status["last_runs"][0]["failed_by_reason"], dict)
    assert "check=0" in out and "a.db: ok" in out


# ---------------------------------------------------------------- bad input


def test_bad_ingest_lines_are_reported_by_number_and_the_rest_imported(tmp_path):
    good = [json.dumps({"url": f"https://example.org/{n}", "title": f"Новость {n}", "published": "2026-04-14",
                        "text": f"Министр иностранных дел провел переговоры номер {n} в Москве."}, ensure_ascii=False)
            for n in range(20)]
    bad = {
        3: '{"url": "https://example.org/s", "title": "a \\ud800", "text": "текст", "published": null}',
        7: "[" * 100_000 + "]" * 100_000,
        12: '{"url": "https://example.org/o", "title": "t", "text": "текст", "published": "0001-01-01T00:00:00+14:00"}',
    }
    lines = list(good)
    for number in sorted(bad):
        lines.insert(number - 1, bad[number])
    (tmp_path / "in.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = mfa("ingest", "in.jsonl", "--db", "a.db", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    reported = [int(re.match(r"^in\.jsonl:(\d+): ", line).group(1)) for line in result.stderr.splitlines()]
    assert reported == sorted(bad)
    assert "imported 20 (new 20, updated 0, unchanged 0), failed 3" in result.stdout
    assert sqlite3.connect(tmp_path / "a.db").execute("SELECT count(*) FROM articles").fetchone() == (20,)


def test_huge_and_extreme_values_are_one_line_or_work(tmp_path):
    small_archive(tmp_path / "a.db")
    found = mfa("search", "Захарова", "--db", "a.db", "--until", "9999-12-31", cwd=tmp_path)
    assert found.returncode == 0 and "Захарова" in found.stdout, found.stderr
    exported = mfa("export", "--format", "jsonl", "--out", "o.jsonl", "--db", "a.db", "--until", "9999-12-31",
                   cwd=tmp_path)
    assert exported.returncode == 0, exported.stderr
    assert "--limit must be from 1 to 10,000" in one_error_line(
        mfa("search", "Захарова", "--db", "a.db", "--limit", "99999999999999999999", cwd=tmp_path), "search")
    assert "--every must be" in one_error_line(
        mfa("schedule", "--db", "a.db", "--every", "99999999999999999999", cwd=tmp_path), "schedule")


def test_an_unknown_source_or_reversed_dates_are_refused(tmp_path):
    small_archive(tmp_path / "a.db")
    for command in (["search", "Захарова"], ["export", "--format", "jsonl", "--out", "o.jsonl"]):
        line = one_error_line(mfa(*command, "--db", "a.db", "--source", "tas", cwd=tmp_path), command[0])
        assert "unknown source 'tas'" in line and "newsru" in line and "tass" in line
        line = one_error_line(mfa(*command, "--db", "a.db", "--since", "2026-05-01", "--until", "2026-04-01",
                                  cwd=tmp_path), command[0])
        assert "--since 2026-05-01 is after --until 2026-04-01" in line
    assert not (tmp_path / "o.jsonl").exists()


# ---------------------------------------------------------------- what a newcomer meets


def test_every_command_describes_itself_in_help(tmp_path):
    listing = mfa("--help", cwd=tmp_path)
    commands = re.findall(r"^    (\w+)\s{2,}\S", listing.stdout, re.M)
    assert len(commands) >= 12, listing.stdout
    for command in commands:
        shown = mfa(command, "--help", cwd=tmp_path)
        assert shown.returncode == 0
        description = shown.stdout.split("\n\n")[1]
        assert not description.startswith(("positional arguments", "options")), (command, shown.stdout)


def test_a_quiet_crawl_prints_only_trouble(tmp_path):
    with Mirror("day1") as mirror:
        args = crawl_args(mirror, tmp_path / "a.db", "--quiet")
        quiet = mfa(*args, cwd=tmp_path)
        mirror.set_condition("newsru", "blocked")
        (tmp_path / "b").mkdir()
        blocked = mfa(*args, cwd=tmp_path / "b")
    # day1 has listing pages, a video and an anti-bot stub among its articles: ordinary outcomes.
    assert quiet.returncode == 0 and quiet.stdout == "" and quiet.stderr == ""
    assert "not-article" in sqlite3.connect(tmp_path / "a.db").execute(
        "SELECT group_concat(reason) FROM failures").fetchone()[0]
    assert blocked.returncode == 1 and blocked.stdout == ""
    assert [line.split(":")[0] for line in blocked.stderr.splitlines()] == ["newsru"]


def test_search_says_how_many_more_and_keeps_each_line_to_one_article(tmp_path):
    db = small_archive(tmp_path / "a.db")
    result = mfa("search", "Захарова", "--db", "a.db", "--all", "--limit", "1", cwd=tmp_path)
    assert result.returncode == 0
    assert "1 of 3 matching articles; --limit N shows more." in result.stderr
    stories = mfa("search", "Захарова", "--db", "a.db", "--all", "--by-story", cwd=tmp_path)
    conn = sqlite3.connect(db)
    for rank in re.finditer(r"^\d+\. (\S+)  (\S+)  (.+)\n   (\S+)$", stories.stdout, re.M):
        day, source, title, url = rank.groups()
        assert conn.execute("SELECT source, title, substr(published, 1, 10) FROM articles WHERE url = ?",
                            [url]).fetchone() == (source, title, day)
    assert stories.stdout.count("\n   story ") == 3


def test_snippets_keep_the_lead_and_the_text_apart(tmp_path):
    small_archive(tmp_path / "a.db")
    result = mfa("search", "ответит", "--db", "a.db", "--all", "--json", "--limit", "1", cwd=tmp_path)
    snippet = json.loads(result.stdout.splitlines()[0])["snippet"]
    assert "зеркально. — " in snippet, snippet


def test_status_after_a_killed_crawl_and_its_json(tmp_path):
    db = small_archive(tmp_path / "a.db")
    conn = sqlite3.connect(db)
    conn.execute("INSERT INTO runs (source, started_at, status) VALUES ('tass', '2026-04-14T10:00:00+00:00', 'running')")
    conn.commit()
    shown = mfa("status", "--db", "a.db", cwd=tmp_path)
    assert "No crawl has finished on this archive yet." in shown.stdout
    assert "WARNING tass: the run started 2026-04-14T10:00:00+00:00 did not finish" in shown.stdout
    conn.execute("UPDATE runs SET status = 'ok', message = 'tass: discovered 3.', failed_by_reason = '{\"HTTP 503\": 2}'")
    conn.commit()
    shown = mfa("status", "--db", "a.db", cwd=tmp_path)
    assert re.search(r"^tass: last run \S+, ok: discovered 3\.$", shown.stdout, re.M), shown.stdout
    as_json = json.loads(mfa("status", "--db", "a.db", "--json", cwd=tmp_path).stdout)
    assert as_json["last_runs"][0]["failed_by_reason"] == {"HTTP 503": 2}


def test_extract_picks_the_profile_by_host_and_says_so(tmp_path):
    page = next((Path(__file__).parent / "fixtures" / "pages" / "tass").glob("*.html.gz"))
    (tmp_path / "page.html").write_bytes(gzip.decompress(page.read_bytes()))
    generic = mfa("extract", "page.html", cwd=tmp_path)
    assert re.search(r"^profile:\s+generic profile \(no configured site matches\)$", generic.stdout, re.M)
    named = mfa("extract", "page.html", "--source", "tass", cwd=tmp_path)
    assert re.search(r"^profile:\s+tass profile$", named.stdout, re.M)


def test_a_feed_is_refused_only_for_a_real_dtd():
    from archive.discover.feeds import parse_feed
    from archive.errors import FeedError

    item = ("<item><title>Захарова</title><link>https://tass.ru/politika/1</link>"
            "<description><![CDATA[В тексте встречается <!ENTITY x \"y\"> как текст]]></description></item>")
    entries = parse_feed(f'<?xml version="1.0"?><rss version="2.0"><channel>{item}</channel></rss>'.encode())
    assert [e.url for e in entries] == ["https://tass.ru/politika/1"] and "<!ENTITY" in entries[0].lead
    with pytest.raises(FeedError, match="declares a DTD"):
        parse_feed(f'<?xml version="1.0"?>\n<!-- c -->\n<!DOCTYPE rss [<!ENTITY x "y">]><rss><channel>{item}</channel></rss>'.encode())


def test_the_crawl_log_holds_what_a_reader_needs_not_scrapy_dumps(tmp_path):
    with Mirror("day1") as mirror:
        assert mfa(*crawl_args(mirror, tmp_path / "a.db"), cwd=tmp_path).returncode == 0
    log = (tmp_path / "mfa-archive.log").read_text(encoding="utf-8")
    for dump in ("Overridden settings", "Enabled downloader middlewares", "Dumping Scrapy stats", "Scraped from"):
        assert dump not in log
    stored = sqlite3.connect(tmp_path / "a.db").execute("SELECT url FROM articles").fetchall()
    assert all(f"new {url} (article " in log for (url,) in stored)
    assert re.search(r"crawler\.run: tass: discovered \d+, fetched \d+", log)
    assert len(log.encode()) < 400 * (len(stored) + 20)  # a line or two per page, not kilobytes
