"""Extraction: fields, encodings, fallbacks, refusals, and the `extract` / `reextract` commands.

Pages here are written for the tests (Russian wire-style text in news-site markup), so every
expected value below is a fact of the page the test built, not a recorded output.
"""

from __future__ import annotations

import html
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from archive.store import transaction

from archive.dates import page_datetime as normalize_datetime
from archive.extract import EXTRACTOR_VERSION
from tests.support.pages import extract_html as extract_article
from archive.models import FeedEntry
from archive.models import Article, ExtractionFailure

from tests.conftest import run_cli

TITLE = "Лавров провел переговоры с главой МИД Сербии в Москве"
LEAD = "Стороны обсудили подготовку визита и вопросы энергетического сотрудничества"
PARAGRAPHS = [
    "МОСКВА, 14 апреля. /ТАСС/. Министр иностранных дел России Сергей Лавров провел в Москве переговоры с главой МИД Сербии. Об этом сообщили в российском внешнеполитическом ведомстве.",
    "Стороны обсудили подготовку предстоящего визита, ход реализации договоренностей в энергетике и ситуацию на Балканах. Особое внимание уделено графику контактов на текущий год.",
    "\"Мы ценим последовательную позицию партнеров по ключевым вопросам международной повестки\", - отметил Лавров по итогам встречи с журналистами.",
    "Министры также подписали план консультаций между внешнеполитическими ведомствами двух стран на ближайшие два года и договорились о следующей встрече осенью.",
]
SUBHEADING = "Энергетика и транспорт"
TAGS = ["Сергей Лавров", "Сербия", "МИД РФ"]
PROMO = "Подписывайтесь на нас в MAX"
BYLINE = "Редакция сайта ТАСС"
CAPTION = "Министр иностранных дел РФ Сергей Лавров © Иван Петров/ ТАСС"
FEED_HEADLINES = ["В Подмосковье открыли новую развязку", "Синоптики пообещали мокрый снег"]
COOKIE = "Используя сайт, вы соглашаетесь с использованием файлов cookie."


def article_page(
    *,
    paragraphs: list[str] = PARAGRAPHS,
    charset: str = "utf-8",
    head_extra: str = "",
    body_extra: str = "",
    published: str | None = "2026-04-14T10:12:00+03:00",
    og_type: str = "article",
    with_subheading: bool = True,
) -> str:
    """A TASS-style article page: hashed classes, byline, captioned photo, tags, related news."""
    e = html.escape
    body = [f'<p class="tass_pkg_paragraph-Xy12Z">{e(p)}</p>' for p in paragraphs]
    if with_subheading and len(body) > 2:
        body.insert(2, f'<h2 class="tass_pkg_subtitle-Qw3eR">{e(SUBHEADING)}</h2>')
    published_meta = f'<meta property="article:published_time" content="{published}"/>' if published else ""
    time_el = f'<time dateTime="{published}">14 апреля, 10:12</time>' if published else ""
    return f"""<!DOCTYPE html><html lang="ru"><head><meta charset="{charset}"/>
<title>{e(TITLE)} - ТАСС</title>
<meta name="description" content="{e(LEAD)}"/><meta property="og:type" content="{og_type}"/>
<meta property="og:title" content="{e(TITLE)}"/><meta property="og:image" content="https://tass.ru/media/1.jpg"/>
<link rel="canonical" href="https://tass.ru/politika/27000001"/>{published_meta}
{head_extra}
</head><body><div id="__next">
<header class="Header_header-a1B2c"><nav><a href="/politika">Политика</a><a href="/ekonomika">Экономика и бизнес</a></nav></header>
<main class="Layout_main-d4E5f"><article class="Article_article-g6H7i">
<div class="ds_ext_breadcrumbs-j8K9l"><a href="/politika">Политика</a></div>
<h1 class="ds_ext_title-m1N2o">{e(TITLE)}</h1><div class="ds_ext_lead-p3Q4r">{e(LEAD)}</div>
<div>{time_el}<span class="ds_ext_byline-s5T6u">{BYLINE}</span></div>
<figure><img src="/media/1.jpg" alt=""/><figcaption>{e(CAPTION)}</figcaption></figure>
<div class="tass_pkg_text-v7W8x">{''.join(body)}</div>
<div class="ds_ext_tags-y9Z0a">{''.join(f'<a href="/tag/{i}">{e(t)}</a>' for i, t in enumerate(TAGS))}</div>
</article>
<section><h2>Читайте также</h2>{''.join(f'<a href="/politika/{i}"><span>{e(t)}</span></a>' for i, t in enumerate(FEED_HEADLINES))}</section>
{body_extra}
</main><footer><p>{e(COOKIE)}</p></footer></div></body></html>"""


