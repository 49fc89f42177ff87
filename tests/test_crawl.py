"""End-to-end crawl of the local mirror: real Scrapy, real HTTP, real SQLite."""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from archive.config import load_config
from tests.support.mirrors import make_mirror as Mirror
from tests.support.seeds import NEWSRU_SEED_PATH, TASS_SEED_PATH
from archive.schema import open_archive
from archive.discover.urls import is_article_url
from tests.conftest import REPO, crawl_args, offline_wrapper, run_cli

# Paths each mirror's robots.txt disallows (see sites.md); the crawler must never ask for them.
DISALLOWED = {"tass": ("/search", "/preview/", "/n/", "/api", "/video/"), "newsru": ("/search/",),
              "midru": ("/bitrix/", "/upload/", "/ru/search/")}


def _allowed(article) -> bool:
    return not article.path.startswith(DISALLOWED[article.site]) and "?" not in article.path


def _rows(db: Path) -> dict[str, dict]:
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    rows = {row["url"]: dict(row) for row in conn.execute("SELECT * FROM articles")}
    conn.close()
    return rows


@pytest.fixture(scope="module")
def crawled(tmp_path_factory, seeds_dir):
    """One mirror in its day-1 state, crawled once into a fresh archive."""
    db = tmp_path_factory.mktemp("crawl") / "archive.db"
    with Mirror(state="day1", seeds_dir=seeds_dir) as mirror:
        result = run_cli(*crawl_args(mirror, db))
        log = list(mirror.access_log)
        yield mirror, db, result, log


def test_crawl_stores_every_article_with_its_fields(crawled):
    mirror, db, result, _ = crawled
    assert result.returncode == 0, result.stderr
    rows = _rows(db)
    expected = [a for site in mirror.base_urls for a in mirror.articles(site) if a.is_article and _allowed(a)]
    assert len(expected) >= 60
    missing = [a.url for a in expected if a.url not in rows]
    assert not missing, f"not archived: {missing}"
    for article in expected:
        row = rows[article.url]
        assert row["source"] == article.site
        assert row["title"] == article.title
        if article.undated:
            assert row["published"] is None, article.url
        else:
            assert row["published"] and row["published"][:16] == article.published[:16], article.url
        assert row["text"].strip() and row["fetched_at"]
        assert json.loads(row["tags"]) == list(article.tags) or not article.tags
        first_paragraph = article.body_paragraphs[0]
        assert first_paragraph[:60] in row["text"], article.url
    not_articles = [a.url for site in mirror.base_urls for a in mirror.articles(site) if not a.is_article]
    assert not_articles and not set(not_articles) & set(rows)


def test_pages_without_a_date_join_their_stories_by_copy_and_dateline(crawled):
    """The mirror's undated news.ru pages: a truncated copy, a rewrite that kept the TASS dateline
    (day and month, no year), and the same ministers on another day by its dateline."""
    mirror, db, result, _ = crawled
    assert result.returncode == 0, result.stderr
    rows = _rows(db)
    undated = [a for a in mirror.articles("newsru") if a.undated]
    assert len(undated) == 3
    by_event = {}
    for article in (a for site in mirror.base_urls for a in mirror.articles(site) if a.url in rows):
        by_event.setdefault(article.event, set()).add(rows[article.url]["story_id"])
    copy, dateline, other_day = (next(a for a in undated if word in a.path)
                                 for word in ("grushko", "zamorozka", "telefonu"))
    for article, source in ((copy, "reprint"), (dateline, "dateline"), (other_day, "dateline")):
        assert rows[article.url]["published"] is None
        assert rows[article.url]["date_source"] == source, article.url
    assert by_event[copy.event] == {rows[copy.url]["story_id"]}, "the copy joins the TASS original's story"
    assert rows[copy.url]["inferred_date"] == "2026-04-14"
    assert by_event[dateline.event] == {rows[dateline.url]["story_id"]}, "the dateline dates the rewrite"
    assert rows[dateline.url]["inferred_date"] == "2026-04-14"
    assert rows[other_day.url]["story_id"] != rows[dateline.url]["story_id"], "another day by its dateline"
    assert rows[other_day.url]["inferred_date"] == "2026-04-02", "the year from the day it was fetched"


def test_crawl_prints_a_summary_per_source(crawled):
    mirror, _, result, _ = crawled
    for name in mirror.base_urls:
        line = next(line for line in result.stdout.splitlines() if line.startswith(f"{name}:"))
        assert "discovered" in line and "new" in line and "failed" in line


