"""The user's configuration: which sources to crawl, how politely, and each site's spec.

`settings/sources.toml` holds one table per site, `[sources.NAME]`: its whole spec in one
place, in the manner of Fundus' publisher specs. Discovery (feeds, sitemaps, section pages),
URL rules (which paths are articles, which query parameters are tracking) and the extraction
profile (`[[sources.NAME.profile]]`, versioned by `valid_until`). Adding an outlet is a new
table; no code knows any site.

The files ship inside the package (`archive/defaults`, the repository's `settings/`), so a
regular install has its defaults; `--config FILE` reads another sources file.

Validation is strict (unknown keys, wrong types, bad URLs, regular expressions and XPath are
refused with one line) because a typo in a file that runs unattended for months must fail
loudly at start-up, not silently crawl the wrong thing.
"""

from __future__ import annotations

import ipaddress
import re
import tomllib
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

from archive import __version__
from archive.errors import ConfigError
from archive.profile import (
    COMMON_ANTIBOT_MARKERS,
    COMMON_CAPTION_CREDIT,
    COMMON_CAPTION_LINES,
    COMMON_DROP_LINES,
    COMMON_NOT_ARTICLE_PATHS,
    COMMON_STOP_LINES,
    GENERIC,
    DocTypeRule,
    Profile,
)

# Resolved, so an editable install names the repository's settings/ in messages.
DEFAULT_SETTINGS = (Path(__file__).resolve().parent / "defaults").resolve()
DEFAULT_SOURCES = DEFAULT_SETTINGS / "sources.toml"
DEFAULT_CONTACT = "https://github.com/mfa-archive/mfa-archive"


@dataclass(frozen=True)
class Source:
    """One outlet: where to discover its articles, which URLs are articles, how to extract them."""

    name: str
    base_url: str
    hosts: tuple[str, ...]
    feeds: tuple[str, ...] = ()
    full_text_feeds: tuple[str, ...] = ()
    sitemaps: tuple[str, ...] = ()
    max_child_sitemaps: int = 2
    sections: tuple[str, ...] = ()
    article_path: re.Pattern = re.compile(r"^/.+")
    strip_params: tuple[str, ...] = ()
    schedule: str | None = None
    profiles: tuple[Profile, ...] = (GENERIC,)  # oldest first; the last one is current
    # The publisher's own site (the ministry): its documents are the primary sources that
    # stories and quotes are checked against.
    official: bool = False
    # Article URLs end with "/" on this site: a link without it is the same page.
    trailing_slash: bool = False
    # This site's own politeness, when it must be gentler than [crawl] (never faster).
    download_delay: float | None = None
    concurrent_per_domain: int | None = None

    @property
    def host(self) -> str:
        """host[:port] of base_url: the only place this source's crawl may go."""
        return urlsplit(self.base_url).netloc.lower()

    def absolute(self, path: str) -> str:
        return self.base_url + path if path.startswith("/") else path

    def profile_at(self, fetched_at: str | None) -> Profile:
        """The profile version that was current when a page was fetched (the newest if unknown)."""
        day = (fetched_at or "")[:10]
        for profile in self.profiles:
            if profile.valid_until is not None and day and day <= profile.valid_until.isoformat():
                return profile
        return self.profiles[-1]

    @property
    def is_loopback(self) -> bool:
        """True for a source on this machine (the local mirror): no site operator to reach."""
        host = urlsplit(self.base_url).hostname or ""
        try:
            return host == "localhost" or ipaddress.ip_address(host).is_loopback
        except ValueError:
            return False

    @property
    def spec_host(self) -> str:
        """The host of the base_url written in the spec (the real site's, even when a
        --base-url points the source at a mirror)."""
        return self.hosts[0] if self.hosts else (urlsplit(self.base_url).hostname or "")

    def serves(self, host: str | None) -> bool:
        """True if `host` is one of this site's host names (`www.` ignored)."""
        host = (host or "").lower().removeprefix("www.")
        return bool(host) and (host in self.hosts or host == (urlsplit(self.base_url).hostname or ""))


@dataclass(frozen=True)
class CrawlSettings:
    """Politeness and identity settings shared by every source."""

    contact: str = DEFAULT_CONTACT
    concurrent_per_domain: int = 1
    download_delay: float = 2.0
    max_page_bytes: int = 10 * 1024 * 1024
    first_run_days: int = 3

    @property
    def user_agent(self) -> str:
        return f"mfa-archive/{__version__} (+{self.contact})"


