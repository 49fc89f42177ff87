"""Options several commands share, defined once: the archive, the configuration, the filters
and bounded numbers. Argument types turn bad values into argparse's one-line error (exit 2)."""

from __future__ import annotations

import argparse

from archive.store.database import DEFAULT_ARCHIVE

MAX_LIMIT = 10_000


def add_db(parser: argparse.ArgumentParser, default: str = DEFAULT_ARCHIVE) -> None:
    parser.add_argument("--db", default=default, metavar="PATH", help=f"archive file (default: {default})")


def add_config(parser: argparse.ArgumentParser, *, base_url: bool = True) -> None:
    """--config (the sources file) and, for crawling commands, --base-url."""
    parser.add_argument("--config", metavar="FILE", help="sources file (default: settings/sources.toml)")
    if base_url:
        parser.add_argument(
            "--base-url", metavar="NAME=URL", action="append", default=[],
            help="point source NAME at another origin, e.g. a local mirror (repeatable)",
        )


def day(option: str):
    """An argparse type: a day YYYY-MM-DD within 1900-9998."""

    def parse(value: str):
        from archive.dates import parse_day

        try:
            return parse_day(value, option)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    parse.__name__ = "date"
    return parse


def bounded_int(low: int, high: int, what: str):
    """An argparse type: a whole number from `low` to `high`."""

    def parse(value: str) -> int:
        try:
            number = int(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{what} must be a whole number, not {value!r}") from None
        if not low <= number <= high:
            raise argparse.ArgumentTypeError(f"{what} must be from {low} to {high:,}, not {value}")
        return number

    parse.__name__ = "number"
    return parse


def seconds(value: str) -> float:
    """An argparse type: a positive number of seconds, at most a week."""
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--every must be a number of seconds, not {value!r}") from None
    if not 0 < number <= 7 * 24 * 3600:
        raise argparse.ArgumentTypeError(f"--every must be more than 0 and at most 604800 seconds (a week), not {value}")
    return number


def add_filters(parser: argparse.ArgumentParser, *, since_help: str = "published on or after DATE (YYYY-MM-DD)") -> None:
    """--source, --since, --until and --all: which articles a search or an export covers."""
    parser.add_argument("--source", metavar="NAME", help="only this source (e.g. tass, newsru, midru)")
    parser.add_argument("--since", metavar="DATE", type=day("--since"), help=since_help)
    parser.add_argument("--until", metavar="DATE", type=day("--until"), help="published on or before DATE (YYYY-MM-DD)")
    parser.add_argument("--all", action="store_true", help="include articles that are not ministry news")


def article_filter(args: argparse.Namespace, db, *, config_path: str | None = None):
    """The ArticleFilter of the parsed filter options, checked against the archive.

    An unknown --source is refused with the names it could be (configured sources and the
    sources the archive holds), and --since after --until is an error, not an empty result.
    """
    from archive.errors import UserError
    from archive.store.filters import ArticleFilter

    since, until = args.since, args.until
    if since and until and since > until:
        raise UserError(f"--since {since} is after --until {until}")
    if args.source is not None:
        known = known_sources(db, config_path)
        if args.source not in known:
            raise UserError(f"unknown source {args.source!r} (known: {', '.join(sorted(known)) or 'none'})")
    return ArticleFilter(source=args.source, since=since, until=until, all_articles=args.all)


def known_sources(db, config_path: str | None = None) -> set[str]:
    """Configured source names and the sources the archive holds (ingested hosts included)."""
    from archive.config import load_config
    from archive.errors import ConfigError

    try:
        names = set(load_config(config_path).sources)
    except ConfigError:
        names = set()
    return names | {s for (s,) in db.execute("SELECT DISTINCT source FROM articles")}
