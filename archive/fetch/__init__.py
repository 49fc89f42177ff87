"""Fetch: what a crawl asks for and what it did. The requests themselves are Scrapy's, in
`crawler/`; this stage keeps the archive's side of them (frontier, validators, runs, report)."""
