"""Search: morphology-aware full-text search over a lemma index beside the plain FTS5 index.

Modules: `lemmas` (word forms to lemma keys, and the key store), `schema` (the lemma index's
tables and triggers, plain SQL), `index` (its upkeep), `query` (queries to safe FTS5
expressions), `snippets`, `engine` (`search`: ranking, filters, stories).
"""
