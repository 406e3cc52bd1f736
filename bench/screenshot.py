"""Take the README screenshot of a running server with Debian's chromium.

python -m bench.screenshot http://127.0.0.1:8000/?q=機械学習の数学 docs/screenshot.png
"""

from __future__ import annotations

import sys

from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def screenshot(url: str, path: str, width: int = 1100, height: int = 900) -> None:
    """Save a PNG of `url` as a reader sees it."""
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": width, "height": height})
        page.goto(url)
        page.screenshot(path=path)
        browser.close()


if __name__ == "__main__":
    screenshot(sys.argv[1], sys.argv[2])
