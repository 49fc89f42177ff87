"""The archive in a browser: `mfa-archive serve`, its Datasette plugin, and saved-search feeds.

- `pages`: what each reading page shows (search, article, story, stories, feeds), from the
  archive alone, so the routes and the tests share one definition;
- `feeds`: a watch (archive.search.watches) as an Atom feed, for `serve` and `watch feed`;
- `metadata`: the project's Datasette metadata for an archive of any file name, and which
  tables a public server shows;
- `plugin`: the Datasette plugin (routes, metadata, permissions, facets, cell links),
  registered through the `datasette` entry point, so `datasette archive.db` gets it too;
- `server`: `serve`, loopback unless told otherwise.

Nothing here writes to the archive: pages read through Datasette's read-only connections.
This `__init__` imports nothing, so `watch feed` does not load Datasette.
"""

DEFAULT_PORT = 8001  # Datasette's own default, so its documentation's URLs work
DEFAULT_SITE = f"http://127.0.0.1:{DEFAULT_PORT}"  # where `serve` answers by default, for feeds written to files
