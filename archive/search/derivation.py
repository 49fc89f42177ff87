"""Adjectives made from names of places and people, and the names they are made from.

People search `путинский` for news about `Путин`, `киевские власти` for `Киев`, `Сирия` for
`сирийский`, and the other way round. No dictionary of derivations ships with pymorphy3, so
the pairs are made by the suffix rules of Russian word formation and checked against its
dictionary: an adjective leads to a noun only when pymorphy3 knows that noun as the name of a
place, a surname or an organisation, so `городской` does not lead to `город`, `советский` not
to `совет`, and `светский` not to the first name `Света`. A name leads to the adjectives whose
rules lead back to it; such an adjective need not be in the dictionary (`трамповский`,
`гданьский`): if no article has it, the extra query term simply matches nothing.

One table of stem alternations (`ALTERNATIONS`) serves both directions, so a name finds exactly
the adjectives that find it.
"""

from __future__ import annotations

import functools

from archive.search.lemmas import analyses, fold, morph

# Tags pymorphy3 gives the names adjectives in -ский are made from: places, surnames,
# organisations. Not first names: their adjectives end in -ин (`Светин`), and `Света`, `Люда`
# would make `светский` and `людской` names.
NAME_TAGS = frozenset({"Geox", "Surn", "Orgn"})
# Months count as names too: people write `октябрьские переговоры` for talks on 27 October.
MONTHS = frozenset("январь февраль март апрель май июнь июль август сентябрь октябрь ноябрь декабрь".split())
ADJECTIVE_ENDINGS = ("ский", "цкий", "ской")
# How the stem before -ский (-цкий, -ской) and the name it is made from differ at their ends: each
# pair is (what the adjective's stem ends with, what the name ends with instead). These are the
# productive patterns of Russian place and surname adjectives, with the consonant alternations
# of the language (х/ш, г/ж, ц/ч), not a list of places: each is checked against the dictionary,
# so a pattern that makes a non-word costs nothing.
ALTERNATIONS = (
    ("", ""),          # киев-ский: киев, путин-ский: путин, каир-ский: каир
    ("", "а"),         # украин-ский: украина, канад-ский: канада, венесуэл(ь)-ский: венесуэла
    ("", "ия"),        # япон-ский: япония, бразил(ь)-ский: бразилия
    ("", "ы"),         # куриль-ский: курилы, нидерланд-ский: нидерланды
    ("", "к"),         # донец-кий: донецк (-цкий)
    ("", "ь"),         # январ-ский: январь
    ("", "ск"),        # иркут-ский: иркутск, гдань-ский: гданьск, мин-ский: минск
    ("", "истан"),     # узбек-ский: узбекистан, афган-ский: афганистан
    ("с", "ск"),       # дамас-ский: дамаск
    ("с", "си"),       # тбилис-ский: тбилиси
    ("ий", "ия"),      # сирий-ский: сирия, австрий-ский: австрия
    ("ий", "ика"),     # балтий-ский: балтика
    ("ий", "и"),       # чилий-ский: чили, малий-ский: мали
    ("ий", "а"),       # угандий-ский: уганда, камбоджий-ский: камбоджа
    ("ич", "ика"),     # арктич-еский: арктика
    ("ей", "ея"),      # корей-ский: корея
    ("ей", "а"),       # европ-ей-ский: европа
    ("ин", "ия"),      # грузин-ский: грузия
    ("ян", "ения"),    # армян-ский: армения
    ("ьян", "ия"),     # итальян-ский: италия
    ("ер", "рия"),     # венгер-ский: венгрия
    ("н", ""),         # африкан-ский: африка, американ-ский: америка
    ("ов", ""),        # трампов-ский: трамп
    ("ов", "ва"),      # москов-ский: москва
    ("ев", "ь"),       # меркелев-ский: меркель
    ("ш", "хия"),      # чеш-ский: чехия
    ("ж", "гия"),      # норвеж-ский: норвегия
    ("ж", "га"),       # риж-ский: рига, праж-ский: прага, калуж-ский: калуга
    ("ч", "ция"),      # греч-еский: греция
    ("д", "ция"),      # швед-ский: швеция
    ("ец", "ция"),     # турец-кий: турция (-цкий)
    ("ц", "кия"),      # словац-кий: словакия (-цкий)
    # These two also make villages beside the city (`московский` finds `Московка` beside
    # `Москва`, `ленинский` `Ленинка`): rare words, so few extra matches. Tried only after the
    # others, they would lose `Камчатка` to `Камчатск`.
    ("", "ье"),        # запорож-ский: запорожье, забайкаль-ский: забайкалье
    ("", "ка"),        # ямай-ский: ямайка, камчат-ский: камчатка, чукот-ский: чукотка
)


