"""Reading WARC files (archive.fetch.warc): every record of an intact file, damage reported with
its offset and skipped to the next record, payloads decoded as a browser would, nothing raised."""

from __future__ import annotations

import gzip
import hashlib
import zlib
from datetime import datetime, timezone
from pathlib import Path

import brotli
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archive.fetch.warc import (
    HttpResponse, WarcDamage, decode_payload, digest_mismatch, looks_like_warc, parse_http_response, read_warc,
)
from tests.support.warcs import WarcBuilder, break_deflate_data, chunked

WHEN = datetime(2026, 4, 14, 10, 0, tzinfo=timezone.utc)
PAGE = "<!DOCTYPE html><html><head><title>Лавров</title></head><body><p>Текст статьи.</p></body></html>".encode()


def five_records() -> WarcBuilder:
    builder = WarcBuilder()
    builder.warcinfo(WHEN)
    for number in range(4):
        builder.response(f"https://tass.ru/politika/{2700000 + number}", PAGE, WHEN, label=f"page{number}")
    return builder


def read(path: Path, wants=lambda record: True) -> tuple[list, list]:
    problems = []
    records = list(read_warc(path, wants, max_block_bytes=1 << 20, on_problem=problems.append))
    return records, problems


@pytest.mark.parametrize("compress", [True, False])
def test_an_intact_file_gives_every_record_with_its_offset(tmp_path, compress):
    path = tmp_path / ("a.warc.gz" if compress else "a.warc")
    offsets = five_records().write(path, compress=compress)
    records, problems = read(path)
    assert problems == []
    assert [r.kind for r in records] == ["warcinfo"] + ["response"] * 4
    assert [r.offset for r in records] == offsets
    data = path.read_bytes()
    for offset in offsets[1:]:  # each offset is where a record (its gzip member) starts
        start = gzip.decompress(data[offset:])[:8] if compress else data[offset : offset + 8]
        assert start == b"WARC/1.0"
    assert parse_http_response(records[1].block).payload == PAGE
    assert records[1].target_uri == "https://tass.ru/politika/2700000"
    assert records[1].date == "2026-04-14T10:00:00Z"
    assert looks_like_warc(path)


def test_only_wanted_blocks_are_read(tmp_path):
    path = tmp_path / "a.warc.gz"
    five_records().write(path)
    records, _ = read(path, wants=lambda r: r.target_uri == "https://tass.ru/politika/2700002")
    assert [r.block is not None for r in records] == [False, False, False, True, False]


def test_a_broken_gzip_member_is_reported_with_its_offset_and_the_rest_is_read(tmp_path):
    path = tmp_path / "a.warc.gz"
    offsets = five_records().write(path, damage={2: break_deflate_data})
    records, problems = read(path)
    assert [r.target_uri for r in records[1:]] == [f"https://tass.ru/politika/{n}" for n in (2700000, 2700002, 2700003)]
    assert len(problems) == 1
    assert problems[0].offset == offsets[2]
    assert "damaged gzip data" in problems[0].message
    assert f"skipped {offsets[3] - offsets[2]:,} bytes to the next record at offset {offsets[3]:,}" in problems[0].message


def test_a_member_whose_crc_does_not_match_is_damage(tmp_path):
    def wrong_crc(member: bytes) -> bytes:
        return member[:-8] + bytes([member[-8] ^ 1]) + member[-7:]

    path = tmp_path / "a.warc.gz"
    offsets = five_records().write(path, damage={1: wrong_crc})
    records, problems = read(path)
    assert len(records) == 4 and [p.offset for p in problems] == [offsets[1]]
    assert "incorrect data check" in problems[0].message


def test_garbage_between_members_is_skipped_to_the_next_record(tmp_path):
    path = tmp_path / "a.warc.gz"
    offsets = five_records().write(path, damage={3: lambda member: b"\x1f\x8b\x08 junk that looks like gzip" + member})
    records, problems = read(path)
    assert len(records) == 5
    assert [p.offset for p in problems] == [offsets[3]]


