"""Who is speaking: one name per person, from the ways Russian news names an official.

The press names a person once in full with a role ("официальный представитель МИД России
Мария Захарова"), then by surname in any case ("Захаровой"), by role ("дипломат",
"официальный представитель МИД") or by pronoun ("она"). Every form of one person comes out as
one speaker: the surname in the nominative, in the person's gender ("Захарова", "Лавров"),
keyed in lower case. Institutions speak too ("в МИД России отметили", "говорится в сообщении
министерства"): the ministry is "МИД России", the Kremlin "Кремль", an embassy "посольство России".

A role or a pronoun becomes a person only when the article itself ties it to one (the person
named with that role, or the nearest person of the same gender before it); otherwise a
ministry role stays the ministry, and anything else is no speaker at all: never a guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from archive.textnorm import morph

MINISTRY = "МИД России"
KREMLIN = "Кремль"
EMBASSY = "посольство России"

# Each pattern begins with a capital letter and only then looks behind it ("[А-ЯЁ](?<![\w.].)":
# a capital with no word character or dot before it). `re` skips to the next capital letter
# in C when a pattern begins with a character class, but tries one that begins with a
# lookbehind at every position of the text. Same matches; INITIALS and CAPITALISED over an
# article 0.20 -> 0.09 ms a page (2,000 synthetic pages, best of five).
_SURNAME_TAIL = r"[а-яё]+(?:-[А-ЯЁ][а-яё]+)?"
_SURNAME = rf"[А-ЯЁ]{_SURNAME_TAIL}"
# "М.В.Захарова", "С. Лавров": initials and a surname.
INITIALS = re.compile(rf"[А-ЯЁ](?<![\w.].)\.\s?(?:[А-ЯЁ]\.\s?)?({_SURNAME})(?![\w-])")
# "Мария Захарова", "Сергея Рябкова": a first name and a surname (the first name is checked;
# the surname is a lookahead, so "России Мария Захарова" still finds "Мария Захарова").
FULL_NAME = re.compile(rf"([А-ЯЁ](?<![\w-].)[а-яё]+)(?=\s+({_SURNAME})(?![\w-]))")
CAPITALISED = re.compile(rf"([А-ЯЁ](?<![\w.-].){_SURNAME_TAIL})(?![\w-])")

# Institutions, by the phrases that name them (lower case, ё as е).
_INSTITUTIONS = (
    (re.compile(
        r"\bмид\b|министерств\w* иностранных дел|внешнеполитическ\w+ ведомств\w*|смоленск\w+ площад\w*|"
        r"дипломатическ\w+ ведомств\w*|российск\w+ дипломат(?:ия|ии)"
    ), MINISTRY),
    (re.compile(r"\bкремл\w*|пресс-служб\w+ президента|администраци\w+ президента"), KREMLIN),
    (re.compile(r"\bпосольств\w*|\bдипмисси\w*|\bпосольск\w+|генконсульств\w*|консульств\w*"), EMBASSY),
)
# A ministry role: when the article names nobody with it, the ministry itself is speaking.
MINISTRY_ROLE = re.compile(
    r"официальн\w+ представител\w+ мид|представител\w+ мид|министр\w* иностранных дел|глав\w* (?:российского )?мид|"
    r"замглав\w* мид|замминистр\w*|заместител\w+ (?:министра|главы) (?:иностранных дел|мид)|директор\w* департамента мид|"
    r"источник\w* в мид|пресс-служб\w+ мид"
)
_PRONOUN_GENDER = {"он": "masc", "она": "femn"}


@dataclass(frozen=True)
class Speaker:
    """A normalised speaker: `name` as shown ("Захарова", "МИД России"), `key` for matching."""

    name: str
    key: str
    person: bool
    gender: str | None = None


@lru_cache(maxsize=20_000)
def _surname_parses(word: str) -> tuple:
    """pymorphy3's readings of a capitalised word as a surname (or, failing that, a first name)."""
    try:
        parses = morph().parse(word)
    except ValueError:
        return ()
    surnames = [p for p in parses if "Surn" in p.tag]
    return tuple(surnames or [p for p in parses if "Name" in p.tag])


