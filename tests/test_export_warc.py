"""`mfa-archive export --format warc`: the fetched pages as a WARC file with its CDXJ index.

The round trip (crawl the mirror, export WARC, ingest it into a fresh archive) is driven through
the installed `mfa-archive` command; the file is checked with warcio (every record read, digests
recomputed), and the index's offsets are followed to their records."""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
import json
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from archive.config import load_config
from archive.fetch.warc import parse_http_response
from archive.models import FetchedPage
from archive.pipeline import process_page
from archive.schema import open_archive
from archive.store.rawpages import load_raw
from tests.conftest import REPO, crawl_args, run_cli
from tests.support.mirrors import make_mirror

CONFIG = load_config()
FIXTURE = REPO / "tests" / "fixtures" / "pages" / "tass" / "2026-12-06"
# Compared between the crawled archive and the one ingested from its WARC export: every field
# of an article but its ids, the times it was stored, and `lastmod`, which the crawl takes from
# the listing (sitemap or feed) that named the page, and a WARC file holds only the page.
COMPARED = ["url", "canonical_url", "source", "title", "lead", "text", "published", "modified", "authors", "tags",
            "section", "image_url", "image_caption", "image_credit", "language", "word_count", "dateline_city",
            "dateline_agency", "extraction_method", "content_hash", "fetched_at", "mfa", "mfa_reason", "doc_type",
            "official", "date_source", "inferred_date"]


def command() -> list[str]:
    """The installed `mfa-archive` script beside this interpreter (the venv's), else the module."""
    script = Path(sys.executable).with_name("mfa-archive")
    return [str(script)] if script.exists() else [sys.executable, "-m", "archive"]


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*command(), *args], capture_output=True, text=True, timeout=240, cwd=REPO)


def sha1_b32(data: bytes) -> str:
    return base64.b32encode(hashlib.sha1(data).digest()).decode("ascii")


def records(path: Path) -> list[dict]:
    """Every record of a WARC file, read by warcio: type, WARC headers, raw HTTP block."""
    from warcio.archiveiterator import ArchiveIterator

    found = []
    with open(path, "rb") as f:
        iterator = ArchiveIterator(f, no_record_parse=True)
        for record in iterator:
            block = record.raw_stream.read()
            found.append({"type": record.rec_type, "headers": dict(record.rec_headers.headers), "block": block,
                          "offset": iterator.get_record_offset()})
    return found


# ------------------------------------------------------------------ the crawled mirror


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    """The mirror crawled once, its base URLs, and its WARC export (written by the command)."""
    work = tmp_path_factory.mktemp("warc-export")
    db = work / "archive.db"
    with make_mirror("day1") as mirror:
        crawl = run_cli(*crawl_args(mirror, db))
        assert crawl.returncode == 0, crawl.stderr
        bases = dict(mirror.base_urls)
    out = work / "crawl.warc.gz"
    result = cli("export", "--format", "warc", "--out", str(out), "--db", str(db))
    assert result.returncode == 0, result.stderr
    return db, bases, out, result


def test_the_export_reports_one_line_and_writes_the_index_beside_the_file(crawled):
    db, _, out, result = crawled
    pages = sqlite3.connect(db).execute("SELECT count(*) FROM raw_pages").fetchone()[0]
    assert result.stderr.strip() == f"exported {pages} pages to {out} (CDXJ index: {out}.cdxj)"
    assert out.with_name(out.name + ".cdxj").is_file()
    assert not (out.parent / "README.md").exists()  # no dataset card for a WARC file


def ingest_config(directory: Path, name: str, base: str) -> Path:
    """The default sources file with source `name` at the mirror's `base` (ingest takes no
    --base-url: the WARC's URLs are the mirror's, so the source must live there)."""
    text = (REPO / "settings" / "sources.toml").read_text(encoding="utf-8")
    real = CONFIG.sources[name].base_url
    changed = text.replace(f'base_url = "{real}"', f'base_url = "{base}"', 1)
    assert changed != text
    path = directory / f"ingest-{name}.toml"
    path.write_text(changed, encoding="utf-8")
    return path


