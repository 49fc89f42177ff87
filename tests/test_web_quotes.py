"""Quotes and primary sources on the reading pages: each quote marked in the article text with
its verdict, linked to the passage of the ministry's document it was checked against, that
passage marked on the document's page, and the document first among its story's articles.

The archive is built through the real path (add_article: store, link, primary source, quotes);
texts are invented for the tests. The press report is published before the ministry's text
(TASS reports a statement as it is made), so the primary source comes first on the story
pages only because it is the primary source, not because it is the earliest.
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
from dataclasses import dataclass
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from archive.models import Article
from archive.pipeline import add_article
from archive.schema import open_archive
from archive.web.pages import Span, marked_paragraphs, paragraphs
from tests.test_web import parse

DOCUMENT_TITLE = ("Комментарий официального представителя МИД России М.В.Захаровой в связи с высылкой "
                  "российского дипломата из Норвегии")
DOCUMENT = (
    "В связи с решением властей Норвегии о высылке российского дипломата заявляем: это недружественный шаг, "
    "который не останется без ответа.\n\n"
    "Россия не намерена мириться с давлением <и> шантажом & угрозами со стороны Осло. "
    "Мы не исключаем ответных мер в отношении норвежских дипломатов."
)
VERBATIM = "Это недружественный шаг, который не останется без ответа"
SPECIAL = "Россия не намерена мириться с давлением <и> шантажом & угрозами со стороны Осло"
NEGATION = "Мы исключаем ответные меры в отношении норвежских дипломатов"  # drops «не»
NEAR = "Это недружественный шаг, который точно не останется без ответа"
OTHER_SPEAKER = "Мы внимательно следим за ситуацией"
TASS = (
    "МОСКВА, 8 апреля. /ТАСС/. Официальный представитель МИД России Мария Захарова прокомментировала "
    "решение Норвегии выслать российского дипломата.\n\n"
    f"«{VERBATIM}», — сказала Захарова.\n\n"
    f"«{SPECIAL}», — добавила она.\n\n"
    f"«{NEGATION}», — подчеркнула Захарова."
)
NEWSRU = (
    "Официальный представитель МИД России Мария Захарова назвала высылку российского дипломата из Норвегии "
    "недружественным шагом.\n\n"
    f"«{NEAR}», — заявила Захарова.\n\n"
    f"«{OTHER_SPEAKER}», — сказал пресс-секретарь президента Дмитрий Песков."
)


@dataclass(frozen=True)
class QuotesArchive:
    path: Path
    tass_id: int
    document_id: int
    newsru_id: int


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    path = tmp_path_factory.mktemp("webquotes") / "archive.db"
    db = open_archive(path)
    try:
        tass_id = add_article(db, Article(
            url="https://tass.ru/politika/1", source="tass",
            title="Захарова назвала высылку дипломата из Норвегии недружественным шагом", text=TASS,
            published="2026-04-08T17:30:00+03:00")).article_id
        document_id = add_article(db, Article(
            url="https://mid.ru/ru/foreign_policy/news/1/", source="midru", title=DOCUMENT_TITLE, text=DOCUMENT,
            published="2026-04-08T17:50:00+03:00", doc_type="comment", official=True)).article_id
        newsru_id = add_article(db, Article(
            url="https://news.ru/world/norway/", source="newsru",
            title="Захарова: высылка дипломата из Норвегии не останется без ответа", text=NEWSRU,
            published="2026-04-08T18:40:00+03:00")).article_id
    finally:
        db.close()
    return QuotesArchive(path, tass_id, document_id, newsru_id)


@pytest.fixture(scope="module")
def datasette(archive):
    from archive.web.server import make_datasette

    return make_datasette(archive.path, public=False)


def get(ds, path: str) -> str:
    response = asyncio.run(ds.client.get(path))
    assert response.status_code == 200, (path, response.status_code, response.text[:300])
    return response.text


def rows(archive: QuotesArchive, sql: str, params=()) -> list[tuple]:
    conn = sqlite3.connect(archive.path)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


class _Element(HTMLParser):
    """The text inside the element with one id (elements inside it included)."""

    def __init__(self, element_id: str) -> None:
        super().__init__(convert_charrefs=True)
        self.element_id, self.depth, self.found, self.text = element_id, 0, 0, []

    def handle_starttag(self, tag, attrs):
        if self.depth:
            self.depth += 1
        elif dict(attrs).get("id") == self.element_id:
            self.depth, self.found = 1, self.found + 1

    def handle_endtag(self, tag):
        if self.depth:
            self.depth -= 1

    def handle_data(self, data):
        if self.depth:
            self.text.append(data)


def element_text(html: str, element_id: str) -> str | None:
    parser = _Element(element_id)
    parser.feed(html)
    assert parser.found <= 1, f"id {element_id} is on {parser.found} elements"
    return "".join(parser.text) if parser.found else None


def quote_marks(html: str) -> dict[str, str]:
    """Each quote marked in the article body: its text -> its classes."""
    body = re.search(r'<div class="body">(.*?)</div>', html, re.S).group(1)
    return {unescape(text): classes for classes, text in
            re.findall(r'<mark class="(quote [^"]*)" id="quote-\d+"[^>]*>(.*?)</mark>', body)}


def test_the_pipeline_recorded_every_kind_of_verdict(archive):
    """What the page tests below stand on: the real path found and checked these quotes."""
    found = dict(rows(archive, "SELECT quote, coalesce(verdict, '-') || '/' || coalesce(issue, '-') FROM quotes"))
    assert found == {VERBATIM: "verbatim/-", SPECIAL: "verbatim/-", NEGATION: "not_found/negation",
                     NEAR: "near/-", OTHER_SPEAKER: "-/-"}
    assert rows(archive, "SELECT primary_article_id FROM stories") == [(archive.document_id,)]


def test_each_quote_in_the_text_is_marked_with_its_verdict(archive, datasette):
    tass = quote_marks(get(datasette, f"/-/article/{archive.tass_id}"))
    assert tass == {VERBATIM: "quote verdict-verbatim", SPECIAL: "quote verdict-verbatim",
                    NEGATION: "quote verdict-not-found issue-negation"}
    newsru = quote_marks(get(datasette, f"/-/article/{archive.newsru_id}"))
    assert newsru == {NEAR: "quote verdict-near", OTHER_SPEAKER: "quote verdict-unchecked"}


def test_a_dropped_negation_is_named_in_the_text_and_the_list(archive, datasette):
    html = get(datasette, f"/-/article/{archive.tass_id}")
    mark = re.search(r'<mark class="quote verdict-not-found issue-negation" id="quote-3" title="([^"]*)">', html)
    assert mark and unescape(mark.group(1)) == "Захарова: not found: negation changed (drops «не»)"
    item = re.search(r'<li><a href="#quote-3">(.*?)</li>', html).group(1)
    assert '<mark class="quote verdict-not-found">not found</mark> <strong class="issue">negation changed</strong>' \
           ' (drops «не»)' in item
    text = " ".join("".join(parse(html).loose_text).split())
    assert "Песков" not in text  # the other article's unchecked quote is not listed here


@pytest.mark.parametrize("quote", [VERBATIM, SPECIAL, NEGATION, NEAR])
def test_a_quote_links_to_its_passage_which_the_primary_page_marks(archive, datasette, quote):
    (article_id, number, start, end), = rows(archive, """
        SELECT article_id, (SELECT count(*) FROM quotes p WHERE p.article_id = q.article_id AND p.position <= q.position),
               match_start, match_end FROM quotes q WHERE quote = ?""", [quote])
    html = get(datasette, f"/-/article/{article_id}")
    item = re.search(rf'<li><a href="#quote-{number}">(.*?)</li>', html).group(1)
    href = re.search(r'<a class="passage" href="([^"]+)">', item).group(1)
    assert href == f"/-/article/{archive.document_id}?passage={start}-{end}#m-{start}-{end}"
    matched = " ".join(DOCUMENT[start:end].split())
    linked = get(datasette, href.partition("#")[0])
    # Around the exact matched text; a passage over a paragraph break goes on in the next one.
    first, *rest = [" ".join(p.split()) for p in re.split(r"\n\s*\n", DOCUMENT[start:end])]
    assert element_text(linked, f"m-{start}-{end}") == first
    if rest:
        assert quote == NEAR  # the near passage ends in the next paragraph
        continued = re.search(r'<p>(<mark class="passage"[^>]*>)(?:<mark[^>]*>)*' + re.escape(rest[0]), linked)
        assert continued and 'id="' not in continued.group(1)  # the id is on the first piece only
    assert f'id="m-{start}-{end}"' in get(datasette, f"/-/article/{archive.document_id}")  # without the query too
    if quote == NEGATION:
        assert "Мы не исключаем ответных мер в отношении норвежских дипломатов" in matched


def test_the_primary_page_lists_who_quotes_it(archive, datasette):
    html = get(datasette, f"/-/article/{archive.document_id}")
    passages = re.search(r'<ul class="passages">(.*?)</ul>', html).group(1)
    assert f'<a href="/-/article/{archive.newsru_id}">newsru</a> (near)' in passages
    assert f'<a href="/-/article/{archive.tass_id}">tass</a> (not found: negation changed)' in passages


def test_a_press_article_names_its_primary_source(archive, datasette):
    html = get(datasette, f"/-/article/{archive.tass_id}")
    assert (f'Primary source: <a href="/-/article/{archive.document_id}">{DOCUMENT_TITLE}</a> '
            '(<a href="https://mid.ru/ru/foreign_policy/news/1/" rel="noopener noreferrer nofollow">mid.ru</a>)') in html
    assert "Primary source:" not in get(datasette, f"/-/article/{archive.document_id}")


def test_the_primary_source_comes_first_on_the_story_page_and_in_the_list(archive, datasette):
    (story_id,), = rows(archive, "SELECT id FROM stories")
    earliest, = rows(archive, "SELECT id FROM articles ORDER BY published LIMIT 1")
    assert earliest != (archive.document_id,), "the document must not come first by date alone"
    table = re.search(r'<table class="members">(.*?)</table>', get(datasette, f"/-/story/{story_id}"), re.S).group(1)
    members = re.findall(r'<tr( class="[^"]*")?>\s*<td>\w+</td>.*?<a href="/-/article/(\d+)">', table, re.S)
    assert [int(i) for _, i in members] == [archive.document_id, archive.tass_id, archive.newsru_id]
    assert members[0][0] == ' class="primary"' and table.count("badge primary") == 1
    first_row = table.split("</tr>")[1]
    assert ">primary source</span>" in first_row
    listing = re.search(r'<ul><li( class="primary")?>(.*?)</li>', get(datasette, "/-/stories"), re.S)
    assert listing.group(1) and ">primary source</span> midru: " in listing.group(2)
    assert f'href="/-/article/{archive.document_id}"' in listing.group(2)


def test_quotes_with_html_characters_are_escaped(archive, datasette):
    html = get(datasette, f"/-/article/{archive.tass_id}")
    assert "<и>" not in html and "давлением &lt;и&gt; шантажом &amp; угрозами" in html
    assert element_text(html, "quote-2") == SPECIAL
    document = get(datasette, f"/-/article/{archive.document_id}")
    assert "<и>" not in document and "&lt;и&gt; шантажом &amp; угрозами" in document


def test_hostile_quote_rows_are_escaped_everywhere(tmp_path):
    """Quote rows as another tool might write them: markup in the quote, the speaker, the
    issue's words and the matched span of the document never reaches the page as markup."""
    from archive.web.server import make_datasette

    text = 'Он сказал: «<script>alert("q")</script> & "всё"». Конец.'
    document = 'Начало <img src=x onerror=alert(1)> "конец".'
    db = open_archive(tmp_path / "archive.db")
    try:
        press = add_article(db, Article(url="https://tass.ru/politika/9", source="tass", title="<b>Заголовок</b>",
                                        text=text, published="2026-04-08T18:20:00+03:00")).article_id
        primary = add_article(db, Article(url="https://mid.ru/ru/9/", source="midru", title="<i>Документ</i>",
                                          text=document, published="2026-04-08T17:50:00+03:00", official=True)).article_id
        with db.conn:
            db.execute("DELETE FROM quotes")
            start = text.index("<script>")
            db.execute("INSERT INTO quotes (article_id, position, [end], quote, kind, speaker, primary_id, verdict, "
                       "score, match_start, match_end, issue, issue_detail) VALUES (?, ?, ?, ?, 'direct', ?, ?, "
                       "'not_found', 0.9, ?, ?, '<u>x</u>', ?)",
                       [press, start, text.index("»"), text[start:text.index("»")], '"><img src=x onerror=alert(2)>',
                        primary, document.index("<img"), len(document), '"></mark><script>alert(3)</script>'])
            db.execute("INSERT OR REPLACE INTO primary_links (article_id, primary_id, part, start, [end], score, evidence) "
                       "VALUES (?, ?, NULL, 0, 1, 1.0, 'quote')", [press, primary])
    finally:
        db.close()
    ds = make_datasette(tmp_path / "archive.db", public=False)
    for path in (f"/-/article/{press}", f"/-/article/{primary}"):
        html = get(ds, path)
        for raw in ("<script>alert", "<img", "<u>", "<b>Заголовок", "<i>Документ", '"></mark>'):
            assert raw not in html, (path, raw)
    html = get(ds, f"/-/article/{press}")
    assert element_text(html, "quote-1") == '<script>alert("q")</script> & "всё"'
    assert "&lt;script&gt;alert(&#34;q&#34;)" in html or "&lt;script&gt;alert(&quot;q&quot;)" in html \
        or '&lt;script&gt;alert("q")' in html
    linked = get(ds, f"/-/article/{primary}?passage={document.index('<img')}-{len(document)}")
    assert element_text(linked, f"m-{document.index('<img')}-{len(document)}") == '<img src=x onerror=alert(1)> "конец".'


