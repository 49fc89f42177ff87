"""mfa-archive: a scheduled scraper and archiver for Russian foreign-ministry news."""

__version__ = "0.1.0"
