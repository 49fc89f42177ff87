"""Checking a quotation against the primary text: verbatim, near, or not found.

Both sides are compared after normalising what typesetting changes: quote marks, dashes,
ё, letter case and spaces. Then:

- verbatim: the quote is in the text; a quote cut with an ellipsis ("…", "(...)") is
  verbatim when its pieces are, in order, close together;
- near: the closest passage differs by a few words (a word form, a dropped or added word:
  word-level similarity at least NEAR_MIN_SCORE), or has the same clauses in another order;
- not found: anything else, and any passage that would be near but changes the meaning:
  a negation added or dropped, a number or a name changed. Such a difference is named in
  `issue` ("negation", "number", "name") with the passage it was compared with.

The passage (`span`, character offsets into the primary text) and a similarity `score`
(1.0 for verbatim) are kept either way when a passage comes close enough to be worth showing.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from difflib import SequenceMatcher

from archive.quotes.speakers import is_first_name
from archive.textnorm import stem

NEAR_MIN_SCORE = 0.8  # word-level similarity of a near quote: ~1 word in 5 may differ
SHOW_MIN_SCORE = 0.5  # below this the closest passage is no evidence of anything: no span
# A negation, number or name is called a change of the passage only when the passage is this
# close otherwise: in a passage that shares half its words, a missing "не" means nothing.
ISSUE_MIN_SCORE = 0.7
CLAUSE_MIN_WORDS = 3
# An elided quote's pieces must lie this close together in the primary text (characters).
ELISION_REACH = 600
NAME_SLACK = 60  # characters around a passage where a quote's name may still be
_TOKEN = re.compile(r"\d+(?:[.,]\d+)*|\w+(?:-\w+)*")
_ELLIPSIS = re.compile(r"\s*(?:\.\.\.|…|\((?:\.\.\.|…)\)|\[(?:\.\.\.|…)\]|<\.\.\.>)\s*")
_CLAUSE_SPLIT = re.compile(r"\s*[,;:]\s*|[.!?]\s+|\s+[-—–]\s+|\s+(?:и|а|но)\s+")
# Adjectives of places and nations ("молдавские", "армянской"): a name, though lower case.
_PLACE_ADJECTIVE = re.compile(r"\w+ск(?:ий|ая|ое|ие|ого|ой|ому|им|ую|их|ими|ом)$")
NEGATIONS = frozenset({"не", "ни", "нет", "нельзя", "никогда", "ничего", "никто", "никаких", "никакой", "никакого",
                       "никакие", "невозможно", "без"})
_NUMBER_WORDS = frozenset({
    "ноль", "один", "одна", "одно", "два", "две", "три", "четыре", "пять", "шесть", "семь", "восемь", "девять",
    "десять", "двадцать", "тридцать", "сорок", "пятьдесят", "сто", "двести", "тысяча", "тысячи", "тысяч",
    "миллион", "миллиона", "миллионов", "миллиард", "миллиарда", "миллиардов", "млн", "млрд", "трлн",
    "половина", "треть", "четверть", "вдвое", "втрое", "дважды", "трижды",
})


@dataclass(frozen=True)
class Check:
    """The verdict on one quote against one text."""

    verdict: str  # "verbatim", "near" or "not_found"
    score: float
    span: tuple[int, int] | None = None  # the matched passage in the primary text
    issue: str | None = None  # "negation", "number" or "name": why a close passage is not near
    detail: str | None = None  # the words that differ, for people to read


class Normalised:
    """A text folded for comparison, with each folded character's offset in the original."""

    def __init__(self, text: str) -> None:
        folded: list[str] = []
        offsets: list[int] = []
        previous_space = True
        for index, char in enumerate(text):
            char = _fold_char(char)
            if char is None:
                continue
            if char == " ":
                if previous_space:
                    continue
                previous_space = True
            else:
                previous_space = False
            folded.append(char)
            offsets.append(index)
        while folded and folded[-1] == " ":
            folded.pop()
            offsets.pop()
        self.text = "".join(folded)
        self.offsets = offsets
        self.original_length = len(text)
        self.tokens: list[tuple[str, int, int]] = [(m.group(0), m.start(), m.end()) for m in _TOKEN.finditer(self.text)]
        self._stems: list[str] | None = None
        self._where: dict[str, list[int]] | None = None

    @property
    def stems(self) -> list[str]:
        """The tokens' stems: a quote may change a word's form (case, number) and stay near."""
        if self._stems is None:
            self._stems = [stem(token) for token, _, _ in self.tokens]
        return self._stems

    @property
    def where(self) -> dict[str, list[int]]:
        """Stem -> its token positions."""
        if self._where is None:
            self._where = {}
            for index, value in enumerate(self.stems):
                self._where.setdefault(value, []).append(index)
        return self._where

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """The offsets in the original text of the folded text's [start, end)."""
        if not self.offsets:
            return 0, 0
        return self.offsets[min(start, len(self.offsets) - 1)], self.offsets[min(end, len(self.offsets)) - 1] + 1


