"""Story clustering: which articles report the same event.

A story is a connected component of a "same event" relation between two articles. The relation
depends only on the two articles (their stored features and dates), never on what else is in the
archive, so the stories come out the same whether articles arrive in one run or many and in any
order, and `recluster` reproduces the incremental result. That is also why the term weights are
IDF-*like* (stop words dropped, names and numbers boosted) instead of document frequencies of an
archive that keeps growing.

Two articles are linked when they are close in time (`WINDOW_HOURS`) and either are reprints, share
several word 4-grams inside quotation marks (rewrites around the same quotes), or have similar
stemmed term vectors, with a lower bar when they also name the same people and places. Different
events with the same people fall apart on the time window, and same-day separate statements on
the low term similarity. A title in the future tense announces an event ("Лавров проведет
переговоры", "В Москве пройдут консультации") and one in the past reports one ("Лавров провел
переговоры", "Лавров открыл заседание"): an announcement and a later report are never linked
to each other however much they share, unless one is a copy of the other (`title_tense`,
`tenses_apart`); an article linked to both still joins them in one story.
"""

from __future__ import annotations

import math
import re
import struct
import zlib
from array import array
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache

from archive.textnorm import morph, normalize, stem, unify, words

# Copies and rewrites of one event follow within hours; a piece a day later is mostly a follow-up
# (the next statement, the readout after talks announced the day before). A date without a time
# counts as noon, so same-date articles are 0 h apart and the next date 24 h.
WINDOW_HOURS = 20
QUOTE_NGRAM = 4
MIN_SHARED_QUOTES = 3  # shared quote 4-grams: one short common phrase is not enough
TOP_TERMS = 80
CANDIDATE_KEYS = 16  # index keys per article; candidates share at least MIN_SHARED_KEYS
MIN_SHARED_KEYS = 3
NAME_BOOST = 2.0
NUMBER_BOOST = 1.5


@dataclass(frozen=True)
class StoryRule:
    """The thresholds of the pairwise "same event" decision, in one value.

    The shipped values are `RULE`; `bench/stories.py --folds` chooses them on some folds of the
    devset and reports them on the others, so each figure below is the one cross-validation
    kept (see docs/performance.md).
    """

    window_hours: int = WINDOW_HOURS
    cosine_alone: float = 0.50
    cosine_with_names: float = 0.35
    names_overlap: float = 0.50
    min_shared_quotes: int = MIN_SHARED_QUOTES
    # An article dated the next day (published 24 h later, or up to `next_day_hours`) is the
    # same event only on stronger evidence: many reports of one event are dated the day after,
    # and so are most follow-ups.
    next_day_hours: int = 44
    next_day_cosine: float = 0.55
    # What an undated article may join by (archive.link.docs): copies of a dated article at any
    # distance in time; dated articles near its dateline's day; without a dateline, content only
    # above `undated_cosine` with its names shared, as no time keeps it from other events with
    # the same people...
    undated_by_copy: bool = True
    undated_by_dateline: bool = True
    undated_cosine: float = 0.55
    undated_names_overlap: float = 0.0
    # ... and, by content alone, only when its best dated match is closer than every dated article
    # of another date by this margin of cosine (archive.link.docs.anchor_holds): without a date, an
    # absolute bar cannot tell an event from the same people's events of other days (the missed
    # undated pairs measure 0.39-0.58, the nearest wrong story up to 0.57), but the nearest event
    # standing out from them can. 0 turns it off.
    undated_margin: float = 0.10
    # Two pieces of one outlet the same day are usually two events, and so are the Kremlin and
    # the ministry on one topic: those pairs need this cosine.
    same_source_cosine: float = 0.70
    mixed_relevance_cosine: float = 0.70
    # An announcement (a title whose predicate is in the future tense) published no later than a
    # report (one in the past) of the same people and place is the preview and the event, or two
    # steps of one visit: they are one story only as copies, or above this cosine (above 1:
    # never). Cross-validation chose 1.01 (among 1.01, 0.8, 0.7 and off) on every fold; with all
    # articles grouped together it raises the F1 mean from 0.780 to 0.794 on the devset and from
    # 0.684 to 0.715 on three 15% strippings, no fold lower; the devset's pair precision goes
    # from 0.905 to 0.918 at the same recall (docs/performance.md).
    preview_report_cosine: float = 1.01

    @property
    def reach_hours(self) -> int:
        """How far apart in time two dated articles can be and still be compared."""
        return max(self.window_hours, self.next_day_hours)


