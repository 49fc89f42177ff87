"""Per-publisher profiles: each rule on its own, then on pages where boilerplate sits in the body.

The page tests put the boilerplate inside the article's text container, where trafilatura
alone keeps it (checked first, so each test shows the profile is what removes it).
"""

from __future__ import annotations

import html
import json
from pathlib import Path

import pytest
import trafilatura

from archive.dates import russian_date as parse_russian_date
from archive.models import Article
from archive.profile import GENERIC
from tests.support.pages import default_config, site_profile
from tests.support.pages import extract_html as extract_article

TASS = default_config().sources["tass"].profiles[-1]
NEWSRU = default_config().sources["newsru"].profiles[-1]

SEEDS = Path(__file__).resolve().parents[1] / ".." / "shared" / "seeds"

OWN_PARAGRAPHS = [
    "Официальный представитель МИД России Мария Захарова прокомментировала заявление главы МИД Латвии о поставках оружия. По ее словам, такие шаги лишь затягивают конфликт.",
    "Захарова напомнила, что Москва неоднократно предупреждала партнеров о последствиях подобных решений для европейской безопасности и стабильности в регионе.",
    "Ранее министр иностранных дел Латвии заявил о намерении страны увеличить военную помощь Киеву в текущем году, несмотря на экономические трудности.",
]


@pytest.mark.parametrize(
    "profile, line, kind",
    [
        (NEWSRU, "Подписывайтесь на нас в MAX", "drop"),
        (NEWSRU, "Подписывайтесь на нас в Дзен", "drop"),
        (NEWSRU, "Фото: Иван Иванов/NEWS.ru", "caption"),
        (NEWSRU, "ЛЕНТА НОВОСТЕЙ", "stop"),
        (NEWSRU, "Самое популярное", "stop"),
        (NEWSRU, "Используя сайт news.ru, вы соглашаетесь с использованием файлов cookie.", "drop"),
        (NEWSRU, "3 марта 2026 в 09:15", "drop"),
        (NEWSRU, "Обновлено 13 апреля 2026 в 16:20. Материал дополнен заявлением посольства", "drop"),
        (TASS, "Редакция сайта ТАСС", "byline"),
        (TASS, "Посол России в США Анатолий Антонов © Петр Ковалев/ ТАСС", "caption"),
        (TASS, "Здание МИД России © Сергей Бобылев/ пресс-служба МИД РФ/ ТАСС", "caption"),
        (TASS, "Материал дополнен в 17:40 мск", "drop"),
        (TASS, "обновлено 17:40", "drop"),
        (TASS, "Читайте также", "stop"),
        (TASS, OWN_PARAGRAPHS[0], None),
        (NEWSRU, OWN_PARAGRAPHS[1], None),
        (TASS, "МОСКВА, 14 апреля. /ТАСС/. Россия направила ноту протеста послу Латвии.", None),
        (GENERIC, "Фото: пресс-служба МИД РФ", "caption"),
    ],
)
def test_line_rules(profile, line, kind):
    assert profile.line_kind(line) == kind


def test_tass_caption_keeps_text_and_splits_credit():
    text = "Посол России в США Анатолий Антонов © Петр Ковалев/ ТАСС"
    assert TASS.split_caption(text) == (text, "Петр Ковалев/ ТАСС")
    assert NEWSRU.split_caption("Фото: Иван Иванов/NEWS.ru") == (None, "Фото: Иван Иванов/NEWS.ru")


@pytest.mark.parametrize(
    "text, iso",
    [
        ("15 февраля 2026 в 15:38", "2026-02-15T15:38:00+03:00"),
        ("Опубликовано 3 марта 2026, 9:05", "2026-03-03T09:05:00+03:00"),
        ("10 декабря 2025", "2025-12-10"),
        ("вчера в 15:38", None),
    ],
)
def test_visible_russian_dates(text, iso):
    assert parse_russian_date(text) == iso


def test_profile_lookup():
    """A site's profile comes from its spec in sources.toml: by name, else by host, else generic."""
    assert site_profile("tass") is TASS and site_profile("newsru") is NEWSRU
    assert site_profile("ria") is GENERIC and site_profile(None) is GENERIC
    assert site_profile(None, "https://www.news.ru/world/x/") is NEWSRU
    assert default_config().source_for_host("www.news.ru").name == "newsru"
    assert default_config().source_for_host("example.org") is None


@pytest.mark.parametrize(
    "profile, path, listing",
    [
        (TASS, "/politika/27000001", False),
        (TASS, "/video/27000001", True),
        (TASS, "/tag/sergey-lavrov", True),
        (TASS, "/n/27000001", True),
        (NEWSRU, "/world/zaharova-otvetila/", False),
        (NEWSRU, "/tags/mid-rossii/", True),
    ],
)
def test_not_article_paths(profile, path, listing):
    assert profile.is_not_article_path(path) is listing


