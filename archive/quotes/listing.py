"""Quotes as readers see them: `mfa-archive quotes` and the export's quotes, newest first."""

from __future__ import annotations

from datetime import date

from archive.dates import end_of_day_bound
from archive.errors import UserError
from archive.quotes.speakers import normalise_name
from archive.store import Database

# What a verdict means to a reader; NULL is a quote with no primary text to check against.
VERDICT_LABELS = {"verbatim": "verbatim", "near": "near", "not_found": "not found", None: "no primary text"}
QUOTE_FIELDS = (
    "speaker", "quote", "kind", "outlet", "published", "url", "verdict", "score", "issue", "issue_detail",
    "primary_url", "matched", "position",
)


def list_quotes(
    db: Database, *, speaker: str | None = None, since: date | None = None, until: date | None = None,
    unverified: bool = False, limit: int | None = None,
) -> list[dict]:
    """Quotes matching the filters, newest article first (in text order within an article).

    `speaker` is any form of a name ("Марии Захаровой", "М.В.Захарова", "МИД РФ"): it matches
    every form the press used. `unverified` keeps what the primary text does not confirm:
    quotes not found in it, with a meaning change or another speaker, or with no primary text.
    """
    if "quotes" not in db.table_names():
        return []
    clauses, params = [], []
    if speaker is not None:
        named = normalise_name(speaker)
        if named is None:
            raise UserError(f"--speaker {speaker!r} names nobody: give a name such as Захарова or МИД России")
        clauses.append("q.speaker_key = ?")
        params.append(named.key)
    if since and until and since > until:
        raise UserError(f"--since {since} is after --until {until}")
    if since:
        clauses.append("a.published >= ?")
        params.append(since.isoformat())
    if until:
        clauses.append("a.published < ?")
        params.append(end_of_day_bound(until))
    if unverified:
        clauses.append("(q.verdict IS NULL OR q.verdict NOT IN ('verbatim', 'near') OR q.issue IS NOT NULL)")
    where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
    rows = db.execute(
        f"""SELECT q.speaker, q.quote, q.kind, a.source, a.published, a.url, q.verdict, q.score, q.issue,
                   q.issue_detail, p.url, substr(p.text, q.match_start + 1, q.match_end - q.match_start), q.position
            FROM quotes q JOIN articles a ON a.id = q.article_id LEFT JOIN articles p ON p.id = q.primary_id
            {where} ORDER BY a.published IS NULL, a.published DESC, a.id DESC, q.position
            {'LIMIT ?' if limit else ''}""",
        [*params, *([limit] if limit else [])],
    ).fetchall()
    return [dict(zip(QUOTE_FIELDS, row)) for row in rows]


def quotes_of(db: Database, article_ids: list[int]) -> dict[int, list[dict]]:
    """The quotes of some articles, for the export: article id -> quotes in text order."""
    if not article_ids or "quotes" not in db.table_names():
        return {}
    marks = ",".join("?" * len(article_ids))
    found: dict[int, list[dict]] = {}
    for row in db.execute(
        f"""SELECT q.article_id, q.position, q.[end], q.quote, q.kind, q.speaker, q.verdict, q.score, q.issue,
                   q.issue_detail, p.url, q.match_start, q.match_end
            FROM quotes q LEFT JOIN articles p ON p.id = q.primary_id
            WHERE q.article_id IN ({marks}) ORDER BY q.article_id, q.position""",
        article_ids,
    ):
        article_id, *values = row
        found.setdefault(article_id, []).append(dict(zip(
            ("position", "end", "quote", "kind", "speaker", "verdict", "score", "issue", "issue_detail", "primary_url",
             "match_start", "match_end"), values)))
    return found


def article_quotes(db: Database, article_id: int) -> list[dict]:
    """One article's quotes in text order, with where each was checked (`primary_id` and the
    matched passage `match_start`..`match_end` of its text), for the article page."""
    if "quotes" not in db.table_names():
        return []
    fields = ("position", "end", "quote", "kind", "speaker", "primary_id", "verdict", "score", "match_start",
              "match_end", "issue", "issue_detail")
    return [dict(zip(fields, row)) for row in db.execute(
        """SELECT position, [end], quote, kind, speaker, primary_id, verdict, score, match_start, match_end, issue,
                  issue_detail FROM quotes WHERE article_id = ? ORDER BY position""",
        [article_id],
    )]


def quoted_passages(db: Database, primary_id: int) -> list[dict]:
    """The passages of a primary document that the press quotes: each quote checked against it
    with a matched span, with the quoting article, in the document's text order."""
    if "quotes" not in db.table_names():
        return []
    fields = ("match_start", "match_end", "verdict", "issue", "article_id", "source", "title", "position")
    return [dict(zip(fields, row)) for row in db.execute(
        """SELECT q.match_start, q.match_end, q.verdict, q.issue, a.id, a.source, a.title, q.position
           FROM quotes q JOIN articles a ON a.id = q.article_id
           WHERE q.primary_id = ? AND q.match_start IS NOT NULL AND q.match_end > q.match_start
           ORDER BY q.match_start, q.match_end DESC, a.id, q.position""",
        [primary_id],
    )]