def _stems(adjective: str) -> list[str]:
    """The stems an adjective lemma in -ский / -цкий / -ской may have been made on."""
    for ending in ADJECTIVE_ENDINGS:
        if adjective.endswith(ending) and len(adjective) > len(ending) + 1:
            stem = adjective[: -len(ending)] + ("ц" if ending == "цкий" else "")
            stems = [stem]
            if stem.endswith(("е", "ь")):  # арктич-е-ский, куриль-ский: the linking vowel, the soft sign
                stems.append(stem[:-1])
            return stems
    return []


def _adjectives_on(stem: str) -> list[str]:
    """The adjectives in -ский / -цкий / -ской made on a stem, the inverse of `_stems`."""
    if stem.endswith("ц"):
        return [stem + "кий"]
    made = [stem + "ский"]
    if stem.endswith("л"):
        made.append(stem + "ьский")  # бразиль-ский, куриль-ский
    if stem.endswith("ч"):
        made.append(stem + "еский")  # греч-еский, арктич-еский
    made.append(stem + "ской")  # твер-ской, дон-ской: rare, so only when the dictionary has it
    return made


def _is_surname(word: str) -> bool:
    """`лавровский` is a surname of its own, not an adjective of `Лавров`."""
    parses = analyses(word)
    return bool(parses) and morph().word_is_known(word) and "Surn" in parses[0].tag.grammemes


@functools.lru_cache(maxsize=65536)
def _is_name(lemma: str) -> bool:
    """pymorphy3's dictionary (not its guesser) has `lemma` (ё as е) as the lemma of a name."""
    if lemma in MONTHS:
        return True
    if not morph().word_is_known(lemma):  # a fast lookup that spares most made-up candidates a parse
        return False
    return any(parse.is_known and fold(parse.normal_form) == lemma and parse.tag.POS == "NOUN"
               and NAME_TAGS & parse.tag.grammemes for parse in analyses(lemma))


@functools.lru_cache(maxsize=65536)
def names_of_adjective(adjective: str) -> tuple[str, ...]:
    """The names (lemmas, ё as е) an adjective lemma is made from: `сирийский` → (`сирия`,)."""
    found: list[str] = []
    for stem in _stems(fold(adjective)):
        for stem_end, name_end in ALTERNATIONS:
            if not stem.endswith(stem_end) or len(stem) - len(stem_end) < 2:
                continue
            candidate = stem[: len(stem) - len(stem_end)] + name_end
            if candidate not in found and _is_name(candidate):
                found.append(candidate)
    return tuple(found)


MAX_MADE_ADJECTIVES = 3  # per name, when the dictionary knows none of them


@functools.lru_cache(maxsize=65536)
def adjectives_of_name(name: str) -> tuple[str, ...]:
    """The adjective lemmas made from a name that lead back to it: `киев` → (`киевский`,).

    The alternations for the name's own ending come first, the longest first, then the general
    ones; when the dictionary knows some of the adjectives made, only those are kept.
    """
    name = fold(name)
    if not _is_name(name) or (name.endswith(("ий", "ый", "ой")) and any(
            parse.tag.POS == "ADJF" and "Poss" not in parse.tag.grammemes for parse in analyses(name))):
        return ()  # a surname that is an adjective itself (Московский, Толстой) makes none
    rules = sorted((rule for rule in ALTERNATIONS
                    if name.endswith(rule[1]) and len(name) - len(rule[1]) >= 2 and _fits(name, rule)),
                   key=lambda rule: -len(rule[1]))
    made = []
    for stem_end, name_end in rules:
        for adjective in _adjectives_on(name[: len(name) - len(name_end)] + stem_end):
            if adjective in made or (adjective.endswith("ской") and not _is_known_lemma(adjective)):
                continue
            if name in names_of_adjective(adjective) and not _is_surname(adjective):
                made.append(adjective)
    known = [a for a in made if _is_known_lemma(a)]
    return tuple(known or made[:MAX_MADE_ADJECTIVES])


def _fits(name: str, rule: tuple[str, str]) -> bool:
    """Whether a name can take the suffix a rule adds to its stem: -н- after a name in -а or -и
    (африка: африканский, сочи: сочинский; not лавров: лавровнский), -ов-/-ев- after a
    consonant of a name not already in -ов/-ев/-ин (трамп: трамповский, not лавров:
    лаврововский)."""
    stem_end, name_end = rule
    if name_end:
        return True
    if stem_end == "н":
        return name.endswith(("а", "и"))
    if stem_end in ("ов", "ев"):
        return name[-1] not in "аеиоуыэюяйь" and not name.endswith(("ов", "ев", "ин"))
    return True


@functools.lru_cache(maxsize=65536)
def _is_known_lemma(word: str) -> bool:
    """pymorphy3's dictionary has `word` as a lemma, not only as a form of another word
    (`римской` is a form of `римский`)."""
    return any(parse.is_known and fold(parse.normal_form) == word for parse in analyses(word))


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
