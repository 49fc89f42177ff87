"""Which articles a search or an export covers: the filters both offer, as SQL on `articles a`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from archive.dates import end_of_day_bound


@dataclass(frozen=True)
class ArticleFilter:
    """Ministry news only unless `all_articles`; `until` includes that whole day.

    Dates are days already checked by the caller (archive.dates.parse_day); `until` becomes a
    text bound, so 9999-12-31 works too.
    """

    source: str | None = None
    since: date | None = None
    until: date | None = None
    all_articles: bool = False

    def sql(self) -> tuple[str, dict]:
        """SQL conditions on `a` (articles) and their named parameters."""
        conditions: list[str] = []
        params: dict = {}
        if not self.all_articles:
            conditions.append("a.mfa = 1")
        if self.source:
            conditions.append("a.source = :source")
            params["source"] = self.source
        if self.since:
            conditions.append("a.published >= :since")
            params["since"] = self.since.isoformat()
        if self.until:
            conditions.append("a.published < :until")
            params["until"] = end_of_day_bound(self.until)
        return " AND ".join(conditions) or "1", params
