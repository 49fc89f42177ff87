"""Quotations in an article: what it presents as someone's words, and whose.

Direct quotes are text in «», „“ or "" quotes, and a paragraph of direct speech closed by a
dash and a speech verb ("..., — подчеркнула Захарова."), the way news.ru prints quotes.
Reported speech is a clause a speech verb with a clear speaker introduces: "Захарова заявила,
что ...", "по словам Лаврова, ...", "как отметил Рябков, ...", "..., заявил Рябков.", and the
sentences before "Об этом заявил ...".

Quoted words with no speech verb around them are names, titles or irony («5+2», «Аккую»,
«российской угрозе») unless they run to a sentence (`UNATTRIBUTED_MIN_WORDS`); such a quote
is kept with no speaker. A speaker is always one the article states (archive.quotes.speakers).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from functools import cached_property

from archive.quotes.speakers import INITIALS, Cast, Speaker, cast_of, full_name, institution, resolve

# A quoted span with no speech verb around it is a quotation only if it is this long: names
# and titles in quotes run to a few words («Центральная Азия - Россия» is four).
UNATTRIBUTED_MIN_WORDS = 6
# A partial quote inside a sentence with a speech verb: «очередным недружественным шагом».
PARTIAL_MIN_WORDS = 3
_SPEECH_VERBS = (
    r"заяв(?:ил|ила|или|ляет|ляют)|сказа(?:л|ла|ли)|говор(?:ит|ят|ил|ила|или)|"
    r"отмет(?:ил|ила|или)|отмечает|отмечают|подчеркн(?:ул|ула|ули)|подчеркивает|подчеркивают|"
    r"добав(?:ил|ила|или)|добавляет|сообщ(?:ил|ила|или|ает|ают)|поясн(?:ил|ила|или)|уточн(?:ил|ила|или)|"
    r"напомн(?:ил|ила|или)|указа(?:л|ла|ли)|указывает|призна(?:л|ла|ли)|предупред(?:ил|ила|или)|"
    r"написа(?:л|ла|ли)|пишет|рассказа(?:л|ла|ли)|подытожи(?:л|ла|ли)|констатирова(?:л|ла|ли)|"
    r"ответи(?:л|ла|ли)|завери(?:л|ла|ли)|пообеща(?:л|ла|ли)|обеща(?:л|ла|ли)|счита(?:ет|ют|л|ла|ли)|"
    r"полага(?:ет|ют)|заключи(?:л|ла|ли)|резюмирова(?:л|ла|ли)|высказа(?:лся|лась|лись)|"
    r"призва(?:л|ла|ли)|назва(?:л|ла|ли)|охарактеризова(?:л|ла|ли)|выступи(?:л|ла|ли)|"
    r"констатирует|уверен[аы]?|убежден[аы]?|цитирует|цитируют"
)
# Verbs whose subject is the document, not the speaker: "говорится в заявлении МИД".
_DOCUMENT_VERBS = r"говорится|сказано|отмечается|подчеркивается|указывается|утверждается"
VERB = re.compile(rf"(?<![\w-])(?:{_SPEECH_VERBS}|{_DOCUMENT_VERBS})(?![\w-])", re.I)
_DOCUMENT = re.compile(rf"^(?:{_DOCUMENT_VERBS})\s+в\s+(?:\w+\s+){{0,2}}?(?:сообщени|заявлени|комментари|документ|материал|ответ|тексте|релиз|публикаци|пресс-релиз|коммюнике)\w*\s*(?P<issuer>[^.!?\n]*)", re.I)
_SUBJECT_CUT = re.compile(
    r"\s(?:в|во|на|по|для|из|после|перед|накануне|журналистам|агентству|изданию|телеканалу|газете|ТАСС|РИА|"
    r"отвечая|комментируя|добавив|подчеркнув|отметив|в ходе|во время|своем|своём|своих)(?:\s|$)|[,(]"
)
_ASIDE = re.compile(
    r"^(?:в свою очередь|со своей стороны|в частности|кроме того|также|однако|при этом|тем временем|вместе с тем|"
    r"впрочем|между тем|в то же время|как и прежде|по-прежнему)$", re.I,
)
_QUOTE_OPEN = "«„“"
_MARKS = re.compile('[«»„“”"\n]')
_QUOTE_CLOSE = {"«": "»", "„": "“", "“": "”"}
_DASH_AFTER = re.compile(rf"\s*[,.!?…]*\s*[—–-]\s*(?P<verb>{_SPEECH_VERBS}|{_DOCUMENT_VERBS})(?![\w-])\s*(?P<who>[^.!?\n]{{0,160}})", re.I)
_SPEECH_VERB = re.compile(rf"(?<![\w-])(?:{_SPEECH_VERBS})(?![\w-])", re.I)
# The literal beginnings of the speech verbs ("заяв", "сказа", ...): str.find on each is much
# faster than a regular expression's alternation over every position of the text.
def _alternatives(pattern: str) -> list[str]:
    """The top-level alternatives of a regular expression (split at "|" outside parentheses)."""
    parts, depth, current = [], 0, ""
    for char in pattern:
        depth += (char == "(") - (char == ")")
        if char == "|" and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    return parts + [current]


_VERB_STARTS = tuple(dict.fromkeys(alt.split("(")[0].split("[")[0].lower() for alt in _alternatives(_SPEECH_VERBS)))
_SPEECH_VERB_AT = re.compile(rf"(?:{_SPEECH_VERBS})(?![\w-])", re.I)


def speech_verbs(text: str) -> list[re.Match]:
    """The speech verbs of a text, in order: each verb's beginning found with str.find, then the
    word there checked (0.05 ms a page, against 0.18 ms for one search over the alternation)."""
    lowered = text.lower()
    found: dict[int, re.Match] = {}
    for start in _VERB_STARTS:
        at = lowered.find(start)
        while at >= 0:
            if at not in found and (at == 0 or not (lowered[at - 1].isalnum() or lowered[at - 1] in "-_")):
                match = _SPEECH_VERB_AT.match(text, at)
                if match:
                    found[at] = match
            at = lowered.find(start, at + 1)
    return [found[at] for at in sorted(found)]
# What precedes a quote in its own sentence ("По словам Лаврова, «...»", "Как заявил Рябков, «...»").
_BY_WORDS_BEFORE = re.compile(
    rf"(?:по\s+(?P<pron>его|ее|её|их)\s+словам|по\s+словам\s+(?P<who>[^,]{{1,100}})|"
    rf"как\s+(?P<verb>{_SPEECH_VERBS})\s+(?P<who2>[^,]{{1,100}})),",
    re.I,
)
_DOCUMENT_BEFORE = re.compile(
    rf"\bв\s+(?:\w+\s+)?(?:сообщени|заявлени|комментари|документ|ответ|тексте|коммюнике)\w*\s*(?P<issuer>[^:«»\"]{{0,80}}?)\s*"
    rf"(?:{_DOCUMENT_VERBS})\s*:\s*$",
    re.I,
)
_SENTENCE_END = re.compile(r"[.!?…]\s+(?=[А-ЯЁA-Z«\"„])")
# Reported speech, read around a speech verb.
_AFTER_THAT = re.compile(r"(?:\s+[^.!?,\n]{0,60})?,\s+что\s+(?P<q>[^.!?\n]+[.!?]?)")
_TRAILING_ADVERBS = re.compile(r"(?:,?\s+(?:также|уже|вновь|еще раз|в свою очередь|со своей стороны|при этом))+\s*$", re.I)
_AS_SAID = re.compile(r"[Кк]ак\s+")
_WHO_THEN_CLAUSE = re.compile(r"\s+(?P<who>[^,\n]{1,100}),\s+(?P<q>[^.!?\n]+[.!?])")
_WHO_TO_END = re.compile(r"\s+(?P<who>[^.!?\n,]{2,120})\.")
_QUOTE_CHARS = re.compile('[«»"„“]')
_SENTENCE_BOUNDARY = re.compile(r"[.!?…]\s+|\n")
_BY_WORDS = re.compile(
    r"(?:^|(?<=[.!?])\s+|(?<=\n))(?:По\s+(?P<pron>его|ее|её|их)\s+словам|По\s+словам\s+(?P<who>[^,\n]{1,100})),"
    r"\s+(?P<q>[^.!?\n]+[.!?])",
)
_BY_WORDS_CORE = re.compile(r"По\s+(?:(?:его|ее|её|их)\s+)?словам")


def _by_words(text: str):
    """The matches of _BY_WORDS in `text`, as its finditer gives them, found from their words.

    _BY_WORDS begins with lookbehinds, so a search tries it at every position of the text
    (0.16 ms a page). A match begins at its "По ... словам" or at the spaces before it, so it
    is tried only there: same matches, 0.01 ms a page (2,000 synthetic pages, best of seven).
    """
    end = 0
    for core in _BY_WORDS_CORE.finditer(text):
        words_at = core.start()
        if words_at < end:
            continue
        spaces_at = words_at
        while spaces_at > end and text[spaces_at - 1].isspace():
            spaces_at -= 1
        match = _BY_WORDS.match(text, spaces_at) or _BY_WORDS.match(text, words_at)
        if match:
            end = match.end()
            yield match
_ABOUT_THIS = re.compile(
    rf"(?:Об|Обо)\s+этом\s+(?:\w+\s+){{0,2}}?(?P<verb>{_SPEECH_VERBS}|{_DOCUMENT_VERBS})(?![\w-])\s*(?P<who>[^.!?\n]{{0,200}})[.!?]",
)
# "говорится в сообщении министерства": the issuer is the institution the article named.
_GENERIC_ISSUER = re.compile(r"^(?:министерств|ведомств|дипмисси|документ)\w*$", re.I)
_DATELINE = re.compile(r"^[А-ЯЁ][А-ЯЁ\- ]+(?:/[^/\n]{1,60}/)?,\s*\d{1,2}\s+[а-я]+\.\s*/[^/\n]{2,40}/\.\s*")
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class FoundQuote:
    """A quotation: its words as printed (`text`, at `start`..`end` of the article text),
    `direct` or `reported`, and its speaker (None when the article names none)."""

    start: int
    end: int
    text: str
    kind: str
    speaker: Speaker | None
    ministry: bool = False  # the speaker is the Russian foreign ministry or one of its officials


class _Quoted:
    """The people already speaking before a position: quoted so far, or named right after a
    speech verb. Worked out only when a role fits several people (a container for `resolve`)."""

    def __init__(self, finder: "_Finder", position: int) -> None:
        self.finder, self.position = finder, position

    def __contains__(self, key: str) -> bool:
        finder = self.finder
        return any(q.speaker is not None and q.speaker.key == key for q in finder.found) or any(
            k == key and at < self.position for at, k in finder.speaking)


def verb_gender(verb: str) -> str | None:
    """'femn' for "заявила", 'masc' for "заявил", None for plural or present forms."""
    verb = verb.lower()
    if verb.endswith(("ла", "лась", "на")):
        return "femn"
    if verb.endswith(("л", "лся", "н")):
        return "masc"
    return None


def _subject(phrase: str, after_verb: bool) -> str:
    """The noun phrase that names the speaker, cut from the words around a speech verb."""
    phrase = " ".join(phrase.split())
    if after_verb:
        cut = _SUBJECT_CUT.search(" " + phrase)
        return phrase[: cut.start() - 1].strip() if cut and cut.start() > 0 else ("" if cut else phrase)
    # Before the verb: the last clause that is not an aside ("Отвечая на вопрос, Захарова" ->
    # "Захарова"; "В МИД России, в свою очередь," -> "В МИД России").
    clauses = [c.strip() for c in re.split(r",\s*|\s[—–-]\s", phrase) if c.strip() and not _ASIDE.match(c.strip())]
    return clauses[-1] if clauses else ""


class _Finder:
    def __init__(self, text: str) -> None:
        self.text = text
        self.cast: Cast = cast_of(text)
        self.sentence_starts = [0] + [m.end() for m in _SENTENCE_BOUNDARY.finditer(text)]
        self.ministry_people = self.cast.ministry_people()
        self.found: list[FoundQuote] = []
        self.verbs = speech_verbs(text)

    @cached_property
    def speaking(self) -> list[tuple[int, str]]:
        """People named right after a speech verb ("заявил министр ... Сергей Лавров"): the
        article's speakers, preferred when a role fits several people."""
        found = []
        for verb in self.verbs if self.cast.mentions else ():
            following = next((m for m in self.cast.mentions if verb.end() <= m.start <= verb.end() + 80), None)
            if following is not None:
                found.append((following.start, following.speaker.key))
        return found

    def resolve(self, phrase: str, position: int, gender: str | None = None, name_slot: bool = False) -> Speaker | None:
        return resolve(phrase, position, self.cast, gender, _Quoted(self, position), name_slot)

    def speaker(self, verb: str, phrase: str, position: int, *, after_verb: bool) -> Speaker | None:
        """The speaker named by `phrase` next to `verb` (None when the text does not say)."""
        document = _DOCUMENT.match(f"{verb} {phrase}") if after_verb else None
        if document:
            issuer = document.group("issuer").strip(" .,")
            if not issuer or _GENERIC_ISSUER.match(issuer):
                return self._last_institution(position)
            return self.resolve(issuer, position)
        if verb.lower() in ("цитирует", "цитируют"):  # "цитирует дипломата ТАСС": the object speaks
            words = phrase.split()
            if words and words[0].lower().startswith("дипломат"):
                return self.resolve("дипломат", position)
            return self.resolve(" ".join(words[:4]), position) or self.resolve(" ".join(words[:1]), position, name_slot=True)
        gender = verb_gender(verb)
        if after_verb:
            clause = phrase.split(",")[0]
            if INITIALS.search(clause) or full_name(clause):  # "на брифинге ... Мария Захарова"
                named = self.resolve(clause, position, gender)
                if named is not None:
                    return named
        subject = _subject(phrase, after_verb)
        found = self.resolve(subject, position, gender, name_slot=after_verb) if subject else None
        if found is None and after_verb:
            found = institution(phrase.split(",")[0])
        return found

    def _last_institution(self, position: int) -> Speaker | None:
        """The issuer of "говорится в заявлении" when the sentence names none: the institution
        the article named last before it."""
        best = None
        for match in re.finditer(r"МИД\w*|[Мм]инистерств\w+ иностранных дел|Смоленск\w+ площад\w+|Кремл\w+|[Пп]осольств\w+", self.text[:position]):
            best = institution(match.group(0))
        return best

    def taken(self, start: int, end: int) -> bool:
        return any(q.start < end and start < q.end for q in self.found)

    def add(self, start: int, end: int, kind: str, speaker: Speaker | None) -> None:
        while end > start and self.text[end - 1] in " ,;:—–-":
            end -= 1
        while start < end and self.text[start] in " ,;:—–-":
            start += 1
        if end - start < 3 or self.taken(start, end):
            return
        ministry = speaker is not None and (speaker.key in self.ministry_people or speaker.key == "мид россии")
        self.found.append(FoundQuote(start, end, self.text[start:end], kind, speaker, ministry))

    # ------------------------------------------------------------------ direct quotes

    def direct(self) -> None:
        for open_at, close_at in quoted_spans(self.text):
            inner_start, inner_end = open_at + 1, close_at
            words = len(_WORD.findall(self.text[inner_start:inner_end]))
            paragraph_start = self.text.rfind("\n", 0, open_at) + 1
            paragraph_end = self.text.find("\n", close_at)
            paragraph_end = len(self.text) if paragraph_end < 0 else paragraph_end
            after = _DASH_AFTER.match(self.text, close_at + 1, paragraph_end)
            if after:
                self.add(inner_start, inner_end, "direct",
                         self.speaker(after.group("verb"), after.group("who"), close_at, after_verb=True))
                continue
            sentence = self._sentence_before(paragraph_start, open_at)
            verb = _SPEECH_VERB.search(sentence) if sentence else None
            if verb and sentence.rstrip().endswith(":"):
                self.add(inner_start, inner_end, "direct",
                         self.speaker(verb.group(0), sentence[: verb.start()], open_at, after_verb=False))
                continue
            document = _DOCUMENT_BEFORE.search(sentence) if sentence else None
            if document:  # "В заявлении МИД говорится: «...»"
                issuer = document.group("issuer").strip()
                self.add(inner_start, inner_end, "direct",
                         self.resolve(issuer, open_at) if issuer and not _GENERIC_ISSUER.match(issuer)
                         else self._last_institution(open_at))
                continue
            by_words = _BY_WORDS_BEFORE.search(sentence) if sentence else None
            if by_words and words >= PARTIAL_MIN_WORDS:
                self.add(inner_start, inner_end, "direct", self._by_words_speaker(by_words, open_at))
                continue
            if verb and words >= PARTIAL_MIN_WORDS:
                self.add(inner_start, inner_end, "direct",
                         self.speaker(verb.group(0), sentence[: verb.start()], open_at, after_verb=False))
                continue
            if words >= UNATTRIBUTED_MIN_WORDS:
                self.add(inner_start, inner_end, "direct", None)

    def _sentence_before(self, paragraph_start: int, position: int) -> str:
        """The words of the sentence before `position` (at most 250 characters)."""
        window_start = max(paragraph_start, position - 250)
        window = self.text[window_start:position]
        ends = list(_SENTENCE_END.finditer(window))
        return window[ends[-1].end():] if ends else window

    def _by_words_speaker(self, match: re.Match, position: int) -> Speaker | None:
        if match.group("who"):
            return self.resolve(_subject(match.group("who"), False), position)
        if match.group("who2"):
            return self.speaker(match.group("verb"), match.group("who2"), position, after_verb=False)
        pronoun = match.group("pron").lower()
        if pronoun == "их":
            return None
        return self.resolve("она" if pronoun in ("ее", "её") else "он", position)

    def dash_speech(self) -> None:
        """A paragraph of direct speech without quote marks, closed by "— VERB SPEAKER"."""
        position = 0
        for paragraph in self.text.split("\n"):
            start = position
            position += len(paragraph) + 1
            if not paragraph or paragraph[0] in _QUOTE_OPEN + '"':
                continue
            for dash in re.finditer(r"[,.!?…]\s+[—–]\s+|[,.!?…]\s+-\s+", paragraph):
                after = _DASH_AFTER.match(paragraph, dash.start())
                if not after:
                    continue
                quote_end = start + dash.start() + (1 if paragraph[dash.start()] in "!?…" else 0)
                self.add(start, quote_end, "direct",
                         self.speaker(after.group("verb"), after.group("who"), quote_end, after_verb=True))
                break

    # ------------------------------------------------------------------ reported speech

    def reported(self) -> None:
        """Reported speech, found from the speech verbs (one pass) and "по словам"."""
        text = self.text
        for verb in self.verbs:
            sentence_start = self._sentence_start(verb.start())
            before = text[sentence_start : verb.start()]
            that = _AFTER_THAT.match(text, verb.end())
            if that:  # "Захарова (также) заявила, что ..."
                who = _TRAILING_ADVERBS.sub("", before).rstrip(" ,")
                if who and len(who.split()) <= 8 and not VERB.search(who):
                    speaker = self.speaker(verb.group(0), who, sentence_start, after_verb=False)
                    if speaker is not None:
                        self.add(that.start("q"), that.end("q"), "reported", speaker)
                continue
            how = _AS_SAID.fullmatch(before)
            if how:  # "Как отметил Рябков, ..."
                rest = _WHO_THEN_CLAUSE.match(text, verb.end())
                if rest:
                    speaker = self.speaker(verb.group(0), rest.group("who"), sentence_start, after_verb=False)
                    if speaker is not None:
                        self.add(rest.start("q"), rest.end("q"), "reported", speaker)
                continue
            stripped = before.rstrip()
            if stripped.endswith(",") and len(stripped) > 21 and stripped[0].isupper() and not _QUOTE_CHARS.search(stripped):
                after = _WHO_TO_END.match(text, verb.end())  # "..., заявил Рябков."
                if after:
                    speaker = self.speaker(verb.group(0), after.group("who"), verb.end(), after_verb=True)
                    if speaker is not None:
                        self.add(sentence_start, sentence_start + len(stripped) - 1, "reported", speaker)
        for match in _by_words(text):
            if match.group("pron"):
                if match.group("pron").lower() == "их":
                    continue
                speaker = self.resolve("она" if match.group("pron").lower() in ("ее", "её") else "он", match.start())
            else:  # "по словам Лаврова": no verb, so no gender to go by
                speaker = self.resolve(_subject(match.group("who"), False), match.start())
            if speaker is not None:
                self.add(match.start("q"), match.end("q"), "reported", speaker)
        for match in _ABOUT_THIS.finditer(text):
            speaker = self.speaker(match.group("verb"), match.group("who"), match.start(), after_verb=True)
            if speaker is None:
                continue
            paragraph_start = text.rfind("\n", 0, match.start()) + 1
            before = text[paragraph_start : match.start()]
            dateline = _DATELINE.match(before)
            start = paragraph_start + (dateline.end() if dateline else 0)
            if match.start() - start >= 20:
                self.add(start, match.start(), "reported", speaker)

    def _sentence_start(self, position: int) -> int:
        """Where the sentence holding `position` starts (looking back at most 250 characters)."""
        index = bisect_right(self.sentence_starts, position) - 1
        start = self.sentence_starts[index] if index >= 0 else 0
        return max(start, position - 250)


