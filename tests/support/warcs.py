"""WARC files in the style of Common Crawl's CC-NEWS, written at run time from the mirror's pages.

CC-NEWS files hold, in capture order, a `warcinfo` record and then `request` and `response`
records of every news site the crawler follows, each record its own gzip member. Most of
their payloads are stored decoded, with the original codings renamed `X-Crawler-*`; other
crawlers (wget, warcprox, Heritrix) keep the bytes as sent, chunked and compressed.

`cc_news_style` writes one small file with every case the backfill must handle (other hosts,
revisits, statuses, redirects, codings, charsets, truncation, a damaged record and a broken
gzip member) and returns what each case must come to; `article_pages` renders the mirror's
pages (curated and generated) at the real sites' URLs for it and for bench/backfill.py.
"""

from __future__ import annotations

import brotli
import gzip
import hashlib
import io
import uuid
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from archive.demo import content
from archive.demo.model import MirrorArticle
from archive.demo.snapshot import build_site
from tests.support.generated import generated_entries

SITE_ORIGINS = {"tass": "https://tass.ru", "newsru": "https://news.ru"}
CRAWLER = "StormCrawler 2.10 https://stormcrawler.net/ (for mfa-archive tests)"


@dataclass
class MirrorPage:
    """One page of the mirror at its real URL: its gold record, the bytes served and their type."""

    article: MirrorArticle
    body: bytes
    content_type: str

    @property
    def url(self) -> str:
        return self.article.url

    @property
    def captured(self) -> datetime:
        """A capture time ten minutes after publication, as a news crawler would make it."""
        published = datetime.fromisoformat(self.article.published.replace(" ", "T"))
        if published.tzinfo is None:
            published = published.replace(tzinfo=timezone(timedelta(hours=3)))
        return published.astimezone(timezone.utc) + timedelta(minutes=10)


def article_pages(*, generated: int = 0, curated: bool = True) -> list[MirrorPage]:
    """The mirror's pages (curated day-1 content with gold, and `generated` synthetic articles)
    as served at https://tass.ru and https://news.ru, in capture order."""
    pages = []
    entries = generated_entries(generated)
    for site, origin in SITE_ORIGINS.items():
        curated_entries = [e for e in content.entries_for("day1") if e.site == site]
        snapshot = build_site(site, origin, curated_entries, [e for e in entries if e.site == site])
        for path, article in snapshot.articles.items():
            if curated or path in snapshot.generated_paths:
                resource = snapshot.resources[path]
                pages.append(MirrorPage(article, resource.body, resource.content_type))
    return sorted(pages, key=lambda p: (p.captured, p.url))


