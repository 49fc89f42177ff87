"""MinHash of word 5-shingles for reprints: pure maths, no storage.

A reprint keeps most of its original's 5-word sequences; a rewrite keeps almost none (reprints
measure Jaccard about 0.8, rewrites about 0.1). Signatures are rensa's MinHash; LSH band keys
find candidates, and the estimated Jaccard or containment confirms them.

The signatures are stored, so the MinHash implementation is part of the archive's state:
`MINHASH_VERSION` is recorded beside them, and `mfa-archive check` reports an archive whose
signatures another rensa made (their values would no longer match new ones).
"""

from __future__ import annotations

import hashlib
from array import array
from importlib.metadata import version

import numpy as np
import rensa

NUM_PERM = 128
BANDS = 32  # 32 bands of 4 rows: a pair at Jaccard 0.5 becomes a candidate 87% of the time
ROWS = NUM_PERM // BANDS
SHINGLE = 5
HEAD_WORDS = 12
MINHASH_SEED = 20250101
REPRINT_JACCARD = 0.6
REPRINT_CONTAINMENT = 0.7  # share of the shorter text's shingles found in the longer one
MIN_SHINGLES_FOR_CONTAINMENT = 10  # below this a short text "contained" in another proves nothing
# What the stored signatures were made with (see the module docstring).
MINHASH_VERSION = f"rensa {version('rensa')}; RMinHash {NUM_PERM} perm, seed {MINHASH_SEED}; word {SHINGLE}-shingles"


def _hash64(data: bytes) -> int:
    return int.from_bytes(hashlib.blake2b(data, digest_size=8).digest(), "big", signed=True)


_BAND_SEEDS = np.random.default_rng(MINHASH_SEED).integers(1, 2**63, size=(BANDS, ROWS + 1), dtype=np.uint64) | np.uint64(1)


def band_keys(signatures: np.ndarray) -> np.ndarray:
    """The (n, BANDS) LSH keys of n MinHash signatures: a 64-bit hash of each band's ROWS values.

    Vectorised, as a process computes them for the thousands of articles of the weeks around
    its first article. Two equal bands give equal keys; a rare collision only adds a candidate,
    which the MinHash comparison then rejects.
    """
    bands = signatures.reshape(len(signatures), BANDS, ROWS).astype(np.uint64)
    keys = np.broadcast_to(_BAND_SEEDS[:, ROWS], (len(signatures), BANDS)).copy()
    for row in range(ROWS):  # uint64 arithmetic wraps, as a hash wants
        keys = (keys ^ bands[:, :, row]) * _BAND_SEEDS[:, row]
        keys ^= keys >> np.uint64(29)
    return keys.view(np.int64)


def shingles(tokens: list[str]) -> set[str]:
    """Distinct word 5-shingles; a text shorter than one shingle is its own single shingle."""
    if len(tokens) < SHINGLE:
        return {" ".join(tokens)} if tokens else set()
    # zip of shifted lists builds the windows in C, ~2x faster than slicing per position
    return set(map(" ".join, zip(*(tokens[i:] for i in range(SHINGLE)))))


def minhash(shingle_set: set[str]) -> array:
    """MinHash of the shingles; a minimum does not depend on order, so the set is not sorted first."""
    sketch = rensa.RMinHash(num_perm=NUM_PERM, seed=MINHASH_SEED)
    sketch.update(list(shingle_set))
    return array("I", sketch.digest())


def head_key(body_tokens: list[str]) -> int | None:
    """Key of the body's first words: a truncated copy keeps them (None for a very short body)."""
    if len(body_tokens) < HEAD_WORDS:
        return None
    return _hash64(b"head:" + " ".join(body_tokens[:HEAD_WORDS]).encode())


def copy_by_estimate(equal: int, a_shingles: int, b_shingles: int) -> bool:
    """`is_reprint` from the number of equal MinHash values, so a batch check decides alike."""
    jaccard = equal / NUM_PERM
    if jaccard >= REPRINT_JACCARD:
        return True
    smaller = min(a_shingles, b_shingles)
    if smaller < MIN_SHINGLES_FOR_CONTAINMENT:
        return False
    shared = jaccard * (a_shingles + b_shingles) / (1 + jaccard)
    return shared / smaller >= REPRINT_CONTAINMENT