RULE = StoryRule()


# Function words and reporting verbs that every news item has; they carry no event.
STOP_STEMS = frozenset(
    stem(w)
    for w in """
    и в во не что он на я с со как а то все она так его но да ты к у же вы за бы по только ее мне
    было вот от меня еще нет о из ему теперь когда даже ну вдруг ли если уже или ни быть был него
    до вас нибудь опять уж вам ведь там потом себя ничего ей может они тут где есть надо ней для мы
    тебя их чем была сам чтоб без будто чего раз тоже себе под будет ж тогда кто этот того потому
    этого какой совсем ним здесь этом один почти мой тем чтобы нее сейчас были куда зачем всех
    никогда можно при наконец два об другой хоть после над больше тот через эти нас про всего них
    какая много разве три эту моя впрочем хорошо свою этой перед иногда лучше чуть том нельзя
    такой им более всегда конечно всю между это также который которые которая которого которых
    заявил заявила заявили сообщил сообщила сообщили отметил отметила сказал сказала подчеркнул
    подчеркнула добавил добавила слова словам ранее года году год время однако сегодня вчера
    новости новость фото видео читайте также источник подробнее поиск главная реклама
    россия россии рф российский российской москва москвы мид министр министерство
    января февраля марта апреля мая июня июля августа сентября октября ноября декабря
    понедельник вторник среда среду четверг пятница пятницу суббота субботу воскресенье
    """.split()
)

# A sentence that opens with "Ранее" or "Напомним" tells what happened before the event reported
# ("Ранее Захарова заявила ...", "Напомним, глава МИД прибыл в Турцию ..."). Outlets add different
# background to the same report, and the background of a follow-up is the event before it, so
# the story terms and names are taken without those sentences (`news_core`); a quotation that
# opens with "Ранее" is kept. Measured on the devset with `bench/stories.py --folds 5`: per-fold
# F1 mean 0.890 -> 0.937, 0.794 -> 0.848 with all folds grouped together, pair precision
# 0.918 -> 0.928 at recall 0.941 -> 0.951 (docs/performance.md). Longer lists (Накануне, Как
# сообщалось, Тогда, whole paragraphs, past dates) measured lower.
#
# A sentence ends at . ! ? or … (and any closing quotes or bracket) before a space and a capital,
# digit, quote or dash, or at a line break; not after an initial ("В. В. Путин") or a common
# abbreviation, and not inside «...».
_SENTENCE_END = re.compile(r'([.!?…]+[»")]*)\s+(?=["«(A-ZА-Я0-9—–-])|\s*\n\s*')
_ABBREVIATIONS = frozenset("г гг т е д им ул см ст п пп тыс млн млрд руб долл проф акад ген".split())
_LAST_WORD = re.compile(r"(\w+)\W*$")
_BACKGROUND_START = re.compile(r"\s*(?:Ранее|Напомним)\b")

# A capital letter not preceded by a word character or hyphen, then the rest of a word ("Лавров",
# "Нью-Йорк") or of an acronym of 2-6 capitals ("ООН"). The pattern starts with the capital and
# only then looks behind it, which lets the regex engine skip to capitals: the same matches as
# `(?<![\w-])([A-ZА-Я][a-zа-я]+(?:-[A-ZА-Я]?[a-zа-я]+)*|[A-ZА-Я]{2,6})(?![\w-])` in half the time
# (0.10 -> 0.05 ms a page).
_NAME = re.compile(r"([A-ZА-Я](?<![\w-].)(?:[a-zа-я]+(?:-[A-ZА-Я]?[a-zа-я]+)*|[A-ZА-Я]{1,5}))(?![\w-])")
_SENTENCE_START = re.compile(r'(?:^|[.!?:"\n]\s*|-\s)$')
_QUOTE = re.compile(r'"([^"]{20,})"')


