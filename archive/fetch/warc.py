"""Pages fetched by others: WARC files (ISO 28500) read record by record, with no network.

A `.warc.gz` is read one gzip member at a time (crawlers compress each record on its own so
tools can seek), through zlib here rather than warcio's reader, which on a damaged member
prints to stderr and carries on with what it decoded. A broken member costs only its own
records: it is reported with its offset, and reading goes on at the next member that starts a
WARC record; a cut download is reported where it ends. A plain `.warc` resynchronises on the
next `WARC/1.x` line. A record is handed out only once the stream has moved past it intact
(for a `.warc.gz`, once its member's CRC-32 checked out), and nothing is read whole: a
record's block is read only if the caller wants it, and at most `max_block_bytes` of it.

What is kept of an HTTP response (`decode_payload`) is what a browser would have rendered:
the payload without its transfer coding (chunked) and its content codings (gzip, deflate, br,
zstd). The headers stay as recorded except those that no longer describe the kept bytes
(Transfer-Encoding, Content-Encoding, a Content-Length that differs), which are kept under
`X-Archive-Orig-<name>`, pywb's name for an original header, so nothing recorded is lost.
Crawlers that store payloads decoded already (Common Crawl renames the headers to
`X-Crawler-*`) come through as recorded; a payload labelled gzip that starts like markup was
decoded by its crawler and is kept as it is.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import io
import logging
import os
import re
import uuid
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

GZIP_MAGIC = b"\x1f\x8b"
_MEMBER_START = b"\x1f\x8b\x08"  # gzip magic and the deflate method: what a member starts with
_READ_CHUNK = 64 * 1024
_SCAN_CHUNK = 1024 * 1024
_PROBE_BYTES = 16 * 1024  # decompressed bytes a candidate member must yield to show a WARC header
MAX_HEADER_BYTES = 64 * 1024  # an HTTP header section longer than this is damage, not headers
_WARC_LINE = re.compile(rb"WARC/1\.[01]\r?\n")
_MARKUP_START = re.compile(rb"^(?:\xef\xbb\xbf)?\s*<")
ORIGINAL_PREFIX = "X-Archive-Orig-"
_SILENT = logging.NullHandler()


class WarcDamage(Exception):
    """A record or a part of a file that cannot be read; the message is one line."""


@dataclass
class WarcProblem:
    """Damage found while reading a file: where it starts and what was skipped."""

    offset: int
    message: str


@dataclass
class WarcRecord:
    """One record's WARC headers, and its block when the caller asked for it.

    `offset` is where the record starts in the file: the start of its gzip member in a
    `.warc.gz`, as CDX indexes count it. `block` is the record's content as stored (for a
    response: HTTP status line, headers and payload), None when not asked for; `too_large` says
    the block was longer than the reader's limit and was not kept.
    """

    kind: str
    record_id: str
    target_uri: str | None
    date: str | None
    offset: int
    truncated: str | None
    segment: str | None
    block_digest: str | None
    payload_digest: str | None
    declared_length: int | None
    block: bytes | None = None
    too_large: bool = False


@dataclass
class HttpResponse:
    """An HTTP response as a WARC response record holds it: status, headers in order, payload."""

    status: int
    headers: list[tuple[str, str]]
    payload: bytes


# ------------------------------------------------------------------ what a file is


def looks_like_warc(path: Path) -> bool:
    """True if `path` starts with a WARC record, plain or gzip-compressed."""
    with open(path, "rb") as handle:
        head = handle.read(_READ_CHUNK)
    if head.startswith(GZIP_MAGIC):
        decompressor = zlib.decompressobj(31)
        try:
            head = decompressor.decompress(head, 16)
        except zlib.error:
            return False
    return head.startswith(b"WARC/")


# ------------------------------------------------------------------ reading records


class _Member(io.RawIOBase):
    """The decompressed bytes of the one gzip member that starts at `start` in `file`.

    Raises WarcDamage when the member is damaged or the file ends inside it; after the last
    byte has been read, `end` is where the next member starts.
    """

    def __init__(self, file, start: int) -> None:
        super().__init__()
        self.file = file
        self.position = start  # the next compressed byte to read
        file.seek(start)
        self.decompressor = zlib.decompressobj(31)
        self.input = b""
        self.end: int | None = None

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while self.end is None:
            if not self.input:
                self.input = self.file.read(_READ_CHUNK)
                self.position += len(self.input)
                if not self.input:
                    raise WarcDamage("the file ends inside this gzip member (a cut download?)")
            try:
                data = self.decompressor.decompress(self.input, len(buffer))
            except zlib.error as exc:
                raise WarcDamage(f"damaged gzip data ({exc})") from None
            self.input = self.decompressor.unconsumed_tail
            if self.decompressor.eof:
                self.end = self.position - len(self.decompressor.unused_data)
            if data:
                buffer[: len(data)] = data
                return len(data)
        return 0

    def drain(self) -> int:
        """Read to the member's end (checking its CRC-32); where the next member starts."""
        sink = bytearray(_READ_CHUNK)
        while self.readinto(sink):
            pass
        return self.end


