"""Primary sources: the ministry's own publication behind a story or a press report.

A document of an `official` source (mid.ru) is the primary source of what the press writes
about it. Two relations are kept, both inside the caller's transaction:

- a story that contains the ministry's document has it as `stories.primary_article_id` (the
  earliest, if several), set whenever the story's summary is refreshed;
- a press article that names the ministry as its source ("сообщили в МИД России", "заявила
  на брифинге Захарова", "говорится в комментарии официального представителя МИД") is linked
  to the document it reports in `primary_links`, grouped with it or not, and for a document
  with parts (a briefing's topics and questions) to the part it reports.

The link needs evidence, never a guess: one of the article's quotes found in the document
(verbatim or near, or a misquote of a passage: still a report of it), or, for a paraphrase,
terms close to one part of the document published within a day and a half. The document must
be published at most LOOK_BACK_HOURS before the report or LOOK_AHEAD_HOURS after it; weekly
briefings are a week apart, so the spokeswoman's earlier briefing on the same topic is never
a candidate, and a candidate of the same days loses to the one that holds the quotes.

Each press article's quotes are recorded with their verdict against that primary text
(`quotes` table, archive.quotes). The decision for a pair depends only on the two texts and
their times, and an article keeps the best-scoring document, so the links come out the same
whichever arrives first: a document published after the reports links them when it arrives.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache

from archive.models import Part
from archive.quotes.compare import Check, Normalised, check_quote
from archive.quotes.find import FoundQuote, find_quotes
from archive.quotes.speakers import MINISTRY, Speaker, normalise_name
from archive.store import Database
from archive.store.parts import load_parts
from archive.textnorm import normalize, stem, words

# A report follows its document by up to three days, or precedes its transcript by up to a
# day (TASS reports a briefing while it runs; the transcript is posted hours later).
LOOK_BACK_HOURS = 72
LOOK_AHEAD_HOURS = 24
# A quote found in the document at this similarity is evidence of the link (near or better).
QUOTE_EVIDENCE = 0.8
QUOTE_MIN_WORDS = 5  # shorter quotes ("Мяч на стороне Вашингтона") are set phrases of many texts
REPORTED_MIN_WORDS = 8
# Without a quote, a paraphrase must be this close to one part of a document (cosine of
# stemmed terms) published within TEXT_WINDOW_HOURS of it.
TEXT_EVIDENCE = 0.5
TEXT_WINDOW_HOURS = 36
TOP_TERMS = 80
# The press names the ministry (or one of its officials by post) as the source.
MINISTRY_CUE = re.compile(
    r"\bМИД\b|[Мм]инистерств\w* иностранных дел|[Мм]инистр\w* иностранных дел|[Сс]моленск\w+ площад\w*|"
    r"внешнеполитическ\w+ ведомств\w*"
)
_STOP_WORDS = frozenset(stem(w) for w in """
    и в во не что он на я с со как а то все она так его но да ты к у же вы за бы по только ее мне было вот от
    меня еще нет о из ему когда даже ли если уже или ни быть был него до вас там потом себя ничего ей может они
    тут где есть надо ней для мы их чем была сам без будет кто этот того потому этого какой здесь этом один
    при два об другой после над больше тот через эти нас про всего них эту свою этой перед том также который
    которые которая которого которых это заявил заявила сообщил сообщили отметил отметила сказал сказала
    подчеркнул подчеркнула добавил добавила слова словам года году год мид россия россии рф российской
""".split())


@dataclass
class Document:
    """A document of the ministry as linking needs it (cached per connection by content hash)."""

    article_id: int
    hour: int
    content_hash: str
    title: str
    text: str
    norm: Normalised
    parts: list[Part]
    part_spans: dict[int | None, tuple[int, int, str | None]]  # part -> (start, end, heading)
    part_terms: dict[int | None, dict[str, float]] = field(default_factory=dict)

    @property
    def speaker(self) -> Speaker:
        """Who speaks in the document unless a turn says otherwise: the official the title
        names by initials ("...М.В.Захаровой"), else the ministry."""
        named = normalise_name(self.title) if re.search(r"(?:[А-ЯЁ]\.\s?){1,2}[А-ЯЁ][а-яё]", self.title) else None
        return named if named is not None and named.person else Speaker(MINISTRY, MINISTRY.lower(), person=False)

    def part_at(self, offset: int) -> int | None:
        for part, (start, end, _) in self.part_spans.items():
            if part is not None and start <= offset < end:
                return part
        return None

    def speaker_at(self, offset: int) -> Speaker | None:
        """Whose words the text at `offset` is: the turn's speaker, a journalist (None for a
        question), or the document's speaker."""
        for turn in self.parts:
            if turn.start <= offset < turn.end:
                if turn.kind == "question":
                    return None
                if turn.speaker:
                    return normalise_name(turn.speaker) or self.speaker
                return self.speaker
        return self.speaker

    def people(self) -> set[str]:
        """Keys of the people whose words the document holds."""
        keys = {self.speaker.key}
        for turn in self.parts:
            if turn.speaker:
                named = normalise_name(turn.speaker)
                if named is not None:
                    keys.add(named.key)
        return keys