def warc_date(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _record_id(seed: str) -> str:
    return f"<urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, seed)}>"


class WarcBuilder:
    """Records in order, each kept uncompressed until the file is written."""

    def __init__(self) -> None:
        self.records: list[bytes] = []
        self.labels: list[str] = []

    def _add(self, label: str, uri: str | None, kind: str, payload: bytes, *, when: datetime,
             http: StatusAndHeaders | None = None, extra: dict | None = None, content_type: str = "") -> int:
        buffer = io.BytesIO()
        writer = WARCWriter(buffer, gzip=False, warc_version="WARC/1.0")
        headers = {"WARC-Date": warc_date(when), "WARC-Record-ID": _record_id(f"{label}|{uri}|{when}"),
                   **(extra or {})}
        record = writer.create_warc_record(uri or "", kind, payload=io.BytesIO(payload), http_headers=http,
                                           warc_headers_dict=headers, warc_content_type=content_type)
        writer.write_record(record)
        self.records.append(buffer.getvalue())
        self.labels.append(label)
        return len(self.records) - 1

    def warcinfo(self, when: datetime) -> int:
        info = (f"software: {CRAWLER}\r\nformat: WARC File Format 1.0\r\n"
                "description: News crawl for Common Crawl (test file)\r\n").encode()
        return self._add("warcinfo", None, "warcinfo", info, when=when, content_type="application/warc-fields")

    def request(self, url: str, when: datetime, label: str = "request") -> int:
        host = url.split("/")[2]
        http = StatusAndHeaders(f"GET /{url.split('/', 3)[-1] if url.count('/') > 2 else ''} HTTP/1.1",
                                [("Host", host), ("User-Agent", "CCBot/2.0"), ("Accept-Encoding", "gzip, br")],
                                is_http_request=True)
        return self._add(label, url, "request", b"", when=when, http=http)

    def response(self, url: str, payload: bytes, when: datetime, *, status: str = "200 OK",
                 headers: list[tuple[str, str]] | None = None, extra: dict | None = None,
                 label: str = "response") -> int:
        """A response record whose HTTP payload is `payload` exactly as given (chunked,
        compressed or not: the headers say which)."""
        http = StatusAndHeaders(status, headers if headers is not None else
                                [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(payload)))],
                                protocol="HTTP/1.1")
        return self._add(label, url, "response", payload, when=when, http=http, extra=extra)

    def revisit(self, url: str, payload_of: bytes, refers_to: str, when: datetime, label: str = "revisit") -> int:
        digest = "sha1:" + _base32(hashlib.sha1(payload_of).digest())
        buffer = io.BytesIO()
        writer = WARCWriter(buffer, gzip=False, warc_version="WARC/1.0")
        http = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
        record = writer.create_revisit_record(url, digest, url, refers_to, http_headers=http,
                                              warc_headers_dict={"WARC-Date": warc_date(when),
                                                                 "WARC-Record-ID": _record_id(f"{label}|{url}")})
        writer.write_record(record)
        self.records.append(buffer.getvalue())
        self.labels.append(label)
        return len(self.records) - 1

    def members(self) -> list[bytes]:
        """Each record as its own gzip member (mtime 0, so a file is the same on every run)."""
        return [gzip.compress(record, mtime=0) for record in self.records]

    def write(self, path: Path, *, compress: bool = True, damage: dict[int, callable] | None = None) -> list[int]:
        """Write the file; `damage` maps a record's index to a function that spoils its bytes
        (its gzip member's, when compressed). Returns each record's offset."""
        parts = self.members() if compress else [record for record in self.records]
        offsets, position = [], 0
        with open(path, "wb") as handle:
            for index, part in enumerate(parts):
                if damage and index in damage:
                    part = damage[index](part)
                offsets.append(position)
                handle.write(part)
                position += len(part)
        return offsets


def _base32(digest: bytes) -> str:
    import base64

    return base64.b32encode(digest).decode()


def chunked(data: bytes, size: int = 1000) -> bytes:
    """`data` in HTTP/1.1 chunked transfer coding."""
    parts = [b"%x\r\n%s\r\n" % (len(data[i : i + size]), data[i : i + size]) for i in range(0, len(data), size)]
    return b"".join(parts) + b"0\r\n\r\n"


def break_deflate_data(member: bytes) -> bytes:
    """A gzip member with bytes in the middle of its deflate data overwritten."""
    spoiled = bytearray(member)
    middle = len(spoiled) // 2
    spoiled[middle : middle + 16] = b"\x00\xff" * 8
    return bytes(spoiled)


@dataclass
class Case:
    """One record of the test file and what it must come to."""

    label: str
    url: str
    source: str | None  # the configured source it belongs to, None for another host
    outcome: str  # "article" (through extraction), "skipped: REASON", "failed: REASON", "ignored", "damaged"
    page: MirrorPage | None = None
    stored_body: bytes | None = None  # what raw_pages must hold for it
    headers: dict = field(default_factory=dict)  # headers raw_pages must hold (subset)


@dataclass
class AwkwardWarc:
    path: Path
    cases: list[Case]
    offsets: list[int]
    damaged_index: int  # the record whose gzip member is broken

    def by_label(self, label: str) -> Case:
        return next(c for c in self.cases if c.label == label)