def politeness(source: Source, crawl: CrawlSettings) -> tuple[float, int]:
    """(delay in seconds, requests in flight) for `source`: its own values where they are
    gentler than [crawl], never faster."""
    delay = max(crawl.download_delay, source.download_delay or 0.0)
    concurrency = min(crawl.concurrent_per_domain, source.concurrent_per_domain or crawl.concurrent_per_domain)
    return delay, concurrency


@dataclass(frozen=True)
class Config:
    crawl: CrawlSettings
    sources: dict[str, Source] = field(default_factory=dict)
    path: Path | None = None

    def select(self, names: list[str] | None) -> list[Source]:
        """The sources named (all when `names` is empty); an unknown name is a ConfigError."""
        if not names:
            return list(self.sources.values())
        unknown = [n for n in names if n not in self.sources]
        if unknown:
            raise ConfigError(f"unknown source {unknown[0]!r} (configured: {', '.join(self.sources)})")
        return [self.sources[n] for n in dict.fromkeys(names)]

    def source_for_host(self, host: str | None) -> Source | None:
        """The configured site serving `host` (e.g. 'www.tass.ru'), or None."""
        return next((s for s in self.sources.values() if s.serves(host)), None)


_CRAWL_KEYS = {"contact": str, "concurrent_per_domain": int, "download_delay": (int, float), "max_page_bytes": int,
               "first_run_days": int}
_SOURCE_KEYS = {
    "base_url": str, "hosts": list, "profile": (str, list), "feeds": list, "full_text_feeds": list, "sitemaps": list,
    "max_child_sitemaps": int, "sections": list, "article_path": str, "strip_params": list, "schedule": str,
    "official": bool, "trailing_slash": bool, "download_delay": (int, float), "concurrent_per_domain": int,
}
_PROFILE_KEYS = {
    "valid_until": (str, date), "drop_lines": list, "caption_lines": list, "byline_lines": list, "stop_lines": list,
    "not_article_paths": list, "prune_xpath": list, "caption_credit": str, "caption_keeps_credit": bool,
    "trafilatura_fast": bool, "date_lines": list, "antibot_markers": list, "doc_types": list,
    "question_lines": list, "speaker_lines": list, "answer_lines": list,
}
_DOC_TYPE_KEYS = {"doc_type": str, "title": str, "path": str}
_DOC_TYPE_NAME = re.compile(r"^[a-z][a-z_]{0,39}$")
_TYPE_NAMES = {str: "string", int: "whole number", list: "list", bool: "true or false"}


def _check_keys(where: str, table: dict, allowed: dict, path: Path) -> None:
    for key, value in table.items():
        if key not in allowed:
            raise ConfigError(f"{path}: unknown key {where}.{key}")
        kind = allowed[key]
        kinds = kind if isinstance(kind, tuple) else (kind,)
        if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
            expected = " or ".join(_TYPE_NAMES.get(k, "number" if k is float else k.__name__) for k in kinds)
            raise ConfigError(f"{path}: {where}.{key} must be a {expected}, not {type(value).__name__}")
        if isinstance(value, list) and not all(isinstance(v, (str, dict)) for v in value):
            raise ConfigError(f"{path}: {where}.{key} must be a list of strings")
        if isinstance(value, int) and not isinstance(value, bool) and not (0 <= value <= 2**53):
            raise ConfigError(f"{path}: {where}.{key} is out of range")


