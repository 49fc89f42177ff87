"""Export: the archive as a clean, versioned dataset (JSON Lines, CSV, Parquet) with a card.

Modules: `dataset` (what is exported and how it is written), `schema` (the `exports` table).
"""
