"""Spiders. One generic spider serves every source in settings/sources.toml."""