def _warc_iterator(stream, offset: int):
    from warcio.archiveiterator import WARCIterator

    # warcio logs a warning for each target URI with a space (which it percent-encodes): not
    # damage, and without a handler Python would print it to the user's terminal.
    logging.getLogger("warcio").addHandler(_SILENT)
    logging.getLogger("warcio").propagate = False

    # no_record_parse: HTTP headers are parsed here, bounded, and only for the records wanted.
    iterator = WARCIterator(stream, no_record_parse=True)
    iterator.offset = offset
    return iterator


def _header_int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _record(raw, offset: int, wants: Callable[[WarcRecord], bool], max_block_bytes: int) -> WarcRecord:
    """A WarcRecord of warcio's record `raw`, its block read (at most max_block_bytes) if wanted."""
    headers = raw.rec_headers
    record = WarcRecord(
        kind=(raw.rec_type or "").lower(),
        record_id=(headers.get_header("WARC-Record-ID") or "").strip(),
        target_uri=(headers.get_header("WARC-Target-URI") or "").strip() or None,
        date=headers.get_header("WARC-Date"),
        offset=offset,
        truncated=headers.get_header("WARC-Truncated"),
        segment=headers.get_header("WARC-Segment-Number"),
        block_digest=headers.get_header("WARC-Block-Digest"),
        payload_digest=headers.get_header("WARC-Payload-Digest"),
        declared_length=_header_int(headers.get_header("Content-Length")),
    )
    if record.declared_length is None:
        # Content-Length is mandatory: without it the record's end, and the next record's
        # start, are unknown (warcio would read the rest of the file as this record).
        raise WarcDamage(f"record {record.target_uri or '?'} has no valid Content-Length")
    stream = raw.raw_stream
    held = 0
    if wants(record):
        block = stream.read(max_block_bytes + 1)
        held = len(block)
        if held > max_block_bytes:
            record.too_large = True
        else:
            record.block = block
    # Read to the end even when nothing is kept, so a record cut short is always noticed.
    while chunk := stream.read(_READ_CHUNK):
        held += len(chunk)
    if held < record.declared_length:
        raise WarcDamage(f"record {record.target_uri or '?'} holds {held:,} of its {record.declared_length:,} bytes "
                         "(a cut file?)")
    if not record.record_id:
        # WARC-Record-ID is mandatory; a stand-in from what identifies the capture keeps a
        # resumed run able to tell this record from the others.
        seed = f"{record.target_uri}|{record.date}|{record.block_digest}|{offset}"
        record.record_id = f"<urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, seed)}>"
    return record


# What warcio raises on a record it cannot parse (also EOFError from a stream cut inside headers).
def _parse_errors() -> tuple[type[BaseException], ...]:
    from warcio.exceptions import ArchiveLoadFailed
    from warcio.statusandheaders import StatusAndHeadersParserException

    return (ArchiveLoadFailed, StatusAndHeadersParserException, EOFError, ValueError, LookupError, IndexError)


@contextlib.contextmanager
def _warnings_to(sink: list[str]):
    """warcio prints its warnings (a Content-Length that does not end at a record boundary) to
    stderr; they are collected here and reported as damage, in one line, with the offset."""
    captured = io.StringIO()
    with contextlib.redirect_stderr(captured):
        yield
    text = " ".join(captured.getvalue().split())
    if text:
        sink.append(text)


