"""Classify: is an article news of the Russian foreign ministry, and why (`settings/relevance.toml`)."""

from archive.classify.relevance import Relevance, classify, load_rules

__all__ = ["Relevance", "classify", "load_rules"]
