"""The README's commands work as written: every `mfa-archive` line names a command and options
that exist, every other tool it shows is installed beside it, and the `sqlite-utils` examples
run on a real archive."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
import tomllib
from functools import cache
from pathlib import Path

import pytest

from archive.models import Article
from archive.pipeline import add_article
from archive.schema import open_archive
from tests.conftest import REPO

BIN = Path(sys.executable).parent
README = (REPO / "README.md").read_text(encoding="utf-8")


def _shell_lines() -> list[str]:
    """Every command line of the README's ```sh blocks, continuation lines joined."""
    lines = []
    for block in re.findall(r"```sh\n(.*?)```", README, re.S):
        for line in block.splitlines():
            if line.startswith(" ") and lines:
                lines[-1] += " " + line.strip()
            elif line.strip():
                lines.append(line.strip())
    return lines


MFA_LINES = [line for line in _shell_lines() if re.match(r"(\.venv/bin/)?mfa-archive ", line)]


@cache
def _help(command: tuple[str, ...]) -> str:
    result = subprocess.run([str(BIN / "mfa-archive"), *command, "--help"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, (command, result.stderr)
    return result.stdout


def test_the_readme_shows_every_command():
    shown = {line.split()[1] for line in MFA_LINES}
    listed = set(re.findall(r"^    (\w+)\s{2,}\S", _help(()), re.M))
    assert listed and listed <= shown, f"commands the README never shows: {sorted(listed - shown)}"


@pytest.mark.parametrize("line", MFA_LINES)
def test_each_mfa_archive_line_names_options_that_exist(line):
    words = line.split("#")[0].split()
    command = (words[1],)
    if command == ("watch",):
        command = ("watch", words[2])
    text = _help(command)
    for option in re.findall(r"(?<![\w-])(--[a-z][a-z-]*)", line):
        assert re.search(rf"(?<![\w-]){option}\b", text), f"{' '.join(command)} has no {option}"


SYSTEM_TOOLS = {"curl", "gzip", "gunzip"}


def test_every_other_tool_the_readme_shows_is_installed_beside_it():
    tools = {line.split()[0] for line in _shell_lines()} - {"mfa-archive", ".venv/bin/mfa-archive", "python3", "."}
    # The system's own tools (downloading CC-NEWS files, where there is internet) come with the
    # system, not with .venv, and may be missing where the tests run.
    for tool in tools - SYSTEM_TOOLS:
        path = REPO / tool if tool.startswith(".venv/") else BIN / tool
        assert path.exists() or (tool.startswith(".venv/") and (BIN / Path(tool).name).exists()), tool


def test_the_quickstart_installs_what_it_names():
    first = next(line for line in _shell_lines() if line.startswith("python3 -m venv"))
    assert "-c requirements.lock" in first and (REPO / "requirements.lock").is_file()
    extras = re.findall(r"\.\[(\w+)\]", first)
    declared = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["optional-dependencies"]
    assert extras and set(extras) <= set(declared)
    assert first.endswith(".venv/bin/mfa-archive crawl")


def test_the_sqlite_utils_examples_run_as_written(tmp_path):
    db = open_archive(tmp_path / "archive.db")
    for n, title in enumerate(["Галузин обсудил жест доброй воли", "Галузиным подписано соглашение"]):
        add_article(db, Article(url=f"https://tass.ru/politika/{n}", source="tass", title=title,
                                text=f"{title}. Заместитель министра иностранных дел Михаил Галузин принял посла. " * 3))
    db.close()
    examples = [line.split("  #")[0] for line in _shell_lines() if line.startswith("sqlite-utils search archive.db")]
    assert len(examples) == 3
    found = []
    for example in examples:
        words = shlex.split(example)
        result = subprocess.run([str(BIN / words[0]), *words[1:]], cwd=tmp_path, capture_output=True, text=True,
                                timeout=60)
        assert result.returncode == 0, (example, result.stderr)
        found.append(result.stdout)
    assert "Галузин обсудил" in found[0]  # the exact form
    assert "Галузиным" in found[1] and "Галузин обсудил" in found[1]  # the prefix query
    assert "жест доброй воли" in found[2] and "Галузиным" not in found[2]  # the phrase
