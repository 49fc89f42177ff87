"""mid.ru crawled from the mirror with the real crawler, and what the archive makes of it:
documents with their kind, stories with their primary source, press reports linked to the
document (and the part of a briefing) they report, quotes checked against it."""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections import Counter
from pathlib import Path

import pytest

from archive.demo import content_midru as m
from archive.demo.content_reports import QUOTE_CASES
from tests.conftest import crawl_args, run_cli
from tests.support.mirrors import make_mirror
from tests.support.primary_gold import primary_links, score_links

MIN_PRECISION = 0.95


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    """The mirror crawled in its day1 state, then day2; the access log of both runs."""
    db = tmp_path_factory.mktemp("midru") / "archive.db"
    with make_mirror("day1") as mirror:
        first = run_cli(*crawl_args(mirror, db))
        day1 = {a.url: a for a in mirror.articles("midru")}
        mirror.set_state("day2")
        second = run_cli(*crawl_args(mirror, db))
        yield {"db": db, "mirror": mirror, "runs": (first, second), "log": list(mirror.access_log), "day1": day1}


def _conn(db: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    return conn


def test_every_document_is_archived_once_with_its_kind(crawled):
    first, second = crawled["runs"]
    assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
    conn = _conn(crawled["db"])
    rows = {r["url"]: r for r in conn.execute("SELECT * FROM articles WHERE source = 'midru'")}
    documents = [a for a in crawled["mirror"].articles("midru") if a.is_article]
    assert {a.url for a in documents} == set(rows), "every document, each under one address"
    for article in documents:
        row = rows[article.url]
        assert row["official"] == 1 and row["doc_type"] == article.doc_type and row["title"] == article.title
        assert row["published"] == article.published
    assert conn.execute("SELECT count(*) FROM articles WHERE source != 'midru' AND official = 1").fetchone()[0] == 0
    briefing = rows[crawled["mirror"].base_urls["midru"] + m.BRIEFING_APR09.path]
    turns = conn.execute("SELECT kind, speaker FROM article_parts WHERE article_id = ?", [briefing["id"]]).fetchall()
    assert ("answer", "М.В.Захарова") in [tuple(t) for t in turns] and ("question", None) in [tuple(t) for t in turns]


def test_the_crawl_stays_on_the_first_list_page_and_off_the_challenge(crawled):
    log = [e for e in crawled["log"] if e.site == "midru"]
    assert not [e.path for e in log if "PAGEN" in e.path or "print=" in e.path], "robots.txt disallows them"
    assert any(e.path == "/robots.txt" for e in log)
    pages = Counter(e.path for e in log if e.kind == "article")
    assert max(pages.values()) == 1 or all(n <= 2 for n in pages.values()), pages  # day2 refetches what moved only
    summary = next(line for line in crawled["runs"][0].stdout.splitlines() if line.startswith("midru:"))
    assert "antibot-stub 1" in summary and "off-site" not in summary, summary
    conn = _conn(crawled["db"])
    reasons = [r[0] for r in conn.execute("SELECT reason FROM failures WHERE source = 'midru'")]
    assert "antibot-stub" in reasons


def test_a_moved_atom_updated_makes_an_updated_article(crawled):
    conn = _conn(crawled["db"])
    url = crawled["mirror"].base_urls["midru"] + m.BRIEFING_APR09.path
    row = conn.execute("SELECT id, text FROM articles WHERE url = ?", [url]).fetchone()
    assert "Все варианты реагирования остаются на столе" in row["text"]
    assert conn.execute("SELECT count(*) FROM article_versions WHERE article_id = ?", [row["id"]]).fetchone()[0] == 1
    second = next(line for line in crawled["runs"][1].stdout.splitlines() if line.startswith("midru:"))
    assert "updated 1" in second and "new 1" in second, second


def test_reports_link_to_the_document_and_the_part_they_report(crawled):
    found = primary_links(crawled["db"])
    score = score_links(found)
    assert score["precision"] >= MIN_PRECISION, score["wrong"]
    assert score["negatives"] >= 10 and score["negatives_unlinked"] == score["negatives"], score
    assert score["with_part"] >= 5 and score["right_part"] == score["with_part"], found
    assert score["recall"] >= 0.9, score["missed"]


def test_stories_and_search_show_the_primary_source_first(crawled):
    db = str(crawled["db"])
    result = run_cli("stories", "--db", db, "--json")
    assert result.returncode == 0, result.stderr
    stories = [json.loads(line) for line in result.stdout.splitlines()]
    with_primary = [s for s in stories if s["primary"] and s["primary"]["grouped"]]
    assert len(with_primary) >= 5
    for story in with_primary:
        assert story["articles"][0]["id"] == story["primary"]["id"] and story["primary"]["source"] == "midru"
    text = run_cli("stories", "--db", db).stdout
    block = text.split("\n2026-")[0] if "primary source" in text.split("\n2026-")[0] else next(
        b for b in text.split("\n2026-") if "primary source" in b)
    lines = block.splitlines()
    assert lines[2].lstrip().startswith("primary source (midru"), block
    found = run_cli("search", "Эстонии судна", "--db", db, "--by-story", "--json")
    hits = [json.loads(line) for line in found.stdout.splitlines()]
    estonia = next(h for h in hits if h["primary_url"] and "2103391" in h["primary_url"])
    assert estonia["outlets"][0] == "midru"
    plain = run_cli("search", "Эстонии судна", "--db", db, "--by-story").stdout
    assert "primary source (midru)" in plain


def test_the_mirrors_quote_cases_get_their_verdicts(crawled):
    conn = _conn(crawled["db"])
    base = crawled["mirror"].base_urls
    for path, cases in QUOTE_CASES.items():
        site = "tass" if not path.endswith("/") else "newsru"
        rows = conn.execute(
            "SELECT q.* FROM quotes q JOIN articles a ON a.id = q.article_id WHERE a.url = ?", [base[site] + path]
        ).fetchall()
        for words, speaker, verdict, issue in cases:
            row = next((r for r in rows if r["quote"].strip(" .") == words.strip(" .")), None)
            assert row is not None, f"{path}: quote not found: {words[:50]} among {[r['quote'][:40] for r in rows]}"
            assert (row["speaker"], row["verdict"], row["issue"]) == (speaker, verdict, issue), (path, dict(row))
            if verdict is not None:
                assert row["match_start"] is not None or verdict == "not_found"


def test_quotes_command(crawled):
    db = str(crawled["db"])
    every = [json.loads(line) for line in run_cli("quotes", "--db", db, "--json").stdout.splitlines()]
    assert len(every) >= 40
    days = [q["published"] for q in every]
    dated = [day for day in days if day]
    assert days[: len(dated)] == dated == sorted(dated, reverse=True), "newest first, undated articles last"
    forms = [run_cli("quotes", "--db", db, "--speaker", name, "--json").stdout for name in ("Захарова", "Марии Захаровой", "М.В.Захаровой")]
    assert forms[0] == forms[1] == forms[2] and forms[0].count("\n") >= 10
    assert all(json.loads(line)["speaker"] == "Захарова" for line in forms[0].splitlines())
    unverified = [json.loads(line) for line in run_cli("quotes", "--db", db, "--unverified", "--json").stdout.splitlines()]
    assert unverified and all(q["verdict"] not in ("verbatim", "near") or q["issue"] for q in unverified)
    assert any(q["issue"] == "negation" for q in unverified) and any(q["issue"] == "number" for q in unverified)
    window = [json.loads(line) for line in run_cli("quotes", "--db", db, "--since", "2026-04-10", "--until", "2026-04-10",
                                                   "--json").stdout.splitlines()]
    assert window and all(q["published"].startswith("2026-04-10") for q in window)
    text = run_cli("quotes", "--db", db, "--speaker", "Лавров").stdout
    assert "the primary text gives these words to Захарова" in text and "/ru/press_service/spokesman/briefings/" in text
    for bad in (["--since", "2026-02-30"], ["--since", "2026-04-12", "--until", "2026-04-10"], ["--speaker", "   "],
                ["--limit", "0"]):
        result = run_cli("quotes", "--db", db, *bad)
        assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1, (bad, result.stderr)


def test_a_site_answering_with_its_challenge_is_source_unavailable(tmp_path):
    db = tmp_path / "archive.db"
    with make_mirror("day1") as mirror:
        mirror.set_condition("midru", "challenge")
        result = run_cli(*crawl_args(mirror, db), "--source", "midru")
        log = [e for e in mirror.access_log if e.site == "midru"]
    line = next(line for line in result.stdout.splitlines() if line.startswith("midru:"))
    assert "SOURCE UNAVAILABLE" in line and "anti-bot page" in line and "not worked around" in line, line
    assert result.returncode == 1
    assert sqlite3.connect(db).execute("SELECT count(*) FROM articles").fetchone()[0] == 0
    paths = Counter(e.path for e in log)
    assert max(paths.values()) == 1, "nothing asked twice, nothing pressed"
    assert set(paths) <= {"/robots.txt", "/ru/rss.php", "/ru/rss", "/ru/foreign_policy/news/",
                          "/ru/press_service/spokesman/briefings/"}
    status = run_cli("status", "--db", str(db), "--json")
    assert "SOURCE UNAVAILABLE" in status.stdout


def test_documents_that_arrive_after_their_reports_link_them(crawled, tmp_path):
    """The press crawled a run before mid.ru: the same links as crawling all at once."""
    db = tmp_path / "later.db"
    with make_mirror("day1") as mirror:
        assert run_cli(*crawl_args(mirror, db, "--source", "tass", "--source", "newsru")).returncode == 0
        assert not primary_links_of(db), "no document yet, no primary source"
        mirror.set_state("day2")
        assert run_cli(*crawl_args(mirror, db, "--source", "tass", "--source", "newsru")).returncode == 0
        assert run_cli(*crawl_args(mirror, db, "--source", "midru")).returncode == 0
    assert primary_links(db) == primary_links(crawled["db"])
    verdicts = "SELECT a.url, q.position, q.verdict, q.issue FROM quotes q JOIN articles a ON a.id = q.article_id ORDER BY 1, 2"
    later = {(url.split("/", 3)[3], *rest) for url, *rest in sqlite3.connect(db).execute(verdicts)}
    together = {(url.split("/", 3)[3], *rest) for url, *rest in sqlite3.connect(crawled["db"]).execute(verdicts)}
    assert later == together


def primary_links_of(db: Path) -> list:
    return sqlite3.connect(db).execute("SELECT * FROM primary_links").fetchall()


def test_exports_carry_quotes_and_put_the_primary_source_first(crawled, tmp_path):
    import pyarrow.parquet as pq
    import yaml

    from archive.export.dataset import SCHEMA_VERSION

    db = str(crawled["db"])
    out = tmp_path / "all.jsonl"
    assert run_cli("export", "--format", "jsonl", "--out", str(out), "--db", db, "--all").returncode == 0
    records = {r["url"]: r for r in map(json.loads, out.read_text(encoding="utf-8").splitlines())}
    conn = _conn(crawled["db"])
    stored = conn.execute("SELECT a.url, count(q.id) FROM articles a LEFT JOIN quotes q ON q.article_id = a.id GROUP BY a.id")
    assert {url: n for url, n in stored} == {url: len(r["quotes"]) for url, r in records.items()}
    negation = next(q for r in records.values() for q in r["quotes"] if q["issue"] == "negation")
    assert negation["verdict"] == "not_found" and negation["primary_url"].endswith(m.COMMENT_NORWAY.path)
    assert {r["official"] for r in records.values()} == {True, False}
    assert yaml.safe_load((tmp_path / "README.md").read_text(encoding="utf-8").split("---\n")[1])["schema_version"] == 2 == SCHEMA_VERSION
    parquet = tmp_path / "stories.parquet"
    assert run_cli("export", "--format", "parquet", "--out", str(parquet), "--db", db, "--by-story").returncode == 0
    table = pq.read_table(parquet)
    assert str(table.schema.field("quotes").type.value_type).startswith("struct<position: int64, end: int64, quote: string")
    rows = table.to_pylist()
    with_primary = [r for r in rows if r["story_primary_id"] is not None]
    assert len(with_primary) >= 5 and all(r["id"] == r["story_primary_id"] and r["official"] for r in with_primary)
    csv_out = tmp_path / "all.csv"
    assert run_cli("export", "--format", "csv", "--out", str(csv_out), "--db", db).returncode == 0
    assert "verbatim" in csv_out.read_text(encoding="utf-8")


def _primary_state(db: Path) -> dict:
    """Quotes, primary links and each article's story primary source, keyed by article ids."""
    conn = sqlite3.connect(db)
    try:
        return {
            "quotes": sorted(conn.execute(
                "SELECT article_id, position, [end], quote, kind, speaker, primary_id, verdict, issue FROM quotes")),
            "links": sorted(conn.execute("SELECT article_id, primary_id, part, evidence FROM primary_links")),
            "story_primary": sorted(conn.execute(
                "SELECT a.id, s.primary_article_id FROM articles a JOIN stories s ON s.id = a.story_id")),
        }
    finally:
        conn.close()


def test_an_archive_from_before_quotes_gets_them_from_check_repair(crawled, tmp_path):
    """An archive upgraded from before schema 13 has articles but no quotes, primary links or
    story primaries, and its stories were grouped by an older rule: `check` says so and
    `check --repair` (a recluster) brings back exactly what crawling would have made."""
    crawled_state = _primary_state(crawled["db"])
    assert crawled_state["quotes"] and crawled_state["links"]
    assert any(primary for _, primary in crawled_state["story_primary"])
    old = tmp_path / "old.db"
    shutil.copy(crawled["db"], old)
    conn = sqlite3.connect(old)
    for table in ("quotes", "primary_links", "primary_docs", "press_cues"):
        conn.execute(f"DELETE FROM {table}")
    conn.execute("UPDATE stories SET primary_article_id = NULL")
    conn.execute("DELETE FROM meta WHERE key = 'story_rule_version'")
    conn.commit()
    conn.close()
    before = run_cli("quotes", "--db", str(old))
    assert before.stdout == "" and "no quotes match" in before.stderr
    found = run_cli("check", "--db", str(old))
    assert found.returncode == 1 and "(recluster)" in found.stdout, found.stdout
    repaired = run_cli("check", "--db", str(old), "--repair")
    assert "REPAIRED recomputed reprints, stories, primary sources and quotes" in repaired.stdout, repaired.stdout
    assert _primary_state(old) == crawled_state
