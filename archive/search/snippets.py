"""Snippets: the stretch of an article with the most query matches, the matches marked."""

from __future__ import annotations

import bisect
import re

from archive.search.lemmas import TOKEN, word_key

SNIPPET_TOKENS = 24
HIGHLIGHT = ("\x02", "\x03")  # snippet markers that cannot occur in article text
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
    tokens = list(TOKEN.finditer(text))
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
        gap = text[token.end() : end]
        if "\n" in gap:  # a new paragraph (or the lead's end): keep them apart in one line
            gap = gap.split("\n")[0].rstrip() + " — "
        pieces.append((HIGHLIGHT[0] + word + HIGHLIGHT[1] if i in marked else word) + gap)
    prefix = "…" if best_start > 0 else ""
    suffix = "…" if window.stop < len(tokens) else ""
    return prefix + "".join(pieces).strip() + suffix