def check_base_url(url: str, where: str) -> str:
    """Return `url` without a trailing slash if it is an absolute http(s) URL, else ConfigError."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError as exc:
        raise ConfigError(f"{where}: base_url is not a valid URL: {url!r} ({exc})") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"{where}: base_url must be an http(s) URL, got {url!r}")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ConfigError(f"{where}: base_url must be a bare origin such as https://tass.ru, got {url!r}")
    return f"{parts.scheme}://{parts.netloc}"


def _regexes(path: Path, where: str, values: list) -> tuple[re.Pattern, ...]:
    compiled = []
    for value in values:
        if not isinstance(value, str):
            raise ConfigError(f"{path}: {where} must be a list of strings")
        try:
            compiled.append(re.compile(value))
        except re.error as exc:
            raise ConfigError(f"{path}: {where} has a bad regular expression {value!r}: {exc}") from None
    return tuple(compiled)


def _doc_types(path: Path, where: str, tables: list) -> tuple[DocTypeRule, ...]:
    """`doc_types = [{doc_type = "briefing", title = '^Брифинг'}, ...]`: each a kind and its patterns."""
    rules = []
    for number, table in enumerate(tables, 1):
        item = f"{where}.doc_types#{number}"
        if not isinstance(table, dict):
            raise ConfigError(f"{path}: {where}.doc_types must be a list of tables such as {{doc_type = \"statement\", title = '^Заявление'}}")
        _check_keys(item, table, _DOC_TYPE_KEYS, path)
        if not _DOC_TYPE_NAME.match(table.get("doc_type", "")):
            raise ConfigError(f"{path}: {item}.doc_type must be a lower-case name such as joint_statement")
        if "title" not in table and "path" not in table:
            raise ConfigError(f"{path}: {item} needs a title or a path pattern")
        title = _regexes(path, f"{item}.title", [table["title"]])[0] if "title" in table else None
        url_path = _regexes(path, f"{item}.path", [table["path"]])[0] if "path" in table else None
        rules.append(DocTypeRule(table["doc_type"], title, url_path))
    return tuple(rules)


def _markers(path: Path, where: str, values: list) -> tuple[str, ...]:
    if not all(isinstance(v, str) and v.strip() for v in values):
        raise ConfigError(f"{path}: {where} must be a list of non-empty strings")
    return tuple(v.lower() for v in values)


def _grouped(path: Path, where: str, values: list, groups: set[str]) -> tuple[re.Pattern, ...]:
    """Regular expressions that must each define the named `groups`."""
    patterns = _regexes(path, where, values)
    for pattern in patterns:
        missing = sorted(groups - set(pattern.groupindex))
        if missing:
            raise ConfigError(f"{path}: {where} pattern {pattern.pattern!r} needs the group (?P<{missing[0]}>...)")
    return patterns


def _profile(path: Path, where: str, table: dict) -> Profile:
    """One profile version: the site's rules on top of the common ones."""
    from lxml import etree

    _check_keys(where, table, _PROFILE_KEYS, path)
    until = table.get("valid_until")
    if isinstance(until, str):
        try:
            until = date.fromisoformat(until)
        except ValueError:
            raise ConfigError(f"{path}: {where}.valid_until must be a date like 2026-04-30, got {until!r}") from None
    for xpath in table.get("prune_xpath", []):
        try:
            etree.XPath(xpath)
        except etree.XPathSyntaxError as exc:
            raise ConfigError(f"{path}: {where}.prune_xpath has a bad XPath {xpath!r}: {exc}") from None
    credit = COMMON_CAPTION_CREDIT
    if "caption_credit" in table:
        (credit,) = _regexes(path, f"{where}.caption_credit", [table["caption_credit"]])
        if "credit" not in credit.groupindex:
            raise ConfigError(f"{path}: {where}.caption_credit needs a group (?P<credit>...)")
    return Profile(
        name=where.split(".")[1],
        drop_lines=COMMON_DROP_LINES + _regexes(path, f"{where}.drop_lines", table.get("drop_lines", [])),
        caption_lines=_regexes(path, f"{where}.caption_lines", table["caption_lines"])
        if "caption_lines" in table else COMMON_CAPTION_LINES,
        byline_lines=_regexes(path, f"{where}.byline_lines", table.get("byline_lines", [])),
        stop_lines=COMMON_STOP_LINES + _regexes(path, f"{where}.stop_lines", table.get("stop_lines", [])),
        not_article_paths=COMMON_NOT_ARTICLE_PATHS
        + _regexes(path, f"{where}.not_article_paths", table.get("not_article_paths", [])),
        prune_xpath=tuple(table.get("prune_xpath", [])),
        caption_credit=credit,
        caption_keeps_credit=table.get("caption_keeps_credit", False),
        trafilatura_fast=table.get("trafilatura_fast", False),
        date_lines=_grouped(path, f"{where}.date_lines", table.get("date_lines", []), {"day", "month", "year"}),
        antibot_markers=COMMON_ANTIBOT_MARKERS + _markers(path, f"{where}.antibot_markers", table.get("antibot_markers", [])),
        doc_types=_doc_types(path, where, table.get("doc_types", [])),
        question_lines=_regexes(path, f"{where}.question_lines", table.get("question_lines", [])),
        speaker_lines=_grouped(path, f"{where}.speaker_lines", table.get("speaker_lines", []), {"speaker"}),
        answer_lines=_regexes(path, f"{where}.answer_lines", table.get("answer_lines", [])),
        valid_until=until,
    )