def _page(paragraphs_html: str, *, title: str, lead: str, canonical: str, after: str = "") -> bytes:
    e = html.escape
    return f"""<!DOCTYPE html><html lang="ru"><head><meta charset="utf-8"><title>{e(title)}</title>
<meta property="og:type" content="article"><meta name="description" content="{e(lead)}">
<meta property="article:published_time" content="2026-04-14T11:20:00+03:00"><link rel="canonical" href="{canonical}">
</head><body><header><nav><a href="/">Главная</a><a href="/world/">Мир</a></nav></header>
<main><article><h1>{e(title)}</h1><div class="lead">{e(lead)}</div>
<div class="article-body">{paragraphs_html}</div></article>{after}</main>
<footer><p>Все права защищены.</p></footer></body></html>""".encode()


def _p(lines: list[str]) -> str:
    return "".join(f"<p>{html.escape(line)}</p>" for line in lines)


def test_newsru_promo_and_credit_inside_the_body():
    title, lead = "Захарова ответила главе МИД Латвии", "В МИД России назвали заявление провокацией"
    boilerplate = ["Фото: Иван Иванов/NEWS.ru", "Подписывайтесь на нас в MAX"]
    body = _page(_p(boilerplate + OWN_PARAGRAPHS), title=title, lead=lead, canonical="https://news.ru/world/zaharova-latviya/")
    bare = trafilatura.extract(body) or ""
    assert any(line in bare for line in boilerplate), "precondition: trafilatura alone keeps the boilerplate"
    article = extract_article(body, "https://news.ru/world/zaharova-latviya/", "newsru")
    assert isinstance(article, Article), article
    assert article.text.split("\n\n") == OWN_PARAGRAPHS
    assert article.image_credit == boilerplate[0]


def test_tass_byline_and_caption_inside_the_body():
    title, lead = "Захарова ответила главе МИД Латвии", "В МИД России назвали заявление провокацией"
    caption = "Официальный представитель МИД РФ Мария Захарова © Петр Ковалев/ ТАСС"
    lines = ["Редакция сайта ТАСС", caption, "МОСКВА, 14 апреля. /ТАСС/. " + OWN_PARAGRAPHS[0], *OWN_PARAGRAPHS[1:]]
    body = _page(_p(lines), title=title, lead=lead, canonical="https://tass.ru/politika/27000009")
    bare = trafilatura.extract(body) or ""
    assert "Редакция сайта ТАСС" in bare and caption in bare, "precondition: trafilatura alone keeps both"
    article = extract_article(body, "https://tass.ru/politika/27000009", "tass")
    assert isinstance(article, Article), article
    assert article.text.split("\n\n") == lines[2:]
    assert article.authors == ["Редакция сайта ТАСС"]
    assert (article.image_caption, article.image_credit) == (caption, "Петр Ковалев/ ТАСС")
    assert (article.dateline_city, article.dateline_agency) == ("МОСКВА", "ТАСС")


def test_newsru_seed_with_boilerplate_in_the_body():
    """The real news.ru seed text, with its furniture pushed into the body container."""
    gold_path, text_path = SEEDS / "newsru-page.gold.json", SEEDS / "newsru-page.txt"
    if not gold_path.is_file() or not text_path.is_file():
        pytest.skip(f"{SEEDS} is absent: the shared seed pages sit beside the repository")
    gold = json.loads(gold_path.read_text(encoding="utf-8"))
    lines = [line.strip() for line in text_path.read_text(encoding="utf-8").splitlines() if line.strip()]
    body_start = lines.index(gold["body_paragraphs"][0])
    tags_end = lines.index("ЛЕНТА НОВОСТЕЙ")
    credit_and_promo = [line for line in lines[:body_start] if line in gold["not_body"] and line.startswith(("Фото:", "Подписывайтесь"))]
    feed = lines[tags_end:]
    tag_list = "<ul>" + "".join(f'<li><a href="/tags/{i}/">{html.escape(t)}</a></li>' for i, t in enumerate(gold["tags"])) + "</ul>"
    body = _page(
        _p(credit_and_promo + gold["body_paragraphs"]) + tag_list,
        title=gold["title"],
        lead=gold["lead"],
        canonical=gold["url"],
        after="<aside>" + _p(feed) + "</aside>",
    ).replace(b"2026-04-14T11:20:00+03:00", gold["published"].encode())
    article = extract_article(body, gold["url"], "newsru")
    assert isinstance(article, Article), article
    assert article.text.split("\n\n") == gold["body_paragraphs"]
    for line in gold["not_body"]:
        assert line not in article.text
    assert (article.title, article.lead, article.published, article.tags) == (gold["title"], gold["lead"], gold["published"], gold["tags"])
    assert article.image_credit == gold["image_credit"]
