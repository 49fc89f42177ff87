"""mid.ru as a source of its spec alone: the mechanism its spec needs, each part on its own.

Per-site politeness, the one spelling of a page's address, Atom's `updated`, a date printed on
its own line, anti-bot markers, document kinds and the turns of a transcript are all data in
settings/sources.toml; these tests check the mechanism reads them and refuses bad values.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from archive.config import load_config, politeness
from archive.discover.feeds import parse_feed
from archive.discover.urls import is_article_url, source_url
from archive.errors import ConfigError
from archive.extract.pagekind import antibot_page
from archive.extract.structure import doc_type, text_parts
from crawler.run import scrapy_settings

CONFIG = load_config()
MIDRU = CONFIG.sources["midru"]
PROFILE = MIDRU.profiles[-1]


def test_midru_is_an_official_source_with_its_own_gentler_pace():
    assert MIDRU.official and not CONFIG.sources["tass"].official and not CONFIG.sources["newsru"].official
    delay, concurrency = politeness(MIDRU, CONFIG.crawl)
    for other in ("tass", "newsru"):
        other_delay, other_concurrency = politeness(CONFIG.sources[other], CONFIG.crawl)
        assert delay >= other_delay and concurrency <= other_concurrency
    assert concurrency == 1 and delay > CONFIG.crawl.download_delay


def test_scrapy_gets_the_sites_own_slot_and_autothrottle_keeps_it_as_a_floor():
    settings = scrapy_settings(CONFIG, CONFIG.select(None))
    slots = settings.getdict("DOWNLOAD_SLOTS")
    delay, _ = politeness(MIDRU, CONFIG.crawl)
    assert slots["mid.ru"] == slots["www.mid.ru"] == {"delay": delay, "concurrency": 1}
    assert "tass.ru" not in slots  # the others keep the [crawl] values
    extensions = settings.getdict("EXTENSIONS")
    assert extensions["scrapy.extensions.throttle.AutoThrottle"] is None
    assert "crawler.throttle.SiteFloorAutoThrottle" in extensions
    mirrored = load_config(None, {"midru": "http://127.0.0.1:9"})
    assert not scrapy_settings(mirrored, [mirrored.sources["midru"]]).getdict("DOWNLOAD_SLOTS")


def test_autothrottle_never_takes_a_site_below_its_own_delay():
    from types import SimpleNamespace

    from crawler.throttle import SiteFloorAutoThrottle

    slot = SimpleNamespace(delay=15.0, transferring=set())
    settings = scrapy_settings(CONFIG, CONFIG.select(None))
    crawler = SimpleNamespace(settings=settings, engine=SimpleNamespace(downloader=SimpleNamespace(slots={"mid.ru": slot})))
    throttle = SiteFloorAutoThrottle.__new__(SiteFloorAutoThrottle)
    throttle.crawler, throttle.debug, throttle.target_concurrency = crawler, False, 1.0
    throttle.mindelay, throttle.maxdelay = settings.getfloat("DOWNLOAD_DELAY"), 60.0
    request = SimpleNamespace(meta={"download_slot": "mid.ru", "download_latency": 0.05})
    response = SimpleNamespace(status=200, body=b"x")
    for _ in range(10):  # fast answers: plain AutoThrottle would walk the delay down to DOWNLOAD_DELAY
        throttle._response_downloaded(response, request, None)
    assert slot.delay == politeness(MIDRU, CONFIG.crawl)[0]


def test_a_source_cannot_be_made_faster_than_the_crawl(tmp_path):
    text = (Path(CONFIG.path).read_text(encoding="utf-8")
            .replace("download_delay = 15.0", "download_delay = 0.5").replace("concurrent_per_domain = 1\n\n# A 1C", "concurrent_per_domain = 4\n\n# A 1C"))
    path = tmp_path / "sources.toml"
    path.write_text(text, encoding="utf-8")
    config = load_config(path)
    assert politeness(config.sources["midru"], config.crawl) == (config.crawl.download_delay, config.crawl.concurrent_per_domain)


@pytest.mark.parametrize("link", [
    "http://www.mid.ru/ru/foreign_policy/news/2103391",
    "https://mid.ru/ru/foreign_policy/news/2103391/",
    "https://www.mid.ru/ru/foreign_policy/news/2103391/?utm_source=rss",
    "http://mid.ru/ru/foreign_policy/news/2103391#top",
])
def test_every_spelling_of_a_page_is_one_address(link):
    assert source_url(link, MIDRU) == "https://mid.ru/ru/foreign_policy/news/2103391/"
    mirrored = load_config(None, {"midru": "http://127.0.0.1:8003"}).sources["midru"]
    assert source_url(link, mirrored) == "http://127.0.0.1:8003/ru/foreign_policy/news/2103391/"


def test_other_hosts_and_non_article_paths_stay_apart():
    assert source_url("https://tass.com/politics/123", CONFIG.sources["tass"]) == "https://tass.com/politics/123"
    assert source_url("http://127.0.0.1:8004/ru/x/1/", load_config(None, {"midru": "http://127.0.0.1:8003"}).sources["midru"]) \
        == "http://127.0.0.1:8004/ru/x/1/"
    assert not is_article_url(source_url("https://mid.ru/ru/foreign_policy/news/?PAGEN_1=2", MIDRU), MIDRU)
    assert not is_article_url(source_url("https://mid.ru/upload/medialibrary/abc/doc.pdf", MIDRU), MIDRU)
    assert source_url("https://mid.ru/upload/medialibrary/abc/doc.pdf", MIDRU).endswith("doc.pdf")


def test_atom_updated_is_the_entrys_lastmod():
    atom = ('<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><entry><title>О вызове\n посла</title>'
            '<link href="https://www.mid.ru/ru/foreign_policy/news/1/"/><published>2026-04-09T16:20:00+03:00</published>'
            '<updated>2026-04-10T09:30:00+03:00</updated></entry></feed>').encode()
    (entry,) = parse_feed(atom)
    assert entry.published == "2026-04-09T16:20:00+03:00" and entry.lastmod == "2026-04-10T09:30:00+03:00"
    rss = b'<rss version="2.0"><channel><item><title>t</title><link>https://tass.ru/politika/1</link></item></channel></rss>'
    assert parse_feed(rss)[0].lastmod is None


# What scrapers report F5 serving instead of mid.ru's pages and feeds (sites.md).
CHALLENGE = (
    '<html><head><script>window["bobcmn"] = "1111101010101020000000220000000520000000021f2e8e8a2";</script>'
    '<script src="/TSPD/08d3a5e2f0ab2000b1f7a9c0c2e6d5e4?type=7"></script>'
    "<noscript>Please enable JavaScript to view the page content.</noscript></head>"
    "<body><p>Data processing... Please, wait.</p></body></html>"
)


def test_the_challenge_page_is_recognised_and_an_article_is_not():
    page = CHALLENGE.encode()
    assert antibot_page(page, PROFILE)
    article = ("<html><body><h1>О вызове в МИД России</h1>" + "<p>Текст заявления. </p>" * 400 + "</body></html>").encode()
    assert antibot_page(article, PROFILE) is None


@pytest.mark.parametrize("title, path, kind", [
    ("Брифинг официального представителя МИД России М.В.Захаровой, Москва, 9 апреля 2026 года", "/ru/press_service/spokesman/briefings/1/", "briefing"),
    ("Ответ официального представителя МИД России М.В.Захаровой на вопрос СМИ", "/ru/press_service/spokesman/answers/1/", "answer"),
    ("Комментарий официального представителя МИД России М.В.Захаровой", "/ru/press_service/spokesman/kommentarii/1/", "comment"),
    ("Заявление МИД России", "/ru/press_service/spokesman/official_statement/1/", "statement"),
    ("Совместное заявление министров иностранных дел", "/ru/foreign_policy/news/1/", "joint_statement"),
    ("Интервью заместителя Министра иностранных дел", "/ru/press_service/deputy_ministers_speeches/1/", "interview"),
    ("Выступление Министра иностранных дел С.В.Лаврова", "/ru/press_service/minister_speeches/1/", "speech"),
    ("О брифинге официального представителя МИД России", "/ru/foreign_policy/news/1/", "news"),
    ("О вызове в МИД России Посла Молдавии", "/ru/foreign_policy/news/1/", "news"),
])
def test_document_kinds_come_from_the_profile(title, path, kind):
    assert doc_type(PROFILE, title, "https://mid.ru" + path) == kind
    assert doc_type(CONFIG.sources["tass"].profiles[-1], title, "https://tass.ru/politika/1") is None


def test_a_transcripts_turns_and_parts():
    paragraphs = [
        "Открытие брифинга.", "О ситуации вокруг Приднестровья", "Первый абзац темы.", "Второй абзац темы.",
        "Из ответов на вопросы СМИ:", "Вопрос: Как вы оцениваете?", "М.В.Захарова: Так и оцениваем.", "Продолжение ответа.",
        "Вопрос (ТАСС): Еще вопрос?", "Ответ: Еще ответ.",
    ]
    headings = [False, True, False, False, True, False, False, False, False, False]
    text = "\n\n".join(paragraphs)
    parts = text_parts(paragraphs, headings, PROFILE)
    shape = [(p.part, p.kind, p.speaker, p.heading) for p in parts]
    assert shape == [
        (0, "text", None, None),
        (1, "text", None, "О ситуации вокруг Приднестровья"),
        (2, "question", None, "Из ответов на вопросы СМИ:"),
        (2, "answer", "М.В.Захарова", "Из ответов на вопросы СМИ:"),
        (3, "question", None, "Из ответов на вопросы СМИ:"),
        (3, "answer", None, "Из ответов на вопросы СМИ:"),
    ]
    assert text[parts[1].start:parts[1].end] == "Первый абзац темы.\n\nВторой абзац темы."
    assert text[parts[3].start:parts[3].end] == "М.В.Захарова: Так и оцениваем.\n\nПродолжение ответа."


@pytest.mark.parametrize("old, new, message", [
    ("doc_types = [\n", "doc_types = [\n  {doc_type = \"news\"},\n", "needs a title or a path pattern"),
    ("doc_types = [\n", "doc_types = [\n  {doc_type = \"Bad Kind\", path = '^/'},\n", "lower-case name"),
    ("doc_types = [\n", "doc_types = [\n  {doc_type = \"news\", title = '('},\n", "bad regular expression"),
    ("doc_types = [\n", "doc_types = [\n  {doc_type = \"news\", path = '^/', color = 'red'},\n", "unknown key"),
    ("speaker_lines = ['", "speaker_lines = ['^(?P<name>x):', '", "needs the group (?P<speaker>...)"),
    ("date_lines = ['", "date_lines = ['^(?P<day>\\d+)$', '", "needs the group (?P<month>...)"),
    ("download_delay = 15.0", "download_delay = -1.0", "politeness out of range"),
    ("official = true", "official = 1", "must be a true or false"),
    ("antibot_markers = [", "antibot_markers = ['', ", "non-empty strings"),
])
def test_bad_spec_values_are_refused_in_one_line(tmp_path, old, new, message):
    text = Path(CONFIG.path).read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "sources.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_config(path)
    assert message in str(error.value) and "\n" not in str(error.value)
