"""What `serve` exposes: loopback unless --public; a public server shows only the readers' tables
and no SQL, downloads or file paths; and nothing, public or not, can write through the web.

Traffic goes to 127.0.0.1 only: public mode is tested on a loopback address (--public allows
loopback too), so no test listens on another interface.
"""

from __future__ import annotations

import asyncio
import hashlib
import socket
import sqlite3
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote

import pytest

from archive.errors import UserError
from archive.web.metadata import READER_TABLES
from archive.web.server import check_host, make_datasette
from tests.support.webarchive import build_web_archive

MFA = str(Path(sys.executable).parent / "mfa-archive")
INTERNAL_TABLES = ("raw_pages", "zstd_dicts", "exports", "http_cache", "frontier", "runs", "failures", "meta",
                   "dedup_docs", "morph_keys", "articles_morph", "articles_fts", "articles_morph_fts_data")


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    built = build_web_archive(tmp_path_factory.mktemp("secure") / "archive.db")
    with sqlite3.connect(built.path) as conn:  # a path an export would record: it must never be shown
        conn.execute("INSERT INTO exports (path, format, by_story, exported_at, rows, schema_version) "
                     "VALUES ('/srv/private/articles.jsonl', 'jsonl', 0, '2026-01-01', 1, 1)")
    return built


@pytest.fixture(scope="module")
def public(archive):
    return make_datasette(archive.path, public=True)


def get(ds, path: str):
    return asyncio.run(ds.client.get(path))


def fingerprint(path: Path) -> str:
    """Everything the archive holds, as SQL text: equal fingerprints mean nothing was written."""
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        return hashlib.sha256("\n".join(conn.iterdump()).encode()).hexdigest()


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.5", "10.0.0.1", "203.0.113.9"])
def test_a_non_loopback_host_needs_public(host):
    with pytest.raises(UserError, match="add --public"):
        check_host(host, public=False)
    check_host(host, public=True)


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "::1", "localhost"])
def test_loopback_hosts_need_nothing(host):
    check_host(host, public=False)


def test_serve_refuses_a_non_loopback_bind_in_one_line(archive, tmp_path):
    for host in ("0.0.0.0", "192.0.2.10"):
        result = subprocess.run([MFA, "serve", "--db", str(archive.path), "--host", host, "--port", "0"],
                                capture_output=True, text=True, timeout=60, cwd=tmp_path)
        assert result.returncode == 2
        assert result.stderr.count("\n") == 1 and "add --public" in result.stderr, result.stderr
        assert "Serving" not in result.stdout


