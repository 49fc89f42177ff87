"""Lemma keys: every word form as the lemma of its likeliest reading (pymorphy3), and the store
that keeps the keys already computed.

Russian inflects every noun, adjective and surname, while FTS5's unicode61 tokenizer matches
exact forms only (and keeps ё apart from е). So every article is also indexed as the lemmas of
its words (`освобождения россиян` → `освобождение россиянин`, ё folded to е).
"""

from __future__ import annotations

import functools
import re
import weakref

import pymorphy3

from archive.search.schema import KEYS_TABLE
from archive.textnorm import morph as shared_morph
from archive.store import Database, transaction

# Every word form already lemmatized, with its key. pymorphy3 needs 30-200 us a new form (the
# most for names and words outside its dictionary) and each crawl is a new process, so without
# it a day's 500 articles cost ~4 s of lemmatizing the same forms again (bench/stories_scale.py).
KEY_MEMO_LIMIT = 200_000  # forms kept in this process beside the table
KEY_LOOKUP_CHUNK = 500
# What the keys were computed with; the table is emptied when it changes.
KEY_RULE = "first reading, lower-case, yo folded"
KEYS_VERSION_KEY = "morph_keys_version"
TOKEN = re.compile(r"\w+")


def morph() -> pymorphy3.MorphAnalyzer:
    return shared_morph()


def fold(word: str) -> str:
    return word.lower().replace("ё", "е")


@functools.lru_cache(maxsize=65536)
def analyses(word: str) -> list:
    """pymorphy3's readings of `word`; none for a word it cannot classify (it raises ValueError
    on code points without a Unicode name, such as some CJK or Tangut characters)."""
    try:
        return morph().parse(word)
    except ValueError:
        return []


def parses(word: str) -> tuple:
    """The likely readings of `word`, one per lemma (`стали`: стать and сталь)."""
    parses = analyses(word)
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
    parses = analyses(form)
    return fold(parses[0].normal_form if parses else form)


@functools.lru_cache(maxsize=262144)
def word_key(token: str) -> str:
    """The index key of one word: the lemma of its likeliest reading, lower-case, ё as е."""
    return _form_key(token.lower())


def index_text(text: str | None) -> str:
    """`text` as index keys, one per word, so FTS5 phrase positions still line up."""
    return " ".join(map(word_key, TOKEN.findall(text or "")))  # map: ~0.1 ms a page less than a generator


def index_fields(title: str | None, lead: str | None, text: str | None) -> tuple[str, str, str]:
    """An article's lemma-index row without an archive: the keys `indexed_rows` would look up,
    computed here (for a process that has no archive open, such as a backfill's worker)."""
    return index_text(title), index_text(lead), index_text(text)


# Per open archive, so every archive's KEYS_TABLE gets the forms it has seen.
_key_memos: weakref.WeakKeyDictionary[Database, dict[str, str]] = weakref.WeakKeyDictionary()


@functools.cache  # the dictionary's metadata is re-read on each access (0.3 ms a call)
def keys_version() -> str:
    """What lemma keys made in this process are made with: pymorphy3 and its dictionary."""
    meta = morph().dictionary.meta
    return (
        f"pymorphy3 {pymorphy3.__version__}; {meta.get('source')} {meta.get('source_version')}"
        f" rev {meta.get('source_revision')}; {KEY_RULE}"
    )


def _learn_keys(db: Database, forms: set[str]) -> dict[str, str]:
    """A memo holding the key of every lower-case word form in `forms`: from this process's
    memo, else from KEYS_TABLE, else from pymorphy3 (and then saved to KEYS_TABLE, inside the
    caller's transaction if there is one)."""
    memo = _key_memos.setdefault(db, {})
    if len(memo) + len(forms) > KEY_MEMO_LIMIT:
        memo.clear()
    missing = [form for form in forms if form not in memo]
    if not missing:
        return memo
    drop_stale_keys(db)
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


def drop_stale_keys(db: Database) -> None:
    """Empty KEYS_TABLE if another pymorphy3 or dictionary filled it (in the caller's transaction
    if there is one)."""
    version = keys_version()
    saved = db.meta(KEYS_VERSION_KEY)
    if saved != version:
        with transaction(db):
            db.execute(f"DELETE FROM {KEYS_TABLE}")
            db.set_meta(KEYS_VERSION_KEY, version)


def indexed_rows(db: Database, rows: list[tuple]) -> list[tuple]:
    """(id, title, lead, text) rows as lemma-index rows, with the keys looked up in bulk."""
    forms = [(row[0], *([t.lower() for t in TOKEN.findall(text or "")] for text in row[1:])) for row in rows]
    memo = _learn_keys(db, {form for row in forms for field in row[1:] for form in field})
    return [(row[0], *(" ".join(memo[form] for form in field) for field in row[1:])) for row in forms]
