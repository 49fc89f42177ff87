"""Link: reprints (near-identical copies, MinHash) and stories (reports of one event).

`linking.link(db, article_id)` sets an article's `reprint_of` and `story_id` inside the caller's
transaction; `linking.recluster(db)` recomputes the whole archive. Modules: `minhash` (pure
maths), `stories` (story features and the pairwise decision), `docs` (one article's features),
`caches` (per-connection caches), `linking` (the SQL), `schema` (the tables, plain SQL).
"""