def articles(db: Path) -> tuple[dict, list, dict]:
    conn = sqlite3.connect(db)
    rows = {row[0]: row for row in conn.execute(f"SELECT {', '.join(COMPARED)} FROM articles")}
    by_id = dict(conn.execute("SELECT id, url FROM articles"))
    stories: dict[int, set] = {}
    for url, story in conn.execute("SELECT url, story_id FROM articles WHERE story_id IS NOT NULL"):
        stories.setdefault(story, set()).add(url)
    reprints = {url: by_id.get(of) for url, of in conn.execute("SELECT url, reprint_of FROM articles")}
    methods = dict(conn.execute("SELECT url, extraction_method FROM articles"))
    conn.close()
    return rows, [frozenset(s) for s in stories.values()], {"reprints": reprints, "methods": methods}


def test_round_trip_crawl_export_ingest_gives_the_same_articles_and_stories(crawled, tmp_path):
    db, bases, out, _ = crawled
    fresh = tmp_path / "ingested.db"
    # The mirror's three sites share 127.0.0.1, so each is ingested with a sources file that puts
    # that one source there (ingest maps a record to a source by its host).
    for name, base in bases.items():
        config = ingest_config(tmp_path, name, base)
        result = cli("ingest", str(out), "--db", str(fresh), "--config", str(config), "--source", name, "--jobs", "1")
        assert result.returncode == 0, result.stderr
    crawled_rows, crawled_stories, crawled_links = articles(db)
    ingested_rows, ingested_stories, ingested_links = articles(fresh)
    # Articles whose text came from a full-text feed are not in their pages: a WARC of the pages
    # cannot carry them. Every other article comes back with the same fields.
    from_feed = {url for url, method in crawled_links["methods"].items() if method == "rss_fulltext"}
    assert set(crawled_rows) - set(ingested_rows) == from_feed
    assert set(ingested_rows) <= set(crawled_rows)
    assert len(ingested_rows) >= 60
    for url, row in ingested_rows.items():
        assert row == crawled_rows[url], url
    # The same story partition and reprints (the full-text-feed articles left out of both).
    expected = sorted(sorted(s - from_feed) for s in crawled_stories if s - from_feed)
    assert sorted(sorted(s) for s in ingested_stories) == expected
    expected_reprints = {u: (None if of in from_feed else of) for u, of in crawled_links["reprints"].items()
                         if u not in from_feed}
    assert ingested_links["reprints"] == expected_reprints


def test_every_record_reads_back_with_digests_that_check_out(crawled):
    db, _, out, _ = crawled
    found = records(out)
    assert found[0]["type"] == "warcinfo"
    info = found[0]["block"].decode("utf-8")
    assert f"http-header-user-agent: {CONFIG.crawl.user_agent}" in info
    assert "software: mfa-archive/" in info and "mfa-archive-politeness: download_delay=" in info
    conn = open_archive(db, create=False)
    bodies = {}
    for raw_id, url in conn.execute("SELECT id, final_url FROM raw_pages"):
        bodies[url] = load_raw(conn, raw_id)
    by_id = {r["headers"]["WARC-Record-ID"]: r for r in found}
    responses = [r for r in found if r["type"] == "response"]
    assert len(responses) == len(bodies) == len([r for r in found if r["type"] == "request"])
    for record in found[1:]:
        headers = record["headers"]
        assert headers["WARC-Block-Digest"] == "sha1:" + sha1_b32(record["block"])
        assert int(headers["Content-Length"]) == len(record["block"])
        if record["type"] != "response":
            continue
        http = parse_http_response(record["block"])
        assert http.payload == bodies[headers["WARC-Target-URI"]]  # the exact bytes kept
        assert headers["WARC-Payload-Digest"] == "sha1:" + sha1_b32(http.payload)
        assert "status-line" in headers["WARC-Archive-Reconstructed"]
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", headers["WARC-Date"])
        # The request and its response name each other.
        request = by_id[headers["WARC-Concurrent-To"]]
        assert request["type"] == "request"
        assert request["headers"]["WARC-Concurrent-To"] == headers["WARC-Record-ID"]
        assert request["headers"]["WARC-Target-URI"] == headers["WARC-Target-URI"]
        assert request["headers"]["WARC-Date"] == headers["WARC-Date"]
    # warcio's own checker agrees: every record's digests pass.
    checker = Path(sys.executable).with_name("warcio")
    if checker.exists():
        checked = subprocess.run([str(checker), "check", "-v", str(out)], capture_output=True, text=True, timeout=120)
        assert checked.returncode == 0, checked.stdout
        assert checked.stdout.count("digest pass") == len(found) and "fail" not in checked.stdout
    fetched = dict(conn.execute("SELECT final_url, fetched_at FROM raw_pages"))
    for record in responses:
        at = fetched[record["headers"]["WARC-Target-URI"]]
        assert record["headers"]["WARC-Date"] == at.replace("+00:00", "Z")
    conn.close()


