"""AutoThrottle that keeps each site's own minimum delay.

Scrapy's AutoThrottle lowers a slot's delay towards the site's latency but never below the
global DOWNLOAD_DELAY, so a site whose spec asks for more (mid.ru: 15 s, settings/sources.toml)
would drift down to the global 2 s once it answers quickly. Here a slot never goes below the
delay its `DOWNLOAD_SLOTS` entry gives; AutoThrottle may still raise it when the site slows.
"""

from __future__ import annotations

from scrapy.extensions.throttle import AutoThrottle


class SiteFloorAutoThrottle(AutoThrottle):
    def _response_downloaded(self, response, request, spider) -> None:
        super()._response_downloaded(response, request, spider)
        key, slot = self._get_slot(request, spider)
        if slot is None:
            return
        floor = self.crawler.settings.getdict("DOWNLOAD_SLOTS").get(key, {}).get("delay")
        if floor is not None and slot.delay < floor:
            slot.delay = floor
