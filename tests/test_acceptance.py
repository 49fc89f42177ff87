"""Acceptance: the installed `mfa-archive`, run as a user runs it, from a directory of their own.

Each test drives the console script (or a regular, non-editable install of the package) as a
subprocess and checks what the user sees and what is left on disk.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO

BIN = Path(sys.executable).parent


def mfa(*args: str, cwd: Path, timeout: float = 240, env: dict | None = None, executable: Path | None = None):
    """The installed `mfa-archive ARGS`, as a user would type it."""
    return subprocess.run(
        [str(executable or BIN / "mfa-archive"), *args], cwd=cwd, capture_output=True, text=True, timeout=timeout,
        env={**os.environ, "COLUMNS": "200", **(env or {})},
    )


def test_a_regular_install_runs_the_demo_from_another_directory(tmp_path):
    """`pip install .` (not -e) ships the default settings inside the package."""
    source, target, elsewhere = tmp_path / "source", tmp_path / "site", tmp_path / "elsewhere"
    elsewhere.mkdir()
    for name in ("archive", "crawler", "settings"):  # a copy, so the build leaves the repository alone
        shutil.copytree(REPO / name, source / name, symlinks=True, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, source / name)
    installed = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(source)],
        capture_output=True, text=True, timeout=600,
    )
    assert installed.returncode == 0, installed.stderr
    assert (target / "archive" / "defaults" / "sources.toml").is_file()
    assert not (target / "archive" / "defaults").is_symlink()
    env = {"PYTHONPATH": str(target)}
    where = subprocess.run([sys.executable, "-c", "import archive; print(archive.__file__)"], cwd=elsewhere,
                           capture_output=True, text=True, env={**os.environ, **env})
    assert where.stdout.startswith(str(target)), where.stdout  # the installed copy, not the repository
    demo = mfa("demo", cwd=elsewhere, env=env, executable=target / "bin" / "mfa-archive")
    assert demo.returncode == 0, demo.stderr
    assert re.search(r"^demo\.db now holds [1-9]\d* articles", demo.stdout, re.M), demo.stdout
    found = mfa("search", "Галузиным", "--db", "demo.db", cwd=elsewhere, env=env, executable=target / "bin" / "mfa-archive")
    assert found.returncode == 0 and "Галузин" in found.stdout, found.stdout + found.stderr
    # An adjective no rule makes (`немецкий` for Германия) comes from the packaged synonyms list.
    german = mfa("search", "немецкие", "--db", "demo.db", cwd=elsewhere, env=env, executable=target / "bin" / "mfa-archive")
    assert german.returncode == 0 and "[Германии]" in german.stdout, german.stdout + german.stderr


def test_the_demo_run_twice_leaves_the_same_archive(tmp_path):
    first = mfa("demo", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    count = sqlite3.connect(tmp_path / "demo.db").execute("SELECT count(*) FROM articles").fetchone()[0]
    second = mfa("demo", cwd=tmp_path)
    assert second.returncode == 0, second.stderr
    assert re.search(rf"^demo\.db now holds {count} articles", second.stdout, re.M), second.stdout
    assert re.search(r"^tass: discovered \d+, fetched 0, new 0", second.stdout, re.M), second.stdout
    assert sqlite3.connect(tmp_path / "demo.db").execute("SELECT count(*) FROM articles").fetchone()[0] == count
    hint = re.search(r"^Also try: (\S+) search demo\.db articles", second.stdout, re.M)
    assert hint and Path(hint.group(1)).is_file(), "the demo's hint must name a command that exists"


def test_a_newcomer_reads_quotes_and_stories_and_hands_over_the_pages(tmp_path):
    """The README's tour after the demo: quotes with their verdicts, stories with their primary
    source, the raw pages as WARC with its index, and bad input answered in one line."""
    assert mfa("demo", cwd=tmp_path).returncode == 0
    quotes = mfa("quotes", "--db", "demo.db", "--speaker", "Марии Захаровой", cwd=tmp_path)
    assert quotes.returncode == 0, quotes.stderr
    assert re.search(r"\b(verbatim|near|not found|not_found)\b", quotes.stdout), quotes.stdout
    stories = mfa("stories", "--db", "demo.db", cwd=tmp_path)
    assert stories.returncode == 0 and "primary source (midru" in stories.stdout, stories.stdout
    handed = mfa("export", "--db", "demo.db", "--format", "warc", "--out", "pages.warc.gz", cwd=tmp_path)
    assert handed.returncode == 0, handed.stderr
    from warcio.archiveiterator import ArchiveIterator

    with (tmp_path / "pages.warc.gz").open("rb") as stream:
        kinds = [record.rec_type for record in ArchiveIterator(stream)]
    raw_pages = sqlite3.connect(tmp_path / "demo.db").execute("SELECT count(*) FROM raw_pages").fetchone()[0]
    assert kinds[0] == "warcinfo" and kinds.count("response") == raw_pages == kinds.count("request")
    index = (tmp_path / "pages.warc.gz.cdxj").read_text(encoding="utf-8").splitlines()
    assert len(index) >= raw_pages and index == sorted(index)
    (tmp_path / "notes.warc.gz").write_bytes(b"not a web archive\n")
    before = (tmp_path / "demo.db").read_bytes()
    for args in (("quotes", "--db", "demo.db", "--since", "yesterday"),
                 ("ingest", "notes.warc.gz", "--db", "demo.db"),
                 ("export", "--db", "demo.db", "--format", "warc", "--out", ".")):
        refused = mfa(*args, cwd=tmp_path)
        assert refused.returncode != 0 and "Traceback" not in refused.stderr, (args, refused.stderr)
        assert len(refused.stderr.strip().splitlines()) == 1, (args, refused.stderr)
    assert (tmp_path / "demo.db").read_bytes() == before


def test_a_backfill_stopped_with_ctrl_c_says_what_it_kept_and_finishes_when_run_again(tmp_path):
    """The README's "Backfill from web archives": a WARC of 500 pages ingested with two jobs,
    Ctrl-C once the first batch is committed, then the same command again."""
    import signal
    import time

    from tests.support.processes import count_articles
    from tests.support.warcs import WarcBuilder, article_pages
    from tests.test_backfill import dump

    pages = article_pages(generated=500, curated=False)
    builder = WarcBuilder()
    builder.warcinfo(pages[0].captured)
    for page in pages:
        builder.request(page.url, page.captured)
        builder.response(page.url, page.body, page.captured,
                         headers=[("Content-Type", page.content_type), ("Content-Length", str(len(page.body)))])
    builder.write(tmp_path / "cc-news.warc.gz")
    command = [str(BIN / "mfa-archive"), "ingest", "cc-news.warc.gz", "--db", "backfill.db", "--jobs", "2"]
    # Its own process group, as a shell gives a command: Ctrl-C reaches the group, workers too.
    proc = subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    deadline = time.monotonic() + 180
    while count_articles(tmp_path / "backfill.db") < 100:  # the first batch is committed
        assert proc.poll() is None and time.monotonic() < deadline, "the backfill ended before its first commit"
        time.sleep(0.02)
    at_signal = count_articles(tmp_path / "backfill.db")
    os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in a terminal sends
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, (out, err)
    assert err.count("\n") == 1 and "interrupted" in err and "running the same command again" in err, err
    kept = count_articles(tmp_path / "backfill.db")
    new = sum(int(n.replace(",", "")) for n in re.findall(r"new ([\d,]+)", out))
    # What was read before Ctrl-C is stored and committed, and the report counts exactly that.
    assert at_signal <= kept < len(pages) and kept == new, (at_signal, kept, out)
    again = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    assert sum(int(n.replace(",", "")) for n in re.findall(r"already ingested ([\d,]+)", again.stdout)) == kept, again.stdout
    whole = mfa("ingest", "cc-news.warc.gz", "--db", "whole.db", "--jobs", "1", cwd=tmp_path)
    assert whole.returncode == 0, whole.stderr
    assert count_articles(tmp_path / "backfill.db") == len(pages)
    assert dump(tmp_path / "backfill.db") == dump(tmp_path / "whole.db")


def test_an_archive_grouped_by_the_previous_story_rule_is_regrouped_on_request(tmp_path):
    """After an upgrade that changes the story rule, `check` says the stories need `recluster`
    (exit 1), and `recluster` recomputes them: the installed command, as a user runs it."""
    assert mfa("demo", cwd=tmp_path).returncode == 0

    def grouping() -> set[frozenset[str]]:
        with sqlite3.connect(tmp_path / "demo.db") as conn:
            rows = conn.execute("SELECT url, story_id FROM articles WHERE story_id IS NOT NULL").fetchall()
        stories: dict[int, set[str]] = {}
        for url, story in rows:
            stories.setdefault(story, set()).add(url)
        return {frozenset(urls) for urls in stories.values()}

    crawled = grouping()
    with sqlite3.connect(tmp_path / "demo.db") as conn:
        conn.execute("UPDATE meta SET value = ? WHERE key = 'story_rule_version'",
                     ["4: an announcement (future-tense title) and a report (past-tense title) are two stories"])
    stale = mfa("check", "--db", "demo.db", cwd=tmp_path)
    assert stale.returncode == 1 and "(recluster)" in stale.stdout, stale.stdout + stale.stderr
    regrouped = mfa("recluster", "--db", "demo.db", cwd=tmp_path)
    assert regrouped.returncode == 0 and re.match(r"articles \d+, stories \d+", regrouped.stdout), regrouped.stdout
    assert mfa("check", "--db", "demo.db", cwd=tmp_path).stdout.strip() == "demo.db: ok"
    assert grouping() == crawled
