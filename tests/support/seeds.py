"""Render the shared seed pages (real visible text + gold json) as mirror pages at run time.

The seed text is read from the shared directory and never stored in the repository. The
visible-text dump is split back into its page blocks (trending bar, feed list, popular
block, cookie notice, caption, subheading) so each lands in the element a real site uses.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from archive.demo import boilerplate as bp
from archive.demo.authoring import iso
from archive.demo.model import Entry

NEWSRU_SEED_PATH = "/vlast/v-mid-rf-poprosili-baku-o-zheste-dobroj-voli-v-otnoshenii-zaderzhannyh-rossiyan/"
TASS_SEED_PATH = "/politika/26023517"
TASS_SEED_TIME = "16:05"  # the gold gives a date only; the page needs a time
DATE_LINE = re.compile(r"^\d{1,2} [а-я]+ \d{4} в \d{1,2}:\d{2}$")


def load_seed_entries(seeds_dir: Path) -> list[Entry]:
    """Entries for whichever seed pages (with gold) exist in seeds_dir."""
    entries = []
    if (seeds_dir / "newsru-page.txt").is_file() and (seeds_dir / "newsru-page.gold.json").is_file():
        entries.append(newsru_seed(*_read(seeds_dir, "newsru-page")))
    if (seeds_dir / "tass-page.txt").is_file() and (seeds_dir / "tass-page.gold.json").is_file():
        entries.append(tass_seed(*_read(seeds_dir, "tass-page")))
    return entries


def _read(seeds_dir: Path, stem: str) -> tuple[list[str], dict]:
    lines = [line.strip() for line in (seeds_dir / f"{stem}.txt").read_text(encoding="utf-8").splitlines()]
    gold = json.loads((seeds_dir / f"{stem}.gold.json").read_text(encoding="utf-8"))
    return [line for line in lines if line], gold


def newsru_seed(lines: list[str], gold: dict) -> Entry:
    """The news.ru seed: blocks from the dump in page order, gold from the json."""
    body = gold["body_paragraphs"]
    date_at = next(i for i, line in enumerate(lines) if DATE_LINE.match(line))
    credit_at = next(i for i, line in enumerate(lines) if line.startswith("Фото:"))
    body_start = lines.index(body[0])
    feed_at = lines.index(bp.NEWSRU_FEED_TITLE)
    popular_at = lines.index(bp.NEWSRU_POPULAR_TITLE)
    more_at = lines.index(bp.NEWSRU_FEED_MORE, feed_at)
    extras = {
        "trending": lines[:date_at],
        "promo": " ".join(lines[credit_at + 1 : body_start]),
        "feed": lines[feed_at + 1 : more_at],
        "popular": _popular_cards(lines[popular_at + 1 : -1]),
        "cookie": lines[-1],
    }
    return Entry(
        site="newsru", path=NEWSRU_SEED_PATH, kind="article", published=gold["published"], title=gold["title"],
        lead=gold["lead"], blocks=tuple(body), section=bp.NEWSRU_SECTIONS["vlast"], tags=tuple(gold["tags"]),
        event="galuzin-baku-detainees-feb15", mfa=True, image=gold.get("image_credit") or lines[credit_at],
        extras=extras, not_body_extra=tuple(gold["not_body"]), pinned=True,
    )


def _popular_cards(lines: list[str]) -> list[tuple[str, str]]:
    """'title, category, title again' triples of the popular block -> (title, category)."""
    cards = []
    i = 0
    while i + 1 < len(lines):
        title, category = lines[i], lines[i + 1]
        cards.append((title, category))
        i += 3 if i + 2 < len(lines) and lines[i + 2] == title else 2
    return cards


def tass_seed(lines: list[str], gold: dict) -> Entry:
    """The TASS seed: body paragraphs with the subheading where the dump has it."""
    body = set(gold["body_paragraphs"])
    subheadings = set(gold.get("subheadings", []))
    first = lines.index(gold["body_paragraphs"][0])
    blocks = [line if line in body else f"## {line}" for line in lines[first:] if line in body or line in subheadings]
    date = gold["published_date"]
    return Entry(
        site="tass", path=TASS_SEED_PATH, kind="article", published=iso(f"{date} {TASS_SEED_TIME}"),
        title=gold["title"], lead=gold["lead"], blocks=tuple(blocks), section=bp.TASS_RUBRICS["politika"],
        tags=("Михаил Галузин", "Азербайджан", "МИД России"), event="galuzin-baku-consultations-dec10", mfa=True,
        image=gold.get("image_caption"), authors=(gold.get("byline") or bp.TASS_BYLINE,), structured="jsonld",
        not_body_extra=tuple(gold["not_body"]), pinned=True,
    )