def test_non_articles_are_recorded_as_failures_with_a_reason(crawled):
    mirror, db, _, _ = crawled
    config = load_config(None, mirror.base_urls)
    conn = sqlite3.connect(db)
    failed = dict(conn.execute("SELECT url, reason FROM failures").fetchall())
    candidates = [
        a
        for site in mirror.base_urls
        for a in mirror.articles(site)
        if not a.is_article and is_article_url(a.url, config.sources[site])
    ]
    assert len(candidates) >= 4
    for article in candidates:
        expected = "refused by robots.txt" if not _allowed(article) else ("antibot-stub", "not-article")
        assert failed.get(article.url) in expected, f"{article.kind} page {article.url}: {failed.get(article.url)}"


def test_seed_pages_crawl_to_their_gold(crawled, seeds_dir):
    if seeds_dir is None:
        pytest.skip("../shared/seeds is absent")
    mirror, db, _, _ = crawled
    rows = _rows(db)
    seed_paths = {NEWSRU_SEED_PATH, TASS_SEED_PATH}
    seeds = [page for page in mirror.gold_pages() if page.path in seed_paths]
    assert len(seeds) == 2
    for page in seeds:
        text = rows[page.url]["text"]
        positions = [text.find(p) for p in page.body_paragraphs]
        assert -1 not in positions and positions == sorted(positions), page.url
        for line in page.not_body:
            assert line not in text, f"{line!r} leaked into {page.url}"


def test_robots_disallow_and_one_request_per_article(crawled):
    mirror, _, _, log = crawled
    article_paths = [e.path for e in log if e.kind == "article"]
    assert article_paths
    for entry in log:
        assert not entry.path.startswith(DISALLOWED[entry.site]), f"robots.txt ignored: {entry.path}"
        if entry.site == "newsru":
            assert "?" not in entry.path, f"query string requested on news.ru: {entry.path}"
    assert not [p for p in article_paths if "?" in p], "tracking parameters were not stripped"
    per_site = {}
    for entry in log:
        if entry.kind == "article":
            key = (entry.site, entry.path)
            per_site[key] = per_site.get(key, 0) + 1
    assert max(per_site.values()) == 1, [k for k, n in per_site.items() if n > 1]
    assert {e.site for e in log if e.path == "/robots.txt"} == set(mirror.base_urls)


def test_user_agent_names_the_tool(crawled):
    _, _, _, log = crawled
    agents = {e.headers.get("User-Agent", "") for e in log}
    assert agents and all(a.startswith("mfa-archive/") and "+http" in a for a in agents)


def test_fts_works_through_sqlite_utils_command_line(crawled):
    mirror, db, _, _ = crawled
    title_word = "Галузин"
    tool = Path(sys.executable).with_name("sqlite-utils")
    result = subprocess.run(
        [str(tool), "search", str(db), "articles", title_word, "-c", "url", "--limit", "50"],
        capture_output=True,
        text=True,
        check=True,
    )
    found = {row["url"] for row in json.loads(result.stdout)}
    word = re.compile(rf"\b{title_word}\b")
    expected = {
        a.url
        for site in mirror.base_urls
        for a in mirror.articles(site)
        if a.is_article and _allowed(a) and word.search(" ".join([a.title, a.lead or "", *a.body_paragraphs]))
    }
    assert expected and expected <= found


def test_second_crawl_makes_no_article_request_and_day2_fetches_only_news(tmp_path):
    db = tmp_path / "archive.db"
    with Mirror(state="day1") as mirror:
        assert run_cli(*crawl_args(mirror, db)).returncode == 0
        before = {url: row["content_hash"] for url, row in _rows(db).items()}
        mirror.clear_log()
        second = run_cli(*crawl_args(mirror, db))
        assert second.returncode == 0, second.stderr
        assert [e.path for e in mirror.access_log if e.kind == "article"] == []
        assert "skipped" in second.stdout
        day1 = {a.url: a for site in mirror.base_urls for a in mirror.articles(site)}
        mirror.set_state("day2")
        mirror.clear_log()
        third = run_cli(*crawl_args(mirror, db))
        assert third.returncode == 0, third.stderr
        day2 = {a.url: a for site in mirror.base_urls for a in mirror.articles(site)}
        new = {u for u, a in day2.items() if u not in day1 and _allowed(a)}
        updated = {u for u, a in day2.items() if u in day1 and a.modified != day1[u].modified and _allowed(a)}
        fetched = {
            mirror.base_urls[e.site] + e.path for e in mirror.access_log if e.kind == "article"
        }
        assert new and updated
        assert fetched == new | updated
        rows = _rows(db)
        assert new <= set(rows)
        changed = {u for u in updated if rows[u]["content_hash"] != before[u]}
        assert changed == updated
        conn = sqlite3.connect(db)
        versions = {r[0] for r in conn.execute("SELECT a.url FROM article_versions v JOIN articles a ON a.id = v.article_id")}
        assert updated <= versions


