"""Headless Chromium for browser tests: the Debian `chromium` package, driven by Playwright."""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator
from pathlib import Path

from playwright.async_api import BrowserContext, async_playwright

CHROMIUM = os.environ.get("CTBRIDGE_TEST_CHROMIUM", "/usr/bin/chromium")
# Playwright adds --headless itself and owns --user-data-dir (a fresh profile per context).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def require_chromium() -> None:
    """Fails (never skips) with the install command when the browser is missing."""
    if not os.path.exists(CHROMIUM):
        raise RuntimeError(
            f"{CHROMIUM} not found: apt-get install -y chromium chromium-driver "
            "(or set CTBRIDGE_TEST_CHROMIUM)"
        )


@contextlib.asynccontextmanager
async def chromium(
    profile: Path, *, credentials: tuple[str, str] | None = None
) -> AsyncIterator[BrowserContext]:
    """A browser context on a fresh profile; `credentials` answer HTTP Basic prompts."""
    require_chromium()
    async with async_playwright() as playwright:
        context = await playwright.chromium.launch_persistent_context(
            str(profile),
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_ARGS,
            http_credentials=(
                None
                if credentials is None
                else {"username": credentials[0], "password": credentials[1]}
            ),
        )
        context.set_default_timeout(15_000)
        try:
            yield context
        finally:
            await context.close()
