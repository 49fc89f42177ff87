"""`--format warc`: the archive's captures as a WARC file (ISO 28500, WARC/1.0) and its CDXJ index.

The file starts with a `warcinfo` record (the tool, its version, the crawl settings). Each raw
page becomes a `response` record holding its stored status, headers and exact body bytes,
followed by a `request` record (the two name each other in WARC-Concurrent-To); a later
capture of a body kept already becomes a `revisit` record (profile identical-payload-digest,
referring to the response by WARC-Refers-To, -Target-URI and -Date), as Heritrix writes them.
Digests are SHA-1 in base 32, computed by warcio. Each record is a gzip member of its own, so
tools can seek to it; the offsets and lengths written go into the CDXJ index.

The archive keeps the status code, the response headers and the body of a fetch, not the HTTP
version, the reason phrase or the request. What is made up is said in the record's own
`WARC-Archive-Reconstructed` header (RECONSTRUCTED below; docs/export-schema.md, "WARC").
Record ids are derived from what identifies the capture, so exporting the same archive again
gives the same ids, and a revisit can name a response written to an earlier file.
"""

from __future__ import annotations

import hashlib
import io
import json
import uuid
from dataclasses import dataclass
from http import HTTPStatus
from typing import BinaryIO, Callable, Iterable
from urllib.parse import urlsplit

from archive.dates import parse_datetime
from archive.export.captures import Capture

RECONSTRUCTED = "WARC-Archive-Reconstructed"
ORIGINAL_PREFIX = "X-Archive-Orig-"  # pywb's name for a recorded header that no longer applies
WARC_VERSION = "1.0"
_IDS = uuid.UUID("5f0c7d52-31a4-4c2e-9a53-8d0b1c6f2e10")  # the namespace of derived record ids


@dataclass(frozen=True)
class IndexEntry:
    """One CDXJ line's fields, gathered while the record is written."""

    url: str
    timestamp: str  # 14 digits
    mime: str
    status: str
    digest: str  # SHA-1 base 32, without "sha1:"
    length: int
    offset: int

    def line(self, filename: str) -> str:
        fields = {"url": self.url, "mime": self.mime, "status": self.status, "digest": self.digest,
                  "length": str(self.length), "offset": str(self.offset), "filename": filename}
        return f"{surt(self.url)} {self.timestamp} {json.dumps(fields)}"


