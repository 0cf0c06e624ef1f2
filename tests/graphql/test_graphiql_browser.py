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

import pytest
from headless import watched_page
from serving import LOCAL_HOST, ThreadedServer

from api.app import create_app
from api.settings import Settings

try:
    from playwright.sync_api import expect
except ImportError:  # pragma: no cover - reported by the `chromium` fixture, so `-m "not browser"` still runs
    expect = None

pytestmark = pytest.mark.browser

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


def test_graphiql_runs_the_default_query_in_a_real_browser(chromium: Path, service_url: str) -> None:
    screenshot_dir = os.environ.get("SCHOLARGRAPH_SCREENSHOT_DIR")
    with watched_page(chromium, {"width": 1400, "height": 900}) as watched:
        page = watched.page
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

    assert watched.requests, "the browser recorded no request at all"
    elsewhere = watched.left_the_machine()
    assert not elsewhere, f"requests left {LOCAL_HOST}: {elsewhere}"
    assert f"{service_url}/static/graphiql/graphiql.min.js" in watched.urls, watched.urls
    assert not watched.console_errors, "\n".join(watched.console_errors)