@dataclass
class StoryFeatures:
    """What the story relation needs of one article, stored so it is computed only once.

    Terms, names and quote n-grams are kept as 32-bit hashes: they are only ever compared for
    equality, and fixed-size numbers pack into a blob that decodes without parsing text.
    """

    hour: int  # hours since the epoch (UTC) of publication, else of fetching
    terms: dict[int, float]  # hashed stem -> weight, unit length
    names: frozenset[int]
    quote_ngrams: frozenset[int]
    tense: int = 0  # of the title's predicate: UNKNOWN, REPORT (past) or PREVIEW (future)
    _keys: list[int] | None = field(default=None, init=False, repr=False, compare=False)

    def keys(self) -> list[int]:
        """Index keys for finding candidates: the heaviest terms (names first).

        Computed once: linking an article asks for them several times.
        """
        if self._keys is None:
            top = sorted(self.terms.items(), key=lambda kv: (-kv[1], kv[0]))[:CANDIDATE_KEYS]
            self._keys = [term for term, _ in top]
        return self._keys

    def encode(self) -> bytes:
        """Packed form for `dedup_docs.story`: three counts, then term ids, weights, names, quotes,
        and the title's tense in one last byte."""
        names, quotes = sorted(self.names), sorted(self.quote_ngrams)
        return (
            _HEADER.pack(len(self.terms), len(names), len(quotes))
            + array("I", self.terms).tobytes()
            + array("f", self.terms.values()).tobytes()
            + array("I", names).tobytes()
            + array("I", quotes).tobytes()
            + bytes([self.tense])
        )

    @classmethod
    def decode(cls, hour: int, blob: bytes) -> "StoryFeatures":
        n_terms, n_names, n_quotes = _HEADER.unpack_from(blob)
        end = _HEADER.size + 4 * (2 * n_terms + n_names + n_quotes)
        numbers = array("I", blob[_HEADER.size : end])
        weights = array("f", numbers[n_terms : 2 * n_terms].tobytes())
        return cls(
            hour=hour,
            terms=dict(zip(numbers[:n_terms], weights)),
            names=frozenset(numbers[2 * n_terms : 2 * n_terms + n_names]),
            quote_ngrams=frozenset(numbers[2 * n_terms + n_names :]),
            # Features stored before story rule 4 have no tense byte: unknown, until `recluster`.
            tense=blob[end] if len(blob) > end else UNKNOWN,
        )


_HEADER = struct.Struct("<HHH")

# The tense of a title's predicate (`title_tense`).
UNKNOWN, REPORT, PREVIEW = 0, 1, 2
# "Лавров: ...", "Замглавы МИД Рябков: ...": a statement, whatever the tense of what was said.
_SPEAKER = re.compile(r'^[^:"]{2,60}:\s')
_TITLE_WORD = re.compile(r"[а-яА-Я]{3,}")


@lru_cache(maxsize=65536)
def _finite_tense(word: str) -> str | None:
    """'past', 'pres' or 'futr' when pymorphy3's likeliest reading of `word` is a finite verb of
    the indicative (cached per word form)."""
    parse = morph().parse(word.lower())[0]
    if parse.tag.POS == "VERB" and parse.tag.mood == "indc":
        return parse.tag.tense
    return None


