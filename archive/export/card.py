"""The dataset card: README.md beside the data, with the YAML header dataset hubs (Hugging Face)
read."""

from __future__ import annotations

from pathlib import Path

from archive import __version__
from archive.dates import utc_now
from archive.export.rows import SCHEMA_VERSION, arrow_schema
from archive.export.targets import AtomicFile

CARD_NAME = "README.md"


def write_card(path: Path, text: str) -> None:
    with AtomicFile(path).open() as sink:
        sink.write(text.encode("utf-8"))


def _size_category(rows: int) -> str:
    for limit, name in ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"), (1_000_000, "100K<n<1M")):
        if rows < limit:
            return name
    return "1M<n<10M"


def dataset_card(out: Path, fmt: str, by_story: bool, rows: int, summary: dict, command: str, all_articles: bool) -> str:
    """README.md with a YAML header that dataset hubs (Hugging Face) read."""
    import yaml

    dtypes = {"int64": "int64", "string": "string", "bool": "bool", "list<item: string>": {"list": "string"}}
    features = []
    for field in arrow_schema(by_story):
        dtype = dtypes[str(field.type)]
        features.append({"name": field.name, **({"dtype": dtype} if isinstance(dtype, str) else {"sequence": "string"})})
    header = {
        "pretty_name": "Russian foreign-ministry news archive (mfa-archive)",
        "language": ["ru"],
        "license": "other",
        "size_categories": [_size_category(rows)],
        "schema_version": SCHEMA_VERSION,
        "configs": [{"config_name": "default", "data_files": [{"split": "train", "path": out.name}]}],
        "dataset_info": {"features": features, "splits": [{"name": "train", "num_examples": rows}]},
        "sources": sorted(summary["sources"]),
        "date_range": {"first_published": summary["first_published"], "last_published": summary["last_published"]},
        "counts": {
            "rows": rows,
            "articles": summary["articles"],
            "mfa_articles": summary["mfa_articles"],
            "stories": summary["stories"],
            "by_source": summary["sources"],
        },
        "created": {
            "tool": f"mfa-archive {__version__}",
            "command": command,
            "at": utc_now(),
            "format": fmt,
            "one_row_per": "story" if by_story else "article",
        },
    }
    scope = "all archived articles" if all_articles else "foreign-ministry news only (`mfa` = true)"
    body = f"""
# Russian foreign-ministry news (mfa-archive export)

{rows} rows ({'one per story: its original report' if by_story else 'one per article'}) from
{len(summary['sources'])} sources, published {summary['first_published']} to {summary['last_published']};
{scope}.

Made by `{command}` (schema version {SCHEMA_VERSION}). Articles were crawled
from the sources' feeds, sitemaps and section pages, extracted with trafilatura and per-site
profiles, classified as ministry news by the rules in `settings/relevance.toml`, and linked
to reprints and stories by MinHash similarity.

Columns, types and their meaning: see `docs/export-schema.md` in the mfa-archive repository.
Datetimes are ISO 8601 strings with their original UTC offset. Texts are the publishers'
copyright; check each source's terms before redistributing.
"""
    return "---\n" + yaml.safe_dump(header, allow_unicode=True, sort_keys=False) + "---\n" + body
