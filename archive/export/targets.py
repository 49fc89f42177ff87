"""Where an export goes (`--out`), and how it is written there without harming anything else.

The tool may run as root: a rename over `/dev/null` would replace the machine's /dev/null with
a regular file. So the target decides how it is written:

- a regular file, or a path that does not exist yet: written under a temporary name in the
  same directory, synced, then renamed over the target, so a reader never sees half a file;
- a symbolic link: resolved, and what it points to is written by these rules (the link stays);
- `-` (stdout), an existing FIFO or character device: streamed, by opening it for writing;
  never renamed over;
- a directory, a block device, a socket or a dangling link: refused with one line.

Temporary files are named `.<name>.<pid>.mfa-export.tmp`. A killed export leaves its own
behind; the next export to that directory, or `check --repair`, removes those whose process is
gone, and nothing else.
"""

from __future__ import annotations

import os
import re
import stat
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Iterator

from archive.errors import ExportError

STDOUT = "-"
TEMPORARY_SUFFIX = ".mfa-export.tmp"
_TEMPORARY = re.compile(r"\..+\.(?P<pid>[1-9][0-9]*)" + re.escape(TEMPORARY_SUFFIX))
_STREAM_KINDS = {stat.S_IFIFO: "FIFO", stat.S_IFCHR: "character device"}
_REFUSED_KINDS = {stat.S_IFBLK: "a block device", stat.S_IFSOCK: "a socket", stat.S_IFDIR: "a directory"}


@dataclass(frozen=True)
class AtomicFile:
    """A regular file (symbolic links resolved), replaced as a whole or not at all."""

    path: Path

    @property
    def shown(self) -> str:
        return str(self.path)

    @contextmanager
    def open(self) -> Iterator[BinaryIO]:
        """A new temporary file beside the target, renamed over it when the block succeeds."""
        temporary = temporary_path(self.path)
        try:
            fd = _create(temporary)
        except OSError as exc:
            raise ExportError(f"cannot write in {self.path.parent}: {exc.strerror or exc}") from None
        try:
            with os.fdopen(fd, "wb") as sink:
                yield sink
                sink.flush()
                os.fsync(sink.fileno())
            _refuse_if_not_replaceable(self.path)
            os.replace(temporary, self.path)
            _sync_directory(self.path.parent)
        finally:
            temporary.unlink(missing_ok=True)  # only left when the block failed


@dataclass(frozen=True)
class Stream:
    """stdout, a FIFO or a character device: written in place, front to back."""

    path: Path | None  # None for stdout
    follow_links: bool = True

    @property
    def shown(self) -> str:
        return "stdout" if self.path is None else str(self.path)

    @contextmanager
    def open(self) -> Iterator[BinaryIO]:
        if self.path is None:
            yield sys.stdout.buffer
            sys.stdout.buffer.flush()
            return
        # No O_CREAT: if the FIFO went away, this fails instead of making a regular file. A
        # FIFO blocks here until a reader opens it, as `cat > FIFO` does.
        flags = os.O_WRONLY | os.O_NOCTTY | os.O_CLOEXEC | (0 if self.follow_links else os.O_NOFOLLOW)
        try:
            fd = os.open(self.path, flags)
        except OSError as exc:
            raise ExportError(f"cannot write to {self.path}: {exc.strerror or exc}") from None
        if stat.S_IFMT(os.fstat(fd).st_mode) not in _STREAM_KINDS:  # replaced since it was looked at
            os.close(fd)
            raise ExportError(f"{self.path} changed while the export started; run it again")
        with os.fdopen(fd, "wb") as sink:
            yield sink


Target = AtomicFile | Stream


def resolve_target(out: str | Path) -> Target:
    """How `--out` is written (see the module docstring); ExportError for what is refused."""
    if str(out) == STDOUT:
        return Stream(None)
    path = Path(out)
    try:
        kind = stat.S_IFMT(os.lstat(path).st_mode)
    except FileNotFoundError:
        return _new_file(path)
    except OSError as exc:  # a parent that is a file, a path too long, no permission
        raise ExportError(f"cannot write {path}: {exc.strerror or exc}") from None
    if kind == stat.S_IFLNK:
        return _through_link(path)
    if kind == stat.S_IFREG:
        return _file(path)
    if kind in _STREAM_KINDS:
        return Stream(path, follow_links=False)
    raise _refusal(path, kind)


