"""`mfa-archive watch`: saved searches kept in the archive, each published as an Atom feed."""

from __future__ import annotations

import argparse

from archive.cli.options import add_db, add_filters, bounded_int

DESCRIPTION = """Saved searches ("watches"): `serve` publishes each as an Atom feed at /-/feeds/NAME.atom,
newest first, each entry linking to the article's page; `watch feed` writes the same feed to a
file for publishing as a static file. A feed reader shows each new matching article once."""


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("watch", help="saved searches, published as Atom feeds", description=DESCRIPTION)
    # The subparsers take the class of `parser`, the CLI's one-line-error parser.
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)

    add = actions.add_parser("add", help="save a search under NAME", description="Saves QUERY (with the filters) as NAME. "
                             "NAME: ASCII letters, digits, '-' and '_'; it becomes the feed's address.")
    add.add_argument("name", metavar="NAME")
    add.add_argument("query", metavar="QUERY", help="words to look for, as for mfa-archive search")
    add_db(add)
    add_filters(add)
    add.set_defaults(func=run_add)

    listing = actions.add_parser("list", help="list the saved searches")
    add_db(listing)
    listing.add_argument("--json", action="store_true", help="one JSON object per watch per line")
    listing.set_defaults(func=run_list)

    remove = actions.add_parser("remove", help="delete a saved search")
    remove.add_argument("name", metavar="NAME")
    add_db(remove)
    remove.set_defaults(func=run_remove)

    feed = actions.add_parser("feed", help="write a saved search's Atom feed to a file",
                              description="Writes NAME's feed to FILE atomically (a symbolic link or special file is refused).")
    feed.add_argument("name", metavar="NAME")
    feed.add_argument("--out", required=True, metavar="FILE", help="the feed file to write (replaced atomically)")
    add_db(feed)
    feed.add_argument("--site-url", default=None, metavar="URL",
                      help="where readers reach `mfa-archive serve`, for the links (default http://127.0.0.1:8001)")
    feed.add_argument("--entries", type=bounded_int(1, 1000, "--entries"), default=50, metavar="N",
                      help="newest matching articles in the feed (default 50)")
    feed.set_defaults(func=run_feed)


def run_add(args: argparse.Namespace) -> int:
    import sys

    from archive.cli.options import article_filter
    from archive.schema import open_archive
    from archive.search.watches import add_watch, check_name

    check_name(args.name)  # before opening: a bad name is refused whatever the archive
    db = open_archive(args.db, create=False)
    try:
        watch = add_watch(db, args.name, args.query, article_filter(args, db))
    finally:
        db.close()
    print(f"watch {watch.name!r} saved: {watch.query} ({watch.describe()}); served at /-/feeds/{watch.name}.atom",
          file=sys.stderr)
    return 0


def run_list(args: argparse.Namespace) -> int:
    import json
    import sys

    from archive.schema import open_archive
    from archive.search.watches import list_watches

    db = open_archive(args.db, create=False, read_only=True)
    try:
        watches = list_watches(db)
    finally:
        db.close()
    for watch in watches:
        if args.json:
            filters = watch.filters
            print(json.dumps({"name": watch.name, "query": watch.query, "source": filters.source,
                              "since": filters.since and filters.since.isoformat(),
                              "until": filters.until and filters.until.isoformat(),
                              "all": filters.all_articles, "created_at": watch.created_at}, ensure_ascii=False))
        else:
            print(f"{watch.name}\t{watch.query}\t({watch.describe()})")
    if not watches and not args.json:
        print("no watches yet: mfa-archive watch add NAME QUERY", file=sys.stderr)
    return 0


def run_remove(args: argparse.Namespace) -> int:
    import sys

    from archive.schema import open_archive
    from archive.search.watches import check_name, remove_watch

    check_name(args.name)
    db = open_archive(args.db, create=False)
    try:
        remove_watch(db, args.name)
    finally:
        db.close()
    print(f"watch {args.name!r} removed", file=sys.stderr)
    return 0


def run_feed(args: argparse.Namespace) -> int:
    import sys

    from archive.errors import UserError
    from archive.safefiles import replace_file
    from archive.schema import open_archive
    from archive.search.watches import check_name, get_watch
    from archive.web import DEFAULT_SITE
    from archive.web.feeds import atom_feed

    check_name(args.name)
    site = args.site_url or DEFAULT_SITE
    if not site.startswith(("http://", "https://")) or any(c.isspace() for c in site):
        raise UserError(f"--site-url must be an http(s) URL such as {DEFAULT_SITE}, not {site!r}")
    db = open_archive(args.db, create=False, read_only=True)
    try:
        watch = get_watch(db, args.name)
        body = atom_feed(db, watch, site, entries=args.entries)
    finally:
        db.close()
    replace_file(args.out, body)
    print(f"wrote the feed of {watch.name!r} to {args.out}", file=sys.stderr)
    return 0