def test_the_cdxj_index_is_sorted_and_its_offsets_point_at_the_records(crawled):
    _, _, out, _ = crawled
    lines = out.with_name(out.name + ".cdxj").read_text(encoding="utf-8").splitlines()
    assert lines == sorted(lines)
    data = out.read_bytes()
    assert len(lines) == len([r for r in records(out) if r["type"] in ("response", "revisit")])
    for line in lines:
        key, timestamp, fields = line.split(" ", 2)
        fields = json.loads(fields)
        assert set(fields) == {"url", "mime", "status", "digest", "length", "offset", "filename"}
        assert fields["filename"] == out.name and re.fullmatch(r"\d{14}", timestamp)
        assert key.startswith("127.0.0.1:") and ")/" in key
        start, length = int(fields["offset"]), int(fields["length"])
        member = gzip.decompress(data[start:start + length])  # one whole gzip member
        head, _, block = member.partition(b"\r\n\r\n")
        headers = dict(line.split(": ", 1) for line in head.decode("utf-8").split("\r\n")[1:])
        assert headers["WARC-Type"] == "response"
        assert headers["WARC-Target-URI"] == fields["url"]
        assert re.sub(r"\D", "", headers["WARC-Date"]) == timestamp
        assert headers["WARC-Payload-Digest"] == "sha1:" + fields["digest"]
        assert fields["mime"] == "text/html" and fields["status"] == "200"


# ------------------------------------------------------------------ a small archive of known pages


def fixture_page(url: str, fetched_at: str, headers: dict | None = None, body: bytes | None = None) -> FetchedPage:
    meta = json.loads(FIXTURE.with_suffix(".json").read_text(encoding="utf-8"))
    return FetchedPage(url=url, source="tass", status=200,
                       headers=meta["headers"] if headers is None else headers,
                       body=body if body is not None else gzip.decompress(FIXTURE.with_suffix(".html.gz").read_bytes()),
                       fetched_at=fetched_at, final_url=url)


URL_A = "https://tass.ru/mezhdunarodnaya-panorama/27414012"
URL_B = "https://tass.ru/mezhdunarodnaya-panorama/27414099"


@pytest.fixture
def small(tmp_path):
    """An archive of one page fetched three times: again unchanged a day later, and the same body
    under a second URL."""
    db_path = tmp_path / "small.db"
    db = open_archive(db_path)
    source = CONFIG.sources["tass"]
    assert process_page(db, fixture_page(URL_A, "2026-04-13T17:00:00+00:00"), source).status == "new"
    assert process_page(db, fixture_page(URL_A, "2026-04-14T17:00:00+00:00"), source).status == "unchanged"
    assert process_page(db, fixture_page(URL_B, "2026-04-15T09:30:00+00:00"), source).status == "new"
    assert db.execute("SELECT count(*) FROM raw_pages").fetchone()[0] == 1  # the body is kept once
    db.close()
    return db_path


