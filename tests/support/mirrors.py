"""The mirror as the tests and benchmarks use it: with the shared seed pages, generated pages
and the hostile cases, which live here in tests/, not in the product."""

from __future__ import annotations

from pathlib import Path

from archive.demo.server import Mirror
from archive.demo.snapshot import SiteSnapshot
from tests.support import generated as generated_pages
from tests.support import hostile as hostile_cases
from tests.support import seeds
from tests.support.gate import ArticleGate


def make_mirror(
    state: str = "day1", *, seeds_dir: Path | None = None, generated: int = 0, hostile: bool = False,
    ports: dict[str, int] | None = None, gate: ArticleGate | None = None,
) -> Mirror:
    """A Mirror with the seed pages of `seeds_dir` rendered in, `generated` synthetic pages,
    with `hostile` every hostile response of tests.support.hostile, and with `gate` its
    article pages paced by that ArticleGate."""
    hooks = [hook for hook in (hostile_cases.add_hostile_resources if hostile else None,
                               gate.decorate if gate else None) if hook]

    def decorate(snapshot: SiteSnapshot) -> None:
        for hook in hooks:
            hook(snapshot)

    return Mirror(
        state,
        entries=seeds.load_seed_entries(Path(seeds_dir)) if seeds_dir else (),
        generated=generated_pages.generated_entries(generated),
        decorate=decorate if hooks else None,
        ports=ports,
    )


# The mirror's pages are dated January to April 2026, so a first crawl of it reads its sitemaps
# back that far, whatever today's date (the default reads 3 days back).
MIRROR_FIRST_RUN_DAYS = 3650


def mirror_sources_text() -> str:
    """The default sources file, with a first crawl reading the mirror's whole sitemaps."""
    from archive.config import DEFAULT_SOURCES

    text = DEFAULT_SOURCES.read_text(encoding="utf-8")
    changed = text.replace("\nfirst_run_days = 3\n", f"\nfirst_run_days = {MIRROR_FIRST_RUN_DAYS}\n")
    assert changed != text, "settings/sources.toml no longer sets first_run_days = 3"
    return changed


def mirror_sources(directory: Path) -> Path:
    """mirror_sources_text() written to `directory` (for --config)."""
    path = directory / "mirror-sources.toml"
    path.write_text(mirror_sources_text(), encoding="utf-8")
    return path
