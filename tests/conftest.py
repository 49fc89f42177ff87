"""Shared fixtures: the local mirror, real crawls in subprocesses, and ../shared material."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"


def shared_path(*parts: str) -> Path:
    """A path under ../shared, or skip the test when the shared material is absent."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is absent: the shared material sits beside the repository in CI")
    return path


def run_cli(*args: str, timeout: float = 240, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Run `mfa-archive ARGS` in a fresh interpreter (a Twisted reactor runs once per process)."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "archive", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd or REPO,
        env=env,
    )


def crawl_args(mirror, db: Path, *extra: str) -> list[str]:
    """`crawl` arguments that point every configured source at the mirror."""
    args = ["crawl", "--db", str(db)]
    for name, url in mirror.base_urls.items():
        args += ["--base-url", f"{name}={url}"]
    return args + list(extra)


@pytest.fixture(scope="session")
def seeds_dir() -> Path | None:
    path = SHARED / "seeds"
    return path if path.is_dir() else None