def test_a_body_fetched_again_or_under_another_url_becomes_a_revisit(small, tmp_path):
    out = tmp_path / "small.warc.gz"
    result = cli("export", "--format", "warc", "--out", str(out), "--db", str(small))
    assert result.returncode == 0, result.stderr
    found = records(out)
    assert [r["type"] for r in found] == ["warcinfo", "response", "request", "revisit", "revisit"]
    response = found[1]["headers"]
    assert response["WARC-Target-URI"] == URL_A and response["WARC-Date"] == "2026-04-13T17:00:00Z"
    # URL_A fetched again unchanged on the 14th (its latest fetch), and URL_A's body under URL_B.
    again, elsewhere = found[3], found[4]
    assert (again["headers"]["WARC-Target-URI"], again["headers"]["WARC-Date"]) == (URL_A, "2026-04-14T17:00:00Z")
    assert (elsewhere["headers"]["WARC-Target-URI"], elsewhere["headers"]["WARC-Date"]) == (URL_B, "2026-04-15T09:30:00Z")
    for record in (again, elsewhere):
        revisit = record["headers"]
        assert revisit["WARC-Profile"] == "http://netpreserve.org/warc/1.0/revisit/identical-payload-digest"
        assert revisit["WARC-Refers-To"] == response["WARC-Record-ID"]
        assert revisit["WARC-Refers-To-Target-URI"] == URL_A
        assert revisit["WARC-Refers-To-Date"] == "2026-04-13T17:00:00Z"
        assert revisit["WARC-Payload-Digest"] == response["WARC-Payload-Digest"]
        assert revisit["WARC-Block-Digest"] == "sha1:" + sha1_b32(record["block"])
        assert revisit["WARC-Archive-Reconstructed"] == "status-line, content-length, headers"
        assert parse_http_response(record["block"]).payload == b""  # headers only, no payload
    index = out.with_name(out.name + ".cdxj").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line.split(" ", 2)[2])["mime"] for line in index] == ["text/html", "warc/revisit", "warc/revisit"]


def test_an_unchanged_refetch_is_a_revisit_only_if_it_is_the_latest(tmp_path):
    db_path = tmp_path / "refetch.db"
    db = open_archive(db_path)
    source = CONFIG.sources["tass"]
    process_page(db, fixture_page(URL_A, "2026-04-13T17:00:00+00:00"), source)
    process_page(db, fixture_page(URL_A, "2026-04-18T08:00:00+00:00"), source)  # followed by another: no trace
    process_page(db, fixture_page(URL_A, "2026-04-20T08:00:00+00:00"), source)
    db.close()
    out = tmp_path / "refetch.warc.gz"
    assert cli("export", "--format", "warc", "--out", str(out), "--db", str(db_path)).returncode == 0
    found = records(out)
    assert [r["type"] for r in found] == ["warcinfo", "response", "request", "revisit"]
    assert found[3]["headers"]["WARC-Target-URI"] == URL_A
    assert found[3]["headers"]["WARC-Date"] == "2026-04-20T08:00:00Z"
    assert found[3]["headers"]["WARC-Refers-To-Date"] == "2026-04-13T17:00:00Z"


