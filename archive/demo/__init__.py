"""The demo: a local HTTP mirror of tass.ru, news.ru and mid.ru with realistic pages, and the run
that crawls it (`mfa-archive demo`). The tests and benchmarks use the same mirror.

    with Mirror(state="day1") as mirror:
        mirror.base_urls["tass"]   # http://127.0.0.1:PORT
"""
