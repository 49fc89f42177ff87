"""Morphology-aware search: a lemma index beside the plain FTS5 index.

Russian inflects every noun, adjective and surname, while FTS5's unicode61 tokenizer matches
exact forms only (and keeps ё apart from е). So every article is also indexed as the
pymorphy3 lemmas of its words (`освобождения россиян` → `освобождение россиянин`, ё folded
to е) in `articles_morph`, with its own FTS5 table `articles_morph_fts`; a query is
lemmatized the same way, and a word also finds the places and adjectives of its
`PLACE_GROUPS` (`армянским` finds `Армения`). The plain `articles_fts` stays untouched for
`sqlite-utils search` and Datasette.

Measured (bench/search.py): lemma keys rank as well as prefix queries over the plain index
(`россиян*`), and stay fast on a million articles, because exact terms can skip through an
FTS5 doclist while every prefix query first merges all matching terms' doclists.

Sync: SQL triggers on `articles` queue every inserted or changed article in
`articles_morph_pending` and drop its stale lemma row in the same transaction, whoever writes
(the store, `sqlite-utils`, a manual UPDATE). `index_pending` lemmatizes the queue; the store
calls it at the end of each write transaction, and `search` calls it first, so a search never
sees stale lemmas.
"""

from __future__ import annotations

import bisect
import functools
import json
import re
import sqlite3
import weakref
from dataclasses import dataclass, field
from datetime import date, timedelta

import pymorphy3
import sqlite_utils

from archive.store import transaction

# bm25 column weights for (title, lead, text): a word in the headline says more than in the body.
BM25_WEIGHTS = (4.0, 2.0, 1.0)
SNIPPET_TOKENS = 24
MAX_RANKED = 10_000  # see _ranked_rows
INDEX_BATCH = 2_000
HIGHLIGHT = ("\x02", "\x03")  # snippet markers that cannot occur in article text

MORPH_TABLE = "articles_morph"
MORPH_FTS = "articles_morph_fts"
PENDING_TABLE = "articles_morph_pending"
# Every word form already lemmatized, with its key. pymorphy3 needs 30-200 us a new form (the
# most for names and words outside its dictionary) and each crawl is a new process, so without
# it a day's 500 articles cost ~4 s of lemmatizing the same forms again (bench/stories_scale.py).
KEYS_TABLE = "morph_keys"
KEY_MEMO_LIMIT = 200_000  # forms kept in this process beside the table
KEY_LOOKUP_CHUNK = 500
# What the keys were computed with; the table is emptied when it changes.
KEY_RULE = "first reading, lower-case, yo folded"

_TOKEN = re.compile(r"\w+")
_WORD = re.compile(r"\w+(?:-\w+)*")
_QUOTED = re.compile(r'"([^"]*)"')

STOPWORDS = frozenset(
    """а без более бы был была были было быть в вам вас весь во вот все всего всех вы где да даже для до
    его ее её если есть еще ещё же за здесь и из или им их к как какой кто ли либо между мне мы на над
    не него нее неё нет ни них но ну о об однако он она они оно от по под после при про с со так также
    там то того тоже только том тот у уже чем что чтобы эта эти это этого этой этом этот""".split()
)