def test_an_ingested_capture_of_a_kept_body_is_a_revisit_at_its_own_url_and_time(small, tmp_path):
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    body = gzip.decompress(FIXTURE.with_suffix(".html.gz").read_bytes())
    captured = tmp_path / "other.warc.gz"
    captured_url = "http://www.tass.ru/mezhdunarodnaya-panorama/27414012?utm_source=x"  # URL_A, as captured
    with open(captured, "wb") as f:
        writer = WARCWriter(f, gzip=True)
        http = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record(
            captured_url, "response", payload=io.BytesIO(body), length=len(body), http_headers=http,
            warc_headers_dict={"WARC-Date": "2026-04-16T12:00:00Z"}))
    result = cli("ingest", str(captured), "--db", str(small), "--update", "--jobs", "1")
    assert result.returncode == 0 and "unchanged 1" in result.stdout, result.stdout + result.stderr
    out = tmp_path / "after.warc.gz"
    assert cli("export", "--format", "warc", "--out", str(out), "--db", str(small)).returncode == 0
    revisits = [r["headers"] for r in records(out) if r["type"] == "revisit"]
    # URL_A's latest fetch is now this capture: one revisit for it, with its URL as captured (not
    # a second one from the article's fetch time). Its re-fetch of the 14th was overwritten.
    assert [(r["WARC-Target-URI"], r["WARC-Date"]) for r in revisits] == [
        (URL_B, "2026-04-15T09:30:00Z"), (captured_url, "2026-04-16T12:00:00Z")]
    assert {r["WARC-Refers-To-Target-URI"] for r in revisits} == {URL_A}


def test_headers_that_describe_other_bytes_are_kept_aside_and_marked(tmp_path):
    db_path = tmp_path / "headers.db"
    db = open_archive(db_path)
    source = CONFIG.sources["tass"]
    body = gzip.decompress(FIXTURE.with_suffix(".html.gz").read_bytes())
    headers = {"Content-Type": "text/html; charset=utf-8", "Content-Length": "1234", "Transfer-Encoding": "chunked",
               "Server": "nginx"}
    process_page(db, fixture_page(URL_A, "2026-04-13T17:00:00+00:00", headers=headers), source)
    # A page kept without headers (as by code before every header was kept).
    process_page(db, fixture_page(URL_B, "2026-04-14T17:00:00+00:00", headers={}, body=body + b"\n"), source)
    db.close()
    out = tmp_path / "headers.warc.gz"
    assert cli("export", "--format", "warc", "--out", str(out), "--db", str(db_path)).returncode == 0
    first, second = [r for r in records(out) if r["type"] == "response"]
    http = parse_http_response(first["block"])
    assert http.headers == [("Content-Type", "text/html; charset=utf-8"),
                            ("X-Archive-Orig-Content-Length", "1234"), ("X-Archive-Orig-Transfer-Encoding", "chunked"),
                            ("Server", "nginx"), ("Content-Length", str(len(body)))]
    assert first["block"].startswith(b"HTTP/1.1 200 OK\r\n") and http.payload == body
    assert first["headers"]["WARC-Archive-Reconstructed"] == "status-line, transfer-encoding, content-length"
    assert parse_http_response(second["block"]).headers == [("Content-Length", str(len(body) + 1))]
    assert second["headers"]["WARC-Archive-Reconstructed"] == "status-line, headers, content-length"


def test_since_last_twice_gives_a_second_file_with_only_the_new_pages(small, tmp_path):
    first, second = tmp_path / "r1.warc.gz", tmp_path / "r2.warc.gz"
    assert cli("export", "--format", "warc", "--out", str(first), "--db", str(small), "--since", "last").returncode == 0
    nothing = cli("export", "--format", "warc", "--out", str(second), "--db", str(small), "--since", "last")
    assert nothing.returncode == 0 and "nothing to export" in nothing.stderr and not second.exists()
    db = open_archive(small)
    url_c = "https://tass.ru/mezhdunarodnaya-panorama/27414100"
    body = gzip.decompress(FIXTURE.with_suffix(".html.gz").read_bytes()) + b"<!-- fetched again, changed -->"
    process_page(db, fixture_page(url_c, "2026-04-16T10:00:00+00:00", body=body), CONFIG.sources["tass"])
    db.close()
    result = cli("export", "--format", "warc", "--out", str(second), "--db", str(small), "--since", "last")
    assert result.returncode == 0, result.stderr
    assert [r["headers"].get("WARC-Target-URI") for r in records(second) if r["type"] == "response"] == [url_c]
    assert [r["type"] for r in records(first)].count("response") == 1
    # A JSON Lines stream of the same name is another stream: its first release holds everything.
    jsonl = tmp_path / "r.jsonl"
    assert cli("export", "--format", "jsonl", "--all", "--out", str(jsonl), "--db", str(small),
               "--since", "last").returncode == 0
    assert len(jsonl.read_text(encoding="utf-8").splitlines()) == 3