@lru_cache(maxsize=20_000)
def is_surname(word: str) -> bool:
    """True when pymorphy3 reads `word` as a surname first of all ("Захарова", not "Москва")."""
    try:
        parses = morph().parse(word)
    except ValueError:
        return False
    return bool(parses) and "Surn" in parses[0].tag


@lru_cache(maxsize=20_000)
def is_first_name(word: str) -> str | None:
    """The gender ('masc', 'femn') when `word` reads as a first name first of all, else None."""
    try:
        parses = morph().parse(word)
    except ValueError:
        return None
    best = parses[0] if parses else None
    if best is None or "Name" not in best.tag:
        return None
    return str(best.tag.gender) if best.tag.gender else None  # a plain str: pymorphy's compares slowly


@lru_cache(maxsize=20_000)
def person(surname: str, gender: str | None = None) -> Speaker:
    """The person a surname in any case names: nominative, in `gender` when it is known."""
    parses = _surname_parses(surname)
    chosen = None
    if gender:
        chosen = next((p for p in parses if p.tag.gender == gender or "ms-f" in p.tag), None)
    if chosen is None and parses:
        chosen = parses[0]
    if chosen is None:
        word = surname
        found_gender = gender
    else:
        found_gender = gender or (str(chosen.tag.gender) if chosen.tag.gender in ("masc", "femn") else None)
        inflected = chosen.inflect({"nomn", "sing"}) if "Fixd" not in chosen.tag else None
        word = inflected.word if inflected is not None else surname.lower()
        if found_gender == "femn" and "Surn" in chosen.tag and not word.endswith(("а", "я")) and "Fixd" not in chosen.tag:
            feminine = chosen.inflect({"nomn", "sing", "femn"})
            word = feminine.word if feminine is not None else word
    name = "-".join(part[:1].upper() + part[1:] for part in word.split("-"))
    return Speaker(name=name, key=name.lower().replace("ё", "е"), person=True, gender=found_gender)


def full_name(text: str) -> tuple[Speaker, int] | None:
    """The first "Имя Фамилия" in `text` whose first word is a first name: (person, offset)."""
    for match in FULL_NAME.finditer(text):
        gender = is_first_name(match.group(1))
        if gender:
            return person(match.group(2), gender), match.start()
    return None


def institution(phrase: str) -> Speaker | None:
    """The institution a phrase names (the ministry, the Kremlin, an embassy), or None."""
    lowered = phrase.lower().replace("ё", "е")
    for pattern, name in _INSTITUTIONS:
        if pattern.search(lowered):
            return Speaker(name=name, key=name.lower(), person=False)
    return None


def normalise_name(text: str) -> Speaker | None:
    """The speaker a name as typed names ("Марии Захаровой", "М.В.Захарова", "МИД РФ"), for
    `mfa-archive quotes --speaker` and for the labels of transcript turns."""
    text = " ".join(text.split())
    if not text:
        return None
    found = INITIALS.search(text)
    if found:
        return person(found.group(1))
    found = full_name(text)
    if found:
        return found[0]
    place = institution(text)
    if place is not None:
        return place
    words = CAPITALISED.findall(text) or [w for w in re.findall(r"[А-ЯЁа-яё-]+", text)]
    if not words:
        return None
    word = words[-1]
    return person(word[:1].upper() + word[1:])


@dataclass
class Mention:
    """A person named in an article: where, who, and the role words just before the name."""

    start: int
    end: int
    speaker: Speaker
    role: str = ""