def read_warc(
    path: Path,
    wants: Callable[[WarcRecord], bool],
    *,
    max_block_bytes: int,
    on_problem: Callable[[WarcProblem], None],
) -> Iterator[WarcRecord]:
    """Every readable record of the WARC file `path`, in file order.

    `wants(record)` says, from its WARC headers, whether a record's block is read. Damage is
    passed to `on_problem` (never raised), and reading goes on after it where it can.
    """
    with open(path, "rb") as file:
        size = os.fstat(file.fileno()).st_size
        head = file.read(len(_MEMBER_START))
        # A damaged first member still leaves a .warc.gz to be read member by member.
        gzipped = head.startswith(GZIP_MAGIC) or Path(path).name.lower().endswith(".gz") or (
            not head.startswith(b"WARC/") and _next_member(file, 0, size) is not None)
        reader = _gzip_records if gzipped else _plain_records
        yield from reader(file, size, wants, max_block_bytes, on_problem)


def _gzip_records(file, size, wants, max_block_bytes, on_problem) -> Iterator[WarcRecord]:
    errors = _parse_errors()
    offset = 0
    while offset < size:
        file.seek(offset)
        start = file.read(len(_MEMBER_START))
        if not start.strip(b"\x00 \r\n\t"):
            file.seek(offset)
            if not file.read(_SCAN_CHUNK).strip(b"\x00 \r\n\t"):
                return  # padding at the end of the file
        pending: WarcRecord | None = None
        try:
            if start != _MEMBER_START:
                raise WarcDamage("not a gzip member")
            member = _Member(file, offset)
            warnings: list[str] = []
            iterator = _warc_iterator(io.BufferedReader(member, _READ_CHUNK), 0)
            while True:
                with _warnings_to(warnings):
                    raw = next(iterator, None)
                if warnings:
                    raise WarcDamage(warnings[0])
                if pending is not None:
                    yield pending
                    pending = None
                if raw is None:
                    break
                with _warnings_to(warnings):
                    pending = _record(raw, offset, wants, max_block_bytes)
            offset = member.drain()
        except (WarcDamage, *errors) as exc:
            what = f" (record {_name(pending)})" if pending is not None else ""
            offset = _skip_damage(file, offset, size, f"{_message(exc)}{what}", _next_member, on_problem)
            continue
        if pending is not None:
            yield pending


def _plain_records(file, size, wants, max_block_bytes, on_problem) -> Iterator[WarcRecord]:
    errors = _parse_errors()
    offset = 0
    while offset < size:
        file.seek(offset)
        iterator = _warc_iterator(file, offset)
        pending: WarcRecord | None = None
        warnings: list[str] = []
        while True:
            try:
                with _warnings_to(warnings):
                    raw = next(iterator, None)
            except errors as exc:
                # The record after `pending` does not parse; `pending` itself ended where its
                # Content-Length said (else warcio would have warned), so it is intact.
                if pending is not None:
                    yield pending
                    pending = None
                offset = _skip_damage(file, _after_blank_lines(file, offset), size, _message(exc), _next_warc_line,
                                      on_problem)
                break
            if pending is not None:
                yield pending
                pending = None
            if raw is None:
                return
            record_offset = offset
            try:
                with _warnings_to(warnings):
                    pending = _record(raw, record_offset, wants, max_block_bytes)
                    iterator.get_record_offset()  # reads to the record's end and the blank lines after it
                    offset = iterator.offset  # where the next record starts
            except (WarcDamage, *errors) as exc:
                offset = _skip_damage(file, record_offset, size, _message(exc), _next_warc_line, on_problem)
                break
            if warnings:  # its Content-Length does not end at a record boundary: it is damaged
                offset = _skip_damage(file, record_offset, size, f"{warnings[0]} (record {_name(pending)})",
                                      _next_warc_line, on_problem)
                break


def _after_blank_lines(file, offset: int) -> int:
    """Where the record after `offset` starts: past the blank lines that end a record."""
    file.seek(offset)
    head = file.read(64)
    return offset + len(head) - len(head.lstrip(b"\r\n"))


def _name(record: WarcRecord) -> str:
    return record.target_uri or record.record_id


