"""The dataset card: a README with the YAML header dataset hubs (Hugging Face) read.

A card never replaces a file mfa-archive did not write. It is `README.md` beside the data when
there is none there or that one is a card of ours (recognised by MARKER, the line right after
its YAML header); otherwise it is `<data file name>.README.md`. When that name too holds
someone else's file, the export is refused before anything is written.
"""

from __future__ import annotations

import os
import stat
import textwrap
from pathlib import Path

from archive import __version__
from archive.dates import utc_now
from archive.errors import ExportError
from archive.export import quotes as quote_export
from archive.export.releases import Release
from archive.export.rows import SCHEMA_VERSION, arrow_schema
from archive.export.targets import AtomicFile

CARD_NAME = "README.md"
MARKER = "<!-- written by mfa-archive export: the next export to this folder replaces this file -->"
_HEAD_BYTES = 64 * 1024  # far more than a card's YAML header takes
_DTYPES = {"int64": "int64", "string": "string", "bool": "bool"}
WIDTH = 95  # the body's line length


def is_our_card(path: Path) -> bool:
    """A regular file (not a link) whose first line after the YAML header is MARKER."""
    try:
        if not stat.S_ISREG(os.lstat(path).st_mode):
            return False
        with path.open("rb") as f:
            head = f.read(_HEAD_BYTES).decode("utf-8", errors="replace")
    except OSError:
        return False
    if not head.startswith("---\n"):
        return False
    _, found, rest = head[4:].partition("\n---\n")
    return bool(found) and rest.split("\n", 1)[0] == MARKER


def _free_or_ours(path: Path) -> bool:
    return not os.path.lexists(path) or is_our_card(path)


def card_path(data: Path) -> Path:
    """Where the card of the data file `data` goes (see the module docstring)."""
    readme = data.with_name(CARD_NAME)
    if readme != data and _free_or_ours(readme):
        return readme
    named = data.with_name(f"{data.name}.{CARD_NAME}")
    if _free_or_ours(named):
        return named
    raise ExportError(
        f"{readme} and {named} are not mfa-archive dataset cards; move one of them away, or export to another folder"
    )


def write_card(path: Path, text: str) -> None:
    """Write the card at `path`, unless someone else's file appeared there meanwhile."""
    if not _free_or_ours(path):
        raise ExportError(f"{path} appeared while exporting and is not an mfa-archive card; left it as it was")
    with AtomicFile(path).open() as sink:
        sink.write(text.encode("utf-8"))


def _size_category(rows: int) -> str:
    for limit, name in ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"), (1_000_000, "100K<n<1M")):
        if rows < limit:
            return name
    return "1M<n<10M"


def _features(fmt: str, by_story: bool) -> list[dict]:
    """The columns as the loader reads them from this format's file."""
    features = []
    for field in arrow_schema(by_story):
        dtype = _DTYPES.get(str(field.type))
        if field.name == quote_export.QUOTES_COLUMN and fmt != "csv":
            features.append(quote_export.card_feature())
        elif dtype:
            features.append({"name": field.name, "dtype": dtype})
        elif fmt == "csv":  # a list is a JSON array in a CSV cell: text to the loader
            features.append({"name": field.name, "dtype": "string"})
        else:  # `sequence` rather than datasets 4's `list`: every version of the loader reads it
            features.append({"name": field.name, "sequence": "string"})
    return features


