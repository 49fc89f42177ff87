"""Hostile cases of the mirror (Mirror(hostile=True)): the place to add them.

Each case should add resources to a site snapshot (e.g. a redirect loop, a huge page, a
slow response, malformed XML) and be listed in the sitemap so a crawler meets it. None
are implemented yet: hostile=True currently serves the same content as hostile=False.
"""

from __future__ import annotations

from .snapshot import SiteSnapshot


def add_hostile_resources(snapshot: SiteSnapshot) -> None:
    """Add the hostile resources of one site to its snapshot (none yet)."""
