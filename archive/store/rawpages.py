"""Raw HTML of every fetched page, kept so articles can be re-extracted without the network.

Bodies are zstd-compressed. Pages of one site share most of their markup, so once a source
has TRAIN_AFTER pages a dictionary is trained on its recent pages and used for new ones
(storage notes: about half the size of plain zstd). A source is retrained rarely: when it
has RETRAIN_FACTOR times as many pages as it had when its current dictionary was trained
(50, 400, 3200, ... pages), so the markup of a redesign is learnt without retraining often.
The pages saved before a source's first dictionary are recompressed with it once. Every
dictionary ever used stays in `zstd_dicts`, since rows reference theirs by `dict_id`.
Identical bodies (same SHA-256) are stored once: `save_raw` returns the existing row's id.
"""

from __future__ import annotations

import hashlib
import json

import zstandard

from archive.dates import utc_now
from archive.errors import RawPageMissing
from archive.models import FetchedPage
from archive.store.database import Database

LEVEL = 3
# With a dictionary, level 9 stores about 20% less than level 3 (bench/raw_compression.py)
# at a few milliseconds per page: nothing next to a polite crawl's delay between requests.
DICT_LEVEL = 9
DICT_SIZE = 112 * 1024
TRAIN_AFTER = 50
RETRAIN_FACTOR = 8
MAX_TRAINING_SAMPLES = 400
# The cover algorithm's segment and d-mer sizes, fixed. Left to zstd, it searches them and
# keeps what compresses a held-out split of the samples best; on the first dictionary's 50
# pages that choice is noise (it chose k=50, and pages then stored 2.6 times larger than with
# k=1024), and the search costs 4-7 times the training's CPU, a second a dictionary that a
# backfill's one writer spends while its workers wait. bench/raw_compression.py: stored
# 7.20% of the HTML searched, 5.69% fixed (k 512-2048 all within 5.7-6.0%), training
# 1.48 s against 0.42 s; with --generated 4000, 5.51% against 4.89%, 1.76 s against 0.24 s.
DICT_SEGMENT = 1024
DICT_DMER = 8

# Compressors and decompressors by dictionary checksum: training data is per database, but a
# dictionary's bytes identify it everywhere, so the cache is safe across databases.
_decompressors: dict[str, zstandard.ZstdDecompressor] = {}
_compressors: dict[str, zstandard.ZstdCompressor] = {}
_PLAIN = "plain"


def create_tables(db: Database) -> None:
    """Migration step: `raw_pages`, `zstd_dicts` and `raw_page_counts` (idempotent)."""
    import sqlite_utils  # only when an archive is created or upgraded

    utils = sqlite_utils.Database(db.conn)
    tables = set(db.table_names())
    if "zstd_dicts" not in tables:
        utils["zstd_dicts"].create(
            {"id": int, "source": str, "created_at": str, "samples": int, "source_pages": int, "size": int, "sha256": str, "dict": bytes},
            pk="id",
        )
        utils["zstd_dicts"].create_index(["source"])
    if "raw_pages" not in tables:
        utils["raw_pages"].create(
            {
                "id": int,
                "url": str,
                "final_url": str,
                "source": str,
                "status": int,
                "headers": str,
                "fetched_at": str,
                "sha256": str,
                "size": int,
                "body_zstd": bytes,
                "dict_id": int,
            },
            pk="id",
            foreign_keys=[("dict_id", "zstd_dicts", "id")],
        )
        utils["raw_pages"].create_index(["sha256"])
        utils["raw_pages"].create_index(["url"])
        utils["raw_pages"].create_index(["source", "fetched_at"])
    if "raw_page_counts" not in tables:
        # Whether a dictionary is due depends on the source's page count, asked for every saved
        # page; count(*) read the source's whole index each time, so it grew with the archive.
        db.execute("CREATE TABLE raw_page_counts (source TEXT PRIMARY KEY, pages INTEGER NOT NULL) WITHOUT ROWID")
        # raw_pages.source may be NULL in SQL terms (never from the crawler); such rows are not counted.
        db.execute(
            "INSERT INTO raw_page_counts SELECT source, count(*) FROM raw_pages WHERE source IS NOT NULL GROUP BY source"
        )
        db.execute(
            """CREATE TRIGGER raw_pages_counted AFTER INSERT ON raw_pages WHEN new.source IS NOT NULL BEGIN
              INSERT INTO raw_page_counts (source, pages) VALUES (new.source, 1)
                ON CONFLICT (source) DO UPDATE SET pages = pages + 1; END"""
        )
        db.execute(
            """CREATE TRIGGER raw_pages_uncounted AFTER DELETE ON raw_pages WHEN old.source IS NOT NULL BEGIN
              UPDATE raw_page_counts SET pages = pages - 1 WHERE source = old.source; END"""
        )


def _dict_sha(db: Database, dict_id: int) -> str:
    row = db.execute("SELECT sha256 FROM zstd_dicts WHERE id = ?", [dict_id]).fetchone()
    if row is None:
        raise RawPageMissing(f"zstd dictionary {dict_id} is missing")
    return row[0]


def _dict_data(db: Database, dict_id: int) -> zstandard.ZstdCompressionDict:
    return zstandard.ZstdCompressionDict(db.execute("SELECT dict FROM zstd_dicts WHERE id = ?", [dict_id]).fetchone()[0])


def _compressor(db: Database, dict_id: int | None) -> zstandard.ZstdCompressor:
    key = _PLAIN if dict_id is None else _dict_sha(db, dict_id)
    if key not in _compressors:
        _compressors[key] = (
            zstandard.ZstdCompressor(level=LEVEL)
            if dict_id is None
            else zstandard.ZstdCompressor(level=DICT_LEVEL, dict_data=_dict_data(db, dict_id))
        )
    return _compressors[key]


