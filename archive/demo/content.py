"""The mirror's curated content per state.

Texts are written for the mirror in Russian wire style; dates are Moscow time (+03:00).
day1 is the afternoon of 14 April 2026, day2 the next day: day2 adds new pages and updates some.
"""

from __future__ import annotations

from . import content_day2, content_midru, content_newsru, content_reports, content_tass
from .model import Entry


def entries_for(state: str) -> list[Entry]:
    """All curated entries published in a state (day2 = day1 + new pages, with updates applied)."""
    day1 = [*content_tass.ENTRIES, *content_newsru.ENTRIES, *content_midru.ENTRIES, *content_reports.ENTRIES]
    if state == "day1":
        return day1
    return [*(content_day2.apply_update(entry) for entry in day1), *content_day2.NEW_ENTRIES]