def _profiles(path: Path, where: str, tables: list) -> tuple[Profile, ...]:
    profiles = []
    for number, table in enumerate(tables, 1):
        if not isinstance(table, dict):
            raise ConfigError(f"{path}: {where}.profile must be tables ([[{where}.profile]]) or a source name")
        profiles.append(_profile(path, f"{where}.profile#{number}", table))
    if not profiles:
        return (GENERIC,)
    current = [p for p in profiles if p.valid_until is None]
    if len(current) != 1:
        raise ConfigError(f"{path}: {where} needs exactly one profile without valid_until (the current one)")
    dated = sorted((p for p in profiles if p.valid_until is not None), key=lambda p: p.valid_until)
    return (*dated, current[0])


def _build_source(name: str, table: dict, path: Path, base_url_override: str | None) -> Source:
    where = f"sources.{name}"
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: {where} must be a table")
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
            if not isinstance(item, str) or not item.startswith("/"):
                raise ConfigError(f"{path}: {where}.{key} entries must be paths starting with /, got {item!r}")
    if not (table.get("feeds") or table.get("sitemaps") or table.get("sections")):
        raise ConfigError(f"{path}: {where} needs at least one of feeds, sitemaps or sections")
    if table.get("max_child_sitemaps", 2) < 1:
        raise ConfigError(f"{path}: {where}.max_child_sitemaps must be at least 1")
    if table.get("concurrent_per_domain", 1) < 1 or table.get("download_delay", 0) < 0:
        raise ConfigError(f"{path}: {where} politeness out of range (concurrent_per_domain >= 1, download_delay >= 0)")
    own_host = urlsplit(check_base_url(table["base_url"], f"{path}: {where}")).hostname or ""
    hosts = tuple(dict.fromkeys(h.lower().removeprefix("www.") for h in [own_host, *table.get("hosts", [])]))
    profile = table.get("profile", [])
    return Source(
        name=name,
        base_url=base_url,
        hosts=hosts,
        feeds=tuple(table.get("feeds", [])),
        full_text_feeds=tuple(table.get("full_text_feeds", [])),
        sitemaps=tuple(table.get("sitemaps", [])),
        max_child_sitemaps=table.get("max_child_sitemaps", 2),
        sections=tuple(table.get("sections", [])),
        article_path=article_path,
        strip_params=tuple(table.get("strip_params", [])),
        schedule=table.get("schedule"),
        profiles=_profiles(path, where, profile) if isinstance(profile, list) else (GENERIC,),
        official=table.get("official", False),
        trailing_slash=table.get("trailing_slash", False),
        download_delay=float(table["download_delay"]) if "download_delay" in table else None,
        concurrent_per_domain=table.get("concurrent_per_domain"),
    )


def load_config(path: str | Path | None = None, base_url_overrides: dict[str, str] | None = None) -> Config:
    """Read and validate a sources file; `base_url_overrides` points sources elsewhere (a mirror)."""
    path = Path(path) if path else DEFAULT_SOURCES
    overrides = dict(base_url_overrides or {})
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"config file not found: {path}") from None
    except IsADirectoryError:
        raise ConfigError(f"config {path} is a directory, not a file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read config {path}: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    unknown = set(data) - {"crawl", "sources"}
    if unknown:
        raise ConfigError(f"{path}: unknown section [{sorted(unknown)[0]}]")
    crawl_table = data.get("crawl", {})
    _check_keys("crawl", crawl_table, _CRAWL_KEYS, path)
    crawl = CrawlSettings(**crawl_table)
    if crawl.concurrent_per_domain < 1 or crawl.download_delay < 0 or crawl.max_page_bytes < 1024:
        raise ConfigError(f"{path}: crawl settings out of range (concurrent_per_domain >= 1, download_delay >= 0)")
    sources_table = data.get("sources", {})
    if not sources_table:
        raise ConfigError(f"{path}: no [sources.NAME] tables")
    for name in overrides:
        if name not in sources_table:
            raise ConfigError(f"--base-url names unknown source {name!r}")
    sources = {name: _build_source(name, table, path, overrides.get(name)) for name, table in sources_table.items()}
    for name, table in sources_table.items():  # `profile = "NAME"`: use another source's profiles
        named = table.get("profile")
        if isinstance(named, str) and named != "generic":
            if named not in sources:
                raise ConfigError(f"{path}: sources.{name}.profile names unknown source {named!r}")
            sources[name] = replace(sources[name], profiles=sources[named].profiles)
    return Config(crawl=crawl, sources=sources, path=path)


def parse_base_url_override(text: str) -> tuple[str, str]:
    """Parse NAME=URL from the command line."""
    name, sep, url = text.partition("=")
    if not sep or not name or not url:
        raise ConfigError(f"--base-url expects NAME=URL, got {text!r}")
    return name, check_base_url(url, "--base-url")