@dataclass(frozen=True)
class Link:
    primary_id: int
    part: int | None
    start: int
    end: int
    score: float
    evidence: str  # "quote" or "text"
    hours_apart: int

    def rank(self) -> tuple:
        """Better links sort higher: quotes over text, then the score, then the nearer in time,
        then the lower id (so every arrival order picks the same document)."""
        return (self.evidence == "quote", round(self.score, 3), -self.hours_apart, -self.primary_id)


def term_counts(*texts: str) -> dict[str, int]:
    """The TOP_TERMS most frequent stemmed content words of the texts, with their counts.

    Each text is normalised on its own: the link stage normalises an article's title and its
    lead with text the same way just before, so these come from textnorm's cache. Words are
    counted first (in C), and each distinct word stemmed once."""
    tokens: Counter = Counter()
    for text in texts:
        if text:
            tokens.update(words(normalize(text)))
    # A plain dict: a Counter calls its Python __missing__ for every new term.
    counts: dict[str, int] = {}
    for token, count in tokens.items():
        term = _content_term(token)
        if term is not None:
            counts[term] = counts.get(term, 0) + count
    # The most frequent first, ties in alphabetical order: sorted by term, then by count with
    # a stable sort, which keeps the alphabetical order among equal counts. Same order as
    # sorting on (-count, term) without a tuple a term (0.067 -> 0.047 ms a page; heapq.nsmallest
    # of 80 out of the ~160 distinct terms an article has was slower than either, 0.10 ms).
    top = sorted(counts)
    top.sort(key=counts.__getitem__, reverse=True)
    return {term: counts[term] for term in top[:TOP_TERMS]}


@lru_cache(maxsize=200_000)
def _content_term(token: str) -> str | None:
    """The stem a word counts as, or None for stop words and stems under three letters
    (cached per word, as news vocabulary repeats)."""
    term = stem(token)
    return term if len(term) >= 3 and term not in _STOP_WORDS else None


def weights(counts: dict[str, int]) -> dict[str, float]:
    """Unit-length term weights (1 + log of the count) from `term_counts`."""
    raw = {t: 1.0 + math.log(c) for t, c in counts.items()}
    norm = math.sqrt(sum(w * w for w in raw.values())) or 1.0
    return {t: w / norm for t, w in raw.items()}


def terms(*texts: str) -> dict[str, float]:
    """Unit-length weights of the texts' stemmed content words (the TOP_TERMS heaviest)."""
    return weights(term_counts(*texts))


def cosine(a: dict[str, float], b: dict[str, float]) -> float:
    return sum(a[t] * b[t] for t in sorted(a.keys() & b.keys()))


def _document(db: Database, article_id: int) -> Document | None:
    row = db.execute(
        "SELECT a.content_hash, a.title, a.text, d.hour FROM articles a JOIN dedup_docs d ON d.article_id = a.id "
        "WHERE a.id = ?", [article_id],
    ).fetchone()
    if row is None:
        return None
    cache: dict[int, Document] = db.caches.setdefault("primary_documents", {})
    cached = cache.get(article_id)
    if cached is not None and cached.content_hash == row[0] and cached.hour == row[3]:
        return cached
    content_hash, title, text, hour = row
    parts = load_parts(db, article_id)
    spans: dict[int | None, tuple[int, int, str | None]] = {}
    for turn in parts:
        start, end, heading = spans.get(turn.part, (turn.start, turn.end, turn.heading))
        spans[turn.part] = (min(start, turn.start), max(end, turn.end), heading)
    if not spans:
        spans[None] = (0, len(text), None)
    document = Document(article_id, hour, content_hash, title or "", text, Normalised(text), parts, spans)
    for part, (start, end, heading) in spans.items():
        document.part_terms[part] = terms(f"{heading or ''}\n{text[start:end]}")
    if len(cache) > 2000:
        cache.clear()
    cache[article_id] = document
    return document


def _evidence_quotes(quotes: list[FoundQuote]) -> list[FoundQuote]:
    """The quotes long enough to tell one document from another."""
    return [
        q for q in quotes
        if len(q.text.split()) >= (QUOTE_MIN_WORDS if q.kind == "direct" else REPORTED_MIN_WORDS)
    ]


