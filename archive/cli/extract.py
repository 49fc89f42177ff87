"""`mfa-archive extract FILE_OR_URL`: run the full extraction on one page and print what it found.

For checking a profile against a saved page, or a live page after a site changed its layout,
and for saving that page as a test fixture. A URL is fetched once, politely, with the tool's
User-Agent; nothing is stored in the archive.
"""

from __future__ import annotations

import argparse

from archive.cli.options import add_config

DESCRIPTION = """Runs the crawler's extraction on one saved HTML file or http(s) URL and prints the
article's fields and text (or why it is not an article, exit 1). The site's profile follows
--source, else the URL's host, else a saved file's canonical link; the one used is printed.
With --save-fixture DIR the page and the fields found are saved as a test fixture
(DIR/SITE/DATE.html.gz and DATE.json): check the JSON by hand, then the tests hold the
profile to it."""


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("extract", help="extract one saved HTML file or URL and print the article fields",
                            description=DESCRIPTION)
    parser.add_argument("page", metavar="FILE_OR_URL", help="a saved HTML file or an http(s) URL")
    parser.add_argument("--source", metavar="NAME", help="the site whose profile to use (default: by host)")
    add_config(parser, base_url=False)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--save-fixture", metavar="DIR", help="save the page and its fields as a test fixture under DIR")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import json

    from archive.cli import EXIT_FAILURE, EXIT_OK
    from archive.config import load_config
    from archive.extract.single import extract_one, save_fixture

    config = load_config(args.config)
    page, source, result = extract_one(args.page, config, args.source)
    profile = f"{source.name} profile" if source else "generic profile (no configured site matches)"
    if isinstance(result, dict):  # a failure
        if args.json:
            print(json.dumps({"url": page.url, "profile": profile, "failure": result}, ensure_ascii=False))
        else:
            print(f"not an article ({profile}): {result['reason']}: {result['detail']}")
        return EXIT_FAILURE
    if args.save_fixture:
        html_path, json_path = save_fixture(args.save_fixture, page, source, result)
        print(f"saved fixture {html_path} and {json_path}: check the fields in the JSON by hand")
    if args.json:
        print(json.dumps({**result.as_dict(), "word_count": result.word_count, "profile": profile}, ensure_ascii=False))
        return EXIT_OK
    print(f"{'profile:':<19}{profile}")
    record = result.as_dict()
    for name in FIELDS:
        value = record[name]
        if isinstance(value, list):
            value = ", ".join(value)
        print(f"{name + ':':<19}{value if value not in (None, '') else '-'}")
    print(f"{'word_count:':<19}{result.word_count}\n")
    print(result.text)
    return EXIT_OK


FIELDS = (
    "title", "lead", "published", "modified", "authors", "tags", "section", "canonical_url",
    "image_url", "image_caption", "image_credit", "language", "dateline_city", "dateline_agency",
    "extraction_method", "extractor_version",
)