def test_unreachable_sources_fail_with_one_line_each_and_leave_the_archive(tmp_path):
    offline = offline_wrapper()  # first: where it skips, it skips before any work
    db = tmp_path / "archive.db"
    with Mirror(state="day1") as mirror:
        assert run_cli(*crawl_args(mirror, db, "--source", "newsru")).returncode == 0
    before = _rows(db)
    # The real sites' configuration, run in an empty network namespace: DNS fails for all three, as
    # offline, and nothing reaches tass.ru, news.ru or mid.ru whatever network this machine has.
    result = run_cli("crawl", "--db", str(db), wrapper=offline)
    assert result.returncode == 1
    lines = [line for line in result.stdout.splitlines() + result.stderr.splitlines() if line.strip()]
    assert "tass: cannot reach tass.ru (DNS lookup failed)" in lines
    assert "newsru: cannot reach news.ru (DNS lookup failed)" in lines
    assert "midru: cannot reach mid.ru (DNS lookup failed)" in lines
    assert "Traceback" not in result.stderr
    assert _rows(db) == before
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    statuses = conn.execute("SELECT source, status FROM runs ORDER BY id DESC LIMIT 3").fetchall()
    assert sorted(statuses) == [("midru", "failed"), ("newsru", "failed"), ("tass", "failed")]


def test_refused_connection_is_reported(tmp_path):
    result = run_cli("crawl", "--db", str(tmp_path / "a.db"), "--source", "tass", "--base-url", "tass=http://127.0.0.1:9")
    assert result.returncode == 1
    assert "tass: cannot reach 127.0.0.1:9 (connection refused)" in result.stdout


@pytest.mark.parametrize(
    "args, message",
    [
        (["crawl", "--source", "nope"], "unknown source 'nope'"),
        (["crawl", "--base-url", "tass"], "--base-url expects NAME=URL"),
        (["crawl", "--base-url", "tass=ftp://x"], "base_url must be an http(s) URL"),
        (["crawl", "--config", "/nonexistent.toml"], "config file not found"),
        (["crawl", "--bogus"], "unrecognized arguments"),
    ],
)
def test_bad_crawl_arguments_give_one_line_and_exit_2(tmp_path, args, message):
    result = run_cli(*args, "--db", str(tmp_path / "a.db"))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], result.stderr
    assert not (tmp_path / "a.db").exists() or args[0] != "crawl"


def test_bad_config_values_are_refused(tmp_path):
    config = tmp_path / "sources.toml"
    text = (REPO / "settings" / "sources.toml").read_text(encoding="utf-8")
    for bad, message in [
        (text.replace("max_child_sitemaps = 2", 'max_child_sitemaps = "two"', 1), "must be a whole number"),
        (text.replace("[crawl]", "[crawl]\nspeed = 3", 1), "unknown key crawl.speed"),
        (text.replace('base_url = "https://tass.ru"', 'base_url = "tass.ru"', 1), "base_url must be an http(s) URL"),
        (text.replace("article_path = '^/[a-z", "article_path = '^/([a-z", 1), "not a valid regular expression"),
    ]:
        config.write_text(bad, encoding="utf-8")
        result = run_cli("crawl", "--config", str(config), "--db", str(tmp_path / "a.db"))
        assert result.returncode == 2 and message in result.stderr and len(result.stderr.splitlines()) == 1, bad


