"""`mfa-archive quotes`: what the press quoted officials as saying, checked against the primary text."""

from __future__ import annotations

import argparse

from archive.cli.options import MAX_LIMIT, add_db, bounded_int, day

DESCRIPTION = """Lists quotations from the archived press, newest first: speaker, quote, outlet, date, and
the verdict against the ministry's own text (verbatim, near, not found, or no primary text), with
the primary text's URL. --speaker takes any form of a name (Захарова, Марии Захаровой)."""


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("quotes", help="quotes of officials in the press, checked against the primary text",
                            description=DESCRIPTION)
    add_db(parser)
    parser.add_argument("--speaker", metavar="NAME", help="only this speaker, in any form (Захарова, МИД России)")
    parser.add_argument("--since", metavar="DATE", type=day("--since"), help="published on or after DATE (YYYY-MM-DD)")
    parser.add_argument("--until", metavar="DATE", type=day("--until"), help="published on or before DATE (YYYY-MM-DD)")
    parser.add_argument("--unverified", action="store_true",
                        help="only quotes the primary text does not confirm (or with no primary text)")
    parser.add_argument("--limit", type=bounded_int(1, MAX_LIMIT, "--limit"), metavar="N", help="at most N quotes")
    parser.add_argument("--json", action="store_true", help="one JSON object per quote per line")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import json
    import sys

    from archive.quotes.listing import VERDICT_LABELS, list_quotes
    from archive.schema import open_archive

    db = open_archive(args.db, read_only=True)
    try:
        quotes = list_quotes(db, speaker=args.speaker, since=args.since, until=args.until,
                             unverified=args.unverified, limit=args.limit)
    finally:
        db.close()
    if args.json:
        for quote in quotes:
            print(json.dumps(quote, ensure_ascii=False))
        return 0
    if not quotes:
        print("no quotes match", file=sys.stderr)
        return 0
    for quote in quotes:
        verdict = VERDICT_LABELS.get(quote["verdict"], quote["verdict"])
        if quote["issue"]:
            verdict += f" ({quote['issue_detail'] or quote['issue']})"
        day_ = (quote["published"] or "")[:10] or "undated"
        kind = "" if quote["kind"] == "direct" else " (reported)"
        print(f"{day_}  {quote['outlet']}  {quote['speaker'] or '(no speaker)'}{kind}: «{quote['quote']}»")
        print(f"   {verdict}{'  ' + quote['primary_url'] if quote['primary_url'] else ''}")
        print(f"   {quote['url']}")
    return 0
