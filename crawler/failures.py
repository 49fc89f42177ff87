"""Short human reasons for failed requests, from Scrapy's and Twisted's exceptions."""

from __future__ import annotations

from scrapy import exceptions as scrapy_errors
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet import error
from twisted.python.failure import Failure


def failure_reason(failure: Failure) -> str:
    """A short human reason for a failed request: 'DNS lookup failed', 'HTTP 403', ..."""
    if failure.check(HttpError):
        status = failure.value.response.status
        return f"blocked (HTTP {status})" if status in (401, 403, 451) else f"HTTP {status}"
    reasons = [
        ((scrapy_errors.CannotResolveHostError, error.DNSLookupError), "DNS lookup failed"),
        ((scrapy_errors.DownloadConnectionRefusedError, error.ConnectionRefusedError), "connection refused"),
        ((scrapy_errors.DownloadTimeoutError, error.TimeoutError, error.TCPTimedOutError), "timed out"),
        ((scrapy_errors.ResponseDataLossError,), "truncated response"),
        ((error.ConnectionLost, error.ConnectionDone), "connection lost"),
        # Cancelled by Scrapy when the announced or received size passes DOWNLOAD_MAXSIZE.
        ((scrapy_errors.DownloadCancelledError,), "too large"),
    ]
    for kinds, reason in reasons:
        if failure.check(*kinds):
            return reason
    if failure.check(scrapy_errors.DownloadFailedError):
        # Scrapy wraps the Twisted errors of a failed download; a reset is the common case.
        return "connection lost" if "ConnectionLost" in str(failure.value) else "download failed"
    if failure.check(scrapy_errors.IgnoreRequest):
        message = str(failure.value)
        if message.startswith("robots.txt unavailable"):
            return message
        if "robots.txt" in message:
            return "refused by robots.txt"
        if "DOWNLOAD_MAXSIZE" in message:
            return "too large"  # HttpCompressionMiddleware: the decompressed body (a gzip bomb)
        return message.split(":")[0] or "request ignored"
    name = type(failure.value).__name__
    return f"{name}: {failure.value}".strip().rstrip(":")[:200]
