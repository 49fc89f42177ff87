"""Operations: the archive's health, consistency checks and repairs, the crawl lock and the
built-in scheduler."""