def test_serve_says_in_one_line_when_the_port_is_taken_or_the_archive_is_missing(archive, tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        result = subprocess.run([MFA, "serve", "--db", str(archive.path), "--port", str(port)],
                                capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert result.returncode == 2 and result.stderr.count("\n") == 1 and f"port {port}" in result.stderr
    result = subprocess.run([MFA, "serve", "--db", str(tmp_path / "none.db")], capture_output=True, text=True,
                            timeout=60, cwd=tmp_path)
    assert result.returncode == 2 and result.stderr.strip() == f"mfa-archive serve: error: no archive at {tmp_path / 'none.db'}"


@pytest.mark.parametrize("table", INTERNAL_TABLES)
def test_public_internal_tables_and_raw_pages_are_unreachable(public, table):
    for path in (f"/archive/{table}", f"/archive/{table}.json", f"/archive/{table}/1", f"/archive/{table}/1.json",
                 f"/archive/{table.upper()}.json"):
        response = get(public, path)
        assert response.status_code in (403, 404), (path, response.status_code)
        assert "/srv/private" not in response.text


def test_public_arbitrary_sql_is_off(public):
    probes = [
        "/archive?sql=" + quote("select * from raw_pages"),
        "/archive.json?sql=" + quote("select path from exports"),
        "/archive.json?sql=" + quote("select 1"),
        "/archive/articles.json?_where=" + quote("id in (select rowid from raw_pages)"),
        "/archive/articles?_where=1",
    ]
    for path in probes:
        response = get(public, path)
        assert response.status_code == 403, (path, response.status_code, response.text[:200])
        assert "/srv/private" not in response.text
    assert "View and edit SQL" not in get(public, "/archive/articles").text


def test_public_shows_readers_tables_and_no_file_paths(archive, public):
    listed = {t["name"] for t in get(public, "/archive.json").json()["tables"]}
    assert listed <= READER_TABLES and {"articles", "stories"} <= listed
    assert get(public, "/archive/articles.json").status_code == 200
    assert get(public, f"/-/article/{archive.tass_id}").status_code == 200
    assert get(public, "/?q=Галузин").status_code == 200
    for path in ("/-/databases.json", "/-/databases", "/archive.db"):
        assert get(public, path).status_code in (403, 404), path
    secret = str(archive.path.parent)
    for path in ("/", "/.json", "/archive", "/archive.json", "/-/metadata.json", "/-/settings.json", "/-/plugins.json",
                 "/-/versions.json", "/-/actor.json", "/-/threads.json", "/archive/articles.json", "/-/stories",
                 "/-/feeds", f"/-/article/{archive.tass_id}", "/-/search.json?q=x", "/archive/nosuchtable"):
        response = get(public, path)
        assert secret not in response.text and "/srv/private" not in response.text, path


def test_the_loopback_server_still_offers_sql_and_every_table(archive):
    local = make_datasette(archive.path, public=False)
    assert get(local, "/archive.json?sql=" + quote("select count(*) as n from raw_pages")).status_code == 200
    assert get(local, "/archive/raw_pages.json").status_code == 200


@pytest.mark.parametrize("public_mode", [False, True])
def test_nothing_can_be_written_through_the_web(archive, tmp_path, public_mode):
    path = tmp_path / "archive.db"
    import shutil

    shutil.copy(archive.path, path)
    with sqlite3.connect(path) as conn:  # a row written by another tool: queued for the lemma index
        conn.execute("INSERT INTO articles (url, source, title, text, mfa) VALUES ('https://x.example/1', 'x', "
                     "'Галузин', 'Галузин в Минске', 1)")
    before = fingerprint(path)
    ds = make_datasette(path, public=public_mode)
    writes = ["delete from articles", "update articles set title = 'x'", "drop table articles",
              "insert into watches (name, query, created_at) values ('x', 'y', 'z')", "pragma user_version = 5",
              "attach database ':memory:' as other", "with x as (select 1) delete from articles",
              "select 1; delete from articles", "vacuum", "create table owned (x)", "replace into meta values ('a', 'b')"]
    for sql in writes:
        response = get(ds, "/archive.json?sql=" + quote(sql))
        assert response.status_code in (400, 403), (sql, response.status_code)
        assert asyncio.run(ds.client.post("/archive", data={"sql": sql})).status_code == 405, sql
    for page in ("/", "/-/stories", "/-/feeds", "/-/feeds/x.atom", "/archive/articles", "/archive/articles/1",
                 "/-/article/1", "/archive/watches", "/-/logout", "/-/messages"):
        for method in ("POST", "PUT", "DELETE", "PATCH"):
            response = asyncio.run(ds.client.request(method, page, data={"q": "x"}))
            assert response.status_code == 405, (method, page, response.status_code)
    assert get(ds, "/archive/articles.json?_where=" + quote("1); delete from articles; --")).status_code in (400, 403)
    for query in ("Галузин", "Минске"):  # the search page never indexes the queued row itself
        assert get(ds, "/?q=" + quote(query) + "&scope=all").status_code == 200
    assert fingerprint(path) == before


def test_a_public_server_refuses_raw_pages_and_sql_over_http(archive, tmp_path):
    process = subprocess.Popen([MFA, "serve", "--db", str(archive.path), "--port", "0", "--public"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path)
    try:
        line = process.stdout.readline()
        assert "public" in line, line + process.stderr.read()
        url = line.split(" at ")[1].split()[0].rstrip("/")
        assert url.startswith("http://127.0.0.1:")

        def status(path: str) -> int:
            try:
                with urllib.request.urlopen(url + path, timeout=30) as response:
                    return response.status
            except urllib.error.HTTPError as error:
                return error.code

        assert status("/?q=" + quote("Галузин")) == 200
        assert status("/archive/raw_pages.json") == 403
        assert status("/archive.json?sql=" + quote("select * from raw_pages")) == 403
        assert status("/-/databases.json") == 404
    finally:
        process.terminate()
        process.wait(timeout=30)
    assert "Traceback" not in process.stderr.read()


def test_serving_a_database_that_is_not_an_archive_is_refused(tmp_path):
    """Without an archive the plugin would add nothing, its public restrictions included."""
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE articles (id INTEGER PRIMARY KEY)")
    for public_mode in (False, True):
        with pytest.raises(UserError, match="not an mfa-archive"):
            make_datasette(other, public=public_mode)
