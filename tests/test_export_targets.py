"""`mfa-archive export` as a user runs it: the installed command, from a working directory of
its own, onto every kind of target.

Exports never destroy what they did not create: a regular file is replaced atomically; stdout,
a FIFO and a character device are streamed to and stay what they are; a symbolic link stays a
link; a directory or a socket is refused in one line; a killed export's temporary file is
removed. A README that is not an mfa-archive card is never touched, and a selection of no rows
writes nothing. Release streams (`--since last`) lose no delta. `--bom` is for Excel. Every
device and FIFO these tests write to is made inside the test's own temporary directory.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import socket
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from archive.schema import open_archive
from tests.test_export import _article, _store

MFA = Path(sys.executable).parent / "mfa-archive"
FORMATS = ("jsonl", "csv", "parquet")


def mfa(cwd: Path, *args: str, **run) -> subprocess.CompletedProcess:
    """The installed `mfa-archive ARGS`, run from `cwd`; stdout as bytes (it may be the export)."""
    return subprocess.run([str(MFA), *args], cwd=cwd, capture_output=True, timeout=120, **run)


def export(cwd: Path, fmt: str, out: str, *extra: str, **run) -> subprocess.CompletedProcess:
    return mfa(cwd, "export", "--db", str(cwd / "a.db"), "--format", fmt, "--out", out, *extra, **run)


def _err(result: subprocess.CompletedProcess) -> str:
    return result.stderr.decode("utf-8")


def _one_line_error(result: subprocess.CompletedProcess) -> str:
    err = _err(result)
    assert result.returncode == 2, err
    assert err.count("\n") == 1 and "Traceback" not in err and "error" in err, err
    return err


@pytest.fixture
def work(tmp_path) -> Path:
    """A working directory with an archive `a.db`: six ministry articles and two others."""
    db = open_archive(tmp_path / "a.db")
    _store(db, [_article(n) for n in range(1, 7)])
    _store(db, [_article(n) for n in range(7, 9)], mfa=False)
    db.close()
    return tmp_path


def _file_export(work: Path, fmt: str) -> bytes:
    """The bytes a regular-file export writes, to compare streams with."""
    folder = work / f"reference-{fmt}"
    folder.mkdir(exist_ok=True)
    result = export(work, fmt, str(folder / f"out.{fmt}"))
    assert result.returncode == 0, _err(result)
    return (folder / f"out.{fmt}").read_bytes()


# Streams --------------------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", FORMATS)
def test_dash_streams_to_stdout(work, fmt):
    result = export(work, fmt, "-")
    assert result.returncode == 0, _err(result)
    assert result.stdout == _file_export(work, fmt)
    assert _err(result) == "exported 6 articles to stdout\n"
    assert not (work / "-").exists() and not (work / "README.md").exists()


def test_parquet_streamed_to_stdout_reads_back(work):
    result = export(work, "parquet", "-", "--all")
    assert pq.read_table(io.BytesIO(result.stdout)).num_rows == 8


def _read_fifo(fifo: Path) -> tuple[threading.Thread, list[bytes]]:
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    return reader, received


def _release_reader(fifo: Path, reader: threading.Thread) -> None:
    """If the export never opened the FIFO, open it once so the reading thread ends."""
    if reader.is_alive():
        try:
            os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        except OSError:
            pass
    reader.join(10)


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_fifo_gets_the_stream_and_stays_a_fifo(work, fmt):
    fifo = work / "pipe" / f"export.{fmt}"
    fifo.parent.mkdir()
    os.mkfifo(fifo)
    reader, received = _read_fifo(fifo)
    try:
        result = export(work, fmt, str(fifo))
    finally:
        _release_reader(fifo, reader)
    assert result.returncode == 0, _err(result)
    assert received == [_file_export(work, fmt)]
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert sorted(p.name for p in fifo.parent.iterdir()) == [fifo.name]  # no card, no temporary file


def _char_device(path: Path) -> None:
    """A character device with /dev/null's numbers (1, 3), inside the test's directory."""
    if os.geteuid() != 0:
        pytest.skip("making a character device (mknod) needs root; run the suite as root to test this")
    try:
        os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except PermissionError:
        pytest.skip("this root may not make devices (no CAP_MKNOD, or a nodev mount)")


def test_a_character_device_is_written_to_not_replaced(work):
    device = work / "dev" / "null"
    device.parent.mkdir()
    _char_device(device)
    result = export(work, "jsonl", str(device))
    assert result.returncode == 0, _err(result)
    assert _err(result) == f"exported 6 articles to {device}\n"
    st = os.lstat(device)
    assert stat.S_ISCHR(st.st_mode) and st.st_rdev == os.makedev(1, 3)
    assert [p.name for p in device.parent.iterdir()] == ["null"]


def test_a_link_to_stdout_streams_and_stays_a_link(work):
    link = work / "stdout.jsonl"
    link.symlink_to("/proc/self/fd/1")
    result = export(work, "jsonl", str(link))
    assert result.returncode == 0, _err(result)
    assert result.stdout == _file_export(work, "jsonl")
    assert link.is_symlink() and os.readlink(link) == "/proc/self/fd/1"
    assert not (work / "README.md").exists()


def test_since_last_is_refused_on_a_stream(work):
    err = _one_line_error(export(work, "jsonl", "-", "--since", "last"))
    assert "--since last" in err and "is a stream" in err


# Files and links ------------------------------------------------------------------------------

def test_a_link_to_a_file_stays_a_link_and_its_target_is_replaced(work):
    real = work / "releases" / "data.jsonl"
    real.parent.mkdir()
    real.write_text("yesterday\n")
    link = work / "latest.jsonl"
    link.symlink_to(real)
    result = export(work, "jsonl", "latest.jsonl")
    assert result.returncode == 0, _err(result)
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert real.read_bytes() == _file_export(work, "jsonl")
    assert (real.parent / "README.md").exists() and not (work / "README.md").exists()
    assert _err(result) == f"exported 6 articles to {real} (card: {real.parent / 'README.md'})\n"


def test_a_dangling_link_is_refused(work):
    (work / "gone.jsonl").symlink_to(work / "nowhere" / "x.jsonl")
    assert "symbolic link to nothing" in _one_line_error(export(work, "jsonl", "gone.jsonl"))
    assert not (work / "nowhere").exists()


def test_a_directory_is_refused(work):
    (work / "exports").mkdir()
    assert "is a directory" in _one_line_error(export(work, "jsonl", "exports"))
    assert list((work / "exports").iterdir()) == []


def test_a_socket_is_refused_and_stays(work):
    path = work / "export.sock"
    with socket.socket(socket.AF_UNIX) as listening:
        listening.bind(str(path))
        assert "is a socket" in _one_line_error(export(work, "jsonl", str(path)))
    assert stat.S_ISSOCK(os.lstat(path).st_mode)
    assert not (work / "README.md").exists()


# Temporary files of killed exports ------------------------------------------------------------

def _dead_pid() -> int:
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def test_a_killed_exports_temporary_file_is_removed_by_the_next_export(work):
    leftover = work / f".out.jsonl.{_dead_pid()}.mfa-export.tmp"
    leftover.write_text('{"id": 1, "tit')
    unrelated = work / ".out.jsonl.tmp"
    unrelated.write_text("someone else's")
    assert export(work, "jsonl", "out.jsonl").returncode == 0
    assert not leftover.exists() and unrelated.read_text() == "someone else's"


def test_check_reports_and_repair_removes_a_killed_exports_temporary_file(work):
    folder = work / "exports"
    folder.mkdir()
    assert export(work, "jsonl", str(folder / "out.jsonl")).returncode == 0
    leftover = folder / f".out.jsonl.{_dead_pid()}.mfa-export.tmp"
    leftover.write_text("partial")
    running = folder / ".out.jsonl.1.mfa-export.tmp"  # init's pid: a running process
    running.write_text("in progress")
    found = mfa(work, "check", "--db", "a.db")
    assert found.returncode == 1, found.stdout
    assert f"PROBLEM exports: 1 temporary files of killed exports in {folder}: {leftover.name}" in found.stdout.decode()
    assert leftover.exists()  # check alone removes nothing
    repaired = mfa(work, "check", "--db", "a.db", "--repair")
    assert "REPAIRED removed 1 temporary files of killed exports" in repaired.stdout.decode(), repaired.stdout
    assert repaired.returncode == 0
    assert not leftover.exists() and running.read_text() == "in progress"
    assert mfa(work, "check", "--db", "a.db").returncode == 0


# The card -------------------------------------------------------------------------------------

def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_readme_that_is_not_ours_is_untouched(work, fmt):
    readme = work / "README.md"
    readme.write_text("---\ntitle: my notes\n---\n# My project\n", encoding="utf-8")
    before = _digest(readme)
    result = export(work, fmt, f"out.{fmt}")
    assert result.returncode == 0, _err(result)
    assert _digest(readme) == before
    card = work / f"out.{fmt}.README.md"
    assert card.read_text(encoding="utf-8").startswith("---\n")
    assert f"(card: {card}, as README.md there is not an mfa-archive card)" in _err(result)
    # Its own card is replaced by the next export to that name; the README still is not.
    assert export(work, fmt, f"out.{fmt}", "--all").returncode == 0
    assert "--all" in card.read_text(encoding="utf-8") and _digest(readme) == before


def test_our_card_is_replaced_by_the_next_export(work):
    assert export(work, "jsonl", "one.jsonl").returncode == 0
    first = (work / "README.md").read_text(encoding="utf-8")
    assert export(work, "parquet", "two.parquet", "--all").returncode == 0
    second = (work / "README.md").read_text(encoding="utf-8")
    assert "`one.jsonl`" in first and "`two.parquet`" in second and "`one.jsonl`" not in second
    assert not list(work.glob("*.README.md"))


@pytest.mark.parametrize("fmt", ["parquet", "jsonl", "csv"])
def test_the_export_and_its_card_load_with_datasets(work, fmt):
    folder = work / "hub"
    folder.mkdir()
    assert export(work, fmt, str(folder / f"mfa.{fmt}"), "--all").returncode == 0
    code = (
        "import sys, datasets\n"
        "train = datasets.load_dataset(sys.argv[1], split='train')\n"
        "print(train.num_rows, train[0]['title'])\n"
    )
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "HF_HOME": str(work / "hf-home")}
    result = subprocess.run([sys.executable, "-c", code, str(folder)], capture_output=True, text=True, env=env,
                            timeout=240)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[0] == "8 Захарова ответила на вопрос 1"
    assert "malformed" not in result.stderr and "Ignoring part of dataset_info" not in result.stderr, result.stderr


def test_the_by_story_card_says_stories_come_from_cosine_similarity(work):
    assert export(work, "jsonl", "stories.jsonl", "--by-story").returncode == 0
    card = (work / "README.md").read_text(encoding="utf-8")
    assert "cosine similarity" in card and "not found by MinHash" in card


# Empty exports --------------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", FORMATS)
def test_a_selection_of_no_rows_writes_nothing(work, fmt):
    result = export(work, fmt, f"out.{fmt}", "--since", "2030-01-01")
    assert result.returncode == 0, _err(result)
    assert _err(result) == f"nothing to export: no articles match; {work / f'out.{fmt}'} not created\n"
    assert [p.name for p in work.iterdir() if not p.name.startswith("a.db")] == []  # no file, no card


def test_a_stream_of_no_rows_is_an_empty_file_of_its_format(work):
    assert export(work, "jsonl", "-", "--since", "2030-01-01").stdout == b""
    assert export(work, "csv", "-", "--since", "2030-01-01").stdout.startswith(b"id,url,")
    parquet = export(work, "parquet", "-", "--since", "2030-01-01").stdout
    assert pq.read_table(io.BytesIO(parquet)).num_rows == 0


# Release streams (--since last) ---------------------------------------------------------------

def _ids(data: bytes) -> list[int]:
    return [json.loads(line)["id"] for line in data.decode("utf-8").splitlines()]


def _add(work: Path, *numbers: int) -> list[int]:
    """New ministry articles, as a crawl between two releases adds them."""
    db = open_archive(work / "a.db")
    try:
        return _store(db, [_article(n) for n in numbers])
    finally:
        db.close()


def _release(work: Path, fmt: str, out: str, *extra: str) -> subprocess.CompletedProcess:
    result = export(work, fmt, out, "--since", "last", *extra)
    assert result.returncode == 0, _err(result)
    return result


def test_since_last_twice_to_the_same_file_loses_nothing(work):
    _release(work, "jsonl", "daily.jsonl")
    first = _ids((work / "daily.jsonl").read_bytes())
    assert first == list(range(1, 7))
    new = _add(work, 20, 21)
    second = _release(work, "jsonl", "daily.jsonl")
    assert _ids((work / "daily.jsonl").read_bytes()) == first + new
    assert "still holds the earlier release" in _err(second)


def test_jsonl_and_parquet_releases_carry_the_same_rows(work):
    days = []
    for day, numbers in enumerate([(), (20, 21), (22,)], start=1):
        new = _add(work, *numbers) if numbers else list(range(1, 7))
        _release(work, "jsonl", f"d{day}.jsonl")
        _release(work, "parquet", f"d{day}.parquet")
        jsonl = _ids((work / f"d{day}.jsonl").read_bytes())
        parquet = pq.read_table(work / f"d{day}.parquet").column("id").to_pylist()
        assert jsonl == parquet == new, day
        days.append(jsonl)
    assert sum(days, []) == sorted(set(sum(days, [])))


def test_dated_names_give_exactly_the_new_rows(work):
    _release(work, "jsonl", "daily-2026-12-07.jsonl")
    new = _add(work, 30, 31, 32)
    _release(work, "jsonl", "daily-2026-12-08.jsonl")
    assert _ids((work / "daily-2026-12-08.jsonl").read_bytes()) == new
    assert _ids((work / "daily-2026-12-07.jsonl").read_bytes()) == list(range(1, 7))


def test_an_empty_delta_leaves_the_earlier_file_as_it_was(work):
    _release(work, "jsonl", "daily-2026-12-07.jsonl")
    # A file at the next day's name that is not a release of this stream: an empty delta
    # must not replace it.
    assert export(work, "jsonl", "daily-2026-12-08.jsonl").returncode == 0
    target = work / "daily-2026-12-08.jsonl"
    before, inode = _digest(target), target.stat().st_ino
    result = _release(work, "jsonl", "daily-2026-12-08.jsonl")
    assert _err(result) == (
        "nothing to export: no new articles for release stream 'default' (jsonl) after article 8; "
        f"{target} left as it was\n"
    )
    assert _digest(target) == before and target.stat().st_ino == inode
    _release(work, "jsonl", "daily-2026-12-09.jsonl")  # a new name gets no empty file either
    assert not (work / "daily-2026-12-09.jsonl").exists()


# CSV for spreadsheets -------------------------------------------------------------------------

def test_bom_makes_a_csv_excel_reads_as_utf8(work):
    assert export(work, "csv", "excel.csv", "--bom").returncode == 0
    assert (work / "excel.csv").read_bytes().startswith(b"\xef\xbb\xbfid,url,")
    assert export(work, "csv", "plain.csv").returncode == 0
    assert (work / "plain.csv").read_bytes().startswith(b"id,url,")
    assert "--bom is for --format csv only" in _one_line_error(export(work, "parquet", "x.parquet", "--bom"))