def _message(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    if isinstance(exc, WarcDamage):
        return text
    return f"not a readable WARC record ({text[:160]})"


def _skip_damage(file, offset: int, size: int, message: str, find_next, on_problem) -> int:
    """Report the damage at `offset` and return where reading goes on (`size`: nowhere)."""
    resume = find_next(file, offset + 1, size)
    if resume is None:
        on_problem(WarcProblem(offset, f"{message}; no readable record after it: the last {size - offset:,} bytes are skipped"))
        return size
    on_problem(WarcProblem(offset, f"{message}; skipped {resume - offset:,} bytes to the next record at offset {resume:,}"))
    return resume


def _candidates(file, start: int, size: int, pattern: bytes) -> Iterator[int]:
    """Offsets from `start` on where `pattern` occurs, scanning the file in chunks."""
    position = start
    overlap = len(pattern) - 1
    while position < size:
        file.seek(position)
        chunk = file.read(_SCAN_CHUNK + overlap)
        if not chunk:
            return
        found = chunk.find(pattern)
        while found != -1 and found < _SCAN_CHUNK:
            yield position + found
            found = chunk.find(pattern, found + 1)
        position += _SCAN_CHUNK


def _next_member(file, start: int, size: int) -> int | None:
    """The first gzip member at or after `start` whose data begins with a WARC header."""
    for candidate in _candidates(file, start, size, _MEMBER_START):
        file.seek(candidate)
        decompressor = zlib.decompressobj(31)
        try:
            head = decompressor.decompress(file.read(_PROBE_BYTES), 16)
        except zlib.error:
            continue
        if head.startswith(b"WARC/1."):
            return candidate
    return None


def _next_warc_line(file, start: int, size: int) -> int | None:
    """The first `WARC/1.0` or `WARC/1.1` version line at or after `start` (not only at a line
    start: the damage may have taken the blank lines before it)."""
    for candidate in _candidates(file, start, size, b"WARC/1."):
        file.seek(candidate)
        if _WARC_LINE.match(file.read(16)):
            return candidate
    return None


# ------------------------------------------------------------------ digests


def digest_mismatch(value: str | None, data: bytes) -> str | None:
    """Why `data` does not match a WARC digest `value` ("sha1:BASE32"), or None if it does
    or the algorithm is unknown (a digest that cannot be checked is no evidence of damage)."""
    if not value or ":" not in value:
        return None
    algorithm, _, expected = value.strip().partition(":")
    name = algorithm.lower().replace("-", "")
    if name not in ("sha1", "sha256", "sha512", "md5"):
        return None
    digest = hashlib.new(name, data).digest()
    expected = expected.strip()
    try:
        if len(expected) == 2 * len(digest):
            matches = binascii.unhexlify(expected) == digest
        else:
            matches = base64.b32decode(expected.upper() + "=" * (-len(expected) % 8)) == digest
    except (binascii.Error, ValueError):
        return f"unreadable digest {value[:60]!r}"
    return None if matches else f"{algorithm} digest mismatch"


# ------------------------------------------------------------------ HTTP


def parse_http_response(block: bytes) -> HttpResponse:
    """The status, headers and payload of a response record's block; WarcDamage if it is not
    an HTTP response. Header bytes are read as latin-1, as HTTP defines them."""
    end = block.find(b"\r\n\r\n", 0, MAX_HEADER_BYTES)
    separator = 4
    if end == -1:
        end, separator = block.find(b"\n\n", 0, MAX_HEADER_BYTES), 2
    if end == -1:
        raise WarcDamage("no end of the HTTP headers in the response record")
    lines = block[:end].decode("latin-1").replace("\r\n", "\n").split("\n")
    status_line = lines[0].split(None, 2)
    if len(status_line) < 2 or not status_line[0].upper().startswith("HTTP/") or not status_line[1].isdigit():
        raise WarcDamage(f"not an HTTP status line: {lines[0][:80]!r}")
    headers: list[tuple[str, str]] = []
    for line in lines[1:]:
        if line[:1] in (" ", "\t") and headers:  # an obsolete folded continuation line
            name, value = headers[-1]
            headers[-1] = (name, f"{value} {line.strip()}")
            continue
        name, colon, value = line.partition(":")
        if colon and name.strip():
            headers.append((name.strip(), value.strip()))
    return HttpResponse(int(status_line[1]), headers, block[end + separator :])


def header(headers: list[tuple[str, str]], name: str) -> str | None:
    """The value of header `name` (repeated ones joined by commas), or None."""
    values = [v for k, v in headers if k.lower() == name.lower()]
    return ", ".join(values) if values else None


def _codings(value: str | None) -> list[str]:
    return [c.strip().lower() for c in (value or "").split(",") if c.strip()]


def _dechunk(data: bytes) -> bytes | None:
    """The body of chunked `data`, or None if it is not chunked (already decoded by its crawler)."""
    out, position = [], 0
    while True:
        line_end = data.find(b"\n", position)
        if line_end == -1:
            return None
        size_text = data[position:line_end].split(b";", 1)[0].strip()
        try:
            size = int(size_text, 16)
        except ValueError:
            return None
        position = line_end + 1
        if size == 0:
            return b"".join(out)
        if position + size > len(data):
            return None
        out.append(data[position : position + size])
        position += size
        if data[position : position + 2] == b"\r\n":
            position += 2
        elif data[position : position + 1] == b"\n":
            position += 1
        else:
            return None


class _TooLarge(Exception):
    pass


def _inflate(data: bytes, coding: str, max_bytes: int) -> bytes:
    """`data` decoded from one content coding, at most max_bytes of it."""
    if coding in ("gzip", "x-gzip"):
        out, rest = [], data
        while rest:  # a gzip body may hold several members
            decompressor = zlib.decompressobj(31)
            out.append(decompressor.decompress(rest, max_bytes + 1))
            if decompressor.unconsumed_tail or sum(map(len, out)) > max_bytes:
                raise _TooLarge
            if not decompressor.eof:
                raise zlib.error("the gzip data ends early")
            rest = decompressor.unused_data.lstrip(b"\x00")
        return b"".join(out)
    if coding == "deflate":  # zlib-wrapped as the RFC says, or raw deflate as some servers send
        for wbits in (15, -15):
            decompressor = zlib.decompressobj(wbits)
            try:
                out = decompressor.decompress(data, max_bytes + 1)
            except zlib.error:
                continue
            if decompressor.unconsumed_tail or len(out) > max_bytes:
                raise _TooLarge
            return out
        raise zlib.error("not deflate data")
    if coding == "br":
        import brotli

        decompressor = brotli.Decompressor()
        out = decompressor.process(data)  # no output bound in this API: the input is bounded
        if len(out) > max_bytes:
            raise _TooLarge
        return out
    if coding == "zstd":
        import zstandard

        out = zstandard.ZstdDecompressor().decompressobj().decompress(data)
        if len(out) > max_bytes:
            raise _TooLarge
        return out
    raise ValueError(f"unknown Content-Encoding {coding!r}")


def decode_payload(response: HttpResponse, max_bytes: int) -> tuple[bytes, dict[str, str]]:
    """The payload as a browser would decode it, and headers that describe those bytes.

    Raises WarcDamage when the payload cannot be decoded (damaged compressed data, an unknown
    coding) or is longer than max_bytes once decoded.
    """
    body = response.payload
    undone: set[str] = set()
    if "chunked" in _codings(header(response.headers, "Transfer-Encoding")):
        dechunked = _dechunk(body)
        if dechunked is not None:
            body = dechunked
        undone.add("transfer-encoding")  # chunked or not, the kept bytes carry no transfer coding
    codings = [c for c in _codings(header(response.headers, "Content-Encoding")) if c != "identity"]
    for coding in reversed(codings):
        if _MARKUP_START.match(body[:256]):
            break  # decoded already by the crawler that wrote the record, though labelled
        try:
            body = _inflate(body, coding, max_bytes)
        except _TooLarge:
            raise WarcDamage(f"payload larger than {max_bytes:,} bytes once decoded") from None
        except ValueError as exc:
            raise WarcDamage(str(exc)) from None
        except Exception as exc:  # zlib.error, brotli.error, zstandard.ZstdError: damaged data
            raise WarcDamage(f"cannot decode the {coding} payload ({type(exc).__name__}: {str(exc)[:80]})") from None
    if codings:
        undone.add("content-encoding")
    if len(body) > max_bytes:
        raise WarcDamage(f"payload larger than {max_bytes:,} bytes")
    length = header(response.headers, "Content-Length")
    if length is not None and length.strip() != str(len(body)):
        undone.add("content-length")
    kept: dict[str, str] = {}
    for name, value in response.headers:
        key = f"{ORIGINAL_PREFIX}{name}" if name.lower() in undone else name
        kept[key] = f"{kept[key]}, {value}" if key in kept else value
    return body, kept


def payload_cut(response: HttpResponse) -> bool:
    """True if an identity payload is shorter than its recorded Content-Length."""
    if "chunked" in _codings(header(response.headers, "Transfer-Encoding")):
        return False
    length = _header_int(header(response.headers, "Content-Length"))
    return length is not None and len(response.payload) < length