def cc_news_style(path: Path, *, compress: bool = True) -> AwkwardWarc:
    """The awkward test file: every case of a real CC-NEWS-like file, with what each must give.

    All the mirror's curated pages of both sites go in as plain responses (listings, videos,
    galleries and anti-bot stubs at article URLs included: extraction decides them), then the
    transport cases use some of them, and other hosts' pages are mixed in throughout.
    """
    pages = article_pages()
    builder = WarcBuilder()
    cases: list[Case] = []
    start = pages[0].captured - timedelta(minutes=5)
    builder.warcinfo(start)
    cases.append(Case("warcinfo", "", None, "ignored"))

    others = ["https://www.bbc.com/russian/articles/c0000000001o", "https://ria.ru/20260414/lavrov-1000000001.html",
              "https://example.org/news/1", "http://www.kommersant.ru/doc/7000001"]
    special = {}  # url -> the transport case applied instead of a plain response
    tass_articles = [p for p in pages if p.article.site == "tass" and p.article.is_article and p.article.kind == "article"]
    newsru_articles = [p for p in pages if p.article.site == "newsru" and p.article.is_article
                       and p.article.kind == "article"]
    choices = {
        "chunked": tass_articles[0], "gzip": tass_articles[1], "chunked+gzip": tass_articles[2],
        "crawler-decoded": newsru_articles[0], "mislabelled-gzip": newsru_articles[1], "br": newsru_articles[2],
        "deflate": tass_articles[3], "http-www-utm": newsru_articles[3], "bogus-charset": tass_articles[4],
        "no-content-type": newsru_articles[4], "digest-mismatch": tass_articles[5], "truncated": newsru_articles[5],
        "broken-member": tass_articles[6],
    }
    for name, page in choices.items():
        special[page.url] = name
    damaged_index = -1
    for number, page in enumerate(pages):
        when = page.captured
        if number % 5 == 0:  # other hosts' pages in between, as in any news crawl
            other = others[(number // 5) % len(others)]
            builder.request(other, when - timedelta(seconds=2), label="other-request")
            cases.append(Case("other-request", other, None, "ignored"))
            builder.response(other, b"<html><head><title>Other</title></head><body><p>Not ours.</p></body></html>",
                             when - timedelta(seconds=1), label="other")
            cases.append(Case("other", other, None, "ignored"))
        name = special.get(page.url, "plain")
        builder.request(page.url, when, label=f"{name}-request")
        cases.append(Case(f"{name}-request", page.url, None, "ignored"))
        index = _response_case(builder, cases, name, page, when)
        if name == "broken-member":
            damaged_index = index
    last = pages[-1].captured
    # A second capture of an article already in the file: the archive has it by then.
    again = choices["chunked"]
    builder.response(again.url, again.body, last + timedelta(hours=1), label="again",
                     headers=[("Content-Type", again.content_type), ("Content-Length", str(len(again.body)))])
    cases.append(Case("again", again.url, "tass", "skipped: already archived"))
    gz = choices["gzip"]
    builder.revisit(gz.url, gz.body, warc_date(gz.captured), last + timedelta(hours=1, minutes=1))
    cases.append(Case("revisit", gz.url, "tass", "skipped: revisit record (no payload of its own)"))
    missing = "https://tass.ru/politika/99999999"
    builder.response(missing, b"<html><body><h1>404</h1></body></html>", last + timedelta(hours=1, minutes=2),
                     status="404 Not Found", label="not-found")
    cases.append(Case("not-found", missing, "tass", "skipped: HTTP 404"))
    moved = choices["deflate"].url.replace("https://", "http://")
    builder.response(moved, b"", last + timedelta(hours=1, minutes=3), status="301 Moved Permanently",
                     headers=[("Location", choices["deflate"].url), ("Content-Length", "0")], label="redirect")
    cases.append(Case("redirect", moved, "tass", "skipped: redirect"))
    for label, url in (("home", "https://tass.ru/"), ("feed", "https://tass.ru/rss/v2.xml"),
                       ("english", "https://tass.com/politics/1000001")):
        builder.response(url, b"<html><body>not an article</body></html>", last + timedelta(hours=1, minutes=4),
                         label=label)
        cases.append(Case(label, url, "tass", "skipped: not an article URL"))
    image = "https://tass.ru/politika/27000001"
    builder.response(image, b"\xff\xd8\xff\xe0 not really a jpeg", last + timedelta(hours=1, minutes=5),
                     headers=[("Content-Type", "image/jpeg")], label="image")
    cases.append(Case("image", image, "tass", "skipped: not HTML (image/jpeg)"))
    builder._add("metadata", pages[0].url, "metadata", b"fetchTimeMs: 123\r\n", when=last + timedelta(hours=2),
                 content_type="application/warc-fields")
    cases.append(Case("metadata", pages[0].url, None, "ignored"))
    assert len(cases) == len(builder.records)
    damage = {damaged_index: break_deflate_data} if compress else {}
    if not compress:  # a plain file's damage: a record whose WARC headers are garbage
        damage = {damaged_index: lambda record: b"WARC/1.0\r\nthis is not a header line at all\r\n" + record[200:]}
    offsets = builder.write(path, compress=compress, damage=damage)
    return AwkwardWarc(path, cases, offsets, damaged_index)


def _response_case(builder: WarcBuilder, cases: list[Case], name: str, page: MirrorPage, when: datetime) -> int:
    """The response record of `page` in the form `name` says, and its expected outcome."""
    body, source = page.body, page.article.site
    plain_headers = [("Content-Type", page.content_type), ("Content-Length", str(len(body)))]

    def respond(payload: bytes, headers: list[tuple[str, str]], *, extra: dict | None = None, outcome="article",
                stored: bytes | None = body, expect_headers: dict | None = None) -> int:
        index = builder.response(page.url, payload, when, headers=headers, extra=extra, label=name)
        cases.append(Case(name, page.url, source, outcome, page, stored, expect_headers or {}))
        return index

    if name == "plain":
        return respond(body, plain_headers)
    if name == "chunked":
        return respond(chunked(body), [("Content-Type", page.content_type), ("Transfer-Encoding", "chunked")],
                       expect_headers={"X-Archive-Orig-Transfer-Encoding": "chunked"})
    if name == "gzip":
        packed = gzip.compress(body, mtime=0)
        return respond(packed, [("Content-Type", page.content_type), ("Content-Encoding", "gzip"),
                                ("Content-Length", str(len(packed)))],
                       expect_headers={"X-Archive-Orig-Content-Encoding": "gzip",
                                       "X-Archive-Orig-Content-Length": str(len(packed))})
    if name == "chunked+gzip":
        packed = gzip.compress(body, mtime=0)
        return respond(chunked(packed, 700), [("Content-Type", page.content_type), ("Content-Encoding", "gzip"),
                                              ("Transfer-Encoding", "chunked")],
                       expect_headers={"X-Archive-Orig-Content-Encoding": "gzip",
                                       "X-Archive-Orig-Transfer-Encoding": "chunked"})
    if name == "crawler-decoded":  # Common Crawl's own convention: decoded, codings renamed
        packed_length = len(gzip.compress(body, mtime=0))
        return respond(body, [("Content-Type", page.content_type), ("X-Crawler-Content-Encoding", "gzip"),
                              ("X-Crawler-Content-Length", str(packed_length)), ("Content-Length", str(len(body)))],
                       expect_headers={"X-Crawler-Content-Encoding": "gzip", "Content-Length": str(len(body))})
    if name == "mislabelled-gzip":  # decoded by its crawler, the header left as sent
        return respond(body, [("Content-Type", page.content_type), ("Content-Encoding", "gzip")],
                       expect_headers={"X-Archive-Orig-Content-Encoding": "gzip"})
    if name == "br":
        packed = brotli.compress(body)
        return respond(packed, [("Content-Type", page.content_type), ("Content-Encoding", "br")],
                       expect_headers={"X-Archive-Orig-Content-Encoding": "br"})
    if name == "deflate":  # raw deflate, as some servers send for "deflate"
        compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
        packed = compressor.compress(body) + compressor.flush()
        return respond(packed, [("Content-Type", page.content_type), ("Content-Encoding", "deflate")],
                       expect_headers={"X-Archive-Orig-Content-Encoding": "deflate"})
    if name == "http-www-utm":
        index = builder.response(page.url.replace("https://", "http://www.") + "?utm_source=rss&utm_medium=feed",
                                 body, when, headers=plain_headers, label=name)
        cases.append(Case(name, page.url, source, "article", page, body))
        return index
    if name == "bogus-charset":
        return respond(body, [("Content-Type", "text/html; charset=x-no-such-charset")])
    if name == "no-content-type":
        return respond(body, [("Content-Length", str(len(body)))])
    if name == "digest-mismatch":
        index = builder.response(page.url, body, when, headers=plain_headers, label=name)
        record = builder.records[index]
        spot = record.rindex(b"</html>")
        builder.records[index] = record[:spot] + b"</HTML>" + record[spot + 7 :]  # same length, other bytes
        cases.append(Case(name, page.url, source, "failed: damaged record (block sha1 digest mismatch)", page))
        return index
    if name == "truncated":
        cut = body[: len(body) // 3]
        return respond(cut, [("Content-Type", page.content_type), ("Content-Length", str(len(body)))],
                       extra={"WARC-Truncated": "length"}, outcome="failed: truncated record (WARC-Truncated: length)",
                       stored=None)
    if name == "broken-member":
        return respond(body, plain_headers, outcome="damaged", stored=None)
    raise ValueError(name)