def title_tense(title: str) -> int:
    """Whether a title reports an event (REPORT), announces one (PREVIEW), or cannot tell (UNKNOWN).

    Grammar, not vocabulary: a title with a finite verb in the past tense, or one that quotes a
    speaker ("Лавров: саммит состоится"), reports something that happened (a talk, a statement);
    one whose first finite verb is in the future tense ("проведет", "пройдут", "посетит") and has
    none in the past announces it. The present tense, a title without a finite verb, and no title
    tell nothing.
    """
    if not title:
        return UNKNOWN
    unified = unify(title)
    if _SPEAKER.match(unified):
        return REPORT
    tenses = [t for t in (_finite_tense(w) for w in _TITLE_WORD.findall(unified)) if t is not None]
    if "past" in tenses:
        return REPORT
    return PREVIEW if tenses and tenses[0] == "futr" else UNKNOWN


def _hash32(text: str) -> int:
    """A stable 32-bit id of a stem or phrase (CRC-32: fast, and collisions only add noise)."""
    return zlib.crc32(text.encode())


@lru_cache(maxsize=200_000)
def _term(token: str) -> str | None:
    """The stem a word counts as, or None for stop words and short non-numbers (cached per word)."""
    stemmed = stem(token)
    if stemmed in STOP_STEMS or (len(stemmed) < 3 and not stemmed.isdigit()):
        return None
    return stemmed


def _names(text: str) -> set[str]:
    """Stems of capitalised words not at a sentence start, and of acronyms: people, places, bodies."""
    found = set()
    taken: set[str] = set()  # tokens already decided at one position: a name is counted once
    for match in _NAME.finditer(text):
        token = match.group(1)
        if token in taken:
            continue
        if not token.isupper() and _SENTENCE_START.search(text[max(0, match.start() - 3) : match.start()]):
            continue
        taken.add(token)
        stemmed = stem(token.lower())
        if len(stemmed) >= 2 and stemmed not in STOP_STEMS:
            found.add(stemmed)
    return found


def _quote_ngrams(unified: str) -> set[int]:
    """Hashes of word 4-grams inside quotation marks, the part rewrites keep verbatim."""
    grams = set()
    for quote in _QUOTE.findall(unified):
        tokens = words(normalize(quote))
        for i in range(len(tokens) - QUOTE_NGRAM + 1):
            grams.add(_hash32(" ".join(tokens[i : i + QUOTE_NGRAM])))
    return grams


def _sentences(text: str) -> list[str]:
    """`text` cut into sentences (`_SENTENCE_END`); a line break always ends one."""
    sentences, start = [], 0
    for end in _SENTENCE_END.finditer(text):
        if end.group(1):
            word = _LAST_WORD.search(text, max(start, end.start() - 40), end.start())
            token = word.group(1) if word else ""
            if (len(token) == 1 and token.isupper()) or token.lower() in _ABBREVIATIONS:
                continue
            if text.count("«", start, end.end(1)) > text.count("»", start, end.end(1)):
                continue  # inside a quotation
        sentences.append(text[start : end.end(1) if end.group(1) else end.start()])
        start = end.end()
    sentences.append(text[start:])
    return sentences


def news_core(text: str) -> str:
    """`text` without its background sentences (those opening with "Ранее" or "Напомним");
    `text` itself when it has none, or nothing else."""
    if "Ранее" not in text and "Напомним" not in text:
        return text
    sentences = _sentences(text)
    kept = [sentence for sentence in sentences if not _BACKGROUND_START.match(sentence)]
    if len(kept) == len(sentences):
        return text
    return " ".join(kept).strip() or text


