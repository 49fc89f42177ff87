"""One page through extraction, for `mfa-archive extract`, and saving it as a test fixture.

Fixtures follow Fundus' habit of keeping real pages with what must be extracted from them:
`tests/fixtures/pages/<site>/<date>.html.gz` and `<date>.json` (the URL, the headers, the
day it was captured, and the expected fields). The date picks the profile version the page
is extracted with, so a fixture of an old layout keeps testing that layout's profile.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import asdict, replace
from pathlib import Path
from urllib.parse import urlsplit

from archive.config import Config, Source
from archive.errors import UserError
from archive.extract import canonical_url, extract_article
from archive.fetch.single import load
from archive.models import Article, ExtractionFailure, FetchedPage
from archive.profile import GENERIC

FIXTURE_FIELDS = (
    "title", "lead", "published", "modified", "authors", "tags", "section", "canonical_url", "image_url",
    "image_caption", "image_credit", "language", "dateline_city", "dateline_agency", "extraction_method", "text",
    "doc_type", "parts",
)


def fixture_fields(article: Article) -> dict:
    """The fields a fixture holds, as JSON values (a transcript's parts as objects)."""
    fields = {name: getattr(article, name) for name in FIXTURE_FIELDS}
    fields["parts"] = [asdict(part) for part in article.parts]
    return fields


def pick_source(config: Config, page: FetchedPage, name: str | None) -> Source | None:
    """The site whose profile extracts `page`: the one named, else by the URL's host, else by
    the host of the page's canonical link (a saved file), else None (the generic profile)."""
    if name:
        return config.select([name])[0]
    source = config.source_for_host(urlsplit(page.url).hostname)
    if source is None:
        canonical = canonical_url(page)
        source = config.source_for_host(urlsplit(canonical).hostname) if canonical else None
    return source


def extract_one(target: str, config: Config, name: str | None) -> tuple[FetchedPage, Source | None, Article | dict]:
    """(page, site, article) for a file or URL; a failure comes back as {reason, detail}."""
    page = load(target, config.crawl.user_agent)
    source = pick_source(config, page, name)
    page = replace(page, source=source.name if source else "generic")
    result = extract_article(page, source.profile_at(page.fetched_at) if source else GENERIC)
    if isinstance(result, ExtractionFailure):
        return page, source, {"reason": result.reason, "detail": result.detail}
    return page, source, result


def save_fixture(directory: str | Path, page: FetchedPage, source: Source | None, article: Article) -> tuple[Path, Path]:
    """Write `page` and the fields extracted from it as a fixture; returns the two paths."""
    if source is None:
        raise UserError("--save-fixture needs a configured site (give --source NAME)")
    url = page.url if not page.url.startswith("file:") else (article.canonical_url or page.url)
    folder = Path(directory) / source.name
    folder.mkdir(parents=True, exist_ok=True)
    day = page.fetched_at[:10]
    stem, number = day, 1
    while (folder / f"{stem}.html.gz").exists() or (folder / f"{stem}.json").exists():
        number += 1
        stem = f"{day}-{number}"
    html_path, json_path = folder / f"{stem}.html.gz", folder / f"{stem}.json"
    record = {
        "url": url,
        "fetched_at": page.fetched_at,
        "headers": {k: v for k, v in page.headers.items() if k.lower() == "content-type"},
        "expected": fixture_fields(article),
    }
    with open(html_path, "xb") as handle:
        handle.write(gzip.compress(page.body, mtime=0))
    with open(json_path, "x", encoding="utf-8") as handle:
        handle.write(json.dumps(record, ensure_ascii=False, indent=2) + "\n")
    return html_path, json_path


def load_fixture(html_path: Path) -> tuple[FetchedPage, dict]:
    """A saved fixture as the page to extract (source from its folder) and its expected fields."""
    record = json.loads(html_path.with_name(html_path.name.removesuffix(".html.gz") + ".json").read_text("utf-8"))
    page = FetchedPage(
        url=record["url"], source=html_path.parent.name, status=200, headers=record.get("headers", {}),
        body=gzip.decompress(html_path.read_bytes()), fetched_at=record["fetched_at"],
    )
    return page, record["expected"]