def score_link(document: Document, quotes: list[FoundQuote], press_terms: dict[str, float], hour: int) -> Link | None:
    """The evidence that a press article (its quotes, terms and hour) reports `document`."""
    apart = abs(hour - document.hour)
    best_quote: tuple[float, int, int] | None = None
    vocabulary = document.norm.where
    for quote in _evidence_quotes(quotes):
        quote_stems = {stem(w) for w in words(normalize(quote.text))}
        # A quote most of whose words the document lacks cannot reach QUOTE_EVIDENCE: skip the
        # alignment (a document's arrival scores every report of its days against it).
        if sum(s in vocabulary for s in quote_stems) < QUOTE_EVIDENCE * len(quote_stems) * 0.9:
            continue
        check = check_quote(quote.text, document.norm)
        if check.span is None or check.score < QUOTE_EVIDENCE:
            continue
        if best_quote is None or check.score > best_quote[0]:
            best_quote = (check.score, *check.span)
    if best_quote is not None:
        score, start, end = best_quote
        part = document.part_at(start)
        return Link(document.article_id, part, start, end, round(score, 4), "quote", apart)
    if apart > TEXT_WINDOW_HOURS or not press_terms:
        return None
    part, similarity = max(
        ((p, cosine(press_terms, t)) for p, t in document.part_terms.items()), key=lambda pt: (pt[1], -(pt[0] or 0))
    )
    if similarity < TEXT_EVIDENCE:
        return None
    start, end, _ = document.part_spans[part]
    return Link(document.article_id, part, start, end, round(similarity, 4), "text", apart)


def _candidates(db: Database, hour: int) -> list[int]:
    return [i for (i,) in db.execute(
        "SELECT article_id FROM primary_docs WHERE hour BETWEEN ? AND ? ORDER BY article_id",
        [hour - LOOK_BACK_HOURS, hour + LOOK_AHEAD_HOURS],
    )]


def best_link(db: Database, quotes: list[FoundQuote], press_terms: dict[str, float], hour: int) -> Link | None:
    best = None
    for document_id in _candidates(db, hour):
        document = _document(db, document_id)
        if document is None:
            continue
        link = score_link(document, quotes, press_terms, hour)
        if link is not None and (best is None or link.rank() > best.rank()):
            best = link
    return best


def _current(db: Database, article_id: int) -> Link | None:
    row = db.execute(
        "SELECT l.primary_id, l.part, l.start, l.[end], l.score, l.evidence, abs(p.hour - d.hour) "
        "FROM primary_links l JOIN dedup_docs p ON p.article_id = l.article_id JOIN dedup_docs d ON d.article_id = l.primary_id "
        "WHERE l.article_id = ?", [article_id],
    ).fetchone()
    return Link(*row) if row else None


def _store_link(db: Database, article_id: int, link: Link | None) -> None:
    if link is None:
        db.execute("DELETE FROM primary_links WHERE article_id = ?", [article_id])
        return
    db.execute(
        "INSERT INTO primary_links (article_id, primary_id, part, start, [end], score, evidence) VALUES (?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT(article_id) DO UPDATE SET primary_id = excluded.primary_id, part = excluded.part, "
        "start = excluded.start, [end] = excluded.[end], score = excluded.score, evidence = excluded.evidence",
        [article_id, link.primary_id, link.part, link.start, link.end, round(link.score, 4), link.evidence],
    )


@dataclass(frozen=True)
class PressCues:
    """What linking a press article to its primary source needs of its own text: its quotes
    and, when it names the ministry as a source, its term counts (else None).

    They depend on the article alone, so a backfill's workers make them beside the extraction
    (`press_cues`) and the one writer only looks up and stores: finding quotes was a third of
    the writer's CPU a page (bench/backfill.py, profile of `--jobs 1`)."""

    quotes: list[FoundQuote]
    counts: dict[str, int] | None


def press_cues(title: str, lead: str, text: str) -> PressCues:
    """The press cues of an article with this stored title, lead and text."""
    quotes = find_quotes(text)
    if MINISTRY_CUE.search(text) or MINISTRY_CUE.search(title) or any(q.ministry for q in quotes):
        return PressCues(quotes, term_counts(title, " ".join(p for p in (lead, text) if p)))
    return PressCues(quotes, None)


