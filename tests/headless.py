"""A real headless Chromium for the browser tests: Debian's (`/usr/bin/chromium`, `scripts/install-browser`),
driven by Playwright, whose own browser downloads are never used. Every request the page makes and every
console error it logs are recorded, so a test can assert that nothing left 127.0.0.1 and nothing failed.

The tests that use it are marked `browser` and never skipped: without Chromium or Playwright they fail
and say what to install (`require_chromium`, behind the `chromium` fixture of tests/conftest.py, asked for
before the service starts).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from serving import LOCAL_HOST

try:
    from playwright.sync_api import ConsoleMessage, Error, Page, Request, ViewportSize, sync_playwright
except ImportError:  # pragma: no cover - reported by the `chromium` fixture, so `-m "not browser"` still runs
    sync_playwright = None

CHROMIUM = Path("/usr/bin/chromium")
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
TIMEOUT_MS = 30_000


def require_chromium() -> Path:
    """Debian's Chromium, and Playwright to drive it; the test fails saying what to install when either lacks."""
    if sync_playwright is None:
        pytest.fail("Playwright for Python is not installed: run `.venv/bin/pip install -e '.[test]'`")
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(
            f"{CHROMIUM} is missing: this test drives Debian's Chromium. Install it with "
            "`scripts/install-browser` (apt-get install chromium), or deselect it with -m 'not browser'."
        )
    return CHROMIUM


def stays_local(url: str) -> bool:
    """True for a request to 127.0.0.1, or for inline data (data:, blob:) that no network carries."""
    parts = urlsplit(url)
    return parts.scheme in {"data", "blob"} or (parts.scheme in {"http", "https"} and parts.hostname == LOCAL_HOST)


@dataclass
class Watched:
    """A page, with what it has asked for and what its console reported as errors so far."""

    page: Any  # playwright's Page
    requests: list[Any] = field(default_factory=list)  # playwright's Requests, in the order made
    console_errors: list[str] = field(default_factory=list)

    @property
    def urls(self) -> list[str]:
        return [request.url for request in self.requests]

    def posts_to(self, url: str) -> int:
        return sum(1 for request in self.requests if request.method == "POST" and request.url == url)

    def left_the_machine(self) -> list[str]:
        return [url for url in self.urls if not stays_local(url)]


@contextmanager
def watched_page(chromium: Path, viewport: ViewportSize) -> Iterator[Watched]:
    """A page of a fresh browser context (no service workers), recording its requests and console errors."""
    assert sync_playwright is not None  # require_chromium has said so otherwise
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(chromium), headless=True, args=CHROMIUM_ARGS, timeout=TIMEOUT_MS
        )
        try:
            context = browser.new_context(viewport=viewport, service_workers="block")
            context.set_default_timeout(TIMEOUT_MS)
            page: Page = context.new_page()
            watched = Watched(page)

            def record_request(request: Request) -> None:
                watched.requests.append(request)

            def record_console(message: ConsoleMessage) -> None:
                if message.type == "error":
                    watched.console_errors.append(f"console.error: {message.text} at {message.location}")

            def record_page_error(error: Error) -> None:
                watched.console_errors.append(f"uncaught: {error.message}")

            context.on("request", record_request)
            page.on("console", record_console)
            page.on("pageerror", record_page_error)
            try:
                yield watched
            finally:
                context.close()
        finally:
            browser.close()
