"""Property tests of the two functions that take untrusted text: URL normalization and the
search-query sanitizer."""

from __future__ import annotations

import sqlite3
from fnmatch import fnmatchcase
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from archive.config import load_config
from archive.discover.urls import normalize_url
from archive.errors import BadURL, QueryError
from archive.search.query import build_match, query_parts

STRIP = load_config().sources["tass"].strip_params
TRACKING_NAMES = ["utm_source", "utm_medium", "UTM_Campaign", "erid", "yclid", "gclid", "_gl", "ref", "from", "fbclid"]
SAFE = "abcxyzABC019-_.~абвгдеёжЖ"

names = st.text(alphabet=SAFE, min_size=1, max_size=8)
values = st.text(alphabet=SAFE + " /?&=%", max_size=12)
hosts = st.from_regex(r"[a-z][a-z0-9\-]{0,10}(\.[a-z]{2,5}){1,2}", fullmatch=True)
paths = st.lists(st.text(alphabet=SAFE, min_size=1, max_size=10), max_size=4).map(lambda parts: "/" + "/".join(parts))


def _tracking(name: str) -> bool:
    return any(fnmatchcase(name.lower(), pattern) for pattern in STRIP)


@st.composite
def urls(draw) -> tuple[str, list[tuple[str, str]]]:
    """An http(s) URL with a mix of ordinary and tracking parameters, and its parameters."""
    scheme = draw(st.sampled_from(["http", "https", "HTTP", "Https"]))
    port = draw(st.sampled_from(["", ":80", ":443", ":8080"]))
    params = draw(st.lists(st.tuples(st.one_of(names, st.sampled_from(TRACKING_NAMES)), values), max_size=6))
    query = ("?" + urlencode(params)) if params else ""
    fragment = draw(st.sampled_from(["", "#top", "#комментарии"]))
    return f"{scheme}://{draw(hosts)}{port}{draw(paths)}{query}{fragment}", params


@given(urls())
def test_normalization_is_idempotent(case):
    url, _ = case
    once = normalize_url(url, STRIP)
    assert normalize_url(once, STRIP) == once


@given(urls())
def test_tracking_parameters_go_and_others_stay(case):
    url, params = case
    kept = parse_qsl(urlsplit(normalize_url(url, STRIP)).query, keep_blank_values=True)
    assert not [name for name, _ in kept if _tracking(name)]
    expected = sorted((name, value) for name, value in params if not _tracking(name))
    assert sorted(kept) == expected


@given(urls())
def test_fragment_is_dropped_and_scheme_and_host_are_lower_case(case):
    url, _ = case
    parts = urlsplit(normalize_url(url, STRIP))
    assert parts.fragment == "" and parts.scheme in ("http", "https")
    default_port = {"http": ":80", "https": ":443"}[parts.scheme]
    assert parts.netloc == parts.netloc.lower() and not parts.netloc.endswith(default_port)


@given(st.text(max_size=200))
@example("http://tass.ru/politika/\udcff")  # a lone surrogate, as surrogateescape decoding leaves
@example("http://[fe80::1]:8080/x?utm_source=rss")  # an IPv6 host keeps its brackets
@example("http://[::1]/")
@example("http://news ru/world/")
@example("http://\x00/")
@settings(suppress_health_check=[HealthCheck.too_slow])
def test_any_text_gives_a_url_or_bad_url(text):
    try:
        normalized = normalize_url(text, STRIP)
    except BadURL:
        return
    assert urlsplit(normalized).scheme in ("http", "https")
    assert normalize_url(normalized, STRIP) == normalized


@given(st.from_regex(r"(https?|ftp|javascript|data):[/\\]{0,3}[\x00-\x7f]{0,30}", fullmatch=True))
def test_url_shaped_text_gives_a_url_or_bad_url(text):
    try:
        normalize_url(text, STRIP)
    except BadURL:
        pass


# ---------------------------------------------------------------- the query sanitizer


FTS_SYNTAX = ['"', "*", "(", ")", "-", "+", ":", "^", "AND", "OR", "NOT", "NEAR", "NEAR(", "{", "}", "title:", " "]


@pytest.fixture(scope="module")
def fts() -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE VIRTUAL TABLE t USING fts5(title, lead, text)")
    conn.execute("INSERT INTO t VALUES ('мид россии', 'захарова заявить', 'переговоры в москве')")
    return conn


queries = st.one_of(
    st.text(max_size=60),
    st.lists(st.one_of(st.sampled_from(FTS_SYNTAX), st.text(alphabet="МИДмидЗахароваlavrov ё-", max_size=8)), max_size=12).map(" ".join),
)


@given(queries, st.booleans())
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_sanitized_queries_are_valid_fts5_or_a_query_error(fts, query, every_part):
    try:
        match = build_match(query, every_part=every_part)
    except QueryError:
        return
    fts.execute("SELECT count(*) FROM t WHERE t MATCH ?", [match]).fetchone()


@given(queries)
@settings(max_examples=100, deadline=None)
def test_query_parts_never_pass_user_syntax_through(query):
    try:
        parts = query_parts(query)
    except QueryError:
        return
    for part in parts:
        assert part.startswith("(") and part.endswith(")")
