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

_QUOTES = str.maketrans({c: '"' for c in "«»„“”‟″〝〞＂‹›"} | {c: "'" for c in "‘’‚‛`´"})
_DASHES = str.maketrans({c: "-" for c in "‐‑‒–—―−﹘﹣－"})

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
_ATTRIBUTION = re.compile(
    rf"(?:,\s*)?(?:передает|передают|сообщает|сообщают|пишет|пишут|информирует)\s+(?:агентство\s+|корреспондент\s+)?"
    rf"(?:{AGENCIES})\b|\s-\s(?:{AGENCIES})\s*\.|\(?(?:фото|видео)\s*:\s*[^\n.]{{0,60}}"
)
_WORD = re.compile(r"[0-9a-zа-я]+(?:-[0-9a-zа-я]+)*")
_SPACE = re.compile(r"\s+")

_stemmer = snowballstemmer.stemmer("russian")


def unify(text: str) -> str:
    """NFC, ё→е (both cases), one kind of quote and dash, collapsed spaces; case is kept."""
    text = unicodedata.normalize("NFC", text).replace("ё", "е").replace("Ё", "Е")
    text = text.translate(_QUOTES).translate(_DASHES).replace("\u00a0", " ")
    return _SPACE.sub(" ", text).strip()


def normalize(text: str) -> str:
    """Lower-cased, unified text without the dateline and agency attributions."""
    text = unify(text).lower()
    text = _DATELINE.sub("", text, count=1)
    text = _ATTRIBUTION.sub("", text)
    return _SPACE.sub(" ", text).strip()


def words(normalized: str) -> list[str]:
    """Word tokens of normalized text; hyphenated words ("из-за", "ростов-на-дону") stay whole."""
    return _WORD.findall(normalized)


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """The Snowball stem of one lower-case word, cached because news vocabulary repeats a lot."""
    return _stemmer.stemWord(word)


def stems(tokens: list[str]) -> list[str]:
    """Stems of `tokens`, in order."""
    return [stem(t) for t in tokens]


def stem_phrase(phrase: str) -> tuple[str, ...]:
    """A rule phrase ("министерство иностранных дел") as a tuple of stems for sequence matching."""
    return tuple(stems(words(normalize(phrase))))
