"""The local mirror over real HTTP: robots, feeds, sitemaps, conditional requests, states, gold."""

from __future__ import annotations

import html
import json
import re
import urllib.error
import urllib.request
import urllib.robotparser
import xml.etree.ElementTree as ET
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from tests.support.mirrors import make_mirror as Mirror
from archive.demo.authoring import DATELINE
from archive.demo.content_reports import QUOTE_CASES
from archive.demo.render_midru import date_line
from archive.demo.feeds import FEED_SIZE

SEEDS_DIR = Path(__file__).resolve().parents[1] / ".." / "shared" / "seeds"
SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
SCRIPT_KINDS = {"jsonld_only", "next_data_only", "rss_fulltext_only"}


def fetch(url: str, headers: dict | None = None) -> tuple[int, dict, bytes]:
    """GET a URL; 304 and 404 come back as statuses, not exceptions."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers.items()), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers.items()), error.read()


def page_text(raw: bytes, kind: str) -> str:
    return html.unescape(raw.decode("cp1251" if kind in ("cp1251", "wrong_charset") else "utf-8"))


def sitemap_entries(base: str) -> dict[str, str]:
    """loc -> lastmod over every child of the sitemap index."""
    index = ET.fromstring(fetch(base + "/sitemap.xml")[2])
    entries = {}
    for child in index.iter(SITEMAP_NS + "sitemap"):
        child_url = child.findtext(SITEMAP_NS + "loc")
        assert child.findtext(SITEMAP_NS + "lastmod")
        for url in ET.fromstring(fetch(child_url)[2]).iter(SITEMAP_NS + "url"):
            entries[url.findtext(SITEMAP_NS + "loc")] = url.findtext(SITEMAP_NS + "lastmod")
    return entries


def bare(entries: dict[str, str]) -> dict[str, str]:
    """Sitemap entries keyed by URL without tracking parameters."""
    return {url.split("?")[0]: lastmod for url, lastmod in entries.items()}


@pytest.fixture(scope="module")
def mirror():
    with Mirror() as running:
        yield running


def test_robots_txt_carries_the_real_rules(mirror):
    for site, rules in {
        "tass": ["Disallow: /search", "Disallow: /preview/", "Disallow: /n/", "Disallow: /api", "Disallow: /video/"],
        "newsru": ["Disallow: /*?", "Disallow: /search/"],
    }.items():
        base = mirror.base_urls[site]
        status, headers, body = fetch(base + "/robots.txt")
        text = body.decode()
        assert status == 200 and headers["Content-Type"].startswith("text/plain")
        for rule in rules:
            assert rule in text.splitlines()
        assert f"Sitemap: {base}/sitemap.xml" in text
    parser = urllib.robotparser.RobotFileParser(mirror.base_urls["tass"] + "/robots.txt")
    parser.read()
    video = [a for a in mirror.articles("tass") if a.path.startswith("/video/")]
    assert video and not parser.can_fetch("*", video[0].url)
    assert parser.can_fetch("*", mirror.base_urls["tass"] + "/politika/27413250")


def test_tass_rss_lists_newest_items_with_all_fields(mirror):
    root = ET.fromstring(fetch(mirror.base_urls["tass"] + "/rss/v2.xml")[2])
    items = root.findall("./channel/item")
    listed = [a for a in mirror.articles("tass") if not a.path.startswith("/video/")]
    assert len(items) == min(FEED_SIZE, len(listed))
    newest = {a.url for a in listed[:FEED_SIZE]}
    for item in items:
        assert item.findtext("guid") in newest
        assert item.findtext("link").split("?")[0] == item.findtext("guid")
        assert re.search(r"\d{2}:\d{2}:\d{2} \+0300$", item.findtext("pubDate"))
        assert item.findtext("title") and item.find("description") is not None
        assert len(item.findall("category")) >= 2
    assert any("utm_source=" in item.findtext("link") for item in items)


def test_tass_yandex_feed_carries_full_text(mirror):
    body = fetch(mirror.base_urls["tass"] + "/rss/yandex.xml")[2]
    texts = [el.text for el in ET.fromstring(body).iter("{http://news.yandex.ru}full-text")]
    fulltext_only = [a for a in mirror.articles("tass") if a.kind == "rss_fulltext_only"]
    assert fulltext_only
    for article in fulltext_only:
        assert "\n".join(article.body_paragraphs) in texts


def test_newsru_feeds_have_enclosures_and_category_feeds_filter(mirror):
    base = mirror.base_urls["newsru"]
    items = ET.fromstring(fetch(base + "/rss/")[2]).findall("./channel/item")
    assert len(items) == min(FEED_SIZE, len(mirror.articles("newsru")))
    assert all(item.findtext("category") and item.findtext("description") is not None for item in items)
    assert any(item.find("enclosure") is not None for item in items)
    world = ET.fromstring(fetch(base + "/rss/category/post/world/")[2]).findall("./channel/item")
    assert world and all("/world/" in item.findtext("link") for item in world)
    economics = ET.fromstring(fetch(base + "/rss/category/post/economics/")[2]).findall("./channel/item")
    assert economics and all("/economics/" in item.findtext("link") for item in economics)


def test_sitemaps_list_every_page_with_lastmod_newest_first(mirror):
    for site, first, second in (
        ("tass", "/sitemap/sitemap_news0.xml", "/sitemap/sitemap_news1.xml"),
        ("newsru", "/sitemaps/news-1.xml", "/sitemaps/news-2.xml"),
    ):
        base = mirror.base_urls[site]
        entries = sitemap_entries(base)
        assert set(bare(entries)) == {a.url for a in mirror.articles(site)}
        newer = [u.findtext(SITEMAP_NS + "lastmod") for u in ET.fromstring(fetch(base + first)[2]).iter(SITEMAP_NS + "url")]
        older = [u.findtext(SITEMAP_NS + "lastmod") for u in ET.fromstring(fetch(base + second)[2]).iter(SITEMAP_NS + "url")]
        assert newer and older and min(newer) >= max(older)
    assert any("erid=" in url for url in sitemap_entries(mirror.base_urls["tass"]))


def test_conditional_requests_get_304(mirror):
    for url in (mirror.base_urls["tass"] + "/rss/v2.xml", mirror.base_urls["newsru"] + "/sitemap.xml"):
        status, headers, body = fetch(url)
        assert status == 200 and body
        assert fetch(url, {"If-None-Match": headers["ETag"]})[:1] == (304,)
        assert fetch(url, {"If-Modified-Since": headers["Last-Modified"]})[:1] == (304,)
        assert fetch(url, {"If-None-Match": '"stale"'})[0] == 200
        assert fetch(url, {"If-Modified-Since": "Thu, 01 Jan 2026 00:00:00 GMT"})[0] == 200


def test_access_log_records_kinds_queries_and_404s(mirror):
    mirror.clear_log()
    tass, newsru = mirror.base_urls["tass"], mirror.base_urls["newsru"]
    article = next(a for a in mirror.articles("newsru") if a.kind == "article")
    tracked = article.path + "?utm_source=rss&utm_medium=rss"
    requests = [
        (tass + "/robots.txt", "robots", 200), (tass + "/rss/v2.xml", "feed", 200),
        (tass + "/sitemap.xml", "sitemap", 200), (tass + "/politika", "section", 200),
        (newsru + tracked, "article", 200), (newsru + "/no/such/page/", "other", 404),
    ]
    for url, _, status in requests:
        assert fetch(url, {"User-Agent": "mfa-archive-test"})[0] == status
    log = mirror.access_log
    assert [(e.kind, e.status) for e in log] == [(kind, status) for _, kind, status in requests]
    assert log[4].path == tracked and log[4].site == "newsru" and log[4].method == "GET"
    assert log[0].headers["User-Agent"] == "mfa-archive-test"


def test_day1_content_has_enough_articles_shared_events_and_reprints(mirror):
    articles = {site: mirror.articles(site) for site in ("tass", "newsru")}
    for site, pages in articles.items():
        assert sum(a.is_article for a in pages) >= 30, site
        assert {a.kind for a in pages} & {"listing", "video", "gallery", "antibot"}
    kinds = {a.kind for pages in articles.values() for a in pages}
    assert kinds >= {"jsonld_only", "next_data_only", "rss_fulltext_only", "listing", "video", "gallery",
                     "antibot", "cp1251", "wrong_charset", "long", "live"}
    by_event = defaultdict(set)
    for pages in articles.values():
        for a in pages:
            if a.event and a.is_article and not a.reprint_of:
                by_event[a.event].add(a.site)
    assert sum(sites == {"tass", "newsru"} for sites in by_event.values()) >= 5
    all_pages = {a.path: a for pages in articles.values() for a in pages}
    reprints = [a for a in all_pages.values() if a.reprint_of]
    assert len(reprints) >= 3
    for copy in reprints:
        original = all_pages[copy.reprint_of]
        assert copy.event == original.event
        assert DATELINE.sub("", original.body_paragraphs[1]) in copy.body_paragraphs
    mfa = Counter(a.mfa for pages in articles.values() for a in pages if a.is_article)
    assert mfa[True] >= 20 and mfa[False] >= 15
    assert all(a.published.startswith("2026-") and a.published.endswith("+03:00") for pages in articles.values() for a in pages)


def test_rewrites_share_a_verbatim_quote_with_the_tass_original(mirror):
    """Rewrites keep a quote verbatim, except the pages written to misquote (QUOTE_CASES)."""
    tass_by_event = {a.event: a for a in mirror.articles("tass") if a.is_article}
    shared = 0
    for rewrite in mirror.articles("newsru"):
        original = tass_by_event.get(rewrite.event)
        if original is None or rewrite.reprint_of or not rewrite.is_article or {rewrite.path, original.path} & set(QUOTE_CASES):
            continue
        quotes = [q for p in original.body_paragraphs for q in re.findall(r'"([^"]{40,})"', p)]
        assert any(q in " ".join(rewrite.body_paragraphs) for q in quotes), rewrite.path
        shared += 1
    assert shared >= 5


def test_gold_body_is_on_the_page_or_in_its_machine_readable_copy(mirror):
    yandex = fetch(mirror.base_urls["tass"] + "/rss/yandex.xml")[2].decode()
    for article in mirror.gold_pages():
        status, headers, raw = fetch(article.url)
        assert status == 200
        text = page_text(raw, article.kind)
        visible = re.sub(r"<script.*?</script>", "", text, flags=re.S)
        if article.kind == "jsonld_only":
            source = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', text, re.S).group(1))["articleBody"]
        elif article.kind == "next_data_only":
            source = html.unescape(re.search(r'<script id="__NEXT_DATA__" type="application/json">(.*?)</script>', text, re.S).group(1))
        elif article.kind == "rss_fulltext_only":
            source = html.unescape(yandex)
        else:
            source = re.sub(r"</?b>", "", visible)  # mid.ru prints a turn's label in bold
        for paragraph in article.body_paragraphs:
            assert paragraph in source, (article.path, paragraph[:60])
            if article.kind in SCRIPT_KINDS:
                assert paragraph not in visible
        for line in article.not_body:
            assert line in visible, (article.path, line)
        # mid.ru prints its date as a line "09.04.2026 16:20", not as machine-readable metadata.
        assert article.title in visible, article.path
        if article.undated:
            assert article.published not in text, article.path
        else:
            assert article.published in text or date_line(article.published) in visible, article.path


def test_charset_pages_declare_what_the_brief_says(mirror):
    pages = {a.kind: a for a in mirror.articles("newsru")}
    _, headers, raw = fetch(pages["cp1251"].url)
    assert headers["Content-Type"] == "text/html; charset=windows-1251"
    assert pages["cp1251"].title in raw.decode("cp1251")
    _, headers, raw = fetch(pages["wrong_charset"].url)
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    assert pages["wrong_charset"].title in raw.decode("cp1251")


def test_day2_adds_and_updates_articles_and_changes_feeds():
    with Mirror() as running:
        day1 = {site: {a.path: a for a in running.articles(site)} for site in ("tass", "newsru")}
        sitemap1 = {site: bare(sitemap_entries(running.base_urls[site])) for site in day1}
        rss_status, rss_headers, _ = fetch(running.base_urls["tass"] + "/rss/v2.xml")
        running.set_state("day2")
        assert fetch(running.base_urls["tass"] + "/rss/v2.xml", {"If-None-Match": rss_headers["ETag"]})[0] == 200
        for site, before in day1.items():
            after = {a.path: a for a in running.articles(site)}
            new = set(after) - set(before)
            assert set(before) <= set(after) and len(new) >= 4, site
            updated = [p for p in before if after[p].modified and after[p].body_paragraphs != before[p].body_paragraphs]
            assert len(updated) >= 2, site
            sitemap2 = bare(sitemap_entries(running.base_urls[site]))
            for path in updated:
                url = after[path].url
                assert sitemap2[url] == after[path].modified > sitemap1[site][url]
                assert after[path].body_paragraphs[-1] in page_text(fetch(url)[2], after[path].kind)
            for path in new:
                assert after[path].url in sitemap2
                assert fetch(after[path].url)[0] == 200


def test_generated_pages_are_listed_in_extra_sitemaps():
    with Mirror(generated=40) as running:
        generated = [a for site in ("tass", "newsru") for a in running.articles(site) if a.event and a.event.startswith("generated-")]
        assert len(generated) == 40 and {a.site for a in generated} == {"tass", "newsru"}
        for article in generated[:6]:
            words = sum(len(p.split()) for p in article.body_paragraphs)
            assert 300 <= words <= 600
            assert article.body_paragraphs[1] in page_text(fetch(article.url)[2], article.kind)
        index = fetch(running.base_urls["tass"] + "/sitemap.xml")[2].decode()
        assert "/sitemap/sitemap_news2.xml" in index
        listed = bare(sitemap_entries(running.base_urls["newsru"]))
        assert all(a.url in listed for a in generated if a.site == "newsru")
        assert generated[0] not in running.gold_pages()


@pytest.mark.skipif(not (SEEDS_DIR / "newsru-page.gold.json").is_file(), reason="shared seeds directory (../shared/seeds) not present")
def test_seed_pages_are_rendered_listed_and_gold():
    with Mirror(seeds_dir=SEEDS_DIR) as running:
        gold = {a.path: a for a in running.gold_pages()}
        newsru_gold = json.loads((SEEDS_DIR / "newsru-page.gold.json").read_text(encoding="utf-8"))
        tass_gold = json.loads((SEEDS_DIR / "tass-page.gold.json").read_text(encoding="utf-8"))
        newsru_seed = gold["/vlast/v-mid-rf-poprosili-baku-o-zheste-dobroj-voli-v-otnoshenii-zaderzhannyh-rossiyan/"]
        tass_seed = next(a for a in gold.values() if a.site == "tass" and a.title == tass_gold["title"])
        assert re.fullmatch(r"/politika/\d{8}", tass_seed.path)
        for seed, expected in ((newsru_seed, newsru_gold), (tass_seed, tass_gold)):
            assert seed.body_paragraphs == expected["body_paragraphs"]
            assert seed.not_body == expected["not_body"]
            assert seed.lead == expected["lead"]
            assert seed.url in bare(sitemap_entries(running.base_urls[seed.site]))
            text = page_text(fetch(seed.url)[2], seed.kind)
            for line in [*expected["body_paragraphs"], *expected["not_body"]]:
                assert line in text
        assert newsru_seed.tags == newsru_gold["tags"] and newsru_seed.published == newsru_gold["published"]
        assert tass_seed.published.startswith(tass_gold["published_date"])
        page = fetch(tass_seed.url)[2].decode()
        assert re.search(r"<h2[^>]*>" + re.escape(tass_gold["subheadings"][0]) + "</h2>", page)
        assert re.search(r"<figcaption[^>]*>" + re.escape(html.escape(tass_gold["image_caption"])) + "</figcaption>", page)
        newsru_page = fetch(newsru_seed.url)[2].decode()
        assert re.search(r'<div class="cookie-notice"[^>]*><p[^>]*>Используя сайт news\.ru', newsru_page)
        assert re.search(r"<ul class=\"trends__list\"><li[^>]*><a[^>]*>" + re.escape(newsru_gold["not_body"][0]), newsru_page)
        rss = fetch(running.base_urls["newsru"] + "/rss/")[2].decode()
        assert newsru_seed.url in rss
