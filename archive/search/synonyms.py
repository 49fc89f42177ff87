"""Other names for the same thing in a query: the editable list in `settings/synonyms.toml`,
and abbreviations made of the first letters of a name's words.

A name is matched as the lemma keys of its words in sequence, so `министерства финансов` in a
query is the group of `Минфин`. The group becomes one query part: an FTS5 OR of each name, as a
phrase of lemma keys when it has several words.
"""

from __future__ import annotations

import functools
import tomllib
from pathlib import Path

from archive.config import DEFAULT_SETTINGS
from archive.errors import ConfigError
from archive.search.lemmas import TOKEN, analyses, fold, morph, word_key

DEFAULT_SYNONYMS = DEFAULT_SETTINGS / "synonyms.toml"
# Words an abbreviation of initials skips ("Организация по безопасности и сотрудничеству в
# Европе" is ОБСЕ, not ОПБИСВЕ); the abbreviation must be in pymorphy3's dictionary as one.
_SKIPPED_IN_INITIALS = frozenset("и в во о об по на за для с со при".split())
MAX_INITIALS = 6


def name_keys(name: str) -> tuple[str, ...]:
    """The lemma keys of a name's words, as the lemma index holds them."""
    return tuple(word_key(token) for token in TOKEN.findall(name))


@functools.cache
def load_groups(path: Path = DEFAULT_SYNONYMS) -> tuple[tuple[tuple[str, ...], ...], ...]:
    """Each group of `path` as the lemma keys of its names; ConfigError (one line) if malformed."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read synonyms: {exc}") from None
    groups = []
    for number, table in enumerate(data.get("names", []), 1):
        same = table.get("same") if isinstance(table, dict) else None
        if not isinstance(same, list) or len(same) < 2 or not all(isinstance(n, str) and n.strip() for n in same):
            raise ConfigError(f"{path}: names #{number}: `same` must list at least two names")
        groups.append(tuple(dict.fromkeys(name_keys(n) for n in same if name_keys(n))))
    return tuple(groups)


@functools.cache
def _by_first_key(path: Path = DEFAULT_SYNONYMS) -> dict[str, list[tuple[tuple[str, ...], int]]]:
    index: dict[str, list[tuple[tuple[str, ...], int]]] = {}
    for number, group in enumerate(load_groups(path)):
        for keys in group:
            index.setdefault(keys[0], []).append((keys, number))
    for entries in index.values():
        entries.sort(key=lambda e: -len(e[0]))  # the longest name first
    return index


def _initials(keys: tuple[str, ...]) -> str | None:
    """The abbreviation of a name of several words, if pymorphy3 knows it as one (ООН, ШОС)."""
    letters = "".join(k[0] for k in keys if k not in _SKIPPED_IN_INITIALS)
    if not 3 <= len(letters) <= MAX_INITIALS or len(keys) < 2:  # two letters abbreviate too many things
        return None
    known = morph().word_is_known(letters) and any("Abbr" in p.tag.grammemes for p in analyses(letters))
    return fold(letters) if known else None


def find_names(words: list[str], path: Path = DEFAULT_SYNONYMS) -> list[tuple[int, int, list[tuple[str, ...]]]]:
    """Spans of `words` (lower-case query words in order) that name something with other names:
    (start, end, every name of it as lemma keys), left to right, longest first, not overlapping."""
    keys = [word_key(w) for w in words]
    groups, index = load_groups(path), _by_first_key(path)
    found, position = [], 0
    while position < len(keys):
        match = next(((names, number) for names, number in index.get(keys[position], ())
                      if tuple(keys[position : position + len(names)]) == names), None)
        if match is not None:
            names, number = match
            alternatives = list(groups[number])
            for name in list(alternatives):
                short = _initials(name)
                if short and (short,) not in alternatives:
                    alternatives.append((short,))
            found.append((position, position + len(names), alternatives))
            position += len(names)
            continue
        for length in range(min(MAX_INITIALS, len(keys) - position), 2, -1):
            short = _initials(tuple(keys[position : position + length]))
            if short:
                found.append((position, position + length, [tuple(keys[position : position + length]), (short,)]))
                position += length
                break
        else:
            position += 1
    return found
