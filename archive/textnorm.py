"""Russian text normalization shared by relevance rules, reprint detection and story clustering.

Wire copy is repeated by many outlets with cosmetic differences: typographic quotes, dashes,
ё spelled as е, a dateline ("МОСКВА, 10 декабря. /ТАСС/.") or an attribution ("передает ТАСС",
"— РИА Новости"). Normalizing those away first makes a reprint hash like its original, and
stemming lets "Лаврова", "Захаровой" and "министерства иностранных дел" match their rule forms.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import snowballstemmer

# Character classes, not str.translate: translate with a mapping costs ~0.1 ms per article of
# Cyrillic text, and every article is normalized by relevance, reprint and story features.
_DOUBLE_QUOTES = re.compile("[«»„“”‟″〝〞＂‹›]")
_SINGLE_QUOTES = re.compile("[‘’‚‛`´]")
_DASHES = re.compile("[‐‑‒–—―−﹘﹣－]")

AGENCIES = (
    "тасс|риа новости|интерфакс|interfax\\.ru|interfax|прайм|рбк|известия|ria\\.ru|тасс\\.ру|"
    "белта|sputnik|спутник|regnum|регнум|ура\\.ру|ура\\.ru|ruptly|reuters|рейтер|ap|afp|bloomberg"
)
_MONTHS = "январ|феврал|март|апрел|ма[йя]|июн|июл|август|сентябр|октябр|ноябр|декабр|янв|фев|мар|апр|авг|сен|окт|ноя|дек"
# "москва, 10 декабря. /тасс/." or "/корр. тасс .../." or "москва, 10 дек - риа новости."
# or "москва. 14 января. interfax.ru -" at the start of the text (after lower-casing).
_DATELINE = re.compile(
    rf"^\s*[a-zа-я][a-zа-я\- ]{{1,40}}[,.]\s*\d{{1,2}}\s+(?:{_MONTHS})[a-zа-я]*\.?(?:\s+\d{{4}}(?:\s*г\.)?)?"
    rf"(?:\s*[,.]?\s*/[^/\n]{{2,80}}/\s*\.?|\s*-\s*(?:{AGENCIES})\s*\.?|\s*\.\s*(?:{AGENCIES})\s*-|\s*[.,])"
)
_REPORTED_BY = rf"(?:передает|передают|сообщает|сообщают|пишет|пишут|информирует)\s+(?:агентство\s+|корреспондент\s+)?(?:{AGENCIES})\b"
_ATTRIBUTION = re.compile(
    rf"(?:,\s*)?{_REPORTED_BY}|\s-\s(?:{AGENCIES})\s*\.|\(?(?:фото|видео)\s*:\s*[^\n.]{{0,60}}"
)
# The full pattern tries its optional prefixes at every position (~0.2 ms a text); these cheap
# probes skip it for the many texts that carry no attribution at all.
_REPORTED_BY_PROBE = re.compile(_REPORTED_BY)
_AGENCY_DASH_PROBE = re.compile(rf"\s-\s(?:{AGENCIES})\s*\.")
_WORD = re.compile(r"[0-9a-zа-я]+(?:-[0-9a-zа-я]+)*")

_stemmer = snowballstemmer.stemmer("russian")


@lru_cache(maxsize=16)
def unify(text: str) -> str:
    """NFC, ё→е (both cases), one kind of quote and dash, collapsed spaces; case is kept.

    Cached for a few texts: `normalize` and the story features unify the same title and body of
    the article being prepared (~0.1 ms a body each time).
    """
    text = unicodedata.normalize("NFC", text).replace("ё", "е").replace("Ё", "Е")
    text = _DASHES.sub("-", _SINGLE_QUOTES.sub("'", _DOUBLE_QUOTES.sub('"', text)))
    return _collapse_spaces(text)


def _collapse_spaces(text: str) -> str:
    """Runs of whitespace (any kind, as regex \\s) as one space, without leading or trailing ones."""
    return " ".join(text.split())


def _has_attribution(text: str) -> bool:
    return bool(
        _REPORTED_BY_PROBE.search(text)
        or _AGENCY_DASH_PROBE.search(text)
        or "фото" in text
        or "видео" in text
    )


@lru_cache(maxsize=64)
def normalize(text: str) -> str:
    """Lower-cased, unified text without the dateline and agency attributions.

    Cached for a few texts because relevance, reprint and story features each normalize the
    same title and body of the article being added.
    """
    text = unify(text).lower()
    text = _DATELINE.sub("", text, count=1)
    if _has_attribution(text):
        return _collapse_spaces(_ATTRIBUTION.sub("", text))
    # Spaces are already collapsed by `unify`, and removing a dateline at the start leaves at most
    # one before the rest: strip() gives what collapsing again would, in a tenth of its ~0.04 ms.
    return text.strip()


def words(normalized: str) -> list[str]:
    """Word tokens of normalized text; hyphenated words ("из-за", "ростов-на-дону") stay whole."""
    return list(_words(normalized))


@lru_cache(maxsize=16)
def _words(normalized: str) -> tuple[str, ...]:
    """Cached for a few texts, as `normalize` is: relevance, reprints, story terms and press
    cues each split the same title and body of the article being prepared (four times)."""
    return tuple(_WORD.findall(normalized))


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """The Snowball stem of one lower-case word, cached because news vocabulary repeats a lot."""
    return _stemmer.stemWord(word)


def stems(tokens: list[str]) -> list[str]:
    """Stems of `tokens`, in order."""
    return list(map(stem, tokens))  # map, not a list comprehension: ~2x faster on an article's ~1,000 tokens


def stem_phrase(phrase: str) -> tuple[str, ...]:
    """A rule phrase ("министерство иностранных дел") as a tuple of stems for sequence matching."""
    return tuple(stems(words(normalize(phrase))))


@lru_cache(maxsize=1)
def morph():
    """The one pymorphy3 analyzer of the process (its dictionaries take ~15 MB): the lemma
    index and the names of quoted speakers share it. Imported on first use."""
    import pymorphy3

    return pymorphy3.MorphAnalyzer()
