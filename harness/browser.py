"""Debian's headless Chromium driven by playwright, as the browser tests launch it.

Fails (never skips) when Chromium is missing: `scripts/test.sh` installs `chromium` from
Debian's packages.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from playwright.sync_api import BrowserContext, Page, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
# Headless, and quiet: Chromium must not try the (closed) network on its own.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-proxy-server",
]


@contextlib.contextmanager
def chromium(profile: Path, timeout_ms: int) -> Iterator[BrowserContext]:
    """Chromium with the fresh user-data-dir `profile`; `timeout_ms` for every wait."""
    assert CHROMIUM.exists(), (
        f"{CHROMIUM} is missing: apt-get install -y chromium chromium-driver "
        "(scripts/test.sh does this)"
    )
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile), executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        context.set_default_timeout(timeout_ms)
        yield context
        context.close()


def screenshot(page: Page, path: Path) -> Path:
    """The whole page as a PNG at `path` (its folder made as needed)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=True)
    return path