def _linking_text(by_story: bool) -> str:
    """How reprints and stories were found, from the constants the link stage uses."""
    from archive.link import minhash, stories

    reprints = (
        f"Reprints (near-identical copies) were found by MinHash over word {minhash.SHINGLE}-shingles "
        f"({minhash.NUM_PERM} permutations, LSH bands for candidates), each candidate verified by its "
        f"estimated Jaccard similarity (at least {minhash.REPRINT_JACCARD}) or containment (at least "
        f"{minhash.REPRINT_CONTAINMENT}); `reprint_of` points at the earliest copy."
    )
    rule = stories.RULE
    story_method = (
        f"Stories (reports of one event) are not found by MinHash: two articles published within "
        f"{rule.window_hours} hours of each other report the same event when one reprints the other, "
        f"when they share at least {rule.min_shared_quotes} word {stories.QUOTE_NGRAM}-grams inside "
        f"quotation marks, or when the cosine similarity of their weighted term vectors (stemmed words, stop "
        f"words dropped, names and numbers weighted up) is at least {rule.cosine_alone}, or "
        f"{rule.cosine_with_names} when they name mostly the same people and places; an article dated the "
        f"next day (up to {rule.next_day_hours} hours later) needs a cosine of at least {rule.next_day_cosine}. "
        f"Two articles of one source need a cosine similarity of at least {rule.same_source_cosine} in any case, "
        f"and so do a ministry and a non-ministry article (at least {rule.mixed_relevance_cosine}). An article "
        f"whose page gives no date joins a story as a copy of one of its articles, by its dateline's day, or "
        f"by a cosine of at least {rule.undated_cosine} with its closest dated article when that is closer "
        f"than any article of another date by at least {rule.undated_margin} (`date_source` says which). "
        f"A story is a connected "
        f"group of such pairs."
    )
    if by_story:
        story_method += (
            " Each row is a story's primary source (the ministry's own document) when the export holds it, "
            "else its original report: not a reprint if the story has one, then the earliest published; "
            "`story_size`, `story_sources` and `story_primary_id` describe the whole story."
        )
    return textwrap.fill(reprints, WIDTH) + "\n\n" + textwrap.fill(story_method, WIDTH)


def dataset_card(
    data: Path, fmt: str, *, by_story: bool, rows: int, summary: dict, command: str, all_articles: bool,
    release: Release | None,
) -> str:
    """The card of the data file `data` (already in place: its size goes into the header)."""
    import yaml

    size = data.stat().st_size
    created = {
        "tool": f"mfa-archive {__version__}",
        "command": command,
        "at": utc_now(),
        "format": fmt,
        "one_row_per": "story" if by_story else "article",
    }
    if release:
        created["release"] = {
            "stream": release.stream.name, "after_article_id": release.from_id, "to_article_id": release.to_id,
        }
    header = {
        "pretty_name": "Russian foreign-ministry news archive (mfa-archive)",
        "language": ["ru"],
        "license": "other",
        "size_categories": [_size_category(rows)],
        "schema_version": SCHEMA_VERSION,
        "configs": [{"config_name": "default", "data_files": [{"split": "train", "path": data.name}]}],
        # The loader ignores a `splits` entry without all three of name, num_bytes and
        # num_examples (with a warning); it checks num_examples against the data.
        "dataset_info": {
            "features": _features(fmt, by_story),
            "splits": [{"name": "train", "num_bytes": size, "num_examples": rows}],
            "download_size": size,
        },
        "sources": sorted(summary["sources"]),
        "date_range": {"first_published": summary["first_published"], "last_published": summary["last_published"]},
        "counts": {
            "rows": rows,
            "articles": summary["articles"],
            "mfa_articles": summary["mfa_articles"],
            "stories": summary["stories"],
            "by_source": summary["sources"],
        },
        "created": created,
    }
    scope = "all archived articles" if all_articles else "foreign-ministry news only (`mfa` = true)"
    delta = (
        f"\nA release of stream `{release.stream.name}`: the articles added after article id {release.from_id}, "
        f"up to {release.to_id}.\n"
        if release else ""
    )
    body = f"""{MARKER}

# Russian foreign-ministry news (mfa-archive export)

{rows} rows ({'one per story: its primary source or original report' if by_story else 'one per article'}) in `{data.name}`, from
{len(summary['sources'])} source{'' if len(summary['sources']) == 1 else 's'}, published {summary['first_published']} to {summary['last_published']};
{scope}.
{delta}
Made by `{command}` (schema version {SCHEMA_VERSION}). Articles were crawled
from the sources' feeds, sitemaps and section pages, extracted with trafilatura and per-site
profiles, and classified as ministry news by the rules in `settings/relevance.toml`.

{_linking_text(by_story)}

Columns, types and their meaning: see `docs/export-schema.md` in the mfa-archive repository.
Datetimes are ISO 8601 strings with their original UTC offset. Texts are the publishers'
copyright; check each source's terms before redistributing.
"""
    return "---\n" + yaml.safe_dump(header, allow_unicode=True, sort_keys=False) + "---\n" + body
