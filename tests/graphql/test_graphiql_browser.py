"""GraphiQL end to end, in a real headless Chromium, against the real service on a fresh seeded database.

The service (`create_app`, its real lifespan: migrations, bundled seed, pool) runs under uvicorn in a
background thread on a free port of 127.0.0.1. The browser is Debian's Chromium (`/usr/bin/chromium`,
installed by `scripts/install-browser`), driven by Playwright; Playwright's own browser downloads are
never used. The test opens GET /graphql as a browser would, runs the default query with GraphiQL's
execute button, and checks what the result pane shows, that every request stayed on 127.0.0.1 and that
the console logged no error.

Marked `browser`: deselect it with `-m "not browser"`. It is never skipped: without Chromium or
Playwright it fails and says what to install. With SCHOLARGRAPH_SCREENSHOT_DIR set, it saves a
screenshot of the page there (graphiql-e2e.png), pass or fail.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from serving import LOCAL_HOST, ThreadedServer

from api.app import create_app
from api.settings import Settings

try:
    from playwright.sync_api import ConsoleMessage, Error, Request, expect, sync_playwright
except ImportError:  # pragma: no cover - reported by the test itself, so `-m "not browser"` still runs
    sync_playwright = None

pytestmark = pytest.mark.browser

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
SCREENSHOT_NAME = "graphiql-e2e.png"


@pytest.fixture
def service_url(database_url: str) -> Iterator[str]:
    """The whole service on this test's fresh database (seed loaded at start-up), over real HTTP."""
    settings = Settings(database_url=database_url, load_seed=True, migrate_on_start=True, graphiql=True)
    server = ThreadedServer(create_app(settings))
    server.start()
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture
def chromium() -> Path:
    """Debian's Chromium, and Playwright to drive it; checked before the service starts, failing loudly."""
    if sync_playwright is None:
        pytest.fail("Playwright for Python is not installed: run `.venv/bin/pip install -e '.[test]'`")
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(
            f"{CHROMIUM} is missing: this test drives Debian's Chromium. Install it with "
            "`scripts/install-browser` (apt-get install chromium), or deselect it with -m 'not browser'."
        )
    return CHROMIUM


def _stays_local(url: str) -> bool:
    """True for a request to 127.0.0.1, or for inline data (data:, blob:) that no network carries."""
    parts = urlsplit(url)
    if parts.scheme in {"data", "blob"}:
        return True
    return parts.scheme in {"http", "https"} and parts.hostname == LOCAL_HOST


def test_graphiql_runs_the_default_query_in_a_real_browser(chromium: Path, service_url: str) -> None:
    screenshot_dir = os.environ.get("SCHOLARGRAPH_SCREENSHOT_DIR")
    requests: list[str] = []
    console_errors: list[str] = []

    def record_request(request: Request) -> None:
        requests.append(request.url)

    def record_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            console_errors.append(f"console.error: {message.text} at {message.location}")

    def record_page_error(error: Error) -> None:
        console_errors.append(f"uncaught: {error.message}")

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(chromium), headless=True, args=CHROMIUM_ARGS, timeout=TIMEOUT_MS
        )
        try:
            context = browser.new_context(viewport={"width": 1400, "height": 900}, service_workers="block")
            context.set_default_timeout(TIMEOUT_MS)
            context.on("request", record_request)
            page = context.new_page()
            page.on("console", record_console)
            page.on("pageerror", record_page_error)
            try:
                response = page.goto(f"{service_url}/graphql", wait_until="load")
                assert response is not None
                assert response.status == 200
                assert response.headers["content-type"].startswith("text/html")
                expect(page).to_have_title("Scholar Graph — GraphiQL")

                # GraphiQL rendered, with the default query and variables of a first visit.
                execute = page.locator("button.graphiql-execute-button")
                expect(execute).to_be_visible()
                expect(page.locator(".graphiql-query-editor")).to_contain_text("query Profile")
                expect(page.locator(".graphiql-editor-tool")).to_contain_text("Louis Béthune")

                with page.expect_response(
                    lambda r: r.url == f"{service_url}/graphql" and r.request.method == "POST"
                ) as answer:
                    execute.click()
                assert answer.value.status == 200, answer.value.text()

                result = page.locator(".graphiql-response .result-window")
                expect(result).to_contain_text('"name": "Louis Béthune"')
                expect(result).to_contain_text('"hIndex": 34')
                expect(result).not_to_contain_text('"errors"')
            finally:
                if screenshot_dir:
                    Path(screenshot_dir).mkdir(parents=True, exist_ok=True)
                    page.screenshot(path=str(Path(screenshot_dir) / SCREENSHOT_NAME), full_page=True)
                context.close()
        finally:
            browser.close()

    assert requests, "the browser recorded no request at all"
    elsewhere = [url for url in requests if not _stays_local(url)]
    assert not elsewhere, f"requests left {LOCAL_HOST}: {elsewhere}"
    assert f"{service_url}/static/graphiql/graphiql.min.js" in requests, requests
    assert not console_errors, "\n".join(console_errors)
