"""Extraction against gold: the local mirror's pages, fetched over real HTTP.

The two seed pages (real text from ../shared/seeds, rendered by the mirror) must come out
exactly: every body paragraph in order, no boilerplate line, the right title, lead, date and
tags. Every other gold page of the mirror is scored by token precision/recall/F1 of its body.
"""

from __future__ import annotations

import json
import re
import urllib.request
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.pages import extract_html as extract_article
from archive.discover.feeds import parse_feed
from archive.models import FeedEntry
from archive.models import Article, ExtractionFailure

SHARED = Path(__file__).resolve().parents[1] / ".." / "shared"
SEEDS = SHARED / "seeds"
MIN_F1 = 0.98
_TOKEN = re.compile(r"\w+")


def token_scores(predicted: str, gold: str) -> tuple[float, float, float]:
    """Token-level (precision, recall, F1) of `predicted` against `gold`, case-folded bags of words."""
    pred, want = Counter(_TOKEN.findall(predicted.casefold())), Counter(_TOKEN.findall(gold.casefold()))
    common = sum((pred & want).values())
    if not common:
        return 0.0, 0.0, 0.0
    precision, recall = common / sum(pred.values()), common / sum(want.values())
    return precision, recall, 2 * precision * recall / (precision + recall)


def body_paragraphs(text: str, subheadings: list[str]) -> list[str]:
    """The body paragraphs of an extracted text: subheadings are neither body nor boilerplate."""
    return [p for p in text.split("\n\n") if p and p not in subheadings]


@dataclass
class GoldPage:
    gold: object  # archive.mirror.MirrorArticle
    body: bytes
    charset: str | None
    feed_entry: FeedEntry | None


def fetch(url: str) -> tuple[bytes, str | None]:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.read(), response.headers.get_content_charset()


def fetch_gold_pages(mirror) -> list[GoldPage]:
    """Every gold page's HTML over HTTP, with its entry from the TASS full-text feed if listed."""
    feed_body, _ = fetch(mirror.base_urls["tass"] + "/rss/yandex.xml")
    feed = {entry.url: entry for entry in parse_feed(feed_body)}
    pages = []
    for gold in mirror.gold_pages():
        body, charset = fetch(gold.url)
        pages.append(GoldPage(gold, body, charset, feed.get(gold.url)))
    return pages


def run_extraction(page: GoldPage) -> Article | ExtractionFailure:
    return extract_article(page.body, page.gold.url, page.gold.site, declared_encoding=page.charset, feed_entry=page.feed_entry)


@pytest.fixture(scope="module")
def mirror():
    from tests.support.mirrors import make_mirror as Mirror

    with Mirror(seeds_dir=SEEDS if SEEDS.is_dir() else None) as running:
        yield running


@pytest.fixture(scope="module")
def gold_pages(mirror) -> list[GoldPage]:
    return fetch_gold_pages(mirror)


def _seed(name: str) -> dict:
    path = SEEDS / f"{name}-page.gold.json"
    if not path.is_file():
        pytest.skip(f"{path} is absent: the shared seed pages sit beside the repository")
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("name, site", [("newsru", "newsru"), ("tass", "tass")])
def test_seed_page_matches_gold_exactly(gold_pages, name, site):
    seed = _seed(name)
    page = next((p for p in gold_pages if p.gold.site == site and p.gold.title == seed["title"]), None)
    assert page is not None, f"the mirror does not serve the {name} seed page"
    article = run_extraction(page)
    assert isinstance(article, Article), article
    assert body_paragraphs(article.text, seed.get("subheadings", [])) == seed["body_paragraphs"]
    for line in seed["not_body"]:
        assert line not in article.text, f"boilerplate in the body: {line!r}"
    assert article.title == seed["title"] and article.lead == seed["lead"]
    if "published" in seed:
        assert article.published == seed["published"]
    else:
        assert (article.published or "")[:10] == seed["published_date"]
    assert article.tags == seed.get("tags", page.gold.tags)
    if "byline" in seed:
        assert article.authors == [seed["byline"]]
    if "image_credit" in seed:
        assert article.image_credit == seed["image_credit"]
    if "image_caption" in seed:
        assert article.image_caption == seed["image_caption"]


def test_every_gold_page_scores_at_least_098(gold_pages):
    rows, failing = [], []
    for page in gold_pages:
        gold = page.gold
        result = run_extraction(page)
        if isinstance(result, ExtractionFailure):
            rows.append((0.0, 0.0, 0.0, gold.kind, "-", gold.url, f"failed: {result.reason} {result.detail}"))
            failing.append(gold.url)
            continue
        predicted = "\n".join(body_paragraphs(result.text, gold.subheadings))
        precision, recall, f1 = token_scores(predicted, "\n".join(gold.body_paragraphs))
        leaked = [line for line in gold.not_body if line in result.text]
        rows.append((precision, recall, f1, gold.kind, result.extraction_method, gold.url, f"boilerplate: {leaked}" if leaked else ""))
        if f1 < MIN_F1 or leaked:
            failing.append(gold.url)
    assert len(rows) >= 20, f"only {len(rows)} gold pages: is the mirror complete?"
    table = "\n".join(f"{p:6.3f} {r:6.3f} {f:6.3f}  {kind:18} {method:12} {url} {note}" for p, r, f, kind, method, url, note in sorted(rows))
    assert not failing, f"{len(failing)} pages below F1 {MIN_F1} or with boilerplate:\n  prec    rec     F1\n{table}"


def test_gold_fields(gold_pages):
    """Title, lead, date, tags, section, authors and photo credit of every gold page."""
    wrong = []
    for page in gold_pages:
        gold, article = page.gold, run_extraction(page)
        if not isinstance(article, Article):
            wrong.append(f"{gold.url}: {article.reason}")
            continue
        for name in ("title", "lead", "published", "tags", "section", "authors", "image_credit", "image_caption"):
            # An undated page gives no date, whenever the mirror published it.
            expected = None if name == "published" and gold.undated else getattr(gold, name)
            if getattr(article, name) != expected:
                wrong.append(f"{gold.url}: {name} {getattr(article, name)!r} != {expected!r}")
        if gold.modified and article.modified != gold.modified:
            wrong.append(f"{gold.url}: modified {article.modified!r} != {gold.modified!r}")
    assert not wrong, "\n".join(wrong)


def test_non_article_pages_are_refused(mirror):
    """Listings, videos, galleries and anti-bot stubs of the mirror are failures with a reason."""
    refused = {}
    for site in mirror.base_urls:
        for page in mirror.articles(site):
            if page.is_article:
                continue
            body, charset = fetch(page.url)
            result = extract_article(body, page.url, site, declared_encoding=charset)
            refused[page.url] = (page.kind, getattr(result, "reason", "stored as an article"))
    assert refused, "the mirror serves no non-article pages"
    expected = {"antibot": "antibot-stub", "listing": "not-article", "video": "not-article", "gallery": "not-article"}
    wrong = {url: got for url, got in refused.items() if got[1] != expected[got[0]]}
    assert not wrong, wrong
