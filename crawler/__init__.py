"""The Scrapy project: one generic spider, politeness middlewares and the archive pipeline."""
