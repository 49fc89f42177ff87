"""settings/datasette.yml given to Datasette directly (`datasette archive.db -m settings/datasette.yml`)
still opens an archive with FTS and facets, as it did before `mfa-archive serve`.

Uses Datasette's own test client against a real archive file. The reading pages, the ranked
search and the plugin's metadata for any file name are tested in tests/test_web.py.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from archive.store import transaction
import yaml
from datasette.app import Datasette

from archive.search.index import index_pending
from archive.models import Article
from archive.schema import open_archive
from archive.store.articles import upsert_article

METADATA = Path(__file__).resolve().parent.parent / "settings" / "datasette.yml"

ARTICLES = [
    ("tass", "2025-03-01T10:00:00+03:00", "Лавров провел переговоры с главой МИД Вьетнама",
     "Министр иностранных дел Сергей Лавров обсудил с вьетнамским коллегой поставки удобрений."),
    ("newsru", "2025-03-02T11:00:00+03:00", "Захарова ответила на заявление Лаврова",
     "Официальный представитель МИД упомянула переговоры в Москве и поставки удобрений во Вьетнам."),
    ("tass", "2025-04-05T09:30:00+03:00", "Погода в Москве",
     "Синоптики обещают дождь и удобрений не требуется: переговоры в тексте не упоминаются."),
]


@pytest.fixture
def datasette(tmp_path) -> Datasette:
    # The metadata is keyed by database name, which Datasette takes from the file name.
    db = open_archive(tmp_path / "archive.db")  # with the lemma index, which must not take over Datasette's search box
    with transaction(db):
        for n, (source, published, title, text) in enumerate(ARTICLES):
            article = Article(url=f"https://example.org/{n}", source=source, title=title, text=text,
                              published=published, section="politics" if n < 2 else "weather")
            article_id, _ = upsert_article(db, article, mfa=n < 2, mfa_reasons=[])
            db.execute("UPDATE articles SET story_id = 5 WHERE id = ?", [article_id])
    index_pending(db)
    db.conn.close()
    metadata = yaml.safe_load(METADATA.read_text(encoding="utf-8"))
    return Datasette([str(tmp_path / "archive.db")], metadata=metadata)


def _get(ds: Datasette, path: str):
    response = asyncio.run(ds.client.get(path))
    assert response.status_code == 200, response.text[:500]
    return response.json()


def test_table_search_and_configured_facets(datasette):
    data = _get(datasette, "/archive/articles.json?_search=Лаврова")
    assert len(data["rows"]) == 1
    facets = _get(datasette, "/archive/articles.json?_extra=facet_results")["facet_results"]
    assert {"source", "section", "published", "mfa"} <= set(facets)
    sources = {item["value"]: item["count"] for item in facets["source"]["results"]}
    assert sources == {"tass": 2, "newsru": 1}


def test_table_is_sorted_newest_first(datasette):
    data = _get(datasette, "/archive/articles.json?_shape=objects")
    published = [row["published"] for row in data["rows"]]
    assert published == sorted(published, reverse=True)


def test_the_primary_source_and_quote_views_run(tmp_path):
    """The canned queries of stories with their primary source and of checked quotes."""
    db = open_archive(tmp_path / "archive.db")
    with transaction(db):
        press, _ = upsert_article(db, Article(url="https://tass.ru/politika/1", source="tass", title="Захарова о Норвегии",
                                              text="«Это недружественный шаг», — сказала Захарова.",
                                              published="2026-04-08T18:20:00+03:00"), mfa=True, mfa_reasons=[])
        document, _ = upsert_article(db, Article(url="https://mid.ru/ru/1/", source="midru", title="Комментарий",
                                                 text="Это недружественный шаг.", published="2026-04-08T17:50:00+03:00",
                                                 doc_type="comment", official=True), mfa=True, mfa_reasons=[])
        db.execute("INSERT INTO stories (id, title, last_seen, size, sources, primary_article_id) "
                   "VALUES (7, 'Норвегия', '2026-04-08T18:20:00+03:00', 2, '[\"midru\", \"tass\"]', ?)", [document])
        db.execute("INSERT INTO quotes (article_id, position, [end], quote, kind, speaker, speaker_key, primary_id, "
                   "verdict, score, match_start, match_end) VALUES (?, 1, 24, 'Это недружественный шаг', 'direct', "
                   "'Захарова', 'захарова', ?, 'verbatim', 1.0, 0, 23)", [press, document])
    db.conn.close()
    datasette = Datasette([str(tmp_path / "archive.db")], metadata=yaml.safe_load(METADATA.read_text(encoding="utf-8")))
    (story,) = _get(datasette, "/archive/stories_with_primary.json?_shape=array")
    assert story["primary_source"] == "https://mid.ru/ru/1/" and story["doc_type"] == "comment"
    (quote,) = _get(datasette, "/archive/quotes_checked.json?_shape=array")
    assert (quote["speaker"], quote["verdict"], quote["matched"]) == ("Захарова", "verbatim", "Это недружественный шаг")
    table = _get(datasette, "/archive/quotes.json?_extra=facet_results")
    assert {"speaker", "verdict", "issue"} <= set(table["facet_results"])