def extract(page: str | bytes, url: str = "https://tass.ru/politika/27000001", source: str = "tass", **kwargs):
    body = page.encode("utf-8") if isinstance(page, str) else page
    return extract_article(body, url, source, **kwargs)


def paragraphs_of(article: Article) -> list[str]:
    return article.text.split("\n\n")


def test_article_fields_and_clean_body():
    article = extract(article_page(), fetched_at="2026-04-14T08:00:00+00:00")
    assert isinstance(article, Article), article
    assert paragraphs_of(article) == PARAGRAPHS[:2] + [SUBHEADING] + PARAGRAPHS[2:]
    assert article.title == TITLE and article.lead == LEAD
    assert article.published == "2026-04-14T10:12:00+03:00"
    assert article.tags == TAGS and article.section == "Политика"
    assert article.authors == [BYLINE]
    assert article.image_url == "https://tass.ru/media/1.jpg"
    assert article.image_caption == CAPTION and article.image_credit == "Иван Петров/ ТАСС"
    assert article.canonical_url == "https://tass.ru/politika/27000001"
    assert (article.dateline_city, article.dateline_agency) == ("МОСКВА", "ТАСС")
    assert article.language == "ru" and article.fetched_at == "2026-04-14T08:00:00+00:00"
    assert article.extraction_method == "trafilatura" and article.extractor_version == EXTRACTOR_VERSION
    for junk in [BYLINE, CAPTION, COOKIE, *FEED_HEADLINES, "Читайте также"]:
        assert junk not in article.text


def test_windows_1251_page_with_meta_charset():
    article = extract(article_page(charset="windows-1251").encode("cp1251"))
    assert isinstance(article, Article) and paragraphs_of(article)[0] == PARAGRAPHS[0]


def test_cp1251_bytes_declared_utf8_in_header_and_meta():
    body = article_page(charset="utf-8").encode("cp1251")
    article = extract(body, declared_encoding="utf-8")
    assert isinstance(article, Article) and article.title == TITLE and PARAGRAPHS[1] in article.text


def test_utf8_bytes_declared_windows_1251_are_not_mojibake():
    article = extract(article_page(charset="windows-1251").encode("utf-8"), declared_encoding="windows-1251")
    assert isinstance(article, Article) and article.title == TITLE and PARAGRAPHS[2] in article.text


def test_invalid_bytes_in_the_body_are_a_failure_never_mojibake():
    page = article_page().encode("utf-8")
    broken = page.replace("ведомстве".encode(), "ведом".encode() + b"\xff\xfe" + "стве".encode())
    result = extract(broken)
    assert isinstance(result, ExtractionFailure) and result.reason == "bad-encoding"


def test_invalid_bytes_outside_the_article_keep_the_article():
    page = article_page().encode("utf-8").replace(b"</footer>", b"\xff</footer>")
    article = extract(page)
    assert isinstance(article, Article) and "\ufffd" not in article.text and PARAGRAPHS[3] in article.text


def test_binary_garbage_is_never_stored_as_text():
    garbage = bytes((i * 73 + 41) % 256 for i in range(20_000))
    result = extract(garbage)
    assert isinstance(result, ExtractionFailure), result


def _script_rendered(head_extra: str = "", body_extra: str = "") -> str:
    return article_page(paragraphs=[], head_extra=head_extra, body_extra=body_extra)


def _jsonld(body: str | None) -> str:
    data = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": TITLE, "datePublished": "2026-04-14T10:12:00+03:00"}
    if body is not None:
        data["articleBody"] = body
    return f'<script type="application/ld+json">{json.dumps(data, ensure_ascii=False)}</script>'


def _next_data() -> str:
    blocks = [{"type": "paragraph", "html": html.escape(p)} for p in PARAGRAPHS[:2]]
    blocks += [{"type": "subtitle", "text": SUBHEADING}, {"type": "image", "text": CAPTION}]
    blocks += [{"type": "paragraph", "html": html.escape(p)} for p in PARAGRAPHS[2:]]
    data = {"props": {"pageProps": {"article": {"title": TITLE, "lead": LEAD, "content": {"blocks": blocks}}}}, "buildId": "x"}
    return f'<script id="__NEXT_DATA__" type="application/json">{json.dumps(data, ensure_ascii=False)}</script>'


def test_fallback_jsonld_article_body():
    article = extract(_script_rendered(head_extra=_jsonld("\n".join(PARAGRAPHS))))
    assert isinstance(article, Article), article
    assert article.extraction_method == "jsonld" and paragraphs_of(article) == PARAGRAPHS