@pytest.mark.parametrize("path", ["tass", "newsru", "document"])
def test_every_id_shown_is_a_link(archive, datasette, path):
    article_id = {"tass": archive.tass_id, "newsru": archive.newsru_id, "document": archive.document_id}[path]
    page = parse(get(datasette, f"/-/article/{article_id}"))
    for text in page.loose_text:
        assert not re.search(r"\b(article|story) \d+", text), text


_TEXTS = st.lists(st.sampled_from(["слово", "«цитата»", " ", "  ", "\n", "\n\n", "\n \n", "<", "&", "."]),
                  max_size=25).map("".join)


@settings(max_examples=150, deadline=None)
@given(text=_TEXTS, cuts=st.lists(st.tuples(st.integers(0, 120), st.integers(0, 120)), max_size=5))
def test_marked_paragraphs_are_the_paragraphs_with_elements_around_the_spans(text, cuts):
    spans = [Span(min(a, b), max(a, b), "mark", (("id", f"s{n}"), ("class", "c"))) for n, (a, b) in enumerate(cuts)]
    marked = marked_paragraphs(text, spans)
    # Without the elements, the same paragraphs as before.
    assert [unescape(re.sub(r"<[^>]*>", "", str(p))) for p in marked] == paragraphs(text)
    html = "".join(f"<p>{p}</p>" for p in marked)
    # Well nested, and each id once; the first span is whole: its element holds exactly its text.
    depth = 0
    for tag in re.findall(r"</?(?:mark|p)\b", html):
        depth += -1 if tag.startswith("</") else 1
        assert depth >= 0
    assert depth == 0
    for n in range(len(spans)):
        assert html.count(f'id="s{n}"') <= 1
    if spans:
        first = spans[0]
        inside = text[max(0, first.start):min(first.end, len(text))]
        if inside.strip() and not re.search(r"\n\s*\n", inside):
            assert " ".join(inside.split()) == " ".join((element_text(html, "s0") or "").split())
