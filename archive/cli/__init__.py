"""The `mfa-archive` command line: one thin module per command under `archive/cli/`.

Each command module exposes `register(subparsers)`, which adds its parser and sets `func=run`;
`run` parses nothing itself and calls the library. Every error the user can act on is a
`archive.errors.UserError`, printed here as one line with exit 2, whichever command raised it.
Modules import only argparse-level code at the top, so `mfa-archive --help` starts fast.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from archive import __version__

# Exit codes, documented in the README.
EXIT_OK = 0
EXIT_FAILURE = 1  # the job ran but something failed (a source, some ingest lines, a check, a full disk)
EXIT_USAGE = 2  # bad arguments, bad input, a config or archive the command cannot use
EXIT_LOCKED = 75  # another crawl holds the lock (EX_TEMPFAIL: cron may simply retry later)
EXIT_INTERRUPTED = 130  # stopped by a signal before it finished

COMMANDS = [
    "crawl", "demo", "extract", "reextract", "ingest", "stories", "recluster", "search", "quotes", "export", "status",
    "check", "schedule", "serve", "watch",
]


class OneLineParser(argparse.ArgumentParser):
    """argparse that reports bad arguments in one line instead of usage plus error."""

    def error(self, message: str) -> None:  # type: ignore[override]
        sys.stderr.write(f"{self.prog}: error: {message} (see --help)\n")
        raise SystemExit(EXIT_USAGE)


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(
        prog="mfa-archive",
        description="Archive Russian foreign-ministry news: crawl, search and export it.",
        epilog="Run `mfa-archive COMMAND --help` for a command's options.",
    )
    parser.add_argument("--version", action="version", version=f"mfa-archive {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=OneLineParser)
    for name in COMMANDS:
        importlib.import_module(f"archive.cli.{name}").register(sub)
    return parser


def _fail(command: str, message: str, code: int) -> int:
    sys.stderr.write(f"mfa-archive {command}: error: {message}\n")
    return code


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:  # --help, --version, or a bad argument already reported in one line
        return exit_.code if isinstance(exit_.code, int) else EXIT_USAGE
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    import sqlite3

    from archive.errors import Locked, UserError
    from archive.store.database import is_disk_full

    where = getattr(args, "db", None) or "the archive"
    try:
        return int(args.func(args) or 0)
    except UserError as exc:
        return _fail(args.command, str(exc), EXIT_USAGE)
    except Locked as exc:  # not an error: the other crawl is doing the work
        sys.stderr.write(f"mfa-archive {args.command}: {exc}\n")
        return EXIT_LOCKED
    except sqlite3.DatabaseError as exc:
        if is_disk_full(exc):
            return _fail(args.command, f"disk full: cannot write to {where}; nothing half-written was kept", EXIT_FAILURE)
        # A damaged archive opens (its first pages are fine) and fails on the first damaged page read.
        return _fail(args.command, f"cannot read {where}: {exc} (see mfa-archive check)", EXIT_USAGE)
    except KeyboardInterrupt:
        sys.stderr.write(f"mfa-archive {args.command}: interrupted\n")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader went away (`| head`): stop quietly, and keep Python from complaining
        # about the unflushed stdout at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except OSError as exc:  # a path the command must create or write: the lock, the log, an output
        name = f": {exc.filename}" if exc.filename else ""
        if is_disk_full(exc):
            return _fail(args.command, f"disk full{name}", EXIT_FAILURE)
        return _fail(args.command, f"{exc.strerror or exc}{name}", EXIT_USAGE)
