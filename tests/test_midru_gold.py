"""mid.ru extraction against gold: every document kind of the mirror, fetched over real HTTP,
must come out exactly (token F1 1.0): every paragraph in order, the turns of a transcript with
their speakers' labels and the journalists' questions, the topic subheadings, and no line of
the page's furniture (menus, table of contents, "Назад к оглавлению", the document number).
"""

from __future__ import annotations

import urllib.request

import pytest

from archive.demo import content_midru
from archive.demo.render_midru import TURN_LABEL
from archive.models import Article, ExtractionFailure
from tests.support.mirrors import make_mirror
from tests.support.pages import extract_html
from tests.test_gold import token_scores

KINDS = {"news", "statement", "comment", "answer", "briefing", "interview", "speech", "joint_statement"}


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.read()


@pytest.fixture(scope="module")
def pages():
    with make_mirror() as mirror:
        entries = {e.path: e for e in content_midru.ENTRIES}
        gold = [a for a in mirror.articles("midru")]
        yield [(a, entries[a.path], fetch(a.url)) for a in gold]


def _expected_text(entry) -> list[str]:
    """The document's text as the gold says: paragraphs and topic subheadings, in page order."""
    return [b[4:] if b.startswith("### ") else b for b in entry.blocks if not b.startswith("@")]


def test_the_mirror_has_gold_pages_of_every_kind(pages):
    assert {a.doc_type for a, _, _ in pages if a.is_article} >= KINDS


def test_every_document_comes_out_exactly(pages):
    wrong = []
    for gold, entry, body in pages:
        if not gold.is_article:
            continue
        article = extract_html(body, gold.url, "midru")
        if not isinstance(article, Article):
            wrong.append(f"{gold.path}: {article.reason} {article.detail}")
            continue
        expected = _expected_text(entry)
        precision, recall, f1 = token_scores(article.text, "\n".join(expected))
        if article.text.split("\n\n") != expected or f1 != 1.0:
            wrong.append(f"{gold.path}: F1 {f1:.3f} (precision {precision:.3f}, recall {recall:.3f})")
        leaked = [line for line in gold.not_body if line in article.text]
        if leaked:
            wrong.append(f"{gold.path}: boilerplate {leaked}")
        for name in ("title", "lead", "published", "doc_type", "tags", "authors"):
            if getattr(article, name) != getattr(gold, name):
                wrong.append(f"{gold.path}: {name} {getattr(article, name)!r} != {getattr(gold, name)!r}")
    assert not wrong, "\n".join(wrong)


def test_turns_keep_their_speakers_and_questions(pages):
    for gold, entry, body in pages:
        if not gold.is_article:
            continue
        article = extract_html(body, gold.url, "midru")
        labels = [TURN_LABEL.match(b).group(1).rstrip(":") for b in entry.blocks if TURN_LABEL.match(b)]
        turns = [p for p in article.parts if p.kind in ("question", "answer", "remark")]
        assert [article.text[p.start:p.end].split(":")[0].split(" (")[0] for p in turns] == [
            label.split(" (")[0] for label in labels], gold.path
        questions = [b for b in entry.blocks if b.startswith("Вопрос")]
        assert [article.text[p.start:p.end].split("\n\n")[0] for p in turns if p.kind == "question"] == questions
        named = [p.speaker for p in turns if p.kind != "question" and p.speaker]
        assert named == [label for label in labels if label not in ("Вопрос", "Ответ") and not label.startswith("Вопрос")]


def test_a_briefing_is_one_part_per_topic_and_per_question(pages):
    gold, entry, body = next(p for p in pages if p[1] is content_midru.BRIEFING_APR09)
    article = extract_html(body, gold.url, "midru")
    topics = [b[4:] for b in entry.blocks if b.startswith("### ") and not b.startswith("### Из ответов")]
    questions = [b for b in entry.blocks if b.startswith("Вопрос")]
    parts = sorted({p.part for p in article.parts})
    assert len(parts) == len(topics) + len(questions)
    headings = [next(p.heading for p in article.parts if p.part == n) for n in parts]
    assert headings[: len(topics)] == topics
    moldova = next(p for p in article.parts if p.heading == "О ситуации вокруг Приднестровья")
    assert "Это тупиковый путь." in article.text[moldova.start:moldova.end]
    assert "ОДКБ" not in article.text[moldova.start:moldova.end]


def test_the_anti_bot_page_is_refused(pages):
    gold, _, body = next(p for p in pages if not p[0].is_article)
    result = extract_html(body, gold.url, "midru")
    assert isinstance(result, ExtractionFailure) and result.reason == "antibot-stub"
