"""The package's structure, as contracts: imports point one way, only crawler/ imports Scrapy
or Twisted, no import cycles, and the fast commands stay light."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from archive.models import Article
from archive.pipeline import add_article
from archive.schema import open_archive
from tests.conftest import REPO

BIN = Path(sys.executable).parent
CONTRACTS = (
    "The data path imports downward only",
    "Only crawler/ imports Scrapy or Twisted",
    "No import cycles anywhere",
)
HEAVY = ("pandas", "numpy", "pyarrow", "scrapy", "twisted", "trafilatura", "datasette", "uvicorn")


def _lint(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(BIN / "lint-imports"), "--config", str(root / "pyproject.toml"), "--no-cache"],
        cwd=root, capture_output=True, text=True, timeout=240, env={**os.environ, "PYTHONPATH": str(root)},
    )


def test_the_import_contracts_hold():
    result = _lint(REPO)
    assert result.returncode == 0, result.stdout + result.stderr
    for contract in CONTRACTS:
        assert f"{contract}" in result.stdout and "KEPT" in result.stdout
    assert "0 broken" in result.stdout


def test_an_upward_import_or_a_cycle_breaks_the_contracts(tmp_path):
    """The contracts bite: storage importing the CLI breaks the layers and makes a cycle."""
    for name in ("archive", "crawler"):
        shutil.copytree(REPO / name, tmp_path / name, symlinks=True)
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    database = tmp_path / "archive" / "store" / "database.py"
    database.write_text(database.read_text(encoding="utf-8") + "\n\ndef _late():\n    import archive.cli.search  # noqa\n",
                        encoding="utf-8")
    result = _lint(tmp_path)
    assert result.returncode != 0
    assert "Contracts: 1 kept, 2 broken." in result.stdout, result.stdout


def _modules_after(args: list[str], cwd: Path) -> list[str]:
    """The heavy top-level packages imported by `mfa-archive ARGS` in a fresh interpreter."""
    code = (
        "import sys, json\nfrom archive.cli import main\ncode = main(sys.argv[1:])\n"
        f"print(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}} & set({list(HEAVY)!r}))))\n"
        "sys.exit(code)"
    )
    result = subprocess.run([sys.executable, "-c", code, *args], cwd=cwd, capture_output=True, text=True, timeout=60,
                            env={**os.environ, "PYTHONPATH": str(REPO)})
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_help_and_search_import_no_heavy_library(tmp_path):
    """sqlite-utils pulls in pandas and numpy when they are installed (0.4 s); a search takes
    milliseconds, so neither `--help` nor a search may load them, nor Scrapy, trafilatura or
    Datasette (only `serve` needs it)."""
    db = open_archive(tmp_path / "demo.db")
    add_article(db, Article(url="https://tass.ru/politika/1", source="tass", title="Лавров провел переговоры",
                            text="Министр иностранных дел Сергей Лавров провел переговоры в Москве. " * 5))
    db.close()
    assert _modules_after(["--help"], tmp_path) == []
    assert _modules_after(["search", "Лавровым", "--db", str(tmp_path / "demo.db"), "--all"], tmp_path) == []
    # Saved searches and their feed files need no web server either.
    assert _modules_after(["watch", "add", "lavrov", "Лавров", "--all", "--db", str(tmp_path / "demo.db")], tmp_path) == []
    assert _modules_after(["watch", "feed", "lavrov", "--out", str(tmp_path / "lavrov.atom"),
                           "--db", str(tmp_path / "demo.db")], tmp_path) == []