def quoted_spans(text: str) -> list[tuple[int, int]]:
    """(opening mark, closing mark) offsets of the outermost quotations in `text`.

    Guillemets and „“ nest as written; straight quotes open after a space or a bracket and
    close before one, so `"... "Эль-Дабаа" и ..."` is one quote with a name inside.
    """
    spans: list[tuple[int, int]] = []
    stack: list[tuple[str, int]] = []
    for mark in _MARKS.finditer(text):
        index, char = mark.start(), mark.group(0)
        if char == "\n":
            stack.clear()
            continue
        if char in _QUOTE_OPEN and not (char == "“" and stack and stack[-1][0] == "„"):
            stack.append((char, index))
            continue
        if char in "»”“" and stack and _QUOTE_CLOSE.get(stack[-1][0]) == char:
            _, opened = stack.pop()
            if not stack:
                spans.append((opened, index))
            continue
        if char == '"':
            before = text[index - 1] if index else " "
            after = text[index + 1] if index + 1 < len(text) else " "
            opening = (before.isspace() or before in "([-—–:\n") and not after.isspace()
            if opening and not (stack and stack[-1][0] == '"' and not after.isalnum()):
                stack.append(('"', index))
            elif stack and stack[-1][0] == '"':
                _, opened = stack.pop()
                if not stack:
                    spans.append((opened, index))
    return spans


def find_quotes(text: str) -> list[FoundQuote]:
    """The quotations of an article's text, in text order."""
    if not text:
        return []
    finder = _Finder(text)
    finder.direct()
    finder.dash_speech()
    finder.reported()
    return sorted(finder.found, key=lambda q: q.start)