@dataclass
class Cast:
    """Everyone an article names, in order, for resolving roles, surnames and pronouns."""

    mentions: list[Mention] = field(default_factory=list)

    def known(self, key: str) -> bool:
        return any(m.speaker.key == key for m in self.mentions)

    def ministry_people(self) -> set[str]:
        """Keys of the people the article presents as the Russian ministry's officials."""
        return {m.speaker.key for m in self.mentions if is_ministry_role(m.role)}

    def before(self, position: int) -> list[Mention]:
        return [m for m in self.mentions if m.end <= position]


_ROLE_WINDOW = 90  # characters before a name where its role is written ("официальный представитель МИД РФ")


def cast_of(text: str) -> Cast:
    """The people an article names by initials or by first name and surname, with their roles.

    A bare surname counts once the article has named the person in full, or when it reads as
    a surname and a verb in the past tense follows it ("Захарова обвинила"), so place names and
    organisations that happen to read as surnames are not taken for people.
    """
    cast = Cast()
    for match in INITIALS.finditer(text):
        cast.mentions.append(Mention(match.start(), match.end(), person(match.group(1)), _role_before(text, match.start())))

    capitalised = list(CAPITALISED.finditer(text))
    used: set[int] = set()  # tokens that are part of a full name
    for index, (first, second) in enumerate(zip(capitalised, capitalised[1:])):  # "Мария Захарова"
        if index in used or text[first.end() : second.start()] != " ":
            continue
        gender = is_first_name(first.group(1))
        if not gender:
            continue
        cast.mentions.append(Mention(first.start(), second.end(), person(second.group(1), gender),
                                     _role_before(text, first.start())))
        used.update((index, index + 1))
    named = {m.speaker.key: m.speaker for m in cast.mentions}
    genders = {sp.gender for sp in named.values()}
    prefixes = {key[:3] for key in named}  # every form of a surname starts as its nominative does
    for index, match in enumerate(capitalised):
        if index in used:
            continue
        word = match.group(1)
        known = None
        prefix = word[:3].lower()
        for gender in genders if prefix in prefixes else ():  # "Захаровой": a form of the Захарова named
            key = person(word, gender).key
            if key in named:
                known = named[key]
                break
        if known is not None:
            cast.mentions.append(Mention(match.start(), match.end(), known))
        elif _PAST_FORM.match(text, match.end() + 1) and _verb_follows(text, match.end()) and (is_surname(word) or _surname_parses(word)):
            # "Захарова обвинила Киев", "Рябков подвел итоги": named by surname alone
            cast.mentions.append(Mention(match.start(), match.end(), person(word), _role_before(text, match.start())))
    cast.mentions.sort(key=lambda m: m.start)
    return cast


# A word that may be a verb in the past tense ("заявила", "подвел"), after a space: a capitalised
# word right before one may be its subject (checked with pymorphy3 after). Tried only after
# each capitalised word: finding every such word of the article first took 0.09 ms a page.
_PAST_FORM = re.compile(r"(?<=\s)[а-яё]+(?:л|ла|ло|ли|лся|лась|лись)(?![\w-])")
_NEXT_WORD = re.compile(r"\s+(?:также\s+|уже\s+|вновь\s+)?([а-яё]+)")


def _verb_follows(text: str, end: int) -> bool:
    """True when the word after `end` is a verb in the past tense: the name is its subject."""
    match = _NEXT_WORD.match(text, end)
    return bool(match) and _is_past_verb(match.group(1))


@lru_cache(maxsize=20_000)
def _is_past_verb(word: str) -> bool:
    try:
        parses = morph().parse(word)
    except ValueError:
        return False
    return bool(parses) and "VERB" in parses[0].tag and "past" in parses[0].tag


def _role_before(text: str, start: int) -> str:
    """The role words written right before a name, up to the previous sentence or comma."""
    window = text[max(0, start - _ROLE_WINDOW) : start]
    cut = max(window.rfind(". "), window.rfind(", "), window.rfind("\n"), window.rfind(": "))
    return window[cut + 1 :].strip().lower().replace("ё", "е")


