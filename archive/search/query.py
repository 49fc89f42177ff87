"""Queries as people write them, made into safe FTS5 expressions over lemma keys.

Quoted parts are phrases; every other word matches in any of its forms. A name of a place or
person finds the adjectives made from it and back (archive.search.derivation: `путинский` finds
`Путин`, `армянским` finds `Армения`). A name with other names (`settings/synonyms.toml`:
`ФРГ`, `немецкий` and `Германия`; abbreviations of initials) finds them all
(archive.search.synonyms). FTS5 operators and punctuation in a query
are plain text, so no query can fail with an FTS error.
"""

from __future__ import annotations

import re

from archive.errors import QueryError
from archive.search.derivation import related_keys
from archive.search.lemmas import fold, parses, word_key
from archive.search.synonyms import find_names

_WORD = re.compile(r"\w+(?:-\w+)*")
_QUOTED = re.compile(r'"([^"]*)"')
MAX_QUERY_CHARS = 1000

STOPWORDS = frozenset(
    """а без более бы был была были было быть в вам вас весь во вот все всего всех вы где да даже для до
    его ее её если есть еще ещё же за здесь и из или им их к как какой кто ли либо между мне мы на над
    не него нее неё нет ни них но ну о об однако он она они оно от по под после при про с со так также
    там то того тоже только том тот у уже чем что чтобы эта эти это этого этой этом этот""".split()
)

# Each mechanism can be switched off, so bench/search.py measures what each adds.
DERIVATION = True
OTHER_NAMES = True


def _names_expression(names: list[tuple[str, ...]]) -> str:
    """FTS5 OR of a thing's names, each a phrase of lemma keys."""
    return "(" + " OR ".join(" + ".join(f'"{key}"' for key in name) for name in names) + ")"


def _word_keys(word: str) -> set[str]:
    """Keys that match `word` in a query: each likely reading, and the names or adjectives
    derived from it."""
    keys = {word_key(word)} | {fold(parse.normal_form) for parse in parses(word)}
    if DERIVATION:
        keys |= related_keys(word)
    return keys


def _phrase(words: list[str]) -> str:
    """FTS5 phrase of the words' keys; hyphenated words (`Ростове-на-Дону`) count per part."""
    parts = [part for word in words for part in word.split("-") if part]
    return " + ".join(f'"{word_key(part)}"' for part in parts)


def _word_expression(word: str) -> str:
    if "-" in word:
        return f"({_phrase([word])})"
    return "(" + " OR ".join(f'"{key}"' for key in sorted(_word_keys(word))) + ")"


def query_parts(query: str) -> list[str]:
    """Turn a query as people write it into safe FTS5 expressions, one per word or phrase.

    Quoted parts are phrases; every other word matches in any of its forms. Operators and
    punctuation (`AND`, `*`, `-`, `(`, a lone `"`) are treated as text, so FTS5 never sees
    syntax from the user. Raises QueryError when nothing searchable is left.
    """
    if len(query) > 1000:
        raise QueryError("query is too long (more than 1000 characters)")
    parts: list[str] = []
    loose_words: list[str] = []
    position = 0
    for match in _QUOTED.finditer(query):
        loose_words += _WORD.findall(query[position : match.start()])
        phrase = [w.lower() for w in _WORD.findall(match.group(1))]
        if len(phrase) > 1:
            parts.append(f"({_phrase(phrase)})")
        else:
            loose_words += phrase
        position = match.end()
    loose_words += _WORD.findall(query[position:].replace('"', " "))
    loose_words = [w.lower() for w in loose_words]
    if OTHER_NAMES:
        named = find_names(loose_words)
        for start, end, names in named:
            parts.append(_names_expression(names))
        inside = {i for start, end, _ in named for i in range(start, end)}
        loose_words = [w for i, w in enumerate(loose_words) if i not in inside]
    meaningful = [w for w in loose_words if w not in STOPWORDS]
    if not meaningful and not parts:
        meaningful = loose_words  # a query of only "из-за" or "он" still means something
    for word in dict.fromkeys(meaningful):
        parts.append(_word_expression(word))
    if not parts:
        raise QueryError(f"nothing to search for in {query!r}: give at least one word")
    return list(dict.fromkeys(parts))


def build_match(query: str, *, every_part: bool = False) -> str:
    """One FTS5 MATCH expression (on the lemma index) for `query`: any part, or all of them."""
    return (" AND " if every_part else " OR ").join(query_parts(query))