def test_a_cut_download_is_reported_where_it_ends(tmp_path):
    path = tmp_path / "a.warc.gz"
    offsets = five_records().write(path)
    path.write_bytes(path.read_bytes()[:-30])
    records, problems = read(path)
    assert len(records) == 4
    assert problems[0].offset == offsets[4]
    assert "the file ends inside this gzip member" in problems[0].message
    assert "no readable record after it" in problems[0].message


def test_a_plain_file_with_a_damaged_record_resumes_at_the_next_warc_line(tmp_path):
    path = tmp_path / "a.warc"
    builder = five_records()
    record = builder.records[2]
    builder.records[2] = record.replace(b"Content-Length: ", b"Content-Lxngth: ", 1)
    offsets = builder.write(path, compress=False)
    records, problems = read(path)
    assert [r.target_uri for r in records[1:]] == [f"https://tass.ru/politika/{n}" for n in (2700000, 2700002, 2700003)]
    assert [p.offset for p in problems] == [offsets[2]]
    assert "no valid Content-Length" in problems[0].message


def test_a_plain_file_whose_content_length_is_wrong_loses_only_that_record(tmp_path):
    path = tmp_path / "a.warc"
    builder = five_records()
    record = builder.records[1]
    length = int(record.split(b"Content-Length: ")[1].split(b"\r\n")[0])
    builder.records[1] = record.replace(b"Content-Length: %d" % length, b"Content-Length: %d" % (length - 40), 1)
    offsets = builder.write(path, compress=False)
    records, problems = read(path)
    assert [r.target_uri for r in records if r.kind == "response"] == [
        f"https://tass.ru/politika/{n}" for n in (2700001, 2700002, 2700003)]
    assert [p.offset for p in problems] == [offsets[1]]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_no_damage_raises_and_later_records_are_still_read(tmp_path_factory, data):
    """Any bytes overwritten anywhere: read_warc reports, never raises, and every record
    whose bytes are intact and after the damaged region is still read."""
    compress = data.draw(st.booleans())
    path = tmp_path_factory.mktemp("fuzz") / ("f.warc.gz" if compress else "f.warc")
    offsets = five_records().write(path, compress=compress)
    blob = bytearray(path.read_bytes())
    start = data.draw(st.integers(0, len(blob) - 1))
    junk = data.draw(st.binary(min_size=1, max_size=64))
    blob[start : start + len(junk)] = junk
    path.write_bytes(bytes(blob))
    records, problems = read(path)
    damaged_end = start + len(junk)
    intact_after = [i for i, offset in enumerate(offsets) if offset >= damaged_end]
    read_uris = {r.target_uri for r in records}
    for index in intact_after:
        if index:
            assert f"https://tass.ru/politika/{2700000 + index - 1}" in read_uris, (start, junk, problems)
    for problem in problems:
        assert "\n" not in problem.message


# ------------------------------------------------------------------ payloads


def response(payload: bytes, *headers: tuple[str, str]) -> HttpResponse:
    return HttpResponse(200, list(headers), payload)


def test_chunked_and_compressed_payloads_are_stored_decoded_with_the_original_headers_kept():
    packed = gzip.compress(PAGE)
    body, headers = decode_payload(response(chunked(packed, 10), ("Content-Type", "text/html"),
                                            ("Content-Encoding", "gzip"), ("Transfer-Encoding", "chunked"),
                                            ("Content-Length", "999")), 1 << 20)
    assert body == PAGE
    assert headers == {"Content-Type": "text/html", "X-Archive-Orig-Content-Encoding": "gzip",
                       "X-Archive-Orig-Transfer-Encoding": "chunked", "X-Archive-Orig-Content-Length": "999"}


@pytest.mark.parametrize("coding,packed", [
    ("gzip", gzip.compress(PAGE)), ("x-gzip", gzip.compress(PAGE)), ("deflate", zlib.compress(PAGE)),
    ("deflate", zlib.compress(PAGE)[2:-4]), ("br", brotli.compress(PAGE)), ("gzip, br", brotli.compress(gzip.compress(PAGE))),
])
def test_every_content_coding_a_browser_accepts_is_undone(coding, packed):
    body, headers = decode_payload(response(packed, ("Content-Encoding", coding)), 1 << 20)
    assert body == PAGE and headers == {"X-Archive-Orig-Content-Encoding": coding}


