"""`mfa-archive ingest FILE.warc.gz`: a CC-NEWS-style file with every awkward case goes through
the crawl's page path, record by record; the archive is the same for any --jobs; a killed
backfill resumes with nothing lost or stored twice; no network is used."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from archive.config import load_config
from archive.discover.urls import captured_article_url
from archive.models import Article
from archive.schema import open_archive
from archive.store.rawpages import load_raw, raw_headers
from tests.conftest import REPO, run_cli
from tests.support.pages import extract_html
from tests.support.processes import count_articles
from tests.support.warcs import Case, AwkwardWarc, WarcBuilder, article_pages, cc_news_style, warc_date

CONFIG = load_config()


@pytest.fixture(scope="module")
def cc_news(tmp_path_factory) -> AwkwardWarc:
    return cc_news_style(tmp_path_factory.mktemp("warc") / "CC-NEWS-20260414.warc.gz")


@pytest.fixture(scope="module")
def ingested(cc_news, tmp_path_factory):
    """The file ingested once with two jobs: (the command's result, the archive's path)."""
    db = tmp_path_factory.mktemp("archive") / "archive.db"
    return run_cli("ingest", str(cc_news.path), "--db", str(db), "--jobs", "2"), db


def charset_of(case: Case) -> str | None:
    content_type = {"bogus-charset": "text/html; charset=x-no-such-charset", "no-content-type": ""}.get(
        case.label, case.page.content_type if case.page else "")
    return content_type.split("charset=")[1] if "charset=" in content_type else None


def expected_result(case: Case):
    """What the crawl's extraction makes of the case's page, captured when the file says."""
    source = CONFIG.sources[case.source]
    if captured_article_url(case.url, source) is None:
        return "not an article URL"
    return extract_html(case.stored_body, case.url, case.source, declared_encoding=charset_of(case),
                        fetched_at=case.page.captured.isoformat(timespec="seconds"))


def expected_tallies(warc: AwkwardWarc) -> dict[str, dict]:
    tallies: dict[str, dict] = {name: {"records": 0, "new": 0, "skipped": Counter(), "failed": Counter()}
                                for name in ("tass", "newsru")}
    for case in warc.cases:
        if case.source is None or case.outcome == "damaged":
            continue
        tally = tallies[case.source]
        tally["records"] += 1
        if case.outcome != "article":
            what, _, reason = case.outcome.partition(": ")
            tally[what][reason] += 1
            continue
        result = expected_result(case)
        if result == "not an article URL":
            tally["skipped"][result] += 1
        elif isinstance(result, Article):
            tally["new"] += 1
        else:
            tally["failed"][result.reason] += 1
    return tallies


def summary_line(name: str, tally: dict) -> str:
    parts = [f"{name}: {tally['records']:,} records: new {tally['new']:,}, updated 0, unchanged 0"]
    for what in ("skipped", "failed"):
        if tally[what]:
            detail = ", ".join(f"{r} {n:,}" for r, n in sorted(tally[what].items(), key=lambda i: (-i[1], i[0])))
            parts.append(f"{what} {sum(tally[what].values()):,} ({detail})")
    return "; ".join(parts)


def test_every_case_comes_to_what_it_must(cc_news, ingested):
    result, _ = ingested
    tallies = expected_tallies(cc_news)
    lines = result.stdout.strip().splitlines()
    for name, tally in tallies.items():
        assert summary_line(name, tally) in lines, result.stdout
    assert tallies["tass"]["new"] > 20 and tallies["newsru"]["new"] > 20
    assert tallies["tass"]["failed"]["not-article"] >= 2  # a listing and a video at article URLs
    total = len(cc_news.cases) - 1
    others = sum(1 for c in cc_news.cases if c.label == "other")
    assert (f"{cc_news.path}: {total:,} records: {sum(t['records'] for t in tallies.values()):,} of the sources, "
            f"{others:,} from other hosts, {total - others - sum(t['records'] for t in tallies.values()):,} of other "
            "types; 1 damaged part skipped (see above)") in lines


def test_a_broken_gzip_member_is_one_line_with_its_offset_and_exit_1(cc_news, ingested):
    result, _ = ingested
    assert result.returncode == 1
    offset = cc_news.offsets[cc_news.damaged_index]
    following = cc_news.offsets[cc_news.damaged_index + 1]
    assert result.stderr.splitlines() == [
        f"{cc_news.path}: offset {offset:,}: damaged gzip data (Error -3 while decompressing data: "
        f"{result.stderr.split('decompressing data: ')[1].split(')')[0]}); skipped {following - offset:,} bytes "
        f"to the next record at offset {following:,}"]
    assert "Traceback" not in result.stderr


def test_stored_articles_are_what_the_crawl_would_store(cc_news, ingested):
    _, path = ingested
    db = open_archive(path, create=False, read_only=True)
    stored = {row[0]: row for row in db.execute(
        "SELECT url, title, text, lead, published, authors, source, fetched_at, raw_id, extraction_method FROM articles")}
    for case in cc_news.cases:
        if case.outcome != "article":
            continue
        expected = expected_result(case)
        if not isinstance(expected, Article):
            assert case.url not in stored, case.label
            continue
        if case.label == "again":
            continue
        url, title, text, lead, published, authors, source, fetched_at, raw_id, method = stored[case.url]
        assert (title, text, lead, published, json.loads(authors), source, method) == (
            expected.title, expected.text, expected.lead, expected.published, expected.authors, case.source,
            expected.extraction_method), case.label
        assert fetched_at == case.page.captured.isoformat(timespec="seconds")
        assert load_raw(db, raw_id) == case.stored_body, case.label
        assert raw_headers(db, raw_id).items() >= case.headers.items(), case.label
    gold = next(c for c in cc_news.cases if c.label == "gzip")
    assert stored[gold.url][1] == gold.page.article.title  # not vacuous: the mirror's own headline
    db.close()


def test_features_and_lemmas_made_in_workers_are_what_the_writer_would_make(ingested):
    """The link features and lemma-index rows a backfill makes before the article has an id
    are the ones `link` and `index_pending` compute from the stored row, as for a crawl."""
    from archive.link.docs import DOC_COLUMNS, doc_row
    from archive.link.linking import _compute
    from archive.search.lemmas import indexed_rows

    _, path = ingested
    db = open_archive(path, create=False)
    try:
        ids = [i for (i,) in db.execute("SELECT id FROM articles ORDER BY id")]
        stored = {row[0]: row for row in db.execute("SELECT * FROM dedup_docs")}
        # Linking may re-date an undated article by its anchor (`anchor_id`, `date_source` and
        # `sort_key` of its row); everything else in the row is the features as computed.
        relinked = {DOC_COLUMNS.split(", ").index(name) for name in ("sort_key", "date_source", "anchor_id")}
        anchored = 0
        for article_id in ids:
            computed, kept = doc_row(_compute(db, article_id)), stored[article_id]
            if kept[DOC_COLUMNS.split(", ").index("anchor_id")] is not None:
                anchored += 1
                computed, kept = ([v for i, v in enumerate(row) if i not in relinked] for row in (computed, kept))
            assert computed == kept, article_id
        assert anchored < len(ids)
        rows = db.execute("SELECT id, title, lead, text FROM articles ORDER BY id").fetchall()
        assert indexed_rows(db, rows) == db.execute("SELECT id, title, lead, text FROM articles_morph ORDER BY id").fetchall()
    finally:
        db.close()


def test_press_cues_made_in_workers_are_what_the_writer_would_make(ingested):
    """The quotes and ministry terms a backfill's workers find for each press article are the
    ones `link_primary` finds from the stored row, as for a crawl."""
    from archive.link.primary import press_cues

    _, path = ingested
    db = open_archive(path, create=False, read_only=True)
    try:
        rows = db.execute("SELECT id, title, lead, text FROM articles WHERE NOT official ORDER BY id").fetchall()
        with_quotes = with_terms = 0
        for article_id, title, lead, text in rows:
            cues = press_cues(title or "", lead or "", text or "")
            stored = db.execute("SELECT position, [end], quote, kind, speaker_key, ministry FROM quotes "
                                "WHERE article_id = ? ORDER BY position", [article_id]).fetchall()
            found = [(q.start, q.end, q.text, q.kind, q.speaker.key if q.speaker else None, int(q.ministry))
                     for q in cues.quotes]
            assert stored == found, article_id
            terms = db.execute("SELECT terms FROM press_cues WHERE article_id = ?", [article_id]).fetchone()
            assert (json.loads(terms[0]) if terms else None) == cues.counts, article_id
            with_quotes += bool(found)
            with_terms += terms is not None
        assert with_quotes and with_terms  # not vacuous: the mirror's pages quote and name the ministry
    finally:
        db.close()


def test_other_hosts_and_other_records_leave_nothing_behind(cc_news, ingested):
    _, path = ingested
    conn = sqlite3.connect(path)
    hosts = {row[0].split("/")[2] for row in conn.execute("SELECT url FROM raw_pages UNION SELECT url FROM articles")}
    assert hosts == {"tass.ru", "news.ru"}
    assert conn.execute("SELECT count(*) FROM failures").fetchone() == (0,)  # backfill failures stay in its report
    recorded = dict(conn.execute("SELECT outcome, count(*) FROM warc_records GROUP BY outcome > 'new'"))
    assert sum(recorded.values()) == conn.execute("SELECT count(*) FROM raw_pages").fetchone()[0]
    assert conn.execute("SELECT count(*) FROM articles").fetchone()[0] == sum(
        t["new"] for t in expected_tallies(cc_news).values())
    conn.close()


def test_a_second_run_skips_everything_and_changes_nothing(cc_news, ingested, tmp_path):
    _, path = ingested
    copy = tmp_path / "copy.db"
    copy.write_bytes(path.read_bytes())
    before = dump(copy)
    again = run_cli("ingest", str(cc_news.path), "--db", str(copy), "--jobs", "1")
    assert again.returncode == 1  # the damaged member is still there, and still reported
    lines = [line for line in again.stdout.splitlines()[1:] if not line.endswith(": 0 records: new 0, updated 0, unchanged 0")]
    assert {line.split(":")[0] for line in lines} == {"tass", "newsru"}, again.stdout  # midru: none in this WARC
    for line in lines:
        assert "new 0, updated 0, unchanged 0" in line and "already ingested" in line, again.stdout
    assert dump(copy) == before


def test_update_takes_archived_urls_as_refetches(cc_news, ingested, tmp_path):
    _, path = ingested
    copy = tmp_path / "copy.db"
    copy.write_bytes(path.read_bytes())
    conn = sqlite3.connect(copy)
    conn.execute("DELETE FROM warc_records")  # as if these captures came from another file
    conn.commit()
    conn.close()
    result = run_cli("ingest", str(cc_news.path), "--db", str(copy), "--update", "--source", "newsru")
    line = next(line for line in result.stdout.splitlines() if line.startswith("newsru:"))
    unchanged = expected_tallies(cc_news)["newsru"]["new"]
    assert f"new 0, updated 0, unchanged {unchanged:,}" in line and "already archived" not in line, line
    assert not any(line.startswith("tass:") for line in result.stdout.splitlines())
    conn = sqlite3.connect(copy)
    assert conn.execute("SELECT count(*) FROM article_versions").fetchone() == (0,)  # the same pages: no new versions
    conn.close()


def test_a_changed_recapture_is_a_new_version_with_update_only(tmp_path):
    from datetime import timedelta

    page = next(p for p in article_pages() if p.article.kind == "article" and p.article.site == "tass")
    first_words = page.article.body_paragraphs[0].split()[:6]
    changed = page.body.replace(" ".join(first_words).encode(), f"Обновлено: {' '.join(first_words)}".encode(), 1)
    assert changed != page.body
    builder = WarcBuilder()
    headers = [("Content-Type", page.content_type)]
    builder.response(page.url, page.body, page.captured, headers=headers, label="first")
    builder.response(page.url, changed, page.captured + timedelta(days=1), headers=headers, label="second")
    warc = tmp_path / "twice.warc"
    builder.write(warc, compress=False)
    plain, update = tmp_path / "plain.db", tmp_path / "update.db"
    assert "tass: 2 records: new 1, updated 0, unchanged 0; skipped 1 (already archived 1)" in run_cli(
        "ingest", str(warc), "--db", str(plain)).stdout
    assert "tass: 2 records: new 1, updated 1, unchanged 0" in run_cli("ingest", str(warc), "--db", str(update),
                                                                       "--update").stdout
    conn = sqlite3.connect(update)
    text, fetched_at = conn.execute("SELECT text, fetched_at FROM articles").fetchone()
    assert text.startswith("Обновлено: ") and fetched_at.startswith(str((page.captured + timedelta(days=1)).date()))
    assert conn.execute("SELECT count(*) FROM article_versions").fetchone() == (1,)
    assert conn.execute("SELECT count(*) FROM raw_pages").fetchone() == (2,)
    conn.close()


def test_since_and_until_bound_the_capture_day(cc_news, tmp_path):
    days = sorted({c.page.captured.date() for c in cc_news.cases if c.page})
    db = tmp_path / "a.db"
    result = run_cli("ingest", str(cc_news.path), "--db", str(db), "--since", str(days[-1]), "--until", str(days[-1]))
    assert "captured outside --since/--until" in result.stdout
    conn = sqlite3.connect(db)
    fetched = {row[0][:10] for row in conn.execute("SELECT fetched_at FROM articles")}
    assert fetched == {str(days[-1])}


def test_no_network_is_used(cc_news, tmp_path):
    """Every socket connection and name lookup is refused, and noted, in the command and its
    forked workers: a backfill must not fetch a missing page."""
    marker = tmp_path / "network-used"
    code = (
        "import socket, sys\n"
        f"def refuse(*args, **kwargs):\n    open({str(marker)!r}, 'a').write(repr(args) + '\\n')\n"
        "    raise OSError('network use')\n"
        "socket.socket.connect = socket.socket.connect_ex = refuse\n"
        "socket.getaddrinfo = socket.create_connection = refuse\n"
        "from archive.cli import main\nsys.exit(main(sys.argv[1:]))\n"
    )
    result = subprocess.run([sys.executable, "-c", code, "ingest", str(cc_news.path), "--db", str(tmp_path / "a.db"),
                             "--jobs", "2"], capture_output=True, text=True, cwd=REPO, timeout=240,
                            env={**os.environ, "PYTHONPATH": str(REPO)})
    assert result.returncode == 1, result.stderr
    assert not marker.exists(), marker.read_text()


def dump(path: Path) -> dict:
    """Everything a backfill decides, by URL (ids of stories and reprints as groups of URLs)."""
    conn = sqlite3.connect(path)
    try:
        articles = conn.execute(
            "SELECT a.url, a.title, a.lead, a.text, a.published, a.authors, a.mfa, a.mfa_reason, a.content_hash,"
            " a.fetched_at, o.url, r.sha256 FROM articles a LEFT JOIN articles o ON o.id = a.reprint_of"
            " LEFT JOIN raw_pages r ON r.id = a.raw_id ORDER BY a.url").fetchall()
        stories = sorted(
            tuple(url for (url,) in conn.execute("SELECT url FROM articles WHERE story_id = ? ORDER BY url", [story]))
            for (story,) in conn.execute("SELECT DISTINCT story_id FROM articles WHERE story_id IS NOT NULL"))
        story_rows = conn.execute("SELECT title, first_seen, last_seen, size, sources, mfa FROM stories ORDER BY 2, 1").fetchall()
        raw = conn.execute("SELECT url, final_url, sha256, size, headers, fetched_at FROM raw_pages ORDER BY id").fetchall()
        records = conn.execute("SELECT record_id, url, outcome, file_offset FROM warc_records ORDER BY record_id").fetchall()
        lemmas = conn.execute("SELECT a.url, m.text FROM articles_morph m JOIN articles a ON a.id = m.id ORDER BY 1").fetchall()
        quotes = conn.execute("SELECT a.url, q.position, q.quote, q.speaker_key, q.verdict FROM quotes q"
                              " JOIN articles a ON a.id = q.article_id ORDER BY 1, 2").fetchall()
        cues = conn.execute("SELECT a.url, c.terms FROM press_cues c JOIN articles a ON a.id = c.article_id ORDER BY 1").fetchall()
        counts = {table: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                  for table in ("article_versions", "failures", "zstd_dicts", "dedup_docs")}
    finally:
        conn.close()
    return {"articles": articles, "stories": stories, "story_rows": story_rows, "raw": raw, "records": records,
            "lemmas": lemmas, "quotes": quotes, "cues": cues, "counts": counts}


def test_one_job_and_two_jobs_make_the_same_archive(cc_news, ingested, tmp_path):
    _, two_jobs = ingested
    one = tmp_path / "one.db"
    single = run_cli("ingest", str(cc_news.path), "--db", str(one), "--jobs", "1")
    assert single.stdout == ingested[0].stdout
    first, second = dump(one), dump(two_jobs)
    assert first["articles"] and any(len(story) > 1 for story in first["stories"])
    for key in first:
        assert first[key] == second[key], key


def test_json_lines_still_go_through_the_same_command(tmp_path):
    lines = tmp_path / "articles.txt"  # no .jsonl: taken by its content
    lines.write_text(json.dumps({"url": "https://example.org/a", "title": "Лавров", "published": None,
                                 "text": "Министр иностранных дел Сергей Лавров провел переговоры."}, ensure_ascii=False)
                     + "\n", encoding="utf-8")
    result = run_cli("ingest", str(lines), "--db", str(tmp_path / "a.db"))
    assert result.returncode == 0 and result.stdout.strip() == "imported 1 (new 1, updated 0, unchanged 0), failed 0"


@pytest.mark.parametrize("args,message", [
    (["--jobs", "0"], "--jobs must be from 1 to 64, not 0"),
    (["--jobs", "two"], "--jobs must be a whole number, not 'two'"),
    (["--since", "2026-02-30"], "--since must be a date like 2025-11-17, not '2026-02-30'"),
    (["--source", "ria"], "unknown source 'ria' (configured: tass, newsru, midru)"),
    (["--since", "2026-04-15", "--until", "2026-04-14"], "--since 2026-04-15 is after --until 2026-04-14"),
])
def test_bad_options_are_one_line_and_exit_2(cc_news, tmp_path, args, message):
    result = run_cli("ingest", str(cc_news.path), "--db", str(tmp_path / "a.db"), *args)
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1 and message in result.stderr, result.stderr
    assert not (tmp_path / "a.db").exists()


def test_files_that_are_neither_warc_nor_json_lines_are_one_line_errors(tmp_path):
    import gzip

    cases = {
        "page.png": (b"\x89PNG\r\n\x1a\n....", "is neither a WARC file nor JSON Lines"),
        "crawl.warc.gz": (gzip.compress(b"just text"), "is not a WARC file: it does not start with a WARC/1.x record"),
        "lines.jsonl.gz": (gzip.compress(b'{"url": 1}\n'), "is gzip-compressed but not WARC"),
    }
    for name, (data, message) in cases.items():
        (tmp_path / name).write_bytes(data)
        result = run_cli("ingest", str(tmp_path / name), "--db", str(tmp_path / "a.db"))
        assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1
        assert result.stderr.startswith(f"mfa-archive ingest: error: {tmp_path / name} {message}"), result.stderr
    jsonl = tmp_path / "a.jsonl"
    jsonl.write_text("")
    result = run_cli("ingest", str(jsonl), "--db", str(tmp_path / "a.db"), "--jobs", "2")
    assert result.returncode == 2 and "--jobs applies to WARC files only" in result.stderr
    assert not (tmp_path / "a.db").exists()


# ------------------------------------------------------------------ a killed backfill


@pytest.fixture(scope="module")
def big_warc(tmp_path_factory) -> Path:
    """The curated pages (reprints and stories) and 400 generated ones, as one CC-NEWS-style file."""
    path = tmp_path_factory.mktemp("big") / "big.warc.gz"
    builder = WarcBuilder()
    pages = article_pages(generated=400)
    builder.warcinfo(pages[0].captured)
    for page in pages:
        builder.request(page.url, page.captured)
        builder.response(page.url, page.body, page.captured,
                         headers=[("Content-Type", page.content_type), ("Content-Length", str(len(page.body)))])
    builder.write(path)
    return path


def children_of(pid: int) -> list[int]:
    try:
        return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def alive(pid: int) -> bool:
    """True while process `pid` runs (a zombie waiting for init to reap it has ended)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def kill_when(db: Path, warc: Path, articles: int, timeout: float = 180) -> list[int]:
    """Start `ingest --jobs 2`, SIGKILL it once `articles` articles are committed; its workers' pids."""
    proc = subprocess.Popen([sys.executable, "-m", "archive", "ingest", str(warc), "--db", str(db), "--jobs", "2"],
                            cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + timeout
    workers: list[int] = []
    try:
        while count_articles(db) < articles:
            assert proc.poll() is None, f"the backfill ended before {articles} articles were committed"
            assert time.monotonic() < deadline, f"fewer than {articles} articles after {timeout} s"
            workers = children_of(proc.pid) or workers
            time.sleep(0.02)
        workers = children_of(proc.pid) or workers
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    return workers


@pytest.mark.slow
def test_a_killed_backfill_resumes_with_nothing_lost_or_stored_twice(big_warc, tmp_path):
    from archive.ops.check import find_problems

    reference = tmp_path / "reference.db"
    assert run_cli("ingest", str(big_warc), "--db", str(reference), "--jobs", "1").returncode == 0
    db = tmp_path / "killed.db"
    for committed in (100, 300):  # the first batch, then some way into a resumed run
        workers = kill_when(db, big_warc, committed)
        assert workers, "the backfill had no worker processes"
        deadline = time.monotonic() + 30
        while any(alive(pid) for pid in workers):  # orphans notice their parent is gone
            assert time.monotonic() < deadline, "worker processes outlived the killed backfill"
            time.sleep(0.05)
        archive = open_archive(db, create=False)
        try:
            assert [p.detail for p in find_problems(archive, full=True)] == []
        finally:
            archive.close()
        assert count_articles(db) >= committed
    finished = run_cli("ingest", str(big_warc), "--db", str(db), "--jobs", "2")
    assert finished.returncode == 0, finished.stderr
    assert "already ingested" in finished.stdout
    assert dump(db) == dump(reference)


def test_the_write_lock_is_free_while_other_sites_records_are_read(tmp_path, monkeypatch):
    """A crawl of the same archive must not wait out a backfill's pass over the rest of a
    CC-NEWS file: the writer commits what it holds and opens no transaction while the reader
    finds nothing to store."""
    import io

    import archive.pipeline.backfill as backfill_module

    pages = article_pages(generated=48, curated=False)
    builder = WarcBuilder()
    builder.warcinfo(pages[0].captured)
    # Enough pages first that the writer is storing them (a transaction open) when the reader
    # comes to the other site's records: pages are handed on a chunk at a time, and a few
    # chunks are kept in flight.
    before = (backfill_module.TASKS_PER_JOB + 2) * backfill_module.CHUNK_PAGES
    for page in pages[:before]:
        builder.response(page.url, page.body, page.captured, headers=[("Content-Type", page.content_type)])
    for n in range(3 * backfill_module.IDLE_RECORDS):  # another site's pages
        builder.response(f"https://example.org/news/{n}", b"<html><body>elsewhere</body></html>", pages[0].captured,
                         headers=[("Content-Type", "text/html")])
    for page in pages[before:]:
        builder.response(page.url, page.body, page.captured, headers=[("Content-Type", page.content_type)])
    warc = tmp_path / "mixed.warc.gz"
    builder.write(warc)
    db_path = tmp_path / "archive.db"
    open_archive(db_path, create=True).close()
    probe = f"https://example.org/news/{2 * backfill_module.IDLE_RECORDS}"
    seen: dict[str, bool] = {}
    source_of = backfill_module._Reader._source_of

    def watching(self, uri):
        if uri == probe and "free" not in seen:  # some way into the other site's records
            other = sqlite3.connect(db_path, timeout=0)
            try:
                other.execute("BEGIN IMMEDIATE")
                other.execute("ROLLBACK")
                seen["free"] = True
            except sqlite3.OperationalError:
                seen["free"] = False
            finally:
                other.close()
        return source_of(self, uri)

    monkeypatch.setattr(backfill_module._Reader, "_source_of", watching)
    report = backfill_module.backfill(db_path, load_config(), [warc], jobs=1, problems=io.StringIO())
    assert seen == {"free": True}
    assert sum(t.new for t in report.sources.values()) == len(pages) == count_articles(db_path)