def link_primary(db: Database, article_id: int, cues: PressCues | None = None) -> None:
    """Link a newly stored or changed article: a press article to its primary source (and its
    quotes to their verdicts), a ministry document to the press articles that report it.
    Runs inside the caller's transaction, after `linking.link`. `cues`, when given, are
    `press_cues` of the stored article, made beforehand."""
    row = db.execute(
        "SELECT a.official, a.title, a.lead, a.text, d.hour FROM articles a JOIN dedup_docs d ON d.article_id = a.id "
        "WHERE a.id = ?", [article_id],
    ).fetchone()
    if row is None:
        return
    official, title, lead, text, hour = row
    relinked: set[int] = set()
    if official:
        relinked = _document_arrived(db, article_id, hour)
    else:
        db.execute("DELETE FROM primary_docs WHERE article_id = ?", [article_id])
        _press_arrived(db, article_id, cues or press_cues(title or "", lead or "", text or ""), hour)
    # A story's primary source is the document most of its reports link to: linking refreshed
    # it before these links existed, so the stories of the articles whose links changed choose
    # again (else the choice would depend on the order the articles arrived in).
    _refresh_primaries(db, relinked | {article_id})


def _refresh_primaries(db: Database, article_ids: set[int]) -> None:
    marks = ",".join("?" * len(article_ids))
    for (story_id,) in db.execute(
        f"SELECT DISTINCT story_id FROM articles WHERE id IN ({marks}) AND story_id IS NOT NULL", sorted(article_ids),
    ).fetchall():
        refresh_story_primary(db, story_id)


def _press_arrived(db: Database, article_id: int, cues: PressCues, hour: int) -> None:
    quotes, counts = cues.quotes, cues.counts
    if counts is not None:
        press_terms = weights(counts)
        db.execute(
            "INSERT INTO press_cues (article_id, hour, terms) VALUES (?, ?, ?) "
            "ON CONFLICT(article_id) DO UPDATE SET hour = excluded.hour, terms = excluded.terms",
            # Counts, not weights: whole numbers are written several times faster than floats.
            [article_id, hour, json.dumps(counts, ensure_ascii=False)],
        )
        link = best_link(db, quotes, press_terms, hour)
    else:
        db.execute("DELETE FROM press_cues WHERE article_id = ?", [article_id])
        link = None
    _store_link(db, article_id, link)
    record_quotes(db, article_id, quotes, link)


def _document_arrived(db: Database, article_id: int, hour: int) -> set[int]:
    """A ministry document: the press articles of its days that name the ministry may report it.
    Returns the press articles whose link changed."""
    db.execute("DELETE FROM press_cues WHERE article_id = ?", [article_id])
    db.execute("DELETE FROM quotes WHERE article_id = ?", [article_id])
    db.execute(
        "INSERT INTO primary_docs (article_id, hour) VALUES (?, ?) ON CONFLICT(article_id) DO UPDATE SET hour = excluded.hour",
        [article_id, hour],
    )
    document = _document(db, article_id)
    linked_here = {i for (i,) in db.execute("SELECT article_id FROM primary_links WHERE primary_id = ?", [article_id])}
    relinked: set[int] = set()
    for press_id, press_hour, press_terms in db.execute(
        "SELECT article_id, hour, terms FROM press_cues WHERE hour BETWEEN ? AND ? ORDER BY article_id",
        [hour - LOOK_AHEAD_HOURS, hour + LOOK_BACK_HOURS],
    ).fetchall():
        stored = _stored_quotes(db, press_id)  # their words are all scoring needs
        current = _current(db, press_id)
        if press_id in linked_here:  # the document changed: the article's best may be another one
            link = best_link(db, stored, weights(json.loads(press_terms)), press_hour)
        else:
            link = score_link(document, stored, weights(json.loads(press_terms)), press_hour)
            if link is None or (current is not None and current.rank() >= link.rank()):
                continue
        if link != current:
            _store_link(db, press_id, link)
            text = db.execute("SELECT text FROM articles WHERE id = ?", [press_id]).fetchone()[0] or ""
            record_quotes(db, press_id, find_quotes(text), link)
            relinked.add(press_id)
    return relinked


def _stored_quotes(db: Database, article_id: int) -> list[FoundQuote]:
    """A press article's quotes as recorded (their words and kinds, for scoring a link)."""
    return [
        FoundQuote(position, end, quote, kind, None)
        for position, end, quote, kind in db.execute(
            "SELECT position, [end], quote, kind FROM quotes WHERE article_id = ? ORDER BY position", [article_id]
        )
    ]


