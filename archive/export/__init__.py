"""Export: the archive as a clean, versioned dataset (JSON Lines, CSV, Parquet) with a card.

Modules: `dataset` (the entry point, `export()`), `targets` (where `--out` is and how it is
written: atomically or as a stream), `rows` (the columns and the selection), `writers` (one
per format), `card` (the dataset card), `releases` (release streams for `--since last`),
`schema` (the `exports` table); for `--format warc`, the fetched pages: `captures` (which
fetches the archive records), `warc` (the WARC records), `index` (the CDXJ index).
"""
