"""Scrapy settings for mfa-archive.

These are the polite defaults for crawling real news sites. `archive.crawl` overrides the
identity and politeness values from settings/sources.toml at run time.
"""

import sys

BOT_NAME = "mfa-archive"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

# Politeness: robots.txt, one or two requests in flight per site, adaptive delays.
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 8
CONCURRENT_REQUESTS_PER_DOMAIN = 1
DOWNLOAD_DELAY = 2.0
DOWNLOAD_DELAY_JITTER = 0.5  # each delay is 0.5x to 1.5x DOWNLOAD_DELAY
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 2.0
AUTOTHROTTLE_MAX_DELAY = 60.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024
DOWNLOAD_WARNSIZE = 0
RETRY_ENABLED = True
RETRY_TIMES = 2
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
# Back-off (crawler.middlewares.PoliteRetryMiddleware): Retry-After is obeyed up to
# RETRY_AFTER_MAX_S; one site never makes a run wait more than RETRY_BACKOFF_BUDGET_S in
# all; without Retry-After the pause doubles from RETRY_BACKOFF_BASE_S. What is given up
# stays in the frontier for the next run.
RETRY_AFTER_MAX_S = 60.0
RETRY_BACKOFF_BUDGET_S = 60.0
RETRY_BACKOFF_BASE_S = 1.0
# Scrapy's list without DownloadTimeoutError: a page that used up DOWNLOAD_TIMEOUT is left
# for the next run rather than tying up a slow site (and the run) for two more timeouts.
# A failed DNS lookup is not retried either: offline, each retry waits for the resolver again.
RETRY_EXCEPTIONS = [
    "scrapy.exceptions.DownloadConnectionRefusedError",
    "scrapy.exceptions.DownloadFailedError",
    "scrapy.exceptions.ResponseDataLossError",
    "twisted.internet.error.ConnectionDone",
    "twisted.internet.error.ConnectError",
    "twisted.internet.error.ConnectionLost",
    OSError,
]
REDIRECT_MAX_TIMES = 5
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
USER_AGENT = "mfa-archive (+https://github.com/mfa-archive/mfa-archive)"

DOWNLOADER_MIDDLEWARES = {
    # Before RedirectMiddleware (600) re-schedules a redirect, and again when it does.
    "crawler.middlewares.StayOnSourceHostsMiddleware": 50,
    # In place of Scrapy's robots.txt middleware (same position): a 5xx robots.txt means wait.
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawler.middlewares.RobotsTxtUnavailableMiddleware": 100,
    # In place of Scrapy's RetryMiddleware (same position, 550).
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.middlewares.PoliteRetryMiddleware": 550,
}
# AutoThrottle, except that a site's own delay (DOWNLOAD_SLOTS, from its spec) is its floor.
EXTENSIONS = {
    "scrapy.extensions.throttle.AutoThrottle": None,
    "crawler.throttle.SiteFloorAutoThrottle": 0,
}
ITEM_PIPELINES = {
    "crawler.pipelines.ArchivePipeline": 300,
}

# Offline, a lookup waits this long for the resolver (Scrapy's default is 60 s).
DNS_TIMEOUT = 10
# The crawl logs to a rotating file (crawler.logfile), never to the terminal, and the run
# summary replaces Scrapy's stats dump.
LOG_INSTALL_ROOT_HANDLER = False
LOG_LEVEL = "INFO"
STATS_DUMP = False
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
FEED_EXPORT_ENCODING = "utf-8"

# Measured on the mirror (bench/crawl_throughput.py, Linux): with Scrapy's default asyncio
# reactor the same crawl spent most of its time idle in the event loop, about 3x slower
# than with epoll. Elsewhere Scrapy's default stays.
if sys.platform.startswith("linux"):
    TWISTED_REACTOR = "twisted.internet.epollreactor.EPollReactor"
# Scrapy's remote-control console needs the asyncio reactor; nothing here uses it.
REMOTE_CONTROL_ENABLED = False