def surt(url: str) -> str:
    """The SURT form pywb and cdxj-indexer sort by: scheme and `www.` dropped, host reversed
    with commas, a port other than the scheme's kept, query parameters sorted, all lowercase."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower().strip(".")
    if host.startswith("www.") and host.count(".") > 1:
        host = host[4:]
    key = host if _is_ip(host) else ",".join(reversed(host.split(".")))
    port = parts.port
    if port is not None and port != {"http": 80, "https": 443}.get(parts.scheme):
        key += f":{port}"
    key += ")" + (parts.path or "/")
    if parts.query:
        key += "?" + "&".join(sorted(parts.query.split("&")))
    return key.lower()


def _is_ip(host: str) -> bool:
    return host.replace(".", "").isdigit() or ":" in host


def warc_date(moment: str) -> str:
    """An archive time (ISO 8601 with offset) as a WARC-Date: UTC, to the second, with Z."""
    parsed = parse_datetime(moment)
    if parsed is None:
        raise ValueError(f"not a time: {moment!r}")
    from datetime import timezone

    return parsed.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _timestamp(warc_date_value: str) -> str:
    return "".join(ch for ch in warc_date_value if ch.isdigit())[:14]


def _record_id(capture: Capture, kind: str) -> str:
    seed = f"{capture.sha256}|{capture.url}|{capture.fetched_at}|{kind}"
    return f"<urn:uuid:{uuid.uuid5(_IDS, seed)}>"


def refers_id(capture: Capture) -> str:
    """The record id of the response a revisit refers to (the raw page's own capture)."""
    own = Capture(capture.raw_id, capture.refers_url, capture.refers_at, capture.source, capture.status,
                  capture.headers, capture.sha256)
    return _record_id(own, "response")


def http_response(status: int, headers: dict, body: bytes) -> tuple[str, list[tuple[str, str]], list[str]]:
    """The status line, headers and what was reconstructed, for a stored page with `body`.

    Stored headers are kept in their order; those that describe bytes other than the stored
    body (Transfer-Encoding: the body is kept de-chunked; a Content-Length of other bytes) are
    kept under X-Archive-Orig-<name>, and Content-Length is set to the body's length.
    Content-Encoding stays: a coding the crawler undid is no longer in the stored headers.
    """
    try:
        reason = HTTPStatus(status).phrase
    except ValueError:
        reason = "Unknown"
    reconstructed = ["status-line"]  # the archive keeps the code, not the version or the phrase
    kept: list[tuple[str, str]] = []
    if not headers:
        reconstructed.append("headers")
    length_ok = False
    for name, value in headers.items():
        lower, value = name.lower(), str(value)
        if lower == "transfer-encoding":
            kept.append((ORIGINAL_PREFIX + name, value))
            reconstructed.append("transfer-encoding")
        elif lower == "content-length":
            if value.strip() == str(len(body)) and not length_ok:
                kept.append((name, value))
                length_ok = True
            else:
                kept.append((ORIGINAL_PREFIX + name, value))
        else:
            kept.append((name.replace("\r", "").replace("\n", ""), value.replace("\r", " ").replace("\n", " ")))
    if not length_ok:
        kept.append(("Content-Length", str(len(body))))
        reconstructed.append("content-length")
    return f"{status} {reason}", kept, reconstructed


class _Counting:
    """A forward-only sink that counts the bytes written: the records' offsets, also on a stream."""

    def __init__(self, sink: BinaryIO) -> None:
        self.sink = sink
        self.written = 0

    def write(self, data: bytes) -> int:
        self.sink.write(data)
        self.written += len(data)
        return len(data)

    def flush(self) -> None:
        self.sink.flush()


def _payload_digest(body: bytes) -> str:
    import base64

    return "sha1:" + base64.b32encode(hashlib.sha1(body).digest()).decode("ascii")


def _mime(headers: list[tuple[str, str]]) -> str:
    for name, value in headers:
        if name.lower() == "content-type":
            return value.split(";")[0].strip().lower() or "unk"
    return "unk"


def warcinfo(config) -> dict[str, str]:
    """The warcinfo record's fields: the tool and the crawl settings of `config` (a Config).

    They are the settings now: the archive does not record which were in force at each fetch.
    """
    from importlib.metadata import version

    from archive import __version__
    from archive.config import politeness

    crawl = config.crawl
    info = {
        "software": f"mfa-archive/{__version__} (warcio/{version('warcio')})",
        "format": f"WARC File Format {WARC_VERSION}",
        "conformsTo": "http://bibnum.bnf.fr/WARC/WARC_ISO_28500_version1_latestdraft.pdf",
        "description": "Pages fetched by mfa-archive (Russian foreign-ministry news), exported from its archive; "
                       "the settings below are those of the sources file at export time",
        "http-header-user-agent": crawl.user_agent,
        "robots": "obey (RFC 9309)",
        "mfa-archive-sources-file": str(config.path) if config.path else "",
        "mfa-archive-politeness": (f"download_delay={crawl.download_delay:g}s (each delay 0.5x to 1.5x), "
                                   f"concurrent_per_domain={crawl.concurrent_per_domain}, AutoThrottle never "
                                   f"below a site's delay, Retry-After obeyed"),
    }
    for name, source in config.sources.items():
        delay, concurrency = politeness(source, crawl)
        info[f"mfa-archive-source-{name}"] = (f"{source.base_url} download_delay={delay:g}s "
                                              f"concurrent_per_domain={concurrency}")
    return info


def write_warc(
    sink: BinaryIO,
    captures: Iterable[Capture],
    load_body: Callable[[int], bytes],
    *,
    filename: str,
    info: dict[str, str],
    user_agent: str,
    tick: Callable[[int], None] = lambda n: None,
) -> list[IndexEntry]:
    """Write the warcinfo record, then each capture's records, to `sink`; the index entries of
    the response and revisit records, in file order."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    out = _Counting(sink)
    writer = WARCWriter(out, gzip=True, warc_version=WARC_VERSION)
    writer.write_record(writer.create_warcinfo_record(filename, info))
    entries: list[IndexEntry] = []
    for capture in captures:
        body = load_body(capture.raw_id)
        status_line, headers, reconstructed = http_response(capture.status, capture.headers, body)
        date = warc_date(capture.fetched_at)
        http = StatusAndHeaders(status_line, headers, protocol="HTTP/1.1")
        start = out.written
        if capture.revisit:
            if "headers" not in reconstructed:
                reconstructed.append("headers")  # the headers of the capture it refers to
            digest = _payload_digest(body)
            record = writer.create_revisit_record(
                capture.url, digest, capture.refers_url, warc_date(capture.refers_at), http_headers=http,
                warc_headers_dict={"WARC-Record-ID": _record_id(capture, "revisit"), "WARC-Date": date,
                                   "WARC-Refers-To": refers_id(capture), RECONSTRUCTED: ", ".join(reconstructed)},
            )
            writer.write_record(record)
            entries.append(IndexEntry(capture.url, _timestamp(date), "warc/revisit", str(capture.status),
                                      digest.split(":", 1)[1], out.written - start, start))
            tick(1)
            continue
        response_id, request_id = _record_id(capture, "response"), _record_id(capture, "request")
        record = writer.create_warc_record(
            capture.url, "response", payload=io.BytesIO(body), length=len(body), http_headers=http,
            warc_headers_dict={"WARC-Record-ID": response_id, "WARC-Date": date, "WARC-Concurrent-To": request_id,
                               RECONSTRUCTED: ", ".join(reconstructed)},
        )
        writer.write_record(record)
        digest = record.rec_headers.get_header("WARC-Payload-Digest")
        entries.append(IndexEntry(capture.url, _timestamp(date), _mime(headers), str(capture.status),
                                  digest.split(":", 1)[1], out.written - start, start))
        writer.write_record(_request(writer, capture, user_agent, request_id, response_id, date))
        tick(1)
    return entries


def _request(writer, capture: Capture, user_agent: str, request_id: str, response_id: str, date: str):
    """The request the fetch made, as far as it can be told: the archive keeps none of it."""
    from warcio.statusandheaders import StatusAndHeaders

    parts = urlsplit(capture.url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    headers = [("Host", parts.netloc), ("User-Agent", user_agent), ("Accept", "*/*")]
    http = StatusAndHeaders(f"GET {path} HTTP/1.1", headers, is_http_request=True)
    return writer.create_warc_record(
        capture.url, "request", payload=io.BytesIO(b""), length=0, http_headers=http,
        warc_headers_dict={"WARC-Record-ID": request_id, "WARC-Date": date, "WARC-Concurrent-To": response_id,
                           RECONSTRUCTED: "request"},
    )


def cdxj(entries: Iterable[IndexEntry], filename: str) -> bytes:
    """The CDXJ index of the records written: one line each, sorted as pywb expects."""
    return "".join(line + "\n" for line in sorted(entry.line(filename) for entry in entries)).encode("utf-8")
