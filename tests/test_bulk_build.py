"""The bench's bulk builder writes the same archive as adding the articles through the pipeline.

Slow (the `slow` marker: `pytest -m slow`): the scale benchmark's builder, checked on archives
of 1,200 and 700 articles built both ways, about 20 s.
"""

import importlib.util
import sys
from pathlib import Path

import pytest

from archive.pipeline import add_articles
from archive.schema import open_archive

pytestmark = pytest.mark.slow

_SPEC = importlib.util.spec_from_file_location(
    "stories_scale", Path(__file__).resolve().parents[1] / "bench" / "stories_scale.py")
stories_scale = importlib.util.module_from_spec(_SPEC)
sys.modules["stories_scale"] = stories_scale  # worker processes unpickle its functions by module name
_SPEC.loader.exec_module(stories_scale)

ARTICLES = 1200
PER_DAY = 300  # four days, so story windows and hour buckets roll over


def _snapshot(db) -> dict:
    """Everything linking decides, with story ids replaced by their member sets (ids are arbitrary)."""
    members: dict[int, set[int]] = {}
    for article_id, story_id in db.execute("SELECT id, story_id FROM articles"):
        members.setdefault(story_id, set()).add(article_id)
    return {
        "articles": db.execute("SELECT id, url, title, text, published, mfa, mfa_reason, reprint_of "
                               "FROM articles ORDER BY id").fetchall(),
        "dedup_docs": db.execute("SELECT * FROM dedup_docs ORDER BY article_id").fetchall(),
        "hours": [h for (h,) in db.execute("SELECT hour FROM dedup_hours ORDER BY hour")],
        "stories": sorted(
            (frozenset(members[story_id]), title, first, last, size, sources, mfa)
            for story_id, title, first, last, size, sources, mfa in db.execute(
                "SELECT id, title, first_seen, last_seen, size, sources, mfa FROM stories")),
        "fts": db.execute("SELECT rowid FROM articles_fts WHERE articles_fts MATCH 'сказал' ORDER BY rowid").fetchall(),
        "lemmas": db.execute("SELECT id, title, lead, text FROM articles_morph ORDER BY id").fetchall(),
        "lemma_fts": db.execute(
            "SELECT rowid FROM articles_morph_fts WHERE articles_morph_fts MATCH 'сказать' ORDER BY rowid").fetchall(),
    }


def test_bulk_build_equals_the_pipeline(tmp_path):
    normal = open_archive(tmp_path / "normal.db")
    corpus = stories_scale.Corpus(3, PER_DAY)
    for start in range(0, ARTICLES, 400):
        add_articles(normal, [corpus.article(n) for n in range(start, start + 400)])
    bulk = open_archive(tmp_path / "bulk.db")
    stories_scale.bulk_build(bulk, stories_scale.Corpus(3, PER_DAY), ARTICLES, workers=0)

    expected, built = _snapshot(normal), _snapshot(bulk)
    assert sum(1 for row in expected["articles"] if row[-1] is not None) > 100, "the corpus has reprints"
    assert sum(1 for story in expected["stories"] if len(story[0]) > 1) > 100, "the corpus has multi-article stories"
    assert expected["fts"], "the FTS probe word occurs"
    for table in expected:
        assert built[table] == expected[table], table


def test_bulk_built_archive_takes_new_articles_like_the_pipeline(tmp_path):
    """Triggers are back after the bulk build: a day added normally is indexed and linked as usual."""
    corpus = stories_scale.Corpus(4, PER_DAY)
    bulk = open_archive(tmp_path / "bulk.db")
    stories_scale.bulk_build(bulk, corpus, 600, workers=1)
    add_articles(bulk, [corpus.article(n) for n in range(600, 700)])

    normal = open_archive(tmp_path / "normal.db")
    corpus = stories_scale.Corpus(4, PER_DAY)
    add_articles(normal, [corpus.article(n) for n in range(700)])
    assert _snapshot(bulk) == _snapshot(normal)
    morph = "SELECT count(*) FROM articles_morph_fts WHERE articles_morph_fts MATCH 'сказать'"
    assert bulk.execute(morph).fetchone() == normal.execute(morph).fetchone() != (0,)
