"""Every error the tool raises on purpose, in one module.

A `UserError` is a problem the user can fix: bad input, configuration or archive. Its message
is one line, and `archive.cli.main` prints it as `mfa-archive COMMAND: error: MESSAGE` and
exits 2, whichever command raised it, so no command converts errors of its own.
The other classes are outcomes the code handles itself (a locked archive, a feed that cannot
be read, a missing raw page).
"""

from __future__ import annotations


class UserError(Exception):
    """A problem with the user's input, configuration or archive; the message is one line."""


class ConfigError(UserError):
    """A configuration file or value that cannot be used; the message names the file and key."""


class ArchiveError(UserError):
    """An archive file that cannot be opened or written."""


class QueryError(UserError, ValueError):
    """A search query or filter that cannot be searched."""


class ExportError(UserError):
    """An export that cannot be made: a bad option or a path the tool will not write."""


class BadURL(UserError, ValueError):
    """A string that is not an absolute http(s) URL."""


class LineError(UserError, ValueError):
    """Why one line of an input file cannot be imported (the file goes on without it)."""


class Locked(Exception):
    """Another process holds the archive's crawl lock (exit 75: try again later)."""


class FeedError(ValueError):
    """A feed or sitemap that cannot be used; the message says why in one line."""

    @property
    def reason(self) -> str:
        """The message without its particulars ("malformed XML"), to group failures by."""
        return str(self).split(":")[0].split(" (")[0]


class RawPageMissing(LookupError):
    """No raw page (or zstd dictionary) with that id."""