_QUOTE_CHARS = set("«»„“”‟\"'‘’‚‛`´″")
_DASH_CHARS = set("‐‑‒–—―−﹘﹣－")


def _fold_char(char: str) -> str | None:
    """One character as compared: quote marks dropped, dashes one kind, ё as е, lower case."""
    if char in _QUOTE_CHARS:
        return None
    if char in _DASH_CHARS:
        return "-"
    if char.isspace():
        return " "
    if char in "ёЁ":
        return "е"
    return char.lower()


def _clean_quote(quote: str) -> str:
    """The quote without the punctuation the press adds at its edges."""
    return quote.strip().strip(" ,;:—–-").rstrip(".!?").strip()


def check_quote(quote: str, primary: Normalised) -> Check:
    """The verdict on `quote` against the primary text (see the module docstring)."""
    pieces = [p for p in (_clean_quote(piece) for piece in _ELLIPSIS.split(_clean_quote(quote).rstrip("…."))) if p]
    if not pieces:
        return Check("not_found", 0.0)
    folded_pieces = [Normalised(piece).text for piece in pieces]
    found = _verbatim(folded_pieces, primary)
    if found is not None:
        return Check("verbatim", 1.0, primary.original_span(*found))
    words = [token for piece in folded_pieces for token in _tokens(piece)]
    if not words:
        return Check("not_found", 0.0)
    best = _closest(words, primary)
    reordered = _reordered(folded_pieces, primary) if best is None or best[0] < NEAR_MIN_SCORE else None
    if reordered is not None and (best is None or reordered[0] > best[0]):
        score, start, end = reordered
        window_words = _tokens(primary.text[start:end])
    elif best is not None:
        score, start, end = best
        window_words = _tokens(primary.text[start:end])
    else:
        return Check("not_found", 0.0)
    span = primary.original_span(start, end) if score >= SHOW_MIN_SCORE else None
    if score < SHOW_MIN_SCORE:
        return Check("not_found", round(score, 3))
    issue, detail = None, None
    if score >= ISSUE_MIN_SCORE:
        wide_words = _tokens(primary.text[max(0, start - NAME_SLACK) : end + NAME_SLACK])
        issue, detail = meaning_change(words, window_words, pieces, wide_words)
        if issue is None:
            issue, detail = _replaced_names(words, window_words)
    if issue is None and score >= NEAR_MIN_SCORE:
        return Check("near", round(score, 3), span)
    return Check("not_found", round(score, 3), span, issue, detail)


def _tokens(text: str) -> list[str]:
    return [m.group(0) for m in _TOKEN.finditer(text)]


def _verbatim(pieces: list[str], primary: Normalised) -> tuple[int, int] | None:
    """[start, end) in the folded primary text of the pieces, in order and close together."""
    first = pieces[0]
    at = primary.text.find(first)
    while at >= 0:
        end = at + len(first)
        for piece in pieces[1:]:
            following = primary.text.find(piece, end)
            if following < 0 or following - end > ELISION_REACH:
                break
            end = following + len(piece)
        else:
            return at, end
        at = primary.text.find(first, at + 1)
    return None


