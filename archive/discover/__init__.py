"""Discover: turn a site's feeds, sitemaps and section pages into article URLs.

`parse_feed` and `parse_sitemap` read untrusted XML safely; `normalize_url` gives each article
one URL, and `is_article_url` applies the site's URL rules. The crawler's spider drives them.
"""