def resolve(
    phrase: str, position: int, cast: Cast, gender: str | None = None, quoted=(), name_slot: bool = False,
) -> Speaker | None:
    """The speaker a phrase next to a speech verb names, or None when the article does not say.

    `position` is where the phrase is (only people named before it count for pronouns);
    `gender` is the speech verb's ("заявила": 'femn'), which chooses among people; `quoted`
    are the keys of the people the article has quoted so far: when a role fits several people
    ("министр" after two ministers are named), the one already quoted is the one speaking.
    """
    phrase = " ".join(phrase.split()).strip(" ,.:;—–-")
    if not phrase:
        return None
    found = INITIALS.search(phrase)
    if found:
        return person(found.group(1), gender)
    found = full_name(phrase)
    if found:
        return found[0]
    for word in CAPITALISED.findall(phrase):
        if institution(word) or role_key(word.lower()):
            continue
        candidate = person(word, gender)
        parses = _surname_parses(word)
        if cast.known(candidate.key) or (parses and "Surn" in parses[0].tag) or (name_slot and len(phrase.split()) == 1):
            return candidate
    lowered = phrase.lower().replace("ё", "е")
    if lowered in _PRONOUN_GENDER or lowered.startswith("дипломат"):
        wanted = gender or _PRONOUN_GENDER.get(lowered)
        for mention in reversed(cast.before(position)):
            if wanted is None or mention.speaker.gender in (wanted, None):
                return mention.speaker
        return None
    key = role_key(lowered)
    if key is not None:
        holders = {m.speaker.key: m.speaker for m in cast.mentions if role_key(m.role) == key}
        if len(holders) == 1:
            return next(iter(holders.values()))
        if len(holders) > 1 and gender:
            holders = {k: v for k, v in holders.items() if v.gender in (gender, None)}
        if len(holders) > 1:
            holders = {k: v for k, v in holders.items() if k in quoted}
        if len(holders) == 1:
            return next(iter(holders.values()))
        if not holders:  # a role the article gave nobody: the one person it has named so far
            people = {m.speaker.key: m.speaker for m in cast.before(position) if m.speaker.person}
            if len(people) == 1 and (gender is None or next(iter(people.values())).gender in (gender, None)):
                return next(iter(people.values()))
        if MINISTRY_ROLE.search(lowered) or key in _MINISTRY_ROLE_KEYS:
            return Speaker(MINISTRY, MINISTRY.lower(), person=False)
        return None
    return institution(phrase)


# Role phrases, each reduced to one key: the press writes the same post in many ways.
_ROLE_KEYS = (
    (re.compile(r"официальн\w+ представител|представител\w* мид"), "official representative"),
    (re.compile(r"замминистр|замглав|заместител\w* (?:министра|главы)"), "deputy minister"),
    (re.compile(r"министр\w* иностранных дел|глав\w* (?:российского |российской )?(?:мид|министерства|дипломатии)|^министр(?:а|у|ом|е|ы|ов)?$"), "minister"),
    (re.compile(r"пресс-секретар"), "press secretary"),
    (re.compile(r"\bпосол\b|\bпосла\b|\bпослом\b|\bпослу\b"), "ambassador"),
    (re.compile(r"постпред"), "permanent representative"),
)
_MINISTRY_ROLE_KEYS = ("official representative",)


_RUSSIAN = re.compile(r"\b(?:рф|россии|российск\w*)\b")


def is_ministry_role(role: str) -> bool:
    """A role of the Russian foreign ministry ("замглавы МИД РФ", "официальный представитель
    МИД"), not a foreign one ("глава МИД Турции")."""
    role = role.lower().replace("ё", "е")
    if not MINISTRY_ROLE.search(role):
        return False
    return bool(_RUSSIAN.search(role)) or role_key(role) == "official representative"


def role_key(text: str) -> str | None:
    """The post a role phrase names ("замглавы МИД", "заместитель министра": one key), or None."""
    text = text.lower().replace("ё", "е")
    for pattern, key in _ROLE_KEYS:
        if pattern.search(text):
            return key
    return None
