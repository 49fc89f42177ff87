"""A local HTTP mirror of tass.ru and news.ru for offline crawl tests and the demo.

    with Mirror(state="day1") as mirror:
        mirror.base_urls["tass"]   # http://127.0.0.1:PORT
"""

from .model import AccessEntry, MirrorArticle
from .server import STATES, Mirror

__all__ = ["AccessEntry", "Mirror", "MirrorArticle", "STATES"]
