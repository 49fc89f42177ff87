"""The reading pages and Datasette's own views, through Datasette's test client, on an archive
built through the real path (tests/support/webarchive.py).

The search page must find what `mfa-archive search` finds, in the same order: both are
compared here on the same archive, the CLI in a subprocess.
"""

from __future__ import annotations

import asyncio
from html import unescape
import json
import re
import shutil
from html.parser import HTMLParser
from urllib.parse import quote, urlencode

import pytest

from tests.conftest import run_cli
from tests.support.webarchive import build_web_archive

QUERIES = [
    # (query, CLI options, the same as form fields)
    ("Галузиным", [], {}),
    ("МИД России", [], {}),
    ("МИД России", ["--all"], {"scope": "all"}),
    ('"график визитов"', [], {}),
    ("Вьетнам Кремль", ["--all"], {"scope": "all"}),
    ("Галузин", ["--source", "newsru"], {"source": "newsru"}),
    ("Галузин", ["--by-story"], {"by_story": "1"}),
    ("Галузин Лавров", ["--since", "2026-04-01", "--until", "2026-04-30"], {"since": "2026-04-01", "until": "2026-04-30"}),
    ("удобрений", ["--all", "--by-story"], {"scope": "all", "by_story": "1"}),
]


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    return build_web_archive(tmp_path_factory.mktemp("web") / "archive.db")


@pytest.fixture(scope="module")
def datasette(archive):
    from archive.web.server import make_datasette

    return make_datasette(archive.path, public=False)


def get(ds, path: str, status: int = 200):
    response = asyncio.run(ds.client.get(path))
    assert response.status_code == status, (path, response.status_code, response.text[:300])
    return response