# Places and the adjectives made from them: people search "армянские власти" for news about
# "Армения" and the other way round. Each line is one group of interchangeable lemmas.
PLACE_GROUPS = [
    group.split()
    for group in """
россия российский рф | москва московский | сша американский америка | китай китайский кнр
индия индийский | германия германский немецкий фрг | франция французский | великобритания британский
англия английский | япония японский | польша польский | украина украинский
белоруссия беларусь белорусский | молдавия молдова молдавский | армения армянский
азербайджан азербайджанский | грузия грузинский | казахстан казахстанский | узбекистан узбекский
туркмения туркменистан туркменский | таджикистан таджикский | киргизия киргизстан киргизский
турция турецкий | иран иранский | ирак иракский | сирия сирийский | израиль израильский
палестина палестинский | египет египетский | афганистан афганский | пакистан пакистанский
кндр северокорейский | корея корейский | вьетнам вьетнамский | италия итальянский | испания испанский
сербия сербский | венгрия венгерский | финляндия финский | швеция шведский | норвегия норвежский
эстония эстонский | латвия латвийский | литва литовский | чехия чешский | болгария болгарский
румыния румынский | греция греческий | австрия австрийский | швейцария швейцарский
нидерланды нидерландский | бельгия бельгийский | канада канадский | мексика мексиканский
бразилия бразильский | аргентина аргентинский | куба кубинский | венесуэла венесуэльский
африка африканский | европа европейский | азия азиатский | катар катарский | алжир алжирский
ливия ливийский | ливан ливанский | иордания иорданский | йемен йеменский | судан суданский
монголия монгольский | индонезия индонезийский | баку бакинский | тбилиси тбилисский
ереван ереванский | киев киевский | минск минский | кишинев кишиневский | пекин пекинский
токио токийский | вашингтон вашингтонский | лондон лондонский | париж парижский | берлин берлинский
варшава варшавский | анкара анкарский | тегеран тегеранский | каир каирский | дамаск дамасский
петербург санкт-петербург петербургский | крым крымский | курилы курильский | кавказ кавказский
арктика арктический | кремль кремлевский
""".replace("\n", "|").split("|")
    if group.strip()
]
_PLACE_GROUP_OF = {lemma: group for group in PLACE_GROUPS for lemma in group}


class QueryError(ValueError):
    """A query that cannot be searched; its message is one line for the user."""


@dataclass
class Hit:
    """One search result: an article, or with `by_story` the best article of a story.

    `snippet` shows the matched words in [brackets]; `marked_snippet` has the raw HIGHLIGHT
    markers so a terminal can render them in bold instead.
    """

    id: int
    url: str
    title: str
    source: str
    published: str | None
    story_id: int | None
    mfa: int
    marked_snippet: str
    score: float
    story_title: str | None = None
    outlets: list[str] = field(default_factory=list)

    @property
    def snippet(self) -> str:
        return self.marked_snippet.replace(HIGHLIGHT[0], "[").replace(HIGHLIGHT[1], "]")

    def as_json(self) -> dict:
        """The hit as one `--json` line."""
        data = {k: v for k, v in self.__dict__.items() if k != "marked_snippet"}
        data["snippet"] = self.snippet
        return data


@functools.cache
def _morph() -> pymorphy3.MorphAnalyzer:
    return pymorphy3.MorphAnalyzer()


def _fold(word: str) -> str:
    return word.lower().replace("ё", "е")


@functools.lru_cache(maxsize=65536)
def _analyses(word: str) -> list:
    """pymorphy3's readings of `word`; none for a word it cannot classify (it raises ValueError
    on code points without a Unicode name, such as some CJK or Tangut characters)."""
    try:
        return _morph().parse(word)
    except ValueError:
        return []


def _parses(word: str) -> tuple:
    """The likely readings of `word`, one per lemma (`стали`: стать and сталь)."""
    parses = _analyses(word)
    if not parses:
        return ()
    best = parses[0].score
    seen: dict[str, object] = {}
    for parse in parses:
        if parse.score >= best * 0.5 and parse.normal_form not in seen and len(seen) < 3:
            seen[parse.normal_form] = parse
    return tuple(seen.values())


def _form_key(form: str) -> str:
    """The index key of a lower-case word form (see word_key)."""
    parses = _analyses(form)
    return _fold(parses[0].normal_form if parses else form)


@functools.lru_cache(maxsize=262144)
def word_key(token: str) -> str:
    """The index key of one word: the lemma of its likeliest reading, lower-case, ё as е."""
    return _form_key(token.lower())


def index_text(text: str | None) -> str:
    """`text` as index keys, one per word, so FTS5 phrase positions still line up."""
    return " ".join(word_key(token) for token in _TOKEN.findall(text or ""))


# Per open archive, so every archive's KEYS_TABLE gets the forms it has seen.
_key_memos: weakref.WeakKeyDictionary[sqlite_utils.Database, dict[str, str]] = weakref.WeakKeyDictionary()


@functools.cache  # the dictionary's metadata is re-read on each access (0.3 ms a call)
def keys_version() -> str:
    """What lemma keys made in this process are made with: pymorphy3 and its dictionary."""
    meta = _morph().dictionary.meta
    return (
        f"pymorphy3 {pymorphy3.__version__}; {meta.get('source')} {meta.get('source_version')}"
        f" rev {meta.get('source_revision')}; {KEY_RULE}"
    )


