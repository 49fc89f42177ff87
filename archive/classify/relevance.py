"""Is an article news of the Russian foreign ministry? Rules live in `settings/relevance.toml`.

Matching runs on normalized text so inflected forms count: person rules list their name forms
(Snowball stems Russian surnames inconsistently: "лавров" → "лавр" but "лаврова" → "лавров"),
body, phrase and exclusion rules are stemmed phrases. Mentions near the top weigh more because
the actor of a news item is named in its headline and first sentence, while a passing mention of
the ministry further down ("the federation works with the MFA") does not make it ministry news.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from archive.config import DEFAULT_SETTINGS
from archive.errors import ConfigError
from archive.models import Article
from archive.textnorm import normalize, stem_phrase, stems, words

DEFAULT_RULES = DEFAULT_SETTINGS / "relevance.toml"
KINDS = ("person", "body", "phrase", "exclude", "foreign")
_DECISION_KEYS = {"lead_words", "lead_factor", "threshold"} | {f"{k}_weight" for k in KINDS if k != "foreign"}


@dataclass
class Relevance:
    mfa: bool
    reasons: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Rule:
    kind: str
    name: str
    weight: float
    # person rules match word tuples, the other kinds stem tuples
    sequences: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Rules:
    rules: tuple[Rule, ...]
    lead_words: int
    lead_factor: float
    threshold: float

    @cached_property  # classify asks for it twice an article: rebuilt each time it cost ~0.02 ms
    def foreign(self) -> frozenset[str]:
        """First stems of the `foreign` rules: a ministry hit followed by one is another country's."""
        return frozenset(seq[0] for rule in self.rules if rule.kind == "foreign" for seq in rule.sequences)

    def index(self, exact: bool) -> dict[str, list[tuple[tuple[str, ...], Rule]]]:
        """Sequences keyed by their first token, for one pass over the text."""
        by_first: dict[str, list[tuple[tuple[str, ...], Rule]]] = {}
        for rule in self.rules:
            if rule.kind != "foreign" and (rule.kind == "person") == exact:
                for seq in rule.sequences:
                    by_first.setdefault(seq[0], []).append((seq, rule))
        return by_first


def _fail(path: Path, message: str) -> None:
    raise ConfigError(f"{path}: {message}")


def parse_rules(path: Path) -> Rules:
    """Read and validate a rules file; any problem is a one-line ConfigError naming the file."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        _fail(path, "rules file not found")
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        _fail(path, f"not valid TOML: {exc}")
    unknown = set(data) - {"decision", "rule"}
    if unknown:
        _fail(path, f"unknown section {sorted(unknown)[0]!r}")
    decision = data.get("decision", {})
    if not isinstance(decision, dict) or set(decision) - _DECISION_KEYS:
        _fail(path, f"[decision] accepts only {sorted(_DECISION_KEYS)}")
    for key, value in decision.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            _fail(path, f"[decision] {key} must be a non-negative number")
    rules = []
    raw_rules = data.get("rule", [])
    if not isinstance(raw_rules, list):
        _fail(path, "rule must be an array of tables ([[rule]])")
    for number, raw in enumerate(raw_rules, 1):
        rules.append(_parse_rule(path, number, raw, decision))
    return Rules(
        rules=tuple(rules),
        lead_words=int(decision.get("lead_words", 45)),
        lead_factor=float(decision.get("lead_factor", 2.0)),
        threshold=float(decision.get("threshold", 4.0)),
    )


def _parse_rule(path: Path, number: int, raw: object, decision: dict) -> Rule:
    where = f"rule #{number}"
    if not isinstance(raw, dict):
        _fail(path, f"{where} must be a table")
    if set(raw) - {"kind", "name", "match", "weight"}:
        _fail(path, f"{where}: unknown key {sorted(set(raw) - {'kind', 'name', 'match', 'weight'})[0]!r}")
    kind, name, match = raw.get("kind"), raw.get("name"), raw.get("match")
    if kind not in KINDS:
        _fail(path, f"{where}: kind must be one of {', '.join(KINDS)}")
    if not isinstance(name, str) or not name.strip():
        _fail(path, f"{where}: name must be a non-empty string")
    if not isinstance(match, list) or not match or not all(isinstance(m, str) and m.strip() for m in match):
        _fail(path, f"{where} ({name}): match must be a non-empty list of strings")
    weight = raw.get("weight", decision.get(f"{kind}_weight", 3.0 if kind != "body" else 2.0))
    if isinstance(weight, bool) or not isinstance(weight, (int, float)):
        _fail(path, f"{where} ({name}): weight must be a number")
    if kind == "person":  # exact forms: see the module docstring
        sequences = tuple(tuple(words(normalize(m))) for m in match)
    else:
        sequences = tuple(stem_phrase(m) for m in match)
    if not all(sequences):
        _fail(path, f"{where} ({name}): a match entry has no words")
    return Rule(kind=kind, name=name, weight=float(weight), sequences=sequences)


_cache: dict[Path, tuple[float, Rules, dict, dict]] = {}


def load_rules(path: Path = DEFAULT_RULES) -> tuple[Rules, dict, dict]:
    """The parsed rules with their word and stem indexes, re-read only when the file changes.

    Classifying runs for every article of a crawl, so the file is parsed once and then only
    its modification time is checked (an edit applies without restarting the scheduler).
    """
    path = Path(path)
    try:
        mtime = path.stat().st_mtime
    except FileNotFoundError:
        _fail(path, "rules file not found")
    cached = _cache.get(path)
    if cached is None or cached[0] != mtime:
        rules = parse_rules(path)
        cached = (mtime, rules, rules.index(exact=True), rules.index(exact=False))
        _cache[path] = cached
    return cached[1], cached[2], cached[3]


def _hits(tokens: list[str], token_stems: list[str], index: dict, foreign: frozenset[str]) -> list[tuple[int, Rule]]:
    """(position, rule) for every rule sequence found in `tokens`, minus other countries' ministries."""
    found = []
    for i, token in enumerate(tokens):
        for seq, rule in index.get(token, ()):
            end = i + len(seq)
            if tuple(tokens[i:end]) != seq:
                continue
            if rule.kind in ("body", "phrase") and end < len(token_stems) and token_stems[end] in foreign:
                continue
            found.append((i, rule))
    return found


def classify(article: Article, rules_path: Path = DEFAULT_RULES) -> Relevance:
    """Flag `article` as ministry news or not, with the rules that matched as reasons."""
    rules, word_index, stem_index = load_rules(rules_path)
    title_words = words(normalize(article.title or ""))
    body_words = words(normalize(" ".join(p for p in (article.lead, article.text) if p)))
    tokens = title_words + body_words
    lead_end = len(title_words) + rules.lead_words
    scores = {"mfa": 0.0, "exclude": 0.0}
    reasons: list[str] = []
    token_stems = stems(tokens)
    hits = _hits(tokens, token_stems, word_index, rules.foreign) + _hits(token_stems, token_stems, stem_index, rules.foreign)
    for position, rule in hits:
        factor = rules.lead_factor if position < lead_end else 1.0
        scores["exclude" if rule.kind == "exclude" else "mfa"] += rule.weight * factor
        reason = f"{rule.kind}:{rule.name}"
        if reason not in reasons:
            reasons.append(reason)
    mfa = scores["mfa"] >= rules.threshold and scores["mfa"] > scores["exclude"]
    return Relevance(mfa=mfa, reasons=reasons)