class _Page(HTMLParser):
    """The links of a page in order, and its text outside links."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[tuple[str, str]] = []
        self.loose_text: list[str] = []
        self._href: str | None = None
        self._link_text: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "title"):
            self._skip += 1
        if tag == "a":
            self._href, self._link_text = dict(attrs).get("href"), []

    def handle_endtag(self, tag):
        if tag in ("script", "style", "title"):
            self._skip -= 1
        if tag == "a" and self._href is not None:
            self.links.append((self._href, "".join(self._link_text).strip()))
            self._href = None

    def handle_data(self, data):
        if self._skip:
            return
        (self._link_text if self._href is not None else self.loose_text).append(data)


def parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    return page


def article_ids(html: str) -> list[int]:
    """Article ids of the result headlines, in page order."""
    found = re.findall(r'<a class="title" href="/-/article/(\d+)"', html)
    return [int(i) for i in found]


def test_the_home_page_is_a_search_box(datasette):
    html = get(datasette, "/").text
    assert '<input type="search" name="q"' in html
    assert "every word matches in all its forms" in html.lower()
    assert 'href="/-/stories"' in html and 'href="/archive"' in html


@pytest.mark.parametrize("query,cli_options,fields", QUERIES)
def test_the_browser_and_the_cli_find_the_same_articles_in_the_same_order(archive, datasette, query, cli_options, fields):
    result = run_cli("search", query, "--db", str(archive.path), "--json", *cli_options)
    assert result.returncode == 0, result.stderr
    cli_urls = [json.loads(line)["url"] for line in result.stdout.splitlines()]
    cli_ids = [json.loads(line)["id"] for line in result.stdout.splitlines()]
    assert cli_urls, f"the CLI found nothing for {query!r}: the comparison would prove nothing"
    query_string = urlencode({"q": query, **fields})
    web = get(datasette, f"/-/search.json?{query_string}").json()
    assert [hit["url"] for hit in web["hits"]] == cli_urls
    assert article_ids(get(datasette, f"/?{query_string}").text) == cli_ids


def test_results_show_highlighted_snippets_and_link_article_and_story(archive, datasette):
    html = get(datasette, "/?q=Галузиным").text
    assert article_ids(html) == [archive.newsru_id, archive.reprint_id, archive.tass_id]
    assert "<mark>Галузиным</mark>" in html and "<mark>Галузин</mark>" in html
    assert "3 matching articles" in html
    links = dict(parse(html).links)
    assert f"/-/story/{story_of(archive, archive.tass_id)}" in links


def story_of(archive, article_id: int) -> int:
    import sqlite3

    with sqlite3.connect(archive.path) as conn:
        return conn.execute("SELECT story_id FROM articles WHERE id = ?", [article_id]).fetchone()[0]


def test_ministry_news_only_unless_all_articles(archive, datasette):
    assert article_ids(get(datasette, "/?q=Екатеринбург").text) == []
    assert "search all articles" in get(datasette, "/?q=Екатеринбург").text
    assert article_ids(get(datasette, "/?q=Екатеринбург&scope=all").text) == [archive.weather_id]


def test_grouped_by_story_shows_each_story_once_with_its_outlets(archive, datasette):
    html = get(datasette, "/?q=Галузин&by_story=1").text
    assert len(article_ids(html)) == 1
    assert "newsru, regnews.example.ru, tass" in html or "tass, regnews.example.ru, newsru" in html
    assert "1 matching story," in html


@pytest.mark.parametrize("query_string,message", [
    ("q=Галузин&since=2026-13-01", "From must be a date like"),
    ("q=Галузин&since=2026-05-01&until=2026-04-01", "From 2026-05-01 is after To 2026-04-01"),
    ("q=Галузин&source=nosuchsite", "unknown source 'nosuchsite'"),
    ("q=%22%22+%28%29", "nothing to search for"),
])
def test_bad_form_values_are_one_line_on_the_page(datasette, query_string, message):
    html = get(datasette, f"/?{query_string}", status=400).text
    assert message in unescape(html)
    assert article_ids(html) == []
    assert message in " ".join(get(datasette, f"/-/search.json?{query_string}", status=400).json()["errors"])


def test_pages_of_results_continue_where_the_first_stopped(archive, tmp_path):
    from archive.models import Article
    from archive.pipeline import add_article
    from archive.schema import open_archive
    from archive.web.pages import PAGE_SIZE
    from archive.web.server import make_datasette

    path = tmp_path / "many.db"
    shutil.copy(archive.path, path)
    db = open_archive(path)
    for n in range(PAGE_SIZE + 5):
        add_article(db, Article(url=f"https://tass.ru/politika/{500 + n}", source="tass",
                                title=f"Захарова ответила на вопрос номер {n}",
                                text=f"Официальный представитель МИД России Мария Захарова ответила на вопрос {n}.",
                                published=f"2026-05-{1 + n % 28:02d}T10:00:00+03:00"))
    db.close()
    ds = make_datasette(path, public=False)
    first, second = get(ds, "/?q=Захарова").text, get(ds, "/?q=Захарова&page=2").text
    result = run_cli("search", "Захарова", "--db", str(path), "--json", "--limit", str(2 * PAGE_SIZE))
    cli_ids = [json.loads(line)["id"] for line in result.stdout.splitlines()]
    assert article_ids(first) + article_ids(second) == cli_ids
    assert 'href="/?q=%D0%97%D0%B0%D1%85%D0%B0%D1%80%D0%BE%D0%B2%D0%B0&amp;page=2"' in first
    assert f"21–{len(cli_ids)} of {len(cli_ids)}" in second


def test_the_article_page_is_made_for_reading(archive, datasette):
    html = get(datasette, f"/-/article/{archive.tass_id}").text
    page = parse(html)
    text = " ".join("".join(page.loose_text).split())
    assert "<h1>Галузин и замглавы МИД Узбекистана сверили график визитов на высшем уровне</h1>" in html
    assert '<p class="lead">Встреча прошла в Москве, через два месяца после консультаций в Ташкенте</p>' in html
    assert "8 Apr 2026, 17:25 MSK" in text and "tass" in text and "Редакция сайта ТАСС" in text
    assert 'q=%D0%A3%D0%B7%D0%B1%D0%B5%D0%BA%D0%B8%D1%81%D1%82%D0%B0%D0%BD&amp;scope=all">Узбекистан</a>' in html  # tags
    body = re.search(r'<div class="body">(.*?)</div>', html, re.S).group(1)
    assert body.count("<p>") == 3  # the three paragraphs of the stored text
    links = dict(page.links)
    assert links.get("https://tass.ru/politika/27398873") == "original on tass.ru"
    # Its story, with the other outlets' versions and which is a reprint.
    assert f"/-/article/{archive.newsru_id}" in links and f"/-/article/{archive.reprint_id}" in links
    assert re.search(rf'reprint</span> of <a href="/-/article/{archive.tass_id}">article {archive.tass_id}</a>', html)
    assert "Reprinted by" in html
    # Why it is ministry news.
    assert "names a ministry official: <strong>Галузин</strong>" in html
    assert "names the ministry or one of its missions: <strong>МИД России</strong>" in html


def test_a_reprint_says_what_it_copies(archive, datasette):
    html = get(datasette, f"/-/article/{archive.reprint_id}").text
    assert f'of <a href="/-/article/{archive.tass_id}">article {archive.tass_id}</a> (tass: Галузин' in html


def test_a_changed_article_shows_its_earlier_version(archive, datasette):
    html = get(datasette, f"/-/article/{archive.edited_id}").text
    assert "Earlier versions" in html
    assert "По ее словам, Рига ищет внешнего врага.</p>" in html  # the first text, kept
    assert "чтобы отвлечь внимание от своих проблем" in html  # the current text


def test_non_ministry_article_says_why_not(archive, datasette):
    html = get(datasette, f"/-/article/{archive.kremlin_id}").text
    assert "<strong>No.</strong>" in html and "counts against" in html and "<strong>Кремль</strong>" in html


def test_the_story_page_lists_every_outlet(archive, datasette):
    story_id = story_of(archive, archive.tass_id)
    html = get(datasette, f"/-/story/{story_id}").text
    assert "Галузин и замглавы МИД Узбекистана сверили график визитов на высшем уровне" in html
    assert "first seen 8 Apr 2026, 17:25 MSK" in html and "last seen 8 Apr 2026, 19:10 MSK" in html
    assert "outlets: newsru, regnews.example.ru, tass" in html
    assert "3 articles, 1 of them reprint" in html
    hrefs = [href for href, _ in parse(html).links]
    for article_id in (archive.tass_id, archive.newsru_id, archive.reprint_id):
        assert f"/-/article/{article_id}" in hrefs


def test_the_stories_list_is_newest_first_and_ministry_only_by_default(archive, datasette):
    html = get(datasette, "/-/stories").text
    titles = re.findall(r'<a class="title" href="/-/story/\d+">([^<]+)</a>', html)
    assert titles[0].startswith("Захарова ответила")  # last seen 14 Apr
    assert titles.index("Галузин и замглавы МИД Узбекистана сверили график визитов на высшем уровне") < titles.index(
        "Лавров провел переговоры с главой МИД Вьетнама")
    assert "В Кремле оценили отношения с Вьетнамом" not in titles
    everything = re.findall(r'<a class="title" href="/-/story/\d+">([^<]+)</a>', get(datasette, "/-/stories?scope=all").text)
    assert "В Кремле оценили отношения с Вьетнамом" in everything


@pytest.mark.parametrize("path", ["/?q=Галузин", "/?q=Галузин&by_story=1", "/-/stories", "/-/stories?scope=all",
                                  "/-/story/1", "/-/article/1", "/-/article/2", "/-/article/7", "/-/feeds"])
def test_every_id_shown_is_a_link(datasette, path):
    page = parse(get(datasette, path).text)
    for text in page.loose_text:  # each text node outside a link
        assert not re.search(r"\b(article|story) \d+", text), text
    for href, text in page.links:
        if re.fullmatch(r"(article |story )?\d+", text):
            kind = "story" if text.startswith("story") or "/-/story/" in href else "article"
            assert href.endswith(f"/-/{kind}/{text.split()[-1]}"), (href, text)


def test_missing_pages_are_404(datasette):
    for path in ("/-/article/999999", "/-/story/999999", "/-/feeds/nosuch.atom", "/-/feeds/-bad.atom",
                 "/-/article/99999999999999999999999"):
        get(datasette, path, status=404)


def test_datasette_tables_and_json_stay_for_power_users(archive, datasette):
    data = get(datasette, "/archive/articles.json?_shape=objects&_extra=facet_results").json()
    published = [row["published"] for row in data["rows"]]
    assert published == sorted(published, reverse=True)
    facets = data["facet_results"]
    assert {"source", "section", "published", "mfa"} <= set(facets)
    assert "story_id" not in facets  # a facet of numeric story ids helped nobody
    months = {item["value"]: item["count"] for item in facets["published"]["results"]}
    assert months == {"2026-04": 4, "2026-03": 3}
    april = get(datasette, "/archive/articles.json?published__startswith=2026-04&_shape=array").json()
    assert len(april) == 4
    stories = get(datasette, "/archive/stories.json?_shape=objects").json()["rows"]
    assert [s["last_seen"] for s in stories] == sorted((s["last_seen"] for s in stories), reverse=True)


def test_table_cells_link_to_the_reading_pages(archive, datasette):
    html = get(datasette, "/archive/articles").text
    story_id = story_of(archive, archive.tass_id)
    assert f'<a href="/-/article/{archive.tass_id}">Галузин и замглавы МИД' in html
    assert f'<a href="/-/story/{story_id}">story {story_id}</a>' in html
    assert f'<a href="/-/article/{archive.tass_id}">article {archive.tass_id}</a>' in html  # reprint_of
    stories = get(datasette, "/archive/stories").text
    assert f'<a href="/-/story/{story_id}">Галузин и замглавы' in stories
    assert "8 Apr 2026, 19:10 MSK" in stories and "yes (3 ministry articles)" in stories


def test_internal_tables_are_hidden_from_navigation(datasette):
    tables = {t["name"]: t["hidden"] for t in get(datasette, "/archive.json").json()["tables"]}
    assert not any(tables[name] for name in ("articles", "stories", "article_versions", "watches"))
    for internal in ("raw_pages", "morph_keys", "dedup_docs", "http_cache", "zstd_dicts", "exports", "frontier"):
        assert tables[internal], internal
    html = get(datasette, "/archive").text
    visible = html.split("hidden table")[0]
    assert "raw_pages" not in visible and "morph_keys" not in visible


def test_plain_datasette_on_any_file_name_gets_the_plugin_and_metadata(archive, tmp_path):
    """`datasette demo.db` without options: the plugin finds the archive by its tables."""
    from datasette.app import Datasette

    demo = tmp_path / "demo.db"
    shutil.copy(archive.path, demo)
    ds = Datasette([str(demo)])
    assert article_ids(get(ds, "/?q=Галузиным").text) == [archive.newsru_id, archive.reprint_id, archive.tass_id]
    tables = {t["name"]: t["hidden"] for t in get(ds, "/demo.json").json()["tables"]}
    assert tables["raw_pages"] and not tables["articles"]
    assert get(ds, "/demo/articles.json?_extra=facet_results").json()["facet_results"].keys() >= {"source", "mfa"}


def test_a_database_that_is_not_an_archive_is_left_alone(tmp_path):
    import sqlite3

    from datasette.app import Datasette

    other = tmp_path / "other.db"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE things (id INTEGER PRIMARY KEY, name TEXT)")
    ds = Datasette([str(other)])
    html = get(ds, "/").text
    assert 'name="q"' not in html and "other" in html  # Datasette's own index page
    get(ds, "/-/stories", status=404)


def test_serve_prints_its_address_opens_the_browser_there_and_stops_on_ctrl_c(archive, tmp_path):
    """--open starts the user's browser ($BROWSER, here a script that writes down the URL it got)."""
    import os
    import signal
    import subprocess
    import sys
    import time
    import urllib.request
    from pathlib import Path

    opened = tmp_path / "opened.txt"
    browser = tmp_path / "browser.sh"
    browser.write_text(f'#!/bin/sh\necho "$1" > {opened}\n')
    browser.chmod(0o755)
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "mfa-archive"), "serve", "--db", str(archive.path), "--port", "0", "--open"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ, "BROWSER": f"{browser} %s"})
    try:
        line = process.stdout.readline()
        url = line.split(" at ")[1].split()[0]
        assert line.startswith(f"Serving {archive.path} at http://127.0.0.1:") and "this machine only" in line
        with urllib.request.urlopen(url + "?q=" + quote("Галузиным"), timeout=30) as response:
            assert f'href="/-/article/{archive.tass_id}"' in response.read().decode()
        for _ in range(300):  # the browser is started in the background; wait for it, not for a time
            if opened.exists() and opened.read_text().strip():
                break
            time.sleep(0.1)
        assert opened.read_text().strip() == url
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=30) == 0
        assert "Traceback" not in process.stderr.read()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