def test_fallback_next_data_blocks():
    article = extract(_script_rendered(body_extra=_next_data()))
    assert isinstance(article, Article), article
    assert article.extraction_method == "next_data"
    assert paragraphs_of(article) == PARAGRAPHS[:2] + [SUBHEADING] + PARAGRAPHS[2:]


def test_fallback_order_prefers_jsonld_over_next_data():
    article = extract(_script_rendered(head_extra=_jsonld("\n".join(PARAGRAPHS)), body_extra=_next_data()))
    assert isinstance(article, Article) and article.extraction_method == "jsonld"


def test_fallback_feed_full_text():
    entry = FeedEntry(url="https://tass.ru/politika/27000001", full_text="\n".join(PARAGRAPHS), published="Tue, 14 Apr 2026 07:12:00 +0000")
    article = extract(_script_rendered(), feed_entry=entry)
    assert isinstance(article, Article), article
    assert article.extraction_method == "rss_fulltext" and paragraphs_of(article) == PARAGRAPHS


def test_html_body_wins_when_present():
    article = extract(article_page(head_extra=_jsonld("\n".join(PARAGRAPHS))))
    assert isinstance(article, Article) and article.extraction_method == "trafilatura"


def test_script_rendered_page_without_any_copy_is_empty():
    result = extract(_script_rendered())
    assert isinstance(result, ExtractionFailure) and result.reason == "empty"


def test_short_body_is_too_short():
    result = extract(article_page(paragraphs=["МОСКВА, 14 апреля. /ТАСС/. Лавров прибыл."], with_subheading=False))
    assert isinstance(result, ExtractionFailure) and result.reason == "too-short"


def test_empty_response():
    result = extract(b"  \n")
    assert isinstance(result, ExtractionFailure) and result.reason == "empty"


def test_listing_page_is_not_an_article():
    items = "".join(
        f'<li><a href="/politika/{i}">{html.escape(p[:60])}</a><p>{html.escape(p)}</p></li>' for i, p in enumerate(PARAGRAPHS * 3)
    )
    page = (
        '<!DOCTYPE html><html lang="ru"><head><meta charset="utf-8"><title>Политика</title>'
        '<meta property="og:type" content="website"></head><body><main><h1>Политика</h1>'
        f"<ul>{items}</ul></main></body></html>"
    )
    result = extract(page, url="https://tass.ru/politika")
    assert isinstance(result, ExtractionFailure) and result.reason == "not-article"


@pytest.mark.parametrize(
    "url, page",
    [
        ("https://tass.ru/video/27000002", article_page()),
        ("https://tass.ru/politika/27000003", article_page(og_type="video.other")),
        (
            "https://tass.ru/politika/27000004",
            article_page(head_extra='<script type="application/ld+json">{"@type": "ImageGallery", "name": "x"}</script>'),
        ),
    ],
    ids=["video-path", "og-video", "jsonld-gallery"],
)
def test_video_and_gallery_pages_are_not_articles(url, page):
    result = extract(page, url=url)
    assert isinstance(result, ExtractionFailure) and result.reason == "not-article"


def test_antibot_stub():
    page = (
        '<!DOCTYPE html><html><head><meta charset="utf-8"><title>Проверка браузера</title></head><body>'
        "<noscript>Для продолжения включите JavaScript в вашем браузере.</noscript>"
        "<div>Пожалуйста, подождите...</div><script>setTimeout(function(){location.reload()},1500)</script></body></html>"
    )
    result = extract(page)
    assert isinstance(result, ExtractionFailure) and result.reason == "antibot-stub"


@pytest.mark.parametrize(
    "given, expected",
    [
        ("2026-04-14T10:12:00+03:00", "2026-04-14T10:12:00+03:00"),
        ("2026-04-14T07:12:00Z", "2026-04-14T10:12:00+03:00"),
        ("2026-04-14T10:12", "2026-04-14T10:12:00+03:00"),
        ("Tue, 14 Apr 2026 07:12:00 +0000", "2026-04-14T10:12:00+03:00"),
        ("2026-04-14", "2026-04-14"),
        ("вчера", None),
    ],
)
def test_dates_are_moscow_time(given, expected):
    assert normalize_datetime(given) == expected


def test_visible_date_when_no_machine_date():
    page = article_page(published=None).replace("<h1", '<div class="date">14 апреля 2026 в 10:12</div><h1', 1)
    article = extract(page, source="newsru", url="https://news.ru/world/lavrov-serbia/")
    assert isinstance(article, Article), article
    assert article.published == "2026-04-14T10:12:00+03:00"


# ------------------------------------------------------------------ command line