def _new_file(path: Path) -> AtomicFile:
    if not path.parent.is_dir():
        raise ExportError(f"cannot write {path}: directory {path.parent} does not exist")
    return _file(path)


def _file(path: Path) -> AtomicFile:
    """The file by its full path, its directory's links resolved: the `exports` table compares
    releases by it, and `check` looks for leftovers in its directory."""
    return AtomicFile(path.absolute().parent.resolve() / path.name)


def _through_link(link: Path) -> Target:
    """The target a symbolic link names: streams are opened through the link (so
    /dev/stdout and /proc/self/fd/1 reach a pipe), a regular file is replaced where it is."""
    try:
        st = os.stat(link)
    except FileNotFoundError:
        raise ExportError(f"{link} is a symbolic link to nothing ({os.readlink(link)}); refusing to write") from None
    except OSError as exc:
        raise ExportError(f"cannot follow {link}: {exc.strerror or exc}") from None
    kind = stat.S_IFMT(st.st_mode)
    if kind in _STREAM_KINDS:
        return Stream(link)
    if kind != stat.S_IFREG:
        raise _refusal(link, kind)
    real = Path(os.path.realpath(link))
    try:
        same = os.stat(real)
    except OSError:
        same = None
    # realpath cannot name every file (a /proc link to a deleted file): then there is no
    # path to rename over, and writing through the link in place would not be atomic.
    if same is None or (same.st_dev, same.st_ino) != (st.st_dev, st.st_ino):
        raise ExportError(f"{link} points to a file that has no path of its own; refusing to write")
    return AtomicFile(real)


def _refusal(path: Path, kind: int) -> ExportError:
    if kind == stat.S_IFDIR:
        return ExportError(f"{path} is a directory: give the name of a file in it")
    what = _REFUSED_KINDS.get(kind, "not a regular file")
    return ExportError(
        f"{path} is {what}; export writes a regular file, a FIFO, a character device or - (stdout)"
    )


def _refuse_if_not_replaceable(path: Path) -> None:
    """Something other than a regular file may have appeared at the target while the export
    ran; a rename would destroy it."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return
    if not stat.S_ISREG(mode):
        raise _refusal(path, stat.S_IFMT(mode))


def _sync_directory(directory: Path) -> None:
    """Make the rename itself durable (best effort: some filesystems cannot sync a directory)."""
    try:
        fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _create(temporary: Path) -> int:
    """A new, empty temporary file; the kernel applies the umask to 0666, so the export is as
    shareable as any new file."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    try:
        return os.open(temporary, flags, 0o666)
    except FileExistsError:
        # Named with this process's pid, so left by a killed process that had the same pid.
        if not stat.S_ISREG(os.lstat(temporary).st_mode):
            raise
        temporary.unlink()
        return os.open(temporary, flags, 0o666)


def temporary_path(path: Path) -> Path:
    """This process's temporary file for `path`: `.<name>.<pid>.mfa-export.tmp` beside it."""
    return path.with_name(f".{path.name}.{os.getpid()}{TEMPORARY_SUFFIX}")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    except (OverflowError, OSError):  # no process can have that number
        return False
    return True


def leftover_temporaries(directory: Path) -> list[Path]:
    """Temporary files of exports whose process is gone: regular files named by the pattern
    whose pid is not a running process. Nothing else in `directory` is ever listed."""
    try:
        entries = list(os.scandir(directory))
    except OSError:  # gone or unreadable: nothing of ours can be removed there
        return []
    found = []
    for entry in entries:
        match = _TEMPORARY.fullmatch(entry.name)
        if match and entry.is_file(follow_symlinks=False) and not _alive(int(match["pid"])):
            found.append(Path(entry.path))
    return sorted(found)


def remove_leftover_temporaries(directory: Path) -> int:
    """Remove the temporary files killed exports left in `directory`; return how many."""
    removed = 0
    for path in leftover_temporaries(directory):
        try:
            path.unlink()
        except FileNotFoundError:  # another export or check removed it first
            continue
        removed += 1
    return removed