def test_demo_crawls_the_mirror_and_shows_a_search(tmp_path):
    db = tmp_path / "demo.db"
    result = run_cli("demo", "--db", str(db), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Local mirror: tass at http://127.0.0.1:" in result.stdout
    assert re.search(r"^tass: discovered \d+, fetched \d+, new [1-9]", result.stdout, re.M)
    assert re.search(r"^newsru: discovered \d+, fetched \d+, new [1-9]", result.stdout, re.M)
    assert re.search(r"^midru: discovered \d+, fetched \d+, new [1-9]", result.stdout, re.M)
    hits = re.findall(r"^  \[(tass|newsru|midru)\] .+\n +.*\[Лавров\w*\]", result.stdout, re.M)
    assert len(hits) == 3
    stored = sqlite3.connect(db).execute("SELECT count(*) FROM articles").fetchone()[0]
    assert f"{db} now holds {stored} articles" in result.stdout


def test_an_error_while_storing_one_page_is_recorded_and_the_page_retried_later(tmp_path):
    db = tmp_path / "archive.db"
    with Mirror(state="day1") as mirror:
        victim = next(a for a in mirror.articles("newsru") if a.is_article and _allowed(a))
        archive = open_archive(db)
        # A real SQLite error for one page, raised inside the article's write transaction.
        archive.execute(
            f"CREATE TRIGGER refuse_one BEFORE INSERT ON articles WHEN new.url = '{victim.url}' "
            "BEGIN SELECT RAISE(ABORT, 'disk says no'); END"
        )
        archive.conn.commit()
        first = run_cli(*crawl_args(mirror, db, "--source", "newsru"))
        assert first.returncode == 0, first.stderr
        assert "internal error: IntegrityError 1" in first.stdout
        rows = _rows(db)
        assert victim.url not in rows and len(rows) >= 20
        conn = sqlite3.connect(db)
        assert conn.execute("SELECT count(*) FROM articles_fts").fetchone()[0] == len(rows)
        assert conn.execute("SELECT attempts FROM frontier WHERE url = ?", [victim.url]).fetchone() == (1,)
        conn.execute("DROP TRIGGER refuse_one")
        conn.execute("UPDATE frontier SET next_try = NULL")  # the back-off pause has passed
        conn.commit()
        second = run_cli(*crawl_args(mirror, db, "--source", "newsru"))
    assert second.returncode == 0
    assert victim.url in _rows(db)


def test_a_robots_txt_server_error_means_wait_not_crawl_everything(tmp_path):
    db = tmp_path / "archive.db"
    with Mirror(state="day1") as mirror:
        mirror.set_condition("newsru", "robots-down")
        first = run_cli(*crawl_args(mirror, db, "--source", "newsru"))
        asked = [e for e in mirror.access_log if e.site == "newsru"]
        mirror.set_condition("newsru", None)
        second = run_cli(*crawl_args(mirror, db, "--source", "newsru"))
    assert first.returncode == 1
    assert f"newsru: cannot reach {mirror.base_urls['newsru'][7:]} (robots.txt unavailable (HTTP 503))" in first.stdout
    assert {e.path for e in asked} == {"/robots.txt"}, "nothing but robots.txt may be asked while it is down"
    assert second.returncode == 0 and len(_rows(db)) >= 20


def test_a_first_crawl_reads_first_run_days_of_sitemaps_and_a_backfill_reads_further(tmp_path):
    """The mirror's pages are dated January to April 2026. With sitemaps as the only listings,
    a first crawl that reads 3 days back requests none of them; `--backfill` reads them, and
    reads on into child sitemaps beyond max_child_sitemaps (where the generated pages are)."""
    from tests.support.mirrors import mirror_sources_text

    text = mirror_sources_text().replace("first_run_days = 3650", "first_run_days = 3")
    # TASS and news.ru listed by their sitemaps alone; mid.ru has none, so it is left out of the crawl.
    press, ministry = text.split("[sources.midru]")
    text = re.sub(r"\n(feeds|full_text_feeds|sections) = \[[^\]]*\]", "", press) + "[sources.midru]" + ministry
    config = tmp_path / "sitemaps-only.toml"
    config.write_text(text, encoding="utf-8")
    db = tmp_path / "archive.db"
    with Mirror(state="day1", generated=1200) as mirror:
        overrides = [a for name, url in mirror.base_urls.items() for a in ("--base-url", f"{name}={url}")]
        press = ["--source", "tass", "--source", "newsru"]
        first = run_cli("crawl", "--db", str(db), "--config", str(config), *press, *overrides)
        assert first.returncode == 0, first.stderr
        assert [e for e in mirror.access_log if e.kind == "article"] == []
        gold = {p.url for p in mirror.gold_pages()}
        generated = {a.url for site in mirror.base_urls for a in mirror.articles(site) if a.is_article} - gold
        backfill = run_cli("crawl", "--db", str(db), "--config", str(config), "--backfill", "3650", *press, *overrides)
        assert backfill.returncode == 0, backfill.stderr
    archived = set(_rows(db))
    # Every article page, but the one whose text only the full-text feed (left out here) carries.
    wanted = {p.url for p in mirror.gold_pages()
              if p.is_article and _allowed(p) and p.kind != "rss_fulltext_only" and p.site != "midru"}
    assert wanted - archived == set()
    assert len(generated & archived) == len(generated) >= 1000  # beyond the two newest children