def test_cli_extract_file_json(tmp_path):
    path = tmp_path / "page.html"
    path.write_text(article_page(), encoding="utf-8")
    result = run_cli("extract", str(path), "--json", timeout=60)
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    assert record["title"] == TITLE and record["text"].split("\n\n")[0] == PARAGRAPHS[0]
    assert record["extraction_method"] == "trafilatura" and record["tags"] == TAGS


def test_cli_extract_failure_exit_1(tmp_path):
    path = tmp_path / "stub.html"
    path.write_text(_script_rendered(), encoding="utf-8")
    result = run_cli("extract", str(path), "--json", timeout=60)
    assert result.returncode == 1
    assert json.loads(result.stdout)["failure"]["reason"] == "empty"


@pytest.mark.parametrize("target", ["/no/such/page.html", "ftp://example.org/x", "http://"])
def test_cli_extract_bad_input_one_line_exit_2(target):
    result = run_cli("extract", target, timeout=60)
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


@pytest.fixture
def page_server():
    """A real HTTP server on 127.0.0.1 serving one windows-1251 page; records User-Agents."""
    body = article_page(charset="windows-1251").encode("cp1251")
    agents: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            agents.append(self.headers.get("User-Agent", ""))
            status = 200 if self.path == "/politika/27000001" else 404
            self.send_response(status)
            self.send_header("Content-Type", "text/html; charset=windows-1251")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", agents
    server.shutdown()
    server.server_close()


def test_cli_extract_url_over_http(page_server):
    base, agents = page_server
    result = run_cli("extract", f"{base}/politika/27000001", "--source", "tass", timeout=60)
    assert result.returncode == 0, result.stderr
    assert f"title:             {TITLE}" in result.stdout and PARAGRAPHS[3] in result.stdout
    assert len(agents) == 1 and agents[0].startswith("mfa-archive/")
    missing = run_cli("extract", f"{base}/nope", timeout=60)
    assert missing.returncode == 2 and "HTTP 404" in missing.stderr


def test_reextract_updates_article_versions_and_fts(tmp_path):
    from archive.store import rawpages as rawstore
    from archive.pipeline import add_article
    from archive.schema import open_archive

    db_path = tmp_path / "archive.db"
    db = open_archive(db_path)
    with transaction(db):
        rawstore.create_tables(db)
        raw_id = rawstore.save_raw(
            db, url="https://tass.ru/politika/27000001", final_url=None, source="tass", status=200,
            headers={"Content-Type": "text/html; charset=utf-8"}, body=article_page().encode(), fetched_at="2026-04-14T08:00:00+00:00",
        )
    stale = extract(article_page())
    stale.text = stale.text + "\n\n" + PROMO  # what an older extractor let through
    stale.raw_id = raw_id
    add_article(db, stale)
    db.conn.close()

    result = run_cli("reextract", "--db", str(db_path), "--source", "tass", timeout=60)
    assert result.returncode == 0, result.stderr
    assert "1 updated" in result.stdout
    db = open_archive(db_path)
    text, version = db.execute("SELECT text, extractor_version FROM articles").fetchone()
    assert PROMO not in text and version == EXTRACTOR_VERSION
    assert PROMO in db.execute("SELECT text FROM article_versions").fetchone()[0]
    assert db.execute("SELECT count(*) FROM articles_fts WHERE articles_fts MATCH 'MAX'").fetchone()[0] == 0
    again = run_cli("reextract", "--db", str(db_path), timeout=60)
    assert again.returncode == 0 and "1 unchanged" in again.stdout


def test_reextract_bad_date_exit_2(tmp_path):
    result = run_cli("reextract", "--db", str(tmp_path / "a.db"), "--since", "yesterday", timeout=60)
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1


def test_reextract_keeps_feed_full_text_articles(tmp_path):
    """A page whose body came from the feed's full text re-extracts to the same article, no alarm."""
    from archive.store import rawpages as rawstore
    from archive.pipeline import add_article
    from archive.schema import open_archive

    db_path = tmp_path / "archive.db"
    db = open_archive(db_path)
    page = _script_rendered().encode()
    with transaction(db):
        rawstore.create_tables(db)
        raw_id = rawstore.save_raw(
            db, url="https://tass.ru/politika/27000001", final_url=None, source="tass", status=200,
            headers={"Content-Type": "text/html; charset=utf-8"}, body=page, fetched_at="2026-04-14T08:00:00+00:00",
        )
    article = extract(page, feed_entry=FeedEntry(url="https://tass.ru/politika/27000001", full_text="\n".join(PARAGRAPHS)))
    assert isinstance(article, Article) and article.extraction_method == "rss_fulltext"
    article.raw_id = raw_id
    add_article(db, article)
    db.conn.close()

    result = run_cli("reextract", "--db", str(db_path), timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 unchanged" in result.stdout