def _learn_keys(db: sqlite_utils.Database, forms: set[str]) -> dict[str, str]:
    """A memo holding the key of every lower-case word form in `forms`: from this process's
    memo, else from KEYS_TABLE, else from pymorphy3 (and then saved to KEYS_TABLE, inside the
    caller's transaction if there is one)."""
    memo = _key_memos.setdefault(db, {})
    if len(memo) + len(forms) > KEY_MEMO_LIMIT:
        memo.clear()
    missing = [form for form in forms if form not in memo]
    if not missing:
        return memo
    _drop_stale_keys(db)
    for start in range(0, len(missing), KEY_LOOKUP_CHUNK):
        chunk = missing[start : start + KEY_LOOKUP_CHUNK]
        marks = ",".join("?" * len(chunk))
        memo.update(db.execute(f"SELECT form, key FROM {KEYS_TABLE} WHERE form IN ({marks})", chunk))
    new = [(form, _form_key(form)) for form in missing if form not in memo]
    if new:
        with transaction(db):
            db.conn.executemany(f"INSERT OR IGNORE INTO {KEYS_TABLE} (form, key) VALUES (?, ?)", new)
        memo.update(new)
    return memo


def _drop_stale_keys(db: sqlite_utils.Database) -> None:
    """Empty KEYS_TABLE if another pymorphy3 or dictionary filled it (in the caller's transaction
    if there is one)."""
    version = keys_version()
    saved = db.execute("SELECT value FROM meta WHERE key = 'morph_keys_version'").fetchone()
    if not saved or saved[0] != version:
        with transaction(db):
            db.execute(f"DELETE FROM {KEYS_TABLE}")
            db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('morph_keys_version', ?)", [version])


def _indexed(db: sqlite_utils.Database, rows: list[tuple]) -> list[tuple]:
    """(id, title, lead, text) rows as lemma-index rows, with the keys looked up in bulk."""
    forms = [(row[0], *([t.lower() for t in _TOKEN.findall(text or "")] for text in row[1:])) for row in rows]
    memo = _learn_keys(db, {form for row in forms for field in row[1:] for form in field})
    return [(row[0], *(" ".join(memo[form] for form in field) for field in row[1:])) for row in forms]


def _word_keys(word: str) -> set[str]:
    """Keys that match `word` in a query: each likely reading, and its place group."""
    keys = {word_key(word)} | {_fold(parse.normal_form) for parse in _parses(word)}
    for key in list(keys):
        for related in _PLACE_GROUP_OF.get(key, ()):
            keys.add(word_key(related))
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


def ensure_schema(db: sqlite_utils.Database) -> None:
    """Create the lemma index, its FTS table and the triggers that keep it in sync.

    On an archive that predates it, every article is queued for indexing. Called by
    `store.ensure_schema` inside its transaction.
    """
    if KEYS_TABLE not in db.table_names():
        db.execute(f"CREATE TABLE {KEYS_TABLE} (form TEXT PRIMARY KEY, key TEXT NOT NULL) WITHOUT ROWID")
    if PENDING_TABLE in db.table_names():
        return
    db.execute(f"CREATE TABLE {MORPH_TABLE} (id INTEGER PRIMARY KEY, title TEXT, lead TEXT, text TEXT)")
    db.execute(f"CREATE TABLE {PENDING_TABLE} (id INTEGER PRIMARY KEY)")
    # content='...' in single quotes: sqlite-utils and Datasette then keep treating
    # articles_fts as the articles table's full-text index.
    db.execute(
        f"CREATE VIRTUAL TABLE {MORPH_FTS} USING fts5(title, lead, text, content='{MORPH_TABLE}', content_rowid='id')"
    )
    _create_morph_triggers(db)
    db.execute(
        f"""CREATE TRIGGER {MORPH_TABLE}_article_added AFTER INSERT ON articles BEGIN
              INSERT OR IGNORE INTO {PENDING_TABLE} (id) VALUES (new.id); END"""
    )
    db.execute(
        f"""CREATE TRIGGER {MORPH_TABLE}_article_changed AFTER UPDATE OF title, lead, text ON articles BEGIN
              DELETE FROM {MORPH_TABLE} WHERE id = old.id;
              INSERT OR IGNORE INTO {PENDING_TABLE} (id) VALUES (new.id); END"""
    )
    db.execute(
        f"""CREATE TRIGGER {MORPH_TABLE}_article_deleted AFTER DELETE ON articles BEGIN
              DELETE FROM {MORPH_TABLE} WHERE id = old.id;
              DELETE FROM {PENDING_TABLE} WHERE id = old.id; END"""
    )
    db.execute(f"INSERT INTO {PENDING_TABLE} (id) SELECT id FROM articles")


