"""A real headless browser against a real `mfa-archive serve`: Debian's chromium, driven through
Debian's chromium-driver by selenium, talking to 127.0.0.1 only.

Nothing is downloaded: the browser and its driver are the system's (`.ci/run` installs them),
selenium is given both paths, so its driver manager never runs. Chromium resolves every host
name but 127.0.0.1 to nothing, so a page cannot reach the network either.
"""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
VIEWPORT = (1400, 900)  # a laptop's browser window, as the issue asks
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-dev-shm-usage", "--disable-extensions",
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
    f"--window-size={VIEWPORT[0]},{VIEWPORT[1]}", "--lang=en-US",
]
MISSING = (f"the browser test needs Debian's chromium and chromium-driver ({CHROMIUM}, {CHROMEDRIVER}): "
           "apt-get install -y chromium chromium-driver, as .ci/run does")


def browser_missing() -> str | None:
    """Why the browser cannot start here, or None."""
    if not (os.access(CHROMIUM, os.X_OK) and os.access(CHROMEDRIVER, os.X_OK)):
        return MISSING
    return None


@contextmanager
def chromium(user_data_dir: Path):
    """A headless Chromium with a fresh profile in `user_data_dir`, its viewport exactly VIEWPORT."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common import utils

    class LoopbackService(Service):
        """chromedriver at 127.0.0.1: Selenium says 'localhost', which may resolve to ::1."""

        @property
        def service_url(self) -> str:
            return f"http://127.0.0.1:{self.port}"

        def is_connectable(self) -> bool:
            return utils.is_connectable(self.port, "127.0.0.1")

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in [*CHROMIUM_FLAGS, f"--user-data-dir={user_data_dir}"]:
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=LoopbackService(CHROMEDRIVER))
    try:
        # The window size includes no browser chrome in headless mode, but set the page's
        # viewport exactly, so "visible without scrolling" means 900 px everywhere.
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                               {"width": VIEWPORT[0], "height": VIEWPORT[1], "deviceScaleFactor": 1, "mobile": False})
        driver.set_page_load_timeout(60)
        yield driver
    finally:
        driver.quit()


@contextmanager
def serving(db_path: Path, *options: str) -> Iterator[str]:
    """`mfa-archive serve` on a free loopback port, in its own process; yields its base URL."""
    command = [str(Path(sys.executable).parent / "mfa-archive"), "serve", "--db", str(db_path), "--port", "0", *options]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = process.stdout.readline()
        if " at http://127.0.0.1:" not in line:
            process.wait(timeout=30)
            raise RuntimeError(f"serve did not start: {line}{process.stderr.read()}")
        yield line.split(" at ")[1].split()[0].rstrip("/")
    finally:
        process.terminate()
        process.wait(timeout=30)


def save_screenshot(driver, path: Path, *, scale: float = 1.0) -> Path:
    """The viewport as a PNG; `scale` < 1 makes a smaller image (for docs/)."""
    width, height = driver.execute_script("return [window.innerWidth, window.innerHeight]")
    shot = driver.execute_cdp_cmd("Page.captureScreenshot", {
        "format": "png", "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": scale}})
    path.write_bytes(base64.b64decode(shot["data"]))
    return path


def png_size(path: Path) -> tuple[int, int]:
    """Width and height from a PNG's header."""
    data = path.read_bytes()[:24]
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def rect(driver, element) -> dict:
    """An element's box in the viewport (top, bottom in CSS pixels)."""
    return driver.execute_script("return arguments[0].getBoundingClientRect().toJSON()", element)


def fresh_profile(base: Path) -> Path:
    profile = base / "chromium-profile"
    shutil.rmtree(profile, ignore_errors=True)
    profile.mkdir(parents=True)
    return profile
