"""Shared fixtures: the local mirror, real crawls in subprocesses, and ../shared material."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from functools import cache
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


def run_cli(*args: str, timeout: float = 240, cwd: Path | None = None,
            wrapper: Sequence[str] = ()) -> subprocess.CompletedProcess:
    """Run `mfa-archive ARGS` in a fresh interpreter (a Twisted reactor runs once per process),
    under the command `wrapper` if one is given (such as `offline_wrapper()`)."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "COLUMNS": "200"}
    return subprocess.run(
        [*wrapper, sys.executable, "-m", "archive", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd or REPO,
        env=env,
    )


@cache
def _unshare_net() -> tuple[list[str] | None, str]:
    """The command prefix that runs a program in a new network namespace, or None and why not."""
    unshare = shutil.which("unshare")
    if unshare is None:
        return None, "unshare (util-linux) is not installed"
    # As root a network namespace needs nothing else; a normal user needs a user namespace too.
    for prefix in ([unshare, "--net"], [unshare, "--map-root-user", "--net"]):
        probe = subprocess.run([*prefix, "true"], capture_output=True, text=True)
        if probe.returncode == 0:
            return prefix, ""
    return None, f"unshare --net is not permitted here ({probe.stderr.strip() or f'exit {probe.returncode}'})"


def offline_wrapper() -> list[str]:
    """A command prefix that runs a program in an empty network namespace: no interface but a
    loopback that is down, so no packet it sends can leave this machine (a DNS query fails at
    once with "network unreachable"). Skips the test where such a namespace cannot be made:
    the test would otherwise send traffic to the real sites."""
    prefix, why_not = _unshare_net()
    if prefix is None:
        pytest.skip(f"{why_not}: cannot cut the crawl off the network, and this test must not reach the real sites")
    return prefix


def crawl_args(mirror, db: Path, *extra: str) -> list[str]:
    """`crawl` arguments that point every configured source at the mirror (with the sources
    file of tests.support.mirrors, whose first crawl reads the mirror's whole sitemaps)."""
    from tests.support.mirrors import mirror_sources

    args = ["crawl", "--db", str(db), "--config", str(mirror_sources(Path(db).parent))]
    for name, url in mirror.base_urls.items():
        args += ["--base-url", f"{name}={url}"]
    return args + list(extra)


@pytest.fixture(scope="session")
def seeds_dir() -> Path | None:
    path = SHARED / "seeds"
    return path if path.is_dir() else None
