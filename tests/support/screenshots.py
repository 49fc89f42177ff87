"""Make the README's screenshots: the demo archive in `serve`, seen by headless Chromium at
1400x900, saved at 60% scale as docs/screenshot-search.png and docs/screenshot-article.png.

Run: .venv/bin/python -m tests.support.screenshots [DOCS_DIR]
It builds demo.db with `mfa-archive demo` (the local mirror, offline) in a temporary folder.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import quote

from tests.support.browser import browser_missing, chromium, fresh_profile, save_screenshot, serving

SEARCH = "Галузиным"
ARTICLE_QUERY = "Лавров Фидан"  # its first hit is an article whose story two outlets reported
SCALE = 0.6


def main() -> None:
    docs = Path(sys.argv[1] if len(sys.argv) > 1 else "docs")
    if missing := browser_missing():
        sys.exit(missing)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        demo = subprocess.run([str(Path(sys.executable).parent / "mfa-archive"), "demo"], cwd=work,
                              capture_output=True, text=True, timeout=600)
        if demo.returncode != 0:
            sys.exit(demo.stderr)
        with serving(work / "demo.db") as url, chromium(fresh_profile(work)) as browser:
            browser.get(f"{url}/?q={quote(SEARCH)}")
            save_screenshot(browser, docs / "screenshot-search.png", scale=SCALE)
            browser.get(f"{url}/?q={quote(ARTICLE_QUERY)}")
            first = browser.find_element("css selector", "ol.hits a.title").get_attribute("href")
            browser.get(first)
            save_screenshot(browser, docs / "screenshot-article.png", scale=SCALE)
    for name in ("screenshot-search.png", "screenshot-article.png"):
        print(f"{docs / name}: {(docs / name).stat().st_size // 1024} KB")


if __name__ == "__main__":
    main()