def rebuild_index(db: sqlite_utils.Database) -> int:
    """Re-lemmatize every article in bulk (after a bulk load without triggers); returns how many.

    Faster than index_pending for a whole archive: the FTS table is rebuilt once at the end
    instead of row by row through its triggers.
    """
    with transaction(db):
        for suffix in ("ai", "ad", "au"):
            db.execute(f"DROP TRIGGER IF EXISTS {MORPH_TABLE}_{suffix}")
        db.execute(f"DELETE FROM {MORPH_TABLE}")
        _drop_stale_keys(db)
        cursor = db.conn.execute("SELECT id, title, lead, text FROM articles")
        while rows := cursor.fetchmany(INDEX_BATCH):
            db.conn.executemany(
                f"INSERT INTO {MORPH_TABLE} (id, title, lead, text) VALUES (?, ?, ?, ?)", _indexed(db, rows)
            )
        db.execute(f"INSERT INTO {MORPH_FTS} ({MORPH_FTS}) VALUES ('rebuild')")
        _create_morph_triggers(db)
        db.execute(f"DELETE FROM {PENDING_TABLE}")
    return db.execute(f"SELECT count(*) FROM {MORPH_TABLE}").fetchone()[0]


def _create_morph_triggers(db: sqlite_utils.Database) -> None:
    """The usual external-content triggers between articles_morph and its FTS table."""
    columns = "title, lead, text"
    old = "old.title, old.lead, old.text"
    db.execute(
        f"""CREATE TRIGGER IF NOT EXISTS {MORPH_TABLE}_ai AFTER INSERT ON {MORPH_TABLE} BEGIN
              INSERT INTO {MORPH_FTS} (rowid, {columns}) VALUES (new.id, new.title, new.lead, new.text); END"""
    )
    db.execute(
        f"""CREATE TRIGGER IF NOT EXISTS {MORPH_TABLE}_ad AFTER DELETE ON {MORPH_TABLE} BEGIN
              INSERT INTO {MORPH_FTS} ({MORPH_FTS}, rowid, {columns}) VALUES ('delete', old.id, {old}); END"""
    )
    db.execute(
        f"""CREATE TRIGGER IF NOT EXISTS {MORPH_TABLE}_au AFTER UPDATE ON {MORPH_TABLE} BEGIN
              INSERT INTO {MORPH_FTS} ({MORPH_FTS}, rowid, {columns}) VALUES ('delete', old.id, {old});
              INSERT INTO {MORPH_FTS} (rowid, {columns}) VALUES (new.id, new.title, new.lead, new.text); END"""
    )


def index_pending(db: sqlite_utils.Database) -> int:
    """Lemmatize the queued articles into the lemma index; returns how many.

    Runs inside the caller's transaction when there is one (the store's write), else in its
    own transactions of INDEX_BATCH articles.
    """
    done = 0
    while True:
        rows = db.execute(
            f"""SELECT p.id, a.title, a.lead, a.text FROM {PENDING_TABLE} p JOIN articles a ON a.id = p.id
                ORDER BY p.id LIMIT {INDEX_BATCH}"""
        ).fetchall()
        if not rows:
            return done
        with transaction(db):
            db.conn.executemany(f"DELETE FROM {MORPH_TABLE} WHERE id = ?", [(r[0],) for r in rows])
            db.conn.executemany(
                f"INSERT INTO {MORPH_TABLE} (id, title, lead, text) VALUES (?, ?, ?, ?)", _indexed(db, rows)
            )
            db.conn.executemany(f"DELETE FROM {PENDING_TABLE} WHERE id = ?", [(r[0],) for r in rows])
        done += len(rows)