def record_quotes(db: Database, article_id: int, quotes: list[FoundQuote], link: Link | None) -> None:
    """Store a press article's quotes with their verdicts against its primary text.

    A quote is checked when the primary text could hold it: its speaker is the ministry, one
    of its officials, someone the document quotes, or nobody named. Others (the Kremlin, a
    foreign minister) have no primary text here: no verdict.
    """
    db.execute("DELETE FROM quotes WHERE article_id = ?", [article_id])
    if not quotes:
        return
    document = _document(db, link.primary_id) if link is not None else None
    people = document.people() if document is not None else set()
    rows = []
    for quote in quotes:
        check, speaker_issue = None, None
        if document is not None and (quote.speaker is None or quote.ministry or quote.speaker.key in people):
            check = _check_in(document, link, quote.text)
            if check.verdict in ("verbatim", "near") and check.span is not None and quote.speaker is not None:
                speaker_issue = _speaker_issue(document, check.span[0], quote.speaker)
        rows.append((
            article_id, quote.start, quote.end, quote.text, quote.kind,
            quote.speaker.name if quote.speaker else None, quote.speaker.key if quote.speaker else None,
            int(quote.ministry), document.article_id if check else None, check.verdict if check else None,
            check.score if check else None, check.span[0] if check and check.span else None,
            check.span[1] if check and check.span else None,
            "speaker" if speaker_issue else (check.issue if check else None),
            speaker_issue or (check.detail if check else None),
        ))
    db.executemany(
        "INSERT INTO quotes (article_id, position, [end], quote, kind, speaker, speaker_key, ministry, primary_id, verdict, "
        "score, match_start, match_end, issue, issue_detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )


def _check_in(document: Document, link: Link, quote: str) -> Check:
    """The verdict against the linked part first (a briefing covers many topics), then the
    whole document (a report may quote another part too)."""
    if link.part is not None and link.part in document.part_spans:
        start, end, _ = document.part_spans[link.part]
        part_check = check_quote(quote, Normalised(document.text[start:end]))
        if part_check.verdict in ("verbatim", "near") and part_check.span is not None:
            return Check(part_check.verdict, part_check.score, (part_check.span[0] + start, part_check.span[1] + start))
    return check_quote(quote, document.norm)


def _speaker_issue(document: Document, offset: int, said_by: Speaker) -> str | None:
    """A note when the primary text gives the quoted words to another person than the press."""
    actual = document.speaker_at(offset)
    if actual is None:
        return "the primary text has these words in a journalist's question"
    if actual.person and said_by.person and actual.key != said_by.key:
        return f"the primary text gives these words to {actual.name}"
    return None


def refresh_story_primary(db: Database, story_id: int) -> None:
    """Set a story's primary source: of its members from an official source, the one most of
    its reports link to, then the earliest (a story can hold several of the ministry's texts)."""
    db.execute(
        """UPDATE stories SET primary_article_id = (
               SELECT a.id FROM articles a JOIN dedup_docs d ON d.article_id = a.id
               WHERE a.story_id = ?1 AND a.official = 1
               ORDER BY (SELECT count(*) FROM primary_links l JOIN articles r ON r.id = l.article_id
                         WHERE l.primary_id = a.id AND r.story_id = ?1) DESC, d.sort_key, a.url
               LIMIT 1)
           WHERE id = ?1""",
        [story_id],
    )


def story_primaries(db: Database, story_ids: list[int]) -> dict[int, dict]:
    """Each story's primary source for display: the ministry's document in the story, or else
    the one its members report (their primary links), with the part they report.

    `grouped` says which: True for a document in the story, False for one named by its reports.
    """
    tables = db.table_names() if story_ids else []
    if "primary_links" not in tables or "stories" not in tables:  # an archive from before schema 8
        return {}
    marks = ",".join("?" * len(story_ids))
    found: dict[int, dict] = {}
    columns = "p.id, p.url, p.source, p.title, p.published, p.doc_type"
    for story_id, *row in db.execute(
        f"SELECT s.id, {columns} FROM stories s JOIN articles p ON p.id = s.primary_article_id WHERE s.id IN ({marks})",
        story_ids,
    ):
        found[story_id] = {**dict(zip(("id", "url", "source", "title", "published", "doc_type"), row)), "grouped": True}
    rest = [s for s in story_ids if s not in found]
    if rest:
        marks = ",".join("?" * len(rest))
        for story_id, *row in db.execute(
            f"""SELECT a.story_id, {columns}, count(*) AS reports FROM primary_links l
                JOIN articles a ON a.id = l.article_id JOIN articles p ON p.id = l.primary_id
                WHERE a.story_id IN ({marks}) GROUP BY a.story_id, p.id ORDER BY a.story_id, reports DESC, p.id""",
            rest,
        ):
            if story_id not in found:
                found[story_id] = {**dict(zip(("id", "url", "source", "title", "published", "doc_type"), row[:-1])),
                                   "grouped": False}
    return found
