"""`mfa-archive extract FILE_OR_URL`: run the full extraction on one page and print what it found.

For checking a profile against a saved page, or a live page after a site changed its layout.
A URL is fetched once, politely, with the tool's User-Agent; nothing is stored.
"""

from __future__ import annotations

import argparse
import json
import sys
import urllib.error
import urllib.request
from email.message import Message
from pathlib import Path
from urllib.parse import urlsplit

from archive import __version__
from archive.cli import EXIT_FAILURE, EXIT_OK, UserError

FETCH_TIMEOUT_S = 30
MAX_PAGE_BYTES = 10 * 1024 * 1024
FIELDS = (
    "title", "lead", "published", "modified", "authors", "tags", "section", "canonical_url",
    "image_url", "image_caption", "image_credit", "language", "dateline_city", "dateline_agency",
    "extraction_method", "extractor_version",
)


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "extract",
        help="extract one saved HTML file or URL and print the article fields",
        description="Runs the same extraction as the crawler on one page; nothing is stored.",
    )
    parser.add_argument("page", metavar="FILE_OR_URL", help="a saved HTML file or an http(s) URL")
    parser.add_argument("--source", metavar="NAME", help="source/profile name (tass, newsru); default: by host")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(func=run)


def _user_agent() -> str:
    """The crawler's User-Agent from settings/sources.toml, or the package default."""
    try:
        from archive.config import load_config

        return load_config(None).crawl.user_agent
    except Exception:  # a broken config must not stop a one-page check
        return f"mfa-archive/{__version__}"


def fetch(url: str) -> tuple[bytes, str, str | None]:
    """(body, final URL, declared charset) of one polite GET; UserError on any failure."""
    request = urllib.request.Request(url, headers={"User-Agent": _user_agent(), "Accept": "text/html,*/*;q=0.5"})
    try:
        with urllib.request.urlopen(request, timeout=FETCH_TIMEOUT_S) as response:
            body = response.read(MAX_PAGE_BYTES + 1)
            final_url = response.geturl()
            content_type = response.headers.get("Content-Type", "")
    except urllib.error.HTTPError as exc:
        raise UserError(f"{url}: HTTP {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise UserError(f"{url}: {getattr(exc, 'reason', exc)}") from None
    if len(body) > MAX_PAGE_BYTES:
        raise UserError(f"{url}: page larger than {MAX_PAGE_BYTES} bytes")
    header = Message()
    header["Content-Type"] = content_type
    return body, final_url, header.get_param("charset")


def load_page(page: str) -> tuple[bytes, str, str | None]:
    """(body, URL, declared charset) for a file path or an http(s) URL."""
    scheme = urlsplit(page).scheme.lower()
    if scheme in ("http", "https"):
        if not urlsplit(page).hostname:
            raise UserError(f"bad URL {page!r}")
        return fetch(page)
    if "://" in page:
        raise UserError(f"bad URL {page!r}: only http and https are supported")
    path = Path(page)
    if not path.is_file():
        raise UserError(f"no such file: {page}")
    try:
        return path.read_bytes(), path.resolve().as_uri(), None
    except OSError as exc:
        raise UserError(f"cannot read {page}: {exc.strerror}") from None


def run(args: argparse.Namespace) -> int:
    from archive.extract import extract_article
    from archive.models import ExtractionFailure
    from archive.profiles import profile_for_host

    body, url, charset = load_page(args.page)
    # Without --source the profile follows the URL's host, or a saved file's canonical link.
    source = args.source or getattr(profile_for_host(urlsplit(url).hostname or ""), "name", None) or "generic"
    result = extract_article(body, url, source, declared_encoding=charset)
    if isinstance(result, ExtractionFailure):
        if args.json:
            print(json.dumps({"url": url, "source": result.source, "failure": {"reason": result.reason, "detail": result.detail}}, ensure_ascii=False))
        else:
            print(f"not an article: {result.reason}: {result.detail}")
        return EXIT_FAILURE
    record = result.as_dict()
    record["word_count"] = result.word_count
    if args.json:
        print(json.dumps(record, ensure_ascii=False))
        return EXIT_OK
    for name in FIELDS:
        value = record[name]
        if isinstance(value, list):
            value = ", ".join(value)
        print(f"{name + ':':<19}{value if value not in (None, '') else '-'}")
    print(f"{'word_count:':<19}{result.word_count}\n")
    sys.stdout.write(result.text + "\n")
    return EXIT_OK
