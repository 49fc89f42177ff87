"""The `mfa-archive` command line: one module per command under `archive/cli/`.

Each command module exposes `register(subparsers)`, which adds its parser and sets
`func=run`. Errors the user can fix are raised as `UserError` (or `ArchiveError`,
`ConfigError`) and shown as one line on stderr; bad arguments exit 2.
"""

from __future__ import annotations

import argparse
import importlib
import sqlite3
import sys

from archive import __version__

# Exit codes, documented in the README.
EXIT_OK = 0
EXIT_FAILURE = 1  # the job ran but something failed (a source, some ingest lines, a check)
EXIT_USAGE = 2  # bad arguments, bad input, a config or archive the command cannot use
EXIT_LOCKED = 75  # another crawl holds the lock (EX_TEMPFAIL: cron may simply retry later)

COMMANDS = ["crawl", "demo", "extract", "reextract", "ingest", "stories", "recluster", "search", "export", "status", "check", "schedule"]


class UserError(Exception):
    """A problem with the user's input; its message is printed as one line."""


class OneLineParser(argparse.ArgumentParser):
    """argparse that reports bad arguments in one line instead of usage plus error."""

    def error(self, message: str) -> None:  # type: ignore[override]
        sys.stderr.write(f"{self.prog}: error: {message} (see --help)\n")
        raise SystemExit(EXIT_USAGE)


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(prog="mfa-archive", description="Archive Russian foreign-ministry news.")
    parser.add_argument("--version", action="version", version=f"mfa-archive {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=OneLineParser)
    for name in COMMANDS:
        importlib.import_module(f"archive.cli.{name}").register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    from archive.config import ConfigError
    from archive.store import ArchiveError

    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        return int(args.func(args) or 0)
    except (UserError, ConfigError, ArchiveError) as exc:
        sys.stderr.write(f"mfa-archive {args.command}: error: {exc}\n")
        return EXIT_USAGE
    except sqlite3.DatabaseError as exc:
        # A damaged archive opens (its first pages are fine) and fails on the first damaged page read.
        where = getattr(args, "db", "the archive")
        sys.stderr.write(f"mfa-archive {args.command}: error: cannot read {where}: {exc} (see mfa-archive check)\n")
        return EXIT_USAGE
    except KeyboardInterrupt:
        sys.stderr.write(f"mfa-archive {args.command}: interrupted\n")
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except OSError as exc:  # a path the command must create or write: the lock, the log, an output
        where = f": {exc.filename}" if exc.filename else ""
        sys.stderr.write(f"mfa-archive {args.command}: error: {exc.strerror or exc}{where}\n")
        return EXIT_USAGE
