"""Extraction speed and quality: mfa-archive profiles vs bare `trafilatura.extract`, same pages, same run.

Serves the local mirror (curated, seed and generated article pages), fetches every article
page once over HTTP, then times both extractors over the same bytes in alternating rounds
and scores both bodies against the mirror's gold with token precision/recall/F1.

    .venv/bin/python bench/extract.py [--generated N] [--rounds R]

Target: profiles cost at most 15% more time than bare trafilatura and score higher.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import trafilatura  # noqa: E402

from archive.discover.feeds import parse_feed  # noqa: E402
from archive.models import Article  # noqa: E402
from tests.support.mirrors import make_mirror  # noqa: E402
from tests.support.pages import extract_html  # noqa: E402
from tests.test_gold import GoldPage, body_paragraphs, fetch, token_scores  # noqa: E402

SEEDS = REPO.parent / "shared" / "seeds"


def article_pages(mirror) -> list[GoldPage]:
    """Every article page of the mirror (curated, seeds, generated) with its HTML and feed entry."""
    feed_body, _ = fetch(mirror.base_urls["tass"] + "/rss/yandex.xml")
    feed = {entry.url: entry for entry in parse_feed(feed_body)}
    pages = []
    for site in ("tass", "newsru"):
        for gold in mirror.articles(site):
            if gold.is_article:
                body, charset = fetch(gold.url)
                pages.append(GoldPage(gold, body, charset, feed.get(gold.url)))
    return pages


def with_profiles(page: GoldPage) -> str:
    """The crawl's extraction: `extract_article` on the page as fetched, with its site's profile."""
    result = extract_html(page.body, page.gold.url, page.gold.site, declared_encoding=page.charset, feed_entry=page.feed_entry)
    return result.text if isinstance(result, Article) else ""


def bare(page: GoldPage) -> str:
    return (trafilatura.extract(page.body, url=page.gold.url) or "").replace("\n", "\n\n")


def timed(extractor, pages: list[GoldPage]) -> tuple[float, list[str]]:
    start = time.perf_counter()
    texts = [extractor(page) for page in pages]
    return time.perf_counter() - start, texts


def quality(pages: list[GoldPage], texts: list[str]) -> tuple[float, float, int]:
    """(mean F1, min F1, pages with a boilerplate line) of extracted texts against gold."""
    scores, leaks = [], 0
    for page, text in zip(pages, texts):
        predicted = "\n".join(body_paragraphs(text, page.gold.subheadings))
        scores.append(token_scores(predicted, "\n".join(page.gold.body_paragraphs))[2])
        leaks += any(line in text for line in page.gold.not_body)
    return statistics.mean(scores), min(scores), leaks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--generated", type=int, default=150, help="generated pages per mirror (default 150)")
    parser.add_argument("--rounds", type=int, default=3, help="timing rounds, best kept (default 3)")
    args = parser.parse_args()
    with make_mirror(seeds_dir=SEEDS if SEEDS.is_dir() else None, generated=args.generated) as mirror:
        pages = article_pages(mirror)
    timings = {"profiles": [], "bare": []}
    for _ in range(args.rounds):  # alternate, so both see the same machine load
        for name, extractor in (("bare", bare), ("profiles", with_profiles)):
            seconds, texts = timed(extractor, pages)
            timings[name].append((seconds, texts))
    print(f"{len(pages)} article pages, {sum(len(p.body) for p in pages) / 1e6:.1f} MB of HTML, best of {args.rounds} rounds")
    print(f"{'extractor':<22}{'pages/s':>9}{'mean F1':>10}{'min F1':>9}{'boilerplate pages':>20}")
    best = {}
    for name, label in (("bare", "bare trafilatura"), ("profiles", "mfa-archive profiles")):
        seconds, texts = min(timings[name], key=lambda t: t[0])
        best[name] = seconds
        mean_f1, min_f1, leaks = quality(pages, texts)
        print(f"{label:<22}{len(pages) / seconds:>9.1f}{mean_f1:>10.4f}{min_f1:>9.4f}{leaks:>20}")
    print(f"profiles cost {best['profiles'] / best['bare'] - 1:+.1%} time over bare trafilatura (target <= +15%)")


if __name__ == "__main__":
    main()