def features(title: str, text: str, hour: int) -> StoryFeatures:
    """Story features of one article from its title and text (without its background)."""
    # The same text object when it has no background, so the caches of `unify` and `normalize`
    # (filled by relevance and reprints) still serve it; a third of the devset's articles have
    # some, and pay ~0.1 ms to unify and normalize the rest again.
    text = news_core(text)
    # unify(f"{title}\n{text}"), from the unified title and text `normalize` has already made (and
    # cached): unify works character by character and collapses the newline to a space.
    unified = " ".join(filter(None, (unify(title), unify(text))))
    names = _names(unified)
    counts: dict[str, int] = {}
    # The title counts twice; title and body are normalized apart (as relevance and reprints do, so
    # the normalization cache serves all three), which also drops the body's dateline.
    title_tokens = words(normalize(title)) if title else []
    # Counting words first (in C) and stemming each distinct word once is ~3x faster than per token.
    for token, count in Counter(title_tokens + title_tokens + words(normalize(text))).items():
        term = _term(token)
        if term is not None:
            counts[term] = counts.get(term, 0) + count
    weights = {}
    for term, count in counts.items():
        boost = NAME_BOOST if term in names else NUMBER_BOOST if term[:1].isdigit() else 1.0
        weights[term] = (1.0 + math.log(count)) * boost
    top = dict(sorted(weights.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_TERMS])
    norm = math.sqrt(sum(w * w for w in top.values())) or 1.0
    # Weights are rounded to float32 here, as stored, so a fresh article and a stored one compare alike.
    weights32 = array("f", (w / norm for w in top.values()))
    return StoryFeatures(
        hour=hour,
        terms=dict(zip((_hash32(t) for t in top), weights32)),
        names=frozenset(_hash32(n) for n in names),
        quote_ngrams=frozenset(_quote_ngrams(unified)),
        tense=title_tense(title),
    )


def cosine(a: dict[int, float], b: dict[int, float]) -> float:
    """Dot product of two unit-length term vectors, over the (few) shared terms only.

    The shared terms are added one after another in sorted order, so that cosine(a, b) ==
    cosine(b, a) exactly and `docs.similarities` (a running sum in the same order) gives the
    same floats. Not with sum(): since Python 3.12 it compensates rounding, another result.
    """
    total = 0.0
    for term in sorted(a.keys() & b.keys()):
        total += a[term] * b[term]
    return total


def names_overlap(a: frozenset[int], b: frozenset[int]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


def content_match(a: StoryFeatures, b: StoryFeatures, rule: StoryRule, similarity: float) -> bool:
    """Shared quotes, or term vectors close enough (less close when they name the same people)."""
    if len(a.quote_ngrams & b.quote_ngrams) >= rule.min_shared_quotes:
        return True
    if similarity >= rule.cosine_alone:
        return True
    return similarity >= rule.cosine_with_names and names_overlap(a.names, b.names) >= rule.names_overlap


def tenses_apart(a: StoryFeatures, b: StoryFeatures, rule: StoryRule, similarity: float, timed: bool = True) -> bool:
    """One title announces an event and the other reports one, and their texts are not close
    enough to override that (shared quotes do not: a preview and the readout often quote the
    same announcement).

    A title in the future tense published after a report cannot be announcing it: it states an
    outcome ("Москва и Ханой ускорят работу" after "договорились"), and the pair is left to the
    other rules. `timed` is False for an undated article, whose hour is only when it was fetched.
    """
    if {a.tense, b.tense} != {PREVIEW, REPORT} or similarity >= rule.preview_report_cosine:
        return False
    preview, report = (a, b) if a.tense == PREVIEW else (b, a)
    return not (timed and preview.hour > report.hour)


def same_story(a: StoryFeatures, b: StoryFeatures, rule: StoryRule = RULE, similarity: float | None = None) -> bool:
    """The pairwise "same event" decision for two dated articles that are not copies of each
    other; symmetric and independent of the rest of the archive. `similarity`, when given, is
    `cosine(a.terms, b.terms)` computed beforehand (archive.link.docs.similarities)."""
    apart = abs(a.hour - b.hour)
    if apart > rule.reach_hours:
        return False
    if similarity is None:
        similarity = cosine(a.terms, b.terms)
    if tenses_apart(a, b, rule, similarity):
        return False
    if apart > rule.window_hours:
        return similarity >= rule.next_day_cosine
    return content_match(a, b, rule, similarity)
