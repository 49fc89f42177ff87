"""The CDXJ index beside a WARC export: `<file>.cdxj`, never replacing a file it did not write.

An index is ours to replace when it is a regular file (not a link) whose first line is a
CDXJ line naming the same WARC file (`"filename"`): an index of that file, which the new file
makes stale anyway. Anything else at that name refuses the export before anything is written.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

from archive.errors import ExportError
from archive.export.targets import AtomicFile

SUFFIX = ".cdxj"
_HEAD_BYTES = 64 * 1024


def index_path(data: Path) -> Path:
    """Where the index of the WARC file `data` goes; ExportError if someone else's file is there."""
    path = data.with_name(data.name + SUFFIX)
    if not _free_or_ours(path, data.name):
        raise ExportError(f"{path} is not an mfa-archive CDXJ index of {data.name}; move it away, or export "
                          "to another name")
    return path


def is_our_index(path: Path, filename: str) -> bool:
    try:
        if not stat.S_ISREG(os.lstat(path).st_mode):
            return False
        with path.open("rb") as f:
            first = f.read(_HEAD_BYTES).split(b"\n", 1)[0].decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    parts = first.split(" ", 2)
    if len(parts) != 3 or not (len(parts[1]) == 14 and parts[1].isdigit()):
        return False
    try:
        fields = json.loads(parts[2])
    except ValueError:
        return False
    return isinstance(fields, dict) and fields.get("filename") == filename


def _free_or_ours(path: Path, filename: str) -> bool:
    return not os.path.lexists(path) or is_our_index(path, filename)


def write_index(path: Path, filename: str, data: bytes) -> None:
    """Write the index atomically, unless someone else's file appeared there meanwhile."""
    if not _free_or_ours(path, filename):
        raise ExportError(f"{path} appeared while exporting and is not an mfa-archive index; left it as it was")
    with AtomicFile(path).open() as sink:
        sink.write(data)
