"""Acceptance: the installed `mfa-archive`, run as a user runs it, from a directory of their own.

Each test drives the console script (or a regular, non-editable install of the package) as a
subprocess and checks what the user sees and what is left on disk.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO

BIN = Path(sys.executable).parent


def mfa(*args: str, cwd: Path, timeout: float = 240, env: dict | None = None, executable: Path | None = None):
    """The installed `mfa-archive ARGS`, as a user would type it."""
    return subprocess.run(
        [str(executable or BIN / "mfa-archive"), *args], cwd=cwd, capture_output=True, text=True, timeout=timeout,
        env={**os.environ, "COLUMNS": "200", **(env or {})},
    )


def test_a_regular_install_runs_the_demo_from_another_directory(tmp_path):
    """`pip install .` (not -e) ships the default settings inside the package."""
    source, target, elsewhere = tmp_path / "source", tmp_path / "site", tmp_path / "elsewhere"
    elsewhere.mkdir()
    for name in ("archive", "crawler", "settings"):  # a copy, so the build leaves the repository alone
        shutil.copytree(REPO / name, source / name, symlinks=True, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, source / name)
    installed = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(source)],
        capture_output=True, text=True, timeout=600,
    )
    assert installed.returncode == 0, installed.stderr
    assert (target / "archive" / "defaults" / "sources.toml").is_file()
    assert not (target / "archive" / "defaults").is_symlink()
    env = {"PYTHONPATH": str(target)}
    where = subprocess.run([sys.executable, "-c", "import archive; print(archive.__file__)"], cwd=elsewhere,
                           capture_output=True, text=True, env={**os.environ, **env})
    assert where.stdout.startswith(str(target)), where.stdout  # the installed copy, not the repository
    demo = mfa("demo", cwd=elsewhere, env=env, executable=target / "bin" / "mfa-archive")
    assert demo.returncode == 0, demo.stderr
    assert re.search(r"^demo\.db now holds [1-9]\d* articles", demo.stdout, re.M), demo.stdout
    found = mfa("search", "Галузиным", "--db", "demo.db", cwd=elsewhere, env=env, executable=target / "bin" / "mfa-archive")
    assert found.returncode == 0 and "Галузин" in found.stdout, found.stdout + found.stderr


def test_the_demo_run_twice_leaves_the_same_archive(tmp_path):
    first = mfa("demo", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    count = sqlite3.connect(tmp_path / "demo.db").execute("SELECT count(*) FROM articles").fetchone()[0]
    second = mfa("demo", cwd=tmp_path)
    assert second.returncode == 0, second.stderr
    assert re.search(rf"^demo\.db now holds {count} articles", second.stdout, re.M), second.stdout
    assert re.search(r"^tass: discovered \d+, fetched 0, new 0", second.stdout, re.M), second.stdout
    assert sqlite3.connect(tmp_path / "demo.db").execute("SELECT count(*) FROM articles").fetchone()[0] == count
    hint = re.search(r"^Also try: (\S+) search demo\.db articles", second.stdout, re.M)
    assert hint and Path(hint.group(1)).is_file(), "the demo's hint must name a command that exists"
