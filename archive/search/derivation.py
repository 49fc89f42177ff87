"""Adjectives made from names of places and people, and the names they are made from.

People search `путинский` for news about `Путин`, `киевские власти` for `Киев`, `Сирия` for
`сирийский`, and the other way round. No dictionary of derivations ships with pymorphy3, so
the pairs are made by the suffix rules of Russian word formation and checked against its
dictionary: an adjective leads to a noun only when pymorphy3 knows that noun as a name (of a
place, person or organisation), so `городской` does not lead to `город` and `советский` does
not lead to `совет`. A name leads to the adjectives whose rules lead back to it; such an
adjective need not be in the dictionary (`трамповский`, `гданьский`): if no article has it, the
extra query term simply matches nothing.
"""

from __future__ import annotations

import functools

from archive.search.lemmas import analyses, fold, morph

# Tags pymorphy3 gives names: of places, surnames, first names, organisations.
NAME_TAGS = frozenset({"Geox", "Surn", "Name", "Orgn"})
# Months count as names too: people write `октябрьские переговоры` for talks on 27 October.
MONTHS = frozenset("январь февраль март апрель май июнь июль август сентябрь октябрь ноябрь декабрь".split())
ADJECTIVE_ENDINGS = ("ский", "цкий")
# How the stem before -ский (or -цкий) becomes a name, by the shape of its end: each pair is
# (what the stem ends with, what replaces that end). Checked against the dictionary, so a rule
# that makes a non-word costs nothing.
_STEM_TO_NAME = (
    ("", ""),        # киев-ский → киев, путин-ский → путин, каир-ский → каир
    ("", "ия"),      # япон-ский → япония, британ-ский → британия
    ("", "ск"),      # иркут-ский → иркутск, гдань-ский → гданьск, мин-ский → минск
    ("ий", "ия"),    # сирий-ский → сирия, австрий-ский → австрия, балтий-ский → балтия
    ("ий", "ика"),   # балтий-ский → балтика
    ("ич", "ика"),   # арктич-еский → арктика
    ("н", ""),       # африкан-ский → африка, американ-ский → америка
    ("ов", ""),      # трампов-ский → трамп
    ("ов", "ва"),    # москов-ский → москва
    ("д", "ция"),    # швед-ский → швеция
    ("ец", "ция"),   # турец-кий → турция (-цкий)
    ("", "ы"),       # куриль-ский → курилы (the soft sign dropped below)
    ("", "ь"),       # январ-ский → январь
)


def _stems(adjective: str) -> list[str]:
    """The stems an adjective lemma in -ский / -цкий may have been made on."""
    for ending in ADJECTIVE_ENDINGS:
        if adjective.endswith(ending) and len(adjective) > len(ending) + 2:
            stem = adjective[: -len(ending)] + ("ц" if ending == "цкий" else "")
            stems = [stem]
            if stem.endswith("е"):  # арктич-е-ский, европ-е-йский: the linking vowel
                stems.append(stem[:-1])
            if stem.endswith("ь"):  # куриль-ский, гдань-ский: the soft sign belongs to the suffix
                stems.append(stem[:-1])
            if stem.endswith("ей"):  # европ-ей-ский → европа
                stems.append(stem[:-2] + "а")
            return stems
    return []


def _is_surname(word: str) -> bool:
    """`лавровский` is a surname of its own, not an adjective of `Лавров`."""
    parses = analyses(word)
    return bool(parses) and morph().word_is_known(word) and "Surn" in parses[0].tag.grammemes


def _is_name(lemma: str) -> bool:
    """pymorphy3's dictionary (not its guesser) has `lemma` as the lemma of a name."""
    if lemma in MONTHS:
        return True
    return morph().word_is_known(lemma) and any(parse.normal_form == lemma and parse.tag.POS == "NOUN" and NAME_TAGS & parse.tag.grammemes
               for parse in analyses(lemma))


@functools.lru_cache(maxsize=65536)
def names_of_adjective(adjective: str) -> tuple[str, ...]:
    """The names (lemmas, ё as е) an adjective lemma is made from: `сирийский` → (`сирия`,)."""
    found = []
    for stem in _stems(adjective):
        for end, replacement in _STEM_TO_NAME:
            if not stem.endswith(end) or len(stem) - len(end) < 2:
                continue
            candidate = stem[: len(stem) - len(end)] + replacement
            if candidate not in found and _is_name(candidate):
                found.append(candidate)
    return tuple(fold(name) for name in found)


# How an adjective is made from a name, by the name's end: (end, what replaces it). The
# adjectives made are kept only when `names_of_adjective` leads back to the name.
_NAME_TO_ADJECTIVE = (
    ("", "ский"),      # киев → киевский, путин → путинский, египет → египетский
    ("", "овский"),    # трамп → трамповский
    ("ск", "ский"),    # иркутск → иркутский, гданьск → гданьский
    ("ия", "ийский"),  # сирия → сирийский, индия → индийский
    ("ия", "ский"),    # япония → японский, британия → британский
    ("ика", "ийский"), # балтика → балтийский
    ("ика", "ический"),  # арктика → арктический
    ("а", "анский"),   # африка → африканский, америка → американский
    ("ва", "овский"),  # москва → московский
    ("ция", "цкий"),   # турция → турецкий (турец-кий)
    ("ция", "дский"),  # швеция → шведский
    ("ь", "ский"),     # январь → январский
)


MAX_MADE_ADJECTIVES = 3  # per name, when the dictionary knows none of them


@functools.lru_cache(maxsize=65536)
def adjectives_of_name(name: str) -> tuple[str, ...]:
    """The adjective lemmas made from a name that lead back to it: `киев` → (`киевский`,).

    The rules for the name's own ending come first, then the general ones; when the dictionary
    knows some of the adjectives made, only those are kept.
    """
    if not _is_name(name):
        return ()
    rules = [rule for rule in _NAME_TO_ADJECTIVE if rule[0] and name.endswith(rule[0]) and len(name) - len(rule[0]) >= 2]
    made = []
    for end, replacement in rules + [rule for rule in _NAME_TO_ADJECTIVE if not rule[0]]:
        adjective = name[: len(name) - len(end)] + replacement
        if end == "ция" and replacement == "цкий":  # турц-ия → тур-ец-кий
            adjective = name[:-3] + "ецкий"
        if adjective not in made and name in names_of_adjective(adjective) and not _is_surname(adjective):
            made.append(adjective)
    known = [a for a in made if morph().word_is_known(a)]
    return tuple(fold(a) for a in (known or made[:MAX_MADE_ADJECTIVES]))


def related_keys(word: str) -> set[str]:
    """Lemma keys a query word also stands for: the names its adjective readings are made from,
    and the adjectives made from its name readings."""
    keys: set[str] = set()
    for parse in analyses(word):
        lemma = fold(parse.normal_form)
        if parse.tag.POS in ("ADJF", "ADJS"):
            keys.update(names_of_adjective(lemma))
        elif parse.tag.POS == "NOUN" and (NAME_TAGS & parse.tag.grammemes or lemma in MONTHS):
            keys.update(adjectives_of_name(lemma))
    return keys
