"""One article as the link stage knows it (`Doc`), and the pairwise decisions on two of them.

Both relations, "is a reprint of" and "reports the same event as", are decided pair by pair from
stored features only, so the groups they make (connected components) do not depend on arrival
order or run boundaries.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from archive.dates import sort_time
from archive.link import stories
from archive.link.minhash import NUM_PERM, band_keys, copy_by_estimate, head_key, minhash, shingles
from archive.textnorm import normalize, words

HOURS_PER_WEEK = 7 * 24
SAME_SOURCE_COSINE = 0.7  # an outlet's two same-day pieces are usually two events
MIXED_RELEVANCE_COSINE = 0.7  # the Kremlin and the ministry on one topic are two statements


@dataclass
class Doc:
    """One article as the dedup tables know it."""

    article_id: int
    url: str
    source: str
    mfa: bool
    sort_key: str  # UTC ISO time: published, else fetched_at
    n_shingles: int
    minhash: array
    story: stories.StoryFeatures
    head_key: int | None = None  # hash of the body's first words, when it has enough of them

    @property
    def order(self) -> tuple[str, str]:
        """Earliest first; the URL breaks ties so every arrival order picks the same original."""
        return (self.sort_key, self.url)

    @property
    def week(self) -> int:
        """The week its band keys are filed under (weeks since the Unix epoch, UTC)."""
        return self.story.hour // HOURS_PER_WEEK

    @cached_property
    def band_keys(self) -> np.ndarray:
        """LSH band keys of the MinHash; cached as linking needs them twice."""
        return band_keys(np.frombuffer(self.minhash, dtype=np.uint32).reshape(1, NUM_PERM))[0]


def is_reprint(a: Doc, b: Doc) -> bool:
    """Estimated Jaccard or containment of the 5-shingle sets is high enough for a copy."""
    equal = sum(x == y for x, y in zip(a.minhash, b.minhash))
    return copy_by_estimate(equal, a.n_shingles, b.n_shingles)


def same_story(a: Doc, b: Doc, reprint: bool) -> bool:
    """`stories.same_story` plus two priors about who is speaking and who is publishing."""
    if reprint:
        return True
    if not stories.same_story(a.story, b.story):
        return False
    if a.source == b.source or a.mfa != b.mfa:
        bar = SAME_SOURCE_COSINE if a.source == b.source else MIXED_RELEVANCE_COSINE
        return stories.cosine(a.story.terms, b.story.terms) >= bar
    return True


def doc_features(
    article_id: int, url: str, source: str, title: str | None, lead: str | None, text: str | None,
    published: str | None, fetched_at: str | None, mfa: bool | int | None,
) -> Doc:
    """The features of one article from its stored columns; `link` and bulk builders share it."""
    body = " ".join(p for p in (lead, text) if p)
    body_tokens = words(normalize(body))
    shingle_set = shingles(words(normalize(title or "")) + body_tokens)
    moment = sort_time(published, fetched_at)
    return Doc(
        article_id=article_id,
        url=url,
        source=source,
        mfa=bool(mfa),
        sort_key=moment.isoformat(timespec="seconds"),
        n_shingles=len(shingle_set),
        minhash=minhash(shingle_set),
        story=stories.features(title or "", body, int(moment.timestamp() // 3600)),
        head_key=head_key(body_tokens),
    )


def doc_row(doc: Doc) -> tuple:
    """The `dedup_docs` row of a doc."""
    return (doc.article_id, doc.url, doc.source, int(doc.mfa), doc.sort_key, doc.story.hour,
            doc.n_shingles, doc.head_key, doc.minhash.tobytes(), doc.story.encode())
