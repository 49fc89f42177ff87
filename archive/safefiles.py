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


def replace_file(path: str | Path, data: bytes) -> None:
    """Write `data` to `path` atomically: into a new file beside it, then renamed over it, so a
    reader (a web server publishing the file) sees the old content or the new, never half.

    Only a regular file is ever replaced. A symbolic link, a directory, a FIFO, a device or a
    socket at `path` is refused (UserError, one line): replacing a link would silently cut it
    from the file it names, and writing through it would write somewhere the user did not
    name. A new file gets mode 0644 minus the umask; a replaced file keeps its mode.
    """
    import tempfile

    path = Path(path)
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        info = None
    if info is not None:
        if stat.S_ISLNK(info.st_mode):
            raise UserError(f"{path} is a symbolic link; refusing to replace it (give the file it points to)")
        if stat.S_ISDIR(info.st_mode):
            raise UserError(f"{path} is a directory; give a file name such as {path / 'feed.atom'}")
        if not stat.S_ISREG(info.st_mode):
            raise UserError(f"{path} is not a regular file; refusing to replace it")
    if not path.parent.is_dir():
        raise UserError(f"cannot write {path}: directory {path.parent} does not exist")
    if info is not None:
        mode = stat.S_IMODE(info.st_mode)
    else:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o644 & ~umask
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
