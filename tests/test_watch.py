"""Saved searches (`mfa-archive watch`) and their Atom feeds: kept in the archive, the same feed
from `serve` and from `watch feed --out`, each new matching article seen once by a reader, and
one-line errors for bad names, bad queries, unknown watches and unsafe output paths.

Special files (FIFOs, symbolic links) are only ones these tests create in their own tmp dirs.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sqlite3
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from archive.schema import MIGRATIONS, SCHEMA_VERSION
from archive.search.schema import create_watches

from archive.models import Article
from archive.pipeline import add_article
from archive.schema import open_archive
from tests.support.webarchive import build_web_archive

MFA = str(Path(sys.executable).parent / "mfa-archive")
ATOM = "{http://www.w3.org/2005/Atom}"


def mfa(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([MFA, *args], cwd=cwd, capture_output=True, text=True, timeout=120)


@pytest.fixture
def archive(tmp_path):
    return build_web_archive(tmp_path / "archive.db")


def one_line_error(result: subprocess.CompletedProcess, *words: str) -> None:
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("mfa-archive watch"), result.stderr
    assert "error: " in result.stderr and "Traceback" not in result.stderr
    for word in words:
        assert word in result.stderr, result.stderr


def entries(feed: bytes) -> list[dict]:
    root = ET.fromstring(feed)
    return [
        {"id": e.findtext(f"{ATOM}id"), "title": e.findtext(f"{ATOM}title"),
         "link": e.find(f"{ATOM}link[@rel='alternate']").get("href"), "updated": e.findtext(f"{ATOM}updated")}
        for e in root.findall(f"{ATOM}entry")
    ]


def write_feed(tmp_path: Path, archive, name: str, *extra: str) -> bytes:
    out = tmp_path / f"{name}.atom"
    result = mfa("watch", "feed", name, "--out", str(out), "--db", str(archive.path), *extra, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    return out.read_bytes()


def test_add_list_remove(archive, tmp_path):
    db = str(archive.path)
    assert mfa("watch", "add", "galuzin", "Галузиным", "--db", db, cwd=tmp_path).returncode == 0
    assert mfa("watch", "add", "vietnam-all", "Вьетнам", "--all", "--source", "newsru", "--since", "2026-01-01",
               "--db", db, cwd=tmp_path).returncode == 0
    listing = mfa("watch", "list", "--db", db, cwd=tmp_path)
    assert listing.stdout.splitlines() == [
        "galuzin\tГалузиным\t(ministry news)",
        "vietnam-all\tВьетнам\t(all articles, from newsru, since 2026-01-01)",
    ]
    assert mfa("watch", "remove", "galuzin", "--db", db, cwd=tmp_path).returncode == 0
    assert [line.split("\t")[0] for line in mfa("watch", "list", "--db", db, cwd=tmp_path).stdout.splitlines()] == [
        "vietnam-all"]
    with sqlite3.connect(archive.path) as conn:  # kept in the archive itself
        assert conn.execute("SELECT name, query, source, all_articles FROM watches").fetchall() == [
            ("vietnam-all", "Вьетнам", "newsru", 1)]


@pytest.mark.parametrize("args,words", [
    (["add", "bad name", "Галузин"], ["bad watch name 'bad name'"]),
    (["add", "-x", "Галузин"], []),  # argparse reads it as an option: still one line
    (["add", "ok", "Галузин", "--source", "nosuch"], ["unknown source 'nosuch'"]),
    (["add", "ok", "Галузин", "--since", "2026-05-01", "--until", "2026-04-01"], ["is after"]),
    (["add", "ok", '"" ( )'], ["nothing to search for"]),
    (["add", "ok", "x" * 1001], ["too long"]),
    (["remove", "nosuch"], ["no watch named 'nosuch'"]),
    (["feed", "nosuch", "--out", "feed.atom"], ["no watch named 'nosuch'"]),
    (["feed", "ok", "--out", "feed.atom", "--site-url", "ftp://x"], ["--site-url must be an http(s) URL"]),
    (["add", "ü", "Галузин"], ["bad watch name"]),
    ([], ["required: ACTION"]),
])
def test_bad_input_is_one_line_and_exit_2(archive, tmp_path, args, words):
    one_line_error(mfa("watch", *args, *(["--db", str(archive.path)] if args else []), cwd=tmp_path), *words)


def test_a_name_in_use_or_a_missing_archive_is_one_line(archive, tmp_path):
    db = str(archive.path)
    assert mfa("watch", "add", "galuzin", "Галузин", "--db", db, cwd=tmp_path).returncode == 0
    one_line_error(mfa("watch", "add", "galuzin", "Лавров", "--db", db, cwd=tmp_path), "exists already")
    one_line_error(mfa("watch", "list", "--db", str(tmp_path / "none.db"), cwd=tmp_path), "no archive at")
    assert not (tmp_path / "none.db").exists()


def test_the_feed_holds_matching_articles_newest_first_linking_to_their_pages(archive, tmp_path):
    assert mfa("watch", "add", "galuzin", "Галузиным", "--db", str(archive.path), cwd=tmp_path).returncode == 0
    feed = write_feed(tmp_path, archive, "galuzin", "--site-url", "http://127.0.0.1:8123/")
    found = entries(feed)
    assert [e["title"] for e in found] == [
        "Галузин и Алоев обсудили график визитов на высшем уровне",  # 19:10
        "Галузин и замглавы МИД Узбекистана сверили график визитов",  # 18:05
        "Галузин и замглавы МИД Узбекистана сверили график визитов на высшем уровне",  # 17:25
    ]
    assert [e["link"] for e in found] == [f"http://127.0.0.1:8123/-/article/{i}"
                                          for i in (archive.newsru_id, archive.reprint_id, archive.tass_id)]
    assert found[2]["id"] == "https://tass.ru/politika/27398873"  # the article's own URL: never changes
    root = ET.fromstring(feed)
    assert root.findtext(f"{ATOM}id") == "http://127.0.0.1:8123/-/feeds/galuzin.atom"
    assert root.findtext(f"{ATOM}updated") == "2026-04-08T19:10:00+03:00"
    assert "<b>Галузиным</b>" in root.find(f"{ATOM}entry").findtext(f"{ATOM}summary")


def test_a_reader_sees_each_new_matching_article_once(archive, tmp_path):
    """Poll, add articles (one matching, one not, one old-dated but new to the archive, one
    edit of a seen article), poll again: exactly the new matches are new entries."""
    assert mfa("watch", "add", "galuzin", "Галузин", "--db", str(archive.path), cwd=tmp_path).returncode == 0
    seen = {e["id"] for e in entries(write_feed(tmp_path, archive, "galuzin"))}
    assert len(seen) == 3
    assert entries(write_feed(tmp_path, archive, "galuzin")) == entries(write_feed(tmp_path, archive, "galuzin"))
    first_bytes = write_feed(tmp_path, archive, "galuzin")
    assert write_feed(tmp_path, archive, "galuzin") == first_bytes  # nothing changed: the same bytes

    db = open_archive(archive.path)
    add_article(db, Article(url="https://tass.ru/politika/27500000", source="tass",
                            title="Галузин провел консультации в Душанбе", published="2026-04-20T11:00:00+03:00",
                            text="Заместитель министра иностранных дел РФ Михаил Галузин провел консультации в Душанбе."))
    add_article(db, Article(url="https://tass.ru/politika/27500001", source="tass", title="Лавров в Анкаре",
                            published="2026-04-21T11:00:00+03:00",
                            text="Министр иностранных дел России Сергей Лавров прибыл в Анкару."))
    add_article(db, Article(url="https://tass.ru/politika/1000", source="tass",  # crawled late: an old date
                            title="Галузин в Ереване", published="2025-01-10T11:00:00+03:00",
                            text="Заместитель министра иностранных дел РФ Михаил Галузин прибыл в Ереван."))
    add_article(db, Article(url="https://tass.ru/politika/27398873", source="tass",  # the site edited a seen one
                            title="Галузин и замглавы МИД Узбекистана сверили график визитов", published="2026-04-08T17:25:00+03:00",
                            text="Заместитель министра иностранных дел РФ Михаил Галузин провел переговоры с Алоевым."))
    db.close()
    now = entries(write_feed(tmp_path, archive, "galuzin"))
    new = [e for e in now if e["id"] not in seen]
    assert sorted(e["id"] for e in new) == ["https://tass.ru/politika/1000", "https://tass.ru/politika/27500000"]
    assert now[0]["title"] == "Галузин провел консультации в Душанбе"  # newest published first
    assert len({e["id"] for e in now}) == len(now)


def test_serve_publishes_the_same_feed_as_the_file(archive, tmp_path):
    from archive.web.server import make_datasette

    assert mfa("watch", "add", "galuzin", "Галузин", "--db", str(archive.path), cwd=tmp_path).returncode == 0
    served = asyncio.run(make_datasette(archive.path, public=False).client.get("/-/feeds/galuzin.atom"))
    assert served.status_code == 200
    assert served.headers["content-type"] == "application/atom+xml; charset=utf-8"
    # Datasette's test client calls itself http://localhost.
    assert served.content == write_feed(tmp_path, archive, "galuzin", "--site-url", "http://localhost")
    listing = asyncio.run(make_datasette(archive.path, public=False).client.get("/-/feeds")).text
    assert 'href="/-/feeds/galuzin.atom"' in listing


def test_the_feed_file_is_replaced_atomically_and_keeps_its_mode(archive, tmp_path):
    assert mfa("watch", "add", "galuzin", "Галузин", "--db", str(archive.path), cwd=tmp_path).returncode == 0
    out = tmp_path / "galuzin.atom"
    out.write_text("old")
    os.chmod(out, 0o640)
    write_feed(tmp_path, archive, "galuzin")
    assert out.read_bytes().startswith(b"<?xml") and (out.stat().st_mode & 0o777) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []  # no temporary left


def test_the_feed_never_replaces_a_link_a_fifo_or_a_directory(archive, tmp_path):
    assert mfa("watch", "add", "galuzin", "Галузин", "--db", str(archive.path), cwd=tmp_path).returncode == 0
    target = tmp_path / "target.txt"
    target.write_text("keep me")
    (tmp_path / "link.atom").symlink_to(target)
    os.mkfifo(tmp_path / "fifo.atom")
    (tmp_path / "dir.atom").mkdir()
    for name, words in (("link.atom", "symbolic link"), ("fifo.atom", "not a regular file"), ("dir.atom", "directory"),
                        ("missing/feed.atom", "does not exist")):
        result = mfa("watch", "feed", "galuzin", "--out", str(tmp_path / name), "--db", str(archive.path), cwd=tmp_path)
        one_line_error(result, words)
    assert target.read_text() == "keep me" and (tmp_path / "link.atom").is_symlink()
    assert (tmp_path / "fifo.atom").is_fifo()


WATCHES_SCHEMA = next(m.version for m in MIGRATIONS if create_watches in m.steps)


def test_an_archive_from_before_watches_gets_the_table_when_opened(archive, tmp_path):
    older = tmp_path / "older.db"
    shutil.copy(archive.path, older)
    with sqlite3.connect(older) as conn:
        conn.execute("DROP TABLE watches")
        conn.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", [str(WATCHES_SCHEMA - 1)])
    assert mfa("watch", "list", "--db", str(older), cwd=tmp_path).returncode == 0
    assert mfa("watch", "add", "w", "Галузин", "--db", str(older), cwd=tmp_path).returncode == 0
    with sqlite3.connect(older) as conn:
        assert conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() == (str(SCHEMA_VERSION),)