def _closest(words: list[str], primary: Normalised) -> tuple[float, int, int] | None:
    """(similarity, start, end) of the primary passage closest to the quote's words.

    Words are compared by stem, so a changed word form is no difference. Candidate passages
    start where the primary text has one of the quote's rarer words at the position the quote
    would put it; each is scored by difflib's ratio over the stems.
    """
    tokens = primary.tokens
    if not tokens:
        return None
    stems = [stem(w) for w in words]
    length = len(stems)
    where = primary.where
    rarest = sorted(set(stems), key=lambda w: len(where.get(w, ())))
    starts: Counter = Counter()
    for word in rarest[: max(4, length // 3)]:
        for offset in (i for i, w in enumerate(stems) if w == word):
            for index in where.get(word, ())[:200]:
                starts[max(0, index - offset)] += 1
    if not starts:
        return None
    best: tuple[float, int, int] | None = None
    matcher = SequenceMatcher(autojunk=False)
    matcher.set_seq2(stems)
    primary_stems = primary.stems
    for start, _ in starts.most_common(20):
        for begin in (max(0, start - 2), start):
            # Windows as long as the quote, and longer: a quote may leave out a clause.
            for stop in (begin + length, begin + length + 2, begin + length - 2, begin + length + length // 2):
                window = primary_stems[begin : max(begin + 1, stop)]
                if not window:
                    continue
                matcher.set_seq1(window)
                ratio = matcher.ratio()
                if best is None or ratio > best[0]:
                    last = min(max(begin + 1, stop), len(tokens)) - 1
                    best = (ratio, tokens[begin][1], tokens[last][2])
    return best


def _reordered(pieces: list[str], primary: Normalised) -> tuple[float, int, int] | None:
    """Clauses of the quote each found verbatim near one another in the primary text, in any
    order: (share of the quote's words so found, start, end), or None."""
    clauses = [c for piece in pieces for c in _CLAUSE_SPLIT.split(piece) if len(_tokens(c)) >= CLAUSE_MIN_WORDS]
    if len(clauses) < 2:
        return None
    spans = []
    for clause in clauses:
        at = primary.text.find(clause)
        if at < 0:
            return None
        spans.append((at, at + len(clause)))
    start, end = min(s for s, _ in spans), max(e for _, e in spans)
    if end - start > ELISION_REACH or spans == sorted(spans):
        return None
    total = sum(len(_tokens(p)) for p in pieces)
    covered = sum(len(_tokens(c)) for c in clauses)
    return covered / total if total else 0.0, start, end


def meaning_change(
    quote_words: list[str], passage_words: list[str], pieces: list[str], wide_words: list[str] | None = None
) -> tuple[str | None, str | None]:
    """What in a close passage the quote says otherwise: a negation, a number or a name.
    Names are looked for a little around the passage (`wide_words`), whose edges may cut one."""
    negations_quote = Counter(w for w in quote_words if w in NEGATIONS)
    negations_passage = Counter(w for w in passage_words if w in NEGATIONS)
    if negations_quote != negations_passage:
        dropped = negations_passage - negations_quote
        added = negations_quote - negations_passage
        if dropped:
            return "negation", f"drops «{' '.join(dropped.elements())}»"
        return "negation", f"adds «{' '.join(added.elements())}»"
    numbers_quote = Counter(w for w in quote_words if _is_number(w))
    numbers_passage = Counter(w for w in passage_words if _is_number(w))
    if numbers_quote != numbers_passage:
        said = " ".join((numbers_quote - numbers_passage).elements()) or "none"
        printed = " ".join((numbers_passage - numbers_quote).elements()) or "none"
        return "number", f"{said} where the primary text has {printed}"
    names_quote = _names(pieces)
    if names_quote:
        passage_stems = {stem(w) for w in (wide_words or passage_words)}
        missing = [n for n in names_quote if stem(n) not in passage_stems and not is_first_name(n.capitalize())]
        if missing:
            return "name", f"{', '.join(missing)} is not in the primary text's passage"
    return None, None


def _replaced_names(quote_words: list[str], passage_words: list[str]) -> tuple[str | None, str | None]:
    """A word of the passage the quote replaces with another place or nation adjective."""
    matcher = SequenceMatcher(None, passage_words, quote_words, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op != "replace":
            continue
        for printed, said in zip(passage_words[a1:a2], quote_words[b1:b2]):
            if _PLACE_ADJECTIVE.match(printed) and _PLACE_ADJECTIVE.match(said) and stem(printed) != stem(said):
                return "name", f"«{said}» where the primary text has «{printed}»"
    return None, None


def _is_number(word: str) -> bool:
    return word[:1].isdigit() or word in _NUMBER_WORDS


def _names(pieces: list[str]) -> list[str]:
    """Capitalised words of the quote that are not at a sentence start: names of people,
    places and bodies (folded)."""
    names = []
    for piece in pieces:
        for match in re.finditer(r"(?<![\w-])([А-ЯЁA-Z][а-яёa-z]+(?:-[А-ЯЁA-Z]?[а-яёa-z]+)*)", piece):
            before = piece[: match.start()].rstrip()
            if not before or before[-1] in ".!?:":
                continue
            names.append(match.group(1).lower().replace("ё", "е"))
    return names