def _day_bound(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        raise QueryError(f"{option} must be a date like 2025-11-17, not {value!r}") from None


def filter_sql(
    *, source: str | None = None, since: str | None = None, until: str | None = None, all_articles: bool = False
) -> tuple[str, dict]:
    """SQL conditions on `a` (articles) for the common filters, and their named parameters.

    `until` includes that whole day. Shared by search and export so both filter alike.
    """
    conditions: list[str] = []
    params: dict = {}
    if not all_articles:
        conditions.append("a.mfa = 1")
    if source:
        conditions.append("a.source = :source")
        params["source"] = source
    if since:
        conditions.append("a.published >= :since")
        params["since"] = _day_bound(since, "--since").isoformat()
    if until:
        conditions.append("a.published < :until")
        params["until"] = (_day_bound(until, "--until") + timedelta(days=1)).isoformat()
    return " AND ".join(conditions) or "1", params


def _story_columns(db: sqlite_utils.Database) -> tuple[str, str]:
    """The story title and join to use: early archives have no `stories` table or no title."""
    if "stories" in db.table_names() and "title" in db["stories"].columns_dict:
        return "s.title", "LEFT JOIN stories s ON s.id = a.story_id"
    return "NULL", ""


def _outlets(db: sqlite_utils.Database, story_ids: list[int]) -> dict[int, list[str]]:
    if not story_ids:
        return {}
    marks = ", ".join("?" for _ in story_ids)
    rows = db.execute(
        f"SELECT story_id, source FROM articles WHERE story_id IN ({marks}) GROUP BY story_id, source ORDER BY min(published)",
        story_ids,
    ).fetchall()
    outlets: dict[int, list[str]] = {}
    for story_id, source in rows:
        outlets.setdefault(story_id, []).append(source)
    return outlets


def _ranked_rows(
    db: sqlite_utils.Database, match: str, where: str, params: dict, exclude: list[int], limit: int, by_story: bool
) -> list[tuple]:
    """Best `limit` rows for one MATCH expression, skipping articles (or stories) in `exclude`.

    FTS5 has no top-k shortcut: bm25 reads every match's length, about 2 µs each. So a very
    common query is ranked among its newest MAX_RANKED matches only; walking the doclist
    newest first and stopping there costs one pass, scoring as it goes.

    The FTS index is ranked alone, then the filters are applied to the ranked matches a
    batch at a time, best first, until `limit` pass: joining `articles` for every match
    would double the cost, and SQLite would join a whole pool before sorting it.
    """
    weights = ", ".join(str(w) for w in BM25_WEIGHTS)
    ranked = db.execute(
        f"""SELECT id, score FROM (
              SELECT rowid AS id, bm25({MORPH_FTS}, {weights}) AS score FROM {MORPH_FTS}
              WHERE {MORPH_FTS} MATCH ? ORDER BY rowid DESC LIMIT {MAX_RANKED})
            ORDER BY score""",
        [match],
    )
    group = "coalesce(a.story_id, -a.id)" if by_story else "a.id"
    passing = f"SELECT a.id, {group} FROM articles a WHERE a.id IN (SELECT value FROM json_each(:ids)) AND {where}"
    chosen: list[tuple[int, float]] = []
    taken = set(exclude)
    batch_size = 2 * limit
    try:
        while len(chosen) < limit and (batch := ranked.fetchmany(batch_size)):
            groups = dict(db.execute(passing, {"ids": json.dumps([r[0] for r in batch]), **params}).fetchall())
            for article_id, score in batch:
                story = groups.get(article_id)
                if story is not None and story not in taken and len(chosen) < limit:
                    taken.add(story)  # with by_story, the first row of a story is its best
                    chosen.append((article_id, score))
            batch_size *= 4
    finally:
        ranked.close()
    title_sql, join_sql = _story_columns(db) if by_story else ("NULL", "")
    return db.execute(
        f"""SELECT a.id, a.url, a.title, a.source, a.published, a.story_id, a.mfa,
                   coalesce(a.lead, '') || ' ' || coalesce(a.text, ''), j.value ->> 1, {title_sql},
                   coalesce(m.lead, '') || ' ' || coalesce(m.text, '')
            FROM json_each(:chosen) j CROSS JOIN articles a ON a.id = j.value ->> 0
                 LEFT JOIN {MORPH_TABLE} m ON m.id = a.id {join_sql}
            ORDER BY j.key""",
        {"chosen": json.dumps(chosen)},
    ).fetchall()


_TERM = re.compile(r'"(\w+)"')


def make_snippet(text: str, match: str, size: int = SNIPPET_TOKENS, indexed: str = "") -> str:
    """The `size`-word stretch of `text` with the most query matches, matches marked.

    Made in Python because FTS5's snippet() would show the lemma index's text. `indexed` is
    `text` as index_text stored it, one key per word: reading the keys from there saves
    lemmatizing every word of every hit again, which costs more than the search itself when
    pymorphy3's cache is cold (one CLI call). Without it, or if it does not line up, the
    words are lemmatized here.
    """
    terms = set(_TERM.findall(match))
    tokens = list(_TOKEN.finditer(text))
    if not tokens:
        return ""
    keys = indexed.split()
    if len(keys) != len(tokens):
        keys = [word_key(token.group()) for token in tokens]
    hits = [i for i, key in enumerate(keys) if key in terms]
    best_start, best_count = 0, 0
    for n, first in enumerate(hits):
        count = bisect.bisect_left(hits, first + size - 3) - n
        if count > best_count:
            best_start, best_count = max(0, first - 3), count
    window = range(best_start, min(best_start + size, len(tokens)))
    marked = set(hits)
    pieces = []
    for i in window:
        token = tokens[i]
        if i + 1 in window:
            end = tokens[i + 1].start()
        else:
            end = len(text) if i + 1 == len(tokens) else token.end()  # keep the final full stop
        word = token.group()
        pieces.append((HIGHLIGHT[0] + word + HIGHLIGHT[1] if i in marked else word) + text[token.end() : end])
    prefix = "…" if best_start > 0 else ""
    suffix = "…" if window.stop < len(tokens) else ""
    return prefix + "".join(pieces).strip() + suffix


def _catch_up(db: sqlite_utils.Database) -> None:
    """Index articles written since the last index_pending, if the archive can be written now.

    Waits at most a moment for the write lock: a search must not stall behind a crawl, whose
    own transaction indexes its articles anyway.
    """
    if db.execute(f"SELECT 1 FROM {PENDING_TABLE} LIMIT 1").fetchone() is None:
        return
    timeout = db.execute("PRAGMA busy_timeout").fetchone()[0]
    db.execute("PRAGMA busy_timeout = 200")
    try:
        index_pending(db)
    except sqlite3.OperationalError:
        pass  # locked or read-only: search what is indexed
    finally:
        db.execute(f"PRAGMA busy_timeout = {timeout}")


def search(
    db: sqlite_utils.Database,
    query: str,
    *,
    source: str | None = None,
    since: str | None = None,
    until: str | None = None,
    all_articles: bool = False,
    by_story: bool = False,
    limit: int = 20,
) -> list[Hit]:
    """Ranked hits for `query`, best first; ministry news only unless `all_articles`.

    Articles with every word of the query come first, then those with only some, each tier
    ordered by bm25. With `by_story` each story appears once, represented by its best-ranked
    article, with the outlets that reported it.
    """
    if limit < 1:
        raise QueryError("--limit must be at least 1")
    parts = query_parts(query)
    _catch_up(db)
    where, params = filter_sql(source=source, since=since, until=until, all_articles=all_articles)
    tiers = [" AND ".join(parts), " OR ".join(parts)] if len(parts) > 1 else parts
    rows: list[tuple] = []
    seen: list[int] = []
    try:
        for match in tiers:
            found = _ranked_rows(db, match, where, params, seen, limit - len(rows), by_story)
            rows += [(row, match) for row in found]
            seen += [(r[5] if r[5] is not None else -r[0]) if by_story else r[0] for r in found]
            if len(rows) >= limit:
                break
    except sqlite3.OperationalError as exc:
        raise QueryError(f"cannot search for {query!r}: {exc}") from None
    hits = [
        Hit(
            id=r[0], url=r[1], title=r[2], source=r[3], published=r[4], story_id=r[5], mfa=r[6],
            marked_snippet=make_snippet(r[7], match, indexed=r[10]), score=-r[8], story_title=r[9],
        )
        for r, match in rows
    ]
    if by_story:
        outlets = _outlets(db, [h.story_id for h in hits if h.story_id is not None])
        for hit in hits:
            hit.outlets = outlets.get(hit.story_id, [hit.source]) if hit.story_id is not None else [hit.source]
    return hits
