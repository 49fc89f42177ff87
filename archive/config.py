"""The user's configuration in `settings/`: which sources to crawl and how politely.

Validation is strict (unknown keys, wrong types, bad URLs and bad regular expressions are
refused with one line) because a typo in a file that runs unattended for months must fail
loudly at start-up, not silently crawl the wrong thing.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from archive import __version__

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SOURCES = REPO_ROOT / "settings" / "sources.toml"


class ConfigError(Exception):
    """A configuration problem; its message is one line naming the file and key."""


@dataclass(frozen=True)
class Source:
    """One outlet: where to discover its articles and which URLs are articles."""

    name: str
    base_url: str
    profile: str | None
    feeds: list[str]
    full_text_feeds: list[str]
    sitemaps: list[str]
    max_child_sitemaps: int
    sections: list[str]
    article_path: re.Pattern
    strip_params: list[str]
    schedule: str | None

    @property
    def host(self) -> str:
        """host[:port] of base_url: the only place this source's crawl may go."""
        return urlsplit(self.base_url).netloc.lower()

    def absolute(self, path: str) -> str:
        return self.base_url + path if path.startswith("/") else path


@dataclass(frozen=True)
class CrawlSettings:
    """Politeness and identity settings shared by every source."""

    contact: str
    concurrent_per_domain: int
    download_delay: float
    max_page_bytes: int
    first_run_days: int

    @property
    def user_agent(self) -> str:
        return f"mfa-archive/{__version__} (+{self.contact})"


@dataclass(frozen=True)
class Config:
    crawl: CrawlSettings
    sources: dict[str, Source] = field(default_factory=dict)

    def select(self, names: list[str] | None) -> list[Source]:
        """The sources named (all when `names` is empty); an unknown name is a ConfigError."""
        if not names:
            return list(self.sources.values())
        unknown = [n for n in names if n not in self.sources]
        if unknown:
            raise ConfigError(f"unknown source {unknown[0]!r} (configured: {', '.join(self.sources)})")
        return [self.sources[n] for n in names]


_CRAWL_KEYS = {
    "contact": str,
    "concurrent_per_domain": int,
    "download_delay": (int, float),
    "max_page_bytes": int,
    "first_run_days": int,
}
_SOURCE_KEYS = {
    "base_url": str,
    "profile": str,
    "feeds": list,
    "full_text_feeds": list,
    "sitemaps": list,
    "max_child_sitemaps": int,
    "sections": list,
    "article_path": str,
    "strip_params": list,
    "schedule": str,
}
_CRAWL_DEFAULTS = {
    "contact": "https://github.com/mfa-archive/mfa-archive",
    "concurrent_per_domain": 1,
    "download_delay": 2.0,
    "max_page_bytes": 10 * 1024 * 1024,
    "first_run_days": 3,
}


def _check_keys(where: str, table: dict, allowed: dict, path: Path) -> None:
    for key, value in table.items():
        if key not in allowed:
            raise ConfigError(f"{path}: unknown key {where}.{key}")
        kind = allowed[key]
        if not isinstance(value, kind) or isinstance(value, bool):
            expected = kind.__name__ if isinstance(kind, type) else "number"
            raise ConfigError(f"{path}: {where}.{key} must be a {expected}, not {type(value).__name__}")
        if isinstance(value, list) and not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{path}: {where}.{key} must be a list of strings")


def check_base_url(url: str, where: str) -> str:
    """Return `url` without a trailing slash if it is an absolute http(s) URL, else ConfigError."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"{where}: base_url must be an http(s) URL, got {url!r}")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ConfigError(f"{where}: base_url must be a bare origin such as https://tass.ru, got {url!r}")
    return f"{parts.scheme}://{parts.netloc}"


def _build_source(name: str, table: dict, path: Path, base_url_override: str | None) -> Source:
    where = f"sources.{name}"
    _check_keys(where, table, _SOURCE_KEYS, path)
    for required in ("base_url", "article_path"):
        if required not in table:
            raise ConfigError(f"{path}: {where}.{required} is required")
    base_url = check_base_url(base_url_override or table["base_url"], f"{path}: {where}")
    try:
        article_path = re.compile(table["article_path"])
    except re.error as exc:
        raise ConfigError(f"{path}: {where}.article_path is not a valid regular expression: {exc}") from None
    for key in ("feeds", "full_text_feeds", "sitemaps", "sections"):
        for item in table.get(key, []):
            if not item.startswith("/"):
                raise ConfigError(f"{path}: {where}.{key} entries must be paths starting with /, got {item!r}")
    if not (table.get("feeds") or table.get("sitemaps") or table.get("sections")):
        raise ConfigError(f"{path}: {where} needs at least one of feeds, sitemaps or sections")
    return Source(
        name=name,
        base_url=base_url,
        profile=table.get("profile"),
        feeds=table.get("feeds", []),
        full_text_feeds=table.get("full_text_feeds", []),
        sitemaps=table.get("sitemaps", []),
        max_child_sitemaps=table.get("max_child_sitemaps", 2),
        sections=table.get("sections", []),
        article_path=article_path,
        strip_params=table.get("strip_params", []),
        schedule=table.get("schedule"),
    )


def load_config(path: str | Path | None = None, base_url_overrides: dict[str, str] | None = None) -> Config:
    """Read and validate a sources file; `base_url_overrides` points sources elsewhere (a mirror)."""
    path = Path(path) if path else DEFAULT_SOURCES
    overrides = dict(base_url_overrides or {})
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"config file not found: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read config {path}: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    unknown = set(data) - {"crawl", "sources"}
    if unknown:
        raise ConfigError(f"{path}: unknown section [{sorted(unknown)[0]}]")
    crawl_table = data.get("crawl", {})
    _check_keys("crawl", crawl_table, _CRAWL_KEYS, path)
    crawl = CrawlSettings(**{**_CRAWL_DEFAULTS, **crawl_table})
    if crawl.concurrent_per_domain < 1 or crawl.download_delay < 0 or crawl.max_page_bytes < 1024:
        raise ConfigError(f"{path}: crawl settings out of range (concurrent_per_domain >= 1, download_delay >= 0)")
    sources_table = data.get("sources", {})
    if not sources_table:
        raise ConfigError(f"{path}: no [sources.NAME] tables")
    for name in overrides:
        if name not in sources_table:
            raise ConfigError(f"--base-url names unknown source {name!r}")
    sources = {
        name: _build_source(name, table, path, overrides.get(name))
        for name, table in sources_table.items()
    }
    return Config(crawl=crawl, sources=sources)


def parse_base_url_override(text: str) -> tuple[str, str]:
    """Parse NAME=URL from the command line."""
    name, sep, url = text.partition("=")
    if not sep or not name or not url:
        raise ConfigError(f"--base-url expects NAME=URL, got {text!r}")
    return name, check_base_url(url, "--base-url")
