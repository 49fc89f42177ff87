"""The crawl's log: a size-rotated file beside the archive, never the terminal.

It holds what a reader needs to follow a run (requests that failed, what was stored), not
Scrapy's start-up dump of every setting and middleware (21 KB a run, so the rotating log kept
only two weeks). It never follows a symbolic link, and a write that fails (a full disk) turns
it off with one note instead of a traceback for every later line.
"""

from __future__ import annotations

import logging
import os
from logging.handlers import RotatingFileHandler
from pathlib import Path

from archive.safefiles import open_own_file

LOG_BYTES = 5 * 1024 * 1024
LOG_BACKUPS = 5
# Loggers whose INFO lines are Scrapy's start-up and shutdown dumps (settings, middlewares,
# extensions, the stats table): kept at WARNING.
_QUIETED = ("scrapy.middleware", "scrapy.crawler", "scrapy.statscollectors", "scrapy.utils.log",
            "scrapy.extensions.telnet", "scrapy.addons", "scrapy.core.engine")


class CrawlLogHandler(RotatingFileHandler):
    """A RotatingFileHandler that opens its file safely and goes quiet when writing fails."""

    def __init__(self, path: str | Path) -> None:
        self.broken = False
        super().__init__(path, maxBytes=LOG_BYTES, backupCount=LOG_BACKUPS, encoding="utf-8", delay=False)

    def _open(self):
        return os.fdopen(open_own_file(self.baseFilename, append=True), "a", encoding="utf-8")

    def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802 (logging's name)
        """The first failed write (ENOSPC) disables the handler; the crawl reports it once."""
        self.broken = True
        try:
            if self.stream:
                self.stream.close()
        except OSError:
            pass
        self.stream = None
        logging.getLogger().removeHandler(self)

    def emit(self, record: logging.LogRecord) -> None:
        if not self.broken:
            super().emit(record)


def _worth_keeping(record: logging.LogRecord) -> bool:
    """Scrapy's start-up and shutdown dumps only when they warn; everything else from INFO up."""
    return record.levelno >= logging.WARNING or not record.name.startswith(_QUIETED)


def setup_logging(log_file: str | Path) -> CrawlLogHandler:
    """Send the crawl's log (Scrapy's included) to the rotating file; returns its handler.

    The level and the filter sit on the handler: Scrapy sets its own loggers' levels when the
    crawl starts, after this.
    """
    handler = CrawlLogHandler(log_file)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.setLevel(logging.INFO)
    handler.addFilter(_worth_keeping)
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    return handler