def _decompressor(db: Database, dict_id: int | None) -> zstandard.ZstdDecompressor:
    key = _PLAIN if dict_id is None else _dict_sha(db, dict_id)
    if key not in _decompressors:
        _decompressors[key] = (
            zstandard.ZstdDecompressor() if dict_id is None else zstandard.ZstdDecompressor(dict_data=_dict_data(db, dict_id))
        )
    return _decompressors[key]


def train_dictionary(db: Database, source: str, source_pages: int) -> int | None:
    """Train a dictionary on `source`'s most recent pages and store it; its id, or None if zstd refuses."""
    rows = db.execute(
        "SELECT id FROM raw_pages WHERE source = ? ORDER BY id DESC LIMIT ?", [source, MAX_TRAINING_SAMPLES]
    ).fetchall()
    samples = [load_raw(db, raw_id) for (raw_id,) in rows]
    try:
        trained = zstandard.train_dictionary(DICT_SIZE, samples, k=DICT_SEGMENT, d=DICT_DMER, level=DICT_LEVEL)
    except zstandard.ZstdError:
        return None  # too few or too uniform samples: keep compressing without a dictionary
    data = trained.as_bytes()
    return db.insert(
        "zstd_dicts",
        {
            "source": source,
            "created_at": utc_now(),
            "samples": len(samples),
            "source_pages": source_pages,
            "size": len(data),
            "sha256": hashlib.sha256(data).hexdigest(),
            "dict": data,
        },
    )


def _dict_for_new_page(db: Database, source: str) -> int | None:
    """The dictionary a new page of `source` is compressed with, training one when it is due."""
    counted = db.execute("SELECT pages FROM raw_page_counts WHERE source = ?", [source]).fetchone()
    pages = counted[0] if counted else 0
    current = db.execute(
        "SELECT id, source_pages FROM zstd_dicts WHERE source = ? ORDER BY id DESC LIMIT 1", [source]
    ).fetchone()
    due = pages >= TRAIN_AFTER if current is None else pages >= RETRAIN_FACTOR * current[1]
    dict_id = current[0] if current else None
    if due:
        trained = train_dictionary(db, source, pages)
        if trained and current is None:
            _recompress_plain_rows(db, source, trained)
        dict_id = trained or dict_id
    return dict_id


def _recompress_plain_rows(db: Database, source: str, dict_id: int) -> None:
    """Re-store the pages saved before `source` had a dictionary with its first one.

    They are few (TRAIN_AFTER) but, compressed alone, as large as hundreds of later pages.
    """
    compressor = _compressor(db, dict_id)
    for raw_id, in db.execute("SELECT id FROM raw_pages WHERE source = ? AND dict_id IS NULL", [source]).fetchall():
        body = load_raw(db, raw_id)
        db.execute("UPDATE raw_pages SET body_zstd = ?, dict_id = ? WHERE id = ?", [compressor.compress(body), dict_id, raw_id])


def save_raw(
    db: Database,
    *,
    url: str,
    final_url: str | None,
    source: str,
    status: int,
    headers: dict,
    body: bytes,
    fetched_at: str,
) -> int:
    """Store one fetched page and return its raw id; an identical body returns the stored row's id.

    The caller owns the transaction (the crawler commits the raw page with its article).
    """
    sha = hashlib.sha256(body).hexdigest()
    existing = db.execute("SELECT id FROM raw_pages WHERE sha256 = ? AND size = ? LIMIT 1", [sha, len(body)]).fetchone()
    if existing:
        return existing[0]
    dict_id = _dict_for_new_page(db, source)
    compressed = _compressor(db, dict_id).compress(body)
    cur = db.execute(
        "INSERT INTO raw_pages (url, final_url, source, status, headers, fetched_at, sha256, size, body_zstd, dict_id)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [url, final_url or url, source, status, json.dumps(headers, ensure_ascii=False), fetched_at, sha, len(body), compressed, dict_id],
    )
    return cur.lastrowid


def load_raw(db: Database, raw_id: int) -> bytes:
    """The original bytes of raw page `raw_id`; RawPageMissing if there is no such row."""
    row = db.execute("SELECT body_zstd, dict_id FROM raw_pages WHERE id = ?", [raw_id]).fetchone()
    if row is None:
        raise RawPageMissing(f"no raw page {raw_id}")
    compressed, dict_id = row
    return _decompressor(db, dict_id).decompress(compressed)


def raw_headers(db: Database, raw_id: int) -> dict:
    """The response headers stored with raw page `raw_id`."""
    row = db.execute("SELECT headers FROM raw_pages WHERE id = ?", [raw_id]).fetchone()
    if row is None:
        raise RawPageMissing(f"no raw page {raw_id}")
    return json.loads(row[0] or "{}")


def load_page(db: Database, raw_id: int, feed_entry=None) -> FetchedPage:
    """Raw page `raw_id` as the page it was when fetched; RawPageMissing if there is none."""
    row = db.execute("SELECT url, final_url, source, status, headers, fetched_at FROM raw_pages WHERE id = ?", [raw_id]).fetchone()
    if row is None:
        raise RawPageMissing(f"no raw page {raw_id}")
    url, final_url, source, status, headers, fetched_at = row
    return FetchedPage(
        url=url, source=source, status=status, headers=json.loads(headers or "{}"), body=load_raw(db, raw_id),
        fetched_at=fetched_at, final_url=final_url, feed_entry=feed_entry,
    )


def save_page(db: Database, page: FetchedPage) -> int:
    """`save_raw` for a fetched page; the caller owns the transaction."""
    return save_raw(
        db, url=page.url, final_url=page.final_url, source=page.source, status=page.status,
        headers=page.headers, body=page.body, fetched_at=page.fetched_at,
    )