def test_zstd_is_undone():
    import zstandard

    body, _ = decode_payload(response(zstandard.ZstdCompressor().compress(PAGE), ("Content-Encoding", "zstd")), 1 << 20)
    assert body == PAGE


def test_payloads_their_crawler_decoded_are_kept_as_recorded():
    """Common Crawl stores payloads decoded (the codings renamed X-Crawler-*); others keep a
    Content-Encoding or Transfer-Encoding header on bytes that are no longer coded."""
    body, headers = decode_payload(response(PAGE, ("X-Crawler-Content-Encoding", "gzip"),
                                            ("Content-Length", str(len(PAGE)))), 1 << 20)
    assert body == PAGE and headers == {"X-Crawler-Content-Encoding": "gzip", "Content-Length": str(len(PAGE))}
    body, headers = decode_payload(response(PAGE, ("Content-Encoding", "gzip"), ("Transfer-Encoding", "chunked")),
                                   1 << 20)
    assert body == PAGE
    assert headers == {"X-Archive-Orig-Content-Encoding": "gzip", "X-Archive-Orig-Transfer-Encoding": "chunked"}


def test_damaged_compressed_data_and_unknown_codings_are_reported():
    broken = bytearray(gzip.compress(PAGE * 50))
    broken[len(broken) // 2 : len(broken) // 2 + 8] = b"\xff" * 8
    with pytest.raises(WarcDamage, match="cannot decode the gzip payload"):
        decode_payload(response(bytes(broken), ("Content-Encoding", "gzip")), 1 << 20)
    with pytest.raises(WarcDamage, match="unknown Content-Encoding 'compress'"):
        decode_payload(response(b"\x1f\x9d\x90", ("Content-Encoding", "compress")), 1 << 20)


def test_a_compression_bomb_stops_at_the_limit():
    bomb = gzip.compress(b"\x00" * (20 << 20))
    with pytest.raises(WarcDamage, match="larger than 1,048,576 bytes"):
        decode_payload(response(bomb, ("Content-Encoding", "gzip")), 1 << 20)


def test_http_headers_are_parsed_leniently_and_as_latin_1():
    parsed = parse_http_response(b"HTTP/1.1 301 Moved\r\nLocation: https://tass.ru/x\r\nX-Long: a\r\n b\r\n"
                                 b"X-Name: \xe9t\xe9\r\n\r\nbody")
    assert parsed.status == 301 and parsed.payload == b"body"
    assert parsed.headers == [("Location", "https://tass.ru/x"), ("X-Long", "a b"), ("X-Name", "été")]
    with pytest.raises(WarcDamage, match="not an HTTP status line"):
        parse_http_response(b"<html>\r\n\r\n")
    with pytest.raises(WarcDamage, match="no end of the HTTP headers"):
        parse_http_response(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n")


def test_digests_in_base32_and_hex_are_checked():
    import base64

    digest = hashlib.sha1(PAGE).digest()
    assert digest_mismatch("sha1:" + base64.b32encode(digest).decode(), PAGE) is None
    assert digest_mismatch("sha1:" + digest.hex(), PAGE) is None
    assert digest_mismatch("sha1:" + base64.b32encode(digest).decode(), PAGE + b" ") == "sha1 digest mismatch"
    assert digest_mismatch("sha256:" + hashlib.sha256(PAGE).hexdigest(), PAGE) is None
    assert digest_mismatch("crc32:12345", PAGE) is None  # an algorithm it cannot check proves nothing


def test_what_is_not_warc(tmp_path):
    (tmp_path / "a.jsonl").write_text('{"url": "x"}\n')
    (tmp_path / "b.gz").write_bytes(gzip.compress(b"not a warc"))
    (tmp_path / "c.gz").write_bytes(b"\x1f\x8b garbage")
    assert not any(looks_like_warc(tmp_path / name) for name in ("a.jsonl", "b.gz", "c.gz"))
