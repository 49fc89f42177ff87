"""Opening files the tool writes beside the archive (the lock, the log) without harming others.

The tool may run as root from cron or systemd. A symbolic link, a FIFO or a device where it
expects its own lock or log file must never be followed, truncated or blocked on: such a path
is refused with one line instead.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from archive.errors import UserError


def open_own_file(path: str | Path, *, append: bool = False) -> int:
    """A file descriptor of the regular file `path`, created if missing (mode 0644 minus umask).

    Refuses (UserError) a symbolic link, a directory, a FIFO, a device or a socket at `path`;
    the file is never truncated here.
    """
    flags = os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
    if append:
        flags |= os.O_APPEND
    try:
        fd = os.open(path, flags, 0o644)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise UserError(f"{path} is a symbolic link; refusing to write through it") from None
        if exc.errno == errno.EISDIR:
            raise UserError(f"{path} is a directory, not a file") from None
        if exc.errno in (errno.ENXIO, errno.EWOULDBLOCK):  # a FIFO with no reader
            raise UserError(f"{path} is not a regular file; refusing to use it") from None
        raise
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise UserError(f"{path} is not a regular file; refusing to use it")
    os.set_blocking(fd, True)
    return fd