def test_a_stream_gets_the_warc_file_and_no_index(small, tmp_path):
    result = subprocess.run([*command(), "export", "--format", "warc", "--out", "-", "--db", str(small)],
                            capture_output=True, timeout=120, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    path = tmp_path / "stdout.warc.gz"
    path.write_bytes(result.stdout)
    assert [r["type"] for r in records(path)] == ["warcinfo", "response", "request", "revisit", "revisit"]
    assert not list(tmp_path.glob("*.cdxj"))


@pytest.mark.parametrize("args, message", [
    (["--out", "{dir}/"], "is a directory"),
    (["--out", "{dir}/x.warc.gz", "--by-story"], "--by-story is for article formats"),
    (["--out", "{dir}/x.warc.gz", "--all"], "--all is for article formats"),
    (["--out", "{dir}/x.warc.gz", "--bom"], "--bom is for --format csv only"),
    (["--out", "{dir}/x.warc.gz", "--config", "{dir}/nowhere.toml"], "config file not found"),
    (["--out", "-", "--since", "last"], "is a stream"),
])
def test_bad_input_gives_one_line_and_exit_2(small, tmp_path, args, message):
    work = tmp_path / "somedir"
    work.mkdir()
    result = cli("export", "--format", "warc", "--db", str(small), *[a.format(dir=work) for a in args])
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert list(work.iterdir()) == []


def test_someone_elses_index_file_is_never_replaced(small, tmp_path):
    out = tmp_path / "x.warc.gz"
    theirs = tmp_path / "x.warc.gz.cdxj"
    theirs.write_text("not an index of ours\n")
    result = cli("export", "--format", "warc", "--out", str(out), "--db", str(small))
    assert result.returncode == 2 and "is not an mfa-archive CDXJ index" in result.stderr
    assert theirs.read_text() == "not an index of ours\n" and not out.exists()
    theirs.unlink()
    assert cli("export", "--format", "warc", "--out", str(out), "--db", str(small)).returncode == 0
    theirs.write_bytes(theirs.read_bytes().replace(b'"offset": "', b'"offset": "9', 1))  # a stale index of ours
    assert cli("export", "--format", "warc", "--out", str(out), "--db", str(small)).returncode == 0  # replaced
    assert b'"offset": "9' not in theirs.read_bytes()


def test_a_fifo_gets_the_warc_stream_and_stays_a_fifo(small, tmp_path):
    import os
    import stat
    import threading

    fifo = tmp_path / "pipe" / "pages.warc.gz"
    fifo.parent.mkdir()
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    try:
        result = cli("export", "--format", "warc", "--out", str(fifo), "--db", str(small))
    finally:
        if reader.is_alive() and not received:
            try:
                os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
            except OSError:
                pass
        reader.join(10)
    assert result.returncode == 0, result.stderr
    copy = tmp_path / "copy.warc.gz"
    copy.write_bytes(received[0])
    assert [r["type"] for r in records(copy)][:3] == ["warcinfo", "response", "request"]
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert sorted(p.name for p in fifo.parent.iterdir()) == [fifo.name]  # no index, no temporary file


def test_a_link_stays_a_link_and_the_index_goes_beside_the_file_it_names(small, tmp_path):
    real = tmp_path / "store" / "pages.warc.gz"
    real.parent.mkdir()
    real.write_bytes(b"old")
    link = tmp_path / "latest.warc.gz"
    link.symlink_to(real)
    result = cli("export", "--format", "warc", "--out", str(link), "--db", str(small))
    assert result.returncode == 0, result.stderr
    assert link.is_symlink() and records(real)[0]["type"] == "warcinfo"
    assert (real.parent / "pages.warc.gz.cdxj").is_file() and not (tmp_path / "latest.warc.gz.cdxj").exists()
