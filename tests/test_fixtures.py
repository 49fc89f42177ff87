"""Saved pages of each site with what must be extracted from them (tests/fixtures/pages/<site>/
<date>.html.gz and <date>.json), and profiles versioned by date.

A fixture is extracted with its site's profile of the day it was captured, so when a site
changes its layout the old pages keep testing the old profile and new ones the new.
`mfa-archive extract URL --save-fixture tests/fixtures/pages` adds one (see docs/design.md).
"""

from __future__ import annotations

import gzip
import json
import re
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from archive.config import load_config
from archive.extract import extract_article
from archive.extract.single import FIXTURE_FIELDS, fixture_fields, load_fixture
from archive.models import Article
from tests.conftest import REPO, run_cli

FIXTURES = sorted((REPO / "tests" / "fixtures" / "pages").glob("*/*.html.gz"))


def test_every_configured_news_site_has_fixtures():
    sites = {path.parent.name for path in FIXTURES}
    assert {"tass", "newsru", "midru"} <= sites, sites


@pytest.mark.parametrize("path", FIXTURES, ids=[f"{p.parent.name}/{p.name}" for p in FIXTURES])
def test_a_saved_page_extracts_to_its_expected_fields(path: Path):
    page, expected = load_fixture(path)
    site = load_config().sources[page.source]
    article = extract_article(page, site.profile_at(page.fetched_at))
    assert isinstance(article, Article), article
    assert set(expected) == set(FIXTURE_FIELDS)
    found = fixture_fields(article)
    for field, value in expected.items():
        assert found[field] == value, field


PROFILED = """
[sources.site]
base_url = "https://site.example"
feeds = ["/rss"]
article_path = '^/news/\\d+$'

[[sources.site.profile]]
# the old layout: a promo line inside the body
valid_until = 2026-03-31
drop_lines = ['^Подпишитесь на канал сайта$']

[[sources.site.profile]]
# the new layout dropped the promo; its body may start with a line the old rule would drop
trafilatura_fast = true
"""


def test_a_page_is_extracted_with_the_profile_of_the_day_it_was_fetched(tmp_path):
    config_path = tmp_path / "sources.toml"
    config_path.write_text(PROFILED, encoding="utf-8")
    site = load_config(config_path).sources["site"]
    old, new = site.profiles
    assert old.valid_until == date(2026, 3, 31) and new.valid_until is None
    assert site.profile_at("2026-03-31T23:00:00+00:00") is old
    assert site.profile_at("2026-04-01T00:00:00+00:00") is new
    assert site.profile_at(None) is new
    paragraphs = ["Подпишитесь на канал сайта"] + [
        f"Министр иностранных дел провел переговоры с коллегой, сообщили в ведомстве {n}." for n in range(4)
    ]
    body = (
        "<html><head><title>Переговоры</title><meta property='og:type' content='article'>"
        "<meta property='article:published_time' content='2026-03-30T10:00:00+03:00'></head>"
        "<body><article><h1>Переговоры министров</h1>" + "".join(f"<p>{p}</p>" for p in paragraphs) + "</article></body></html>"
    ).encode()
    page, _ = load_fixture(_fixture(tmp_path, body))
    march = extract_article(replace(page, fetched_at="2026-03-30T10:00:00+00:00"), site.profile_at("2026-03-30"))
    april = extract_article(replace(page, fetched_at="2026-04-02T10:00:00+00:00"), site.profile_at("2026-04-02"))
    assert paragraphs[0] not in march.text
    assert april.text.startswith(paragraphs[0])


def _fixture(tmp_path: Path, body: bytes) -> Path:
    folder = tmp_path / "site"
    folder.mkdir()
    (folder / "2026-03-30.html.gz").write_bytes(gzip.compress(body))
    (folder / "2026-03-30.json").write_text(json.dumps(
        {"url": "https://site.example/news/1", "fetched_at": "2026-03-30T10:00:00+00:00", "headers": {}, "expected": {}}
    ), encoding="utf-8")
    return folder / "2026-03-30.html.gz"


def test_profiles_need_exactly_one_current_version(tmp_path):
    config_path = tmp_path / "sources.toml"
    config_path.write_text(PROFILED.replace("trafilatura_fast = true", "valid_until = 2026-05-01"), encoding="utf-8")
    result = run_cli("crawl", "--config", str(config_path), "--db", str(tmp_path / "a.db"))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"mfa-archive crawl: error: {config_path}: sources.site needs exactly one profile without valid_until (the current one)"
    ]


def test_the_extract_command_saves_a_page_as_a_fixture_that_the_tests_replay(tmp_path):
    source = FIXTURES[0]
    page, expected = load_fixture(source)
    saved_page = tmp_path / "page.html"
    saved_page.write_bytes(page.body)
    result = run_cli("extract", str(saved_page), "--source", page.source, "--save-fixture", str(tmp_path / "pages"))
    assert result.returncode == 0, result.stderr
    assert re.search(rf"^profile:\s+{page.source} profile$", result.stdout, re.M), result.stdout
    (html_path,) = (tmp_path / "pages" / page.source).glob("*.html.gz")
    replayed, fields = load_fixture(html_path)
    assert replayed.body == page.body and replayed.source == page.source
    assert fields["text"] == expected["text"] and fields["title"] == expected["title"]
    again = run_cli("extract", str(saved_page), "--source", page.source, "--save-fixture", str(tmp_path / "pages"))
    assert again.returncode == 0 and len(list((tmp_path / "pages" / page.source).glob("*.html.gz"))) == 2
