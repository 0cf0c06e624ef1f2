"""The front page and a profile as a person uses them, in a real headless Chromium, against the real service
on a fresh seeded database: open `/`, search the seed author, open the profile, read h-index 34 reported
beside the computed figure and the chart, page the papers; no console error, no request leaving 127.0.0.1.

As tests/graphql/test_graphiql_browser.py does: the service runs under uvicorn in a thread
(`serving.ThreadedServer`), the browser is Debian's Chromium driven by Playwright, the test is marked
`browser` and never skipped (without Chromium or Playwright it fails saying what to install).

The run saves the screenshots the README shows, docs/images/front-page.png and docs/images/profile.png
(into SCHOLARGRAPH_SCREENSHOT_DIR instead when that is set). The times the pages show (the last import,
when the figures were computed) are set to the seed's snapshot day first, so that a run on the same
machine writes the same images.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import re
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest
from headless import watched_page
from serving import LOCAL_HOST, ThreadedServer

from api.app import create_app
from api.settings import Settings

try:
    from playwright.sync_api import Page, ViewportSize, expect
except ImportError:  # pragma: no cover - reported by the `chromium` fixture, so `-m "not browser"` still runs
    expect = None

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent.parent
SNAPSHOT_MOMENT = dt.datetime(2026, 11, 27, 12, tzinfo=dt.UTC)  # the bundled profile's capture day
MAX_SCREENSHOT_BYTES = 250_000
VIEWPORT: ViewportSize = {"width": 1200, "height": 800}
DASH = "\N{EN DASH}"


async def _pin_the_times(url: str) -> None:
    """The moments the pages show, set to one fixed time (triggers off: they would set now())."""
    connection = await asyncpg.connect(url)
    try:
        async with connection.transaction():
            await connection.execute("SET LOCAL session_replication_role = replica")
            await connection.execute("UPDATE papers SET updated_at = $1", SNAPSHOT_MOMENT)
            await connection.execute("UPDATE author_computed_metrics SET computed_at = $1", SNAPSHOT_MOMENT)
    finally:
        await connection.close()


@pytest.fixture
def service_url(database_url: str) -> Iterator[str]:
    """The whole service on this test's fresh database (seed loaded at start-up), over real HTTP."""
    server = ThreadedServer(create_app(Settings(database_url=database_url, load_seed=True, migrate_on_start=True)))
    server.start()
    try:
        asyncio.run(_pin_the_times(database_url))
        yield server.url
    finally:
        server.stop()


def _screenshot(page: Page, name: str, height: int | None = None) -> None:
    """The page (its first `height` pixels when given) saved as `name`, small enough for the README."""
    folder = Path(os.environ.get("SCHOLARGRAPH_SCREENSHOT_DIR") or ROOT / "docs" / "images")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    clip = None if height is None else {"x": 0, "y": 0, "width": VIEWPORT["width"], "height": height}
    page.screenshot(path=str(path), full_page=True, clip=clip, animations="disabled", caret="hide")
    assert path.stat().st_size < MAX_SCREENSHOT_BYTES, f"{name} is {path.stat().st_size} bytes: keep it small"


def test_a_person_finds_the_seed_author_and_reads_the_profile(chromium: Path, service_url: str) -> None:
    with watched_page(chromium, VIEWPORT) as watched:
        page = watched.page

        def posts() -> int:
            return watched.posts_to(f"{service_url}/graphql")

        # The front page: what the instance holds, and a search.
        response = page.goto(f"{service_url}/", wait_until="load")
        assert response is not None
        assert response.status == 200
        expect(page).to_have_title("Scholar Graph")
        expect(page.locator('[data-figure="papers"]')).to_have_text("18")
        expect(page.locator(".example-link")).to_have_text("Louis Béthune")

        page.get_by_label("Authors and papers").fill("louis bethune")  # accents and case folded
        page.get_by_role("button", name="Search").click()
        found = page.locator("#author-results a", has_text="Louis Béthune")
        expect(found).to_be_visible()
        expect(page.locator("#search-status")).to_contain_text("match “louis bethune”")
        assert posts() == 1, "one request per search"
        _screenshot(page, "front-page.png")

        # The profile, from ONE request.
        found.click()
        page.wait_for_url(f"{service_url}/authors/*")
        expect(page).to_have_title("Louis Béthune — Scholar Graph")
        h_index = page.locator('#metrics tr[data-metric="hIndex"]')
        expect(h_index.locator('td[data-column="reported-0"]')).to_have_text("34")
        expect(h_index.locator('td[data-column="computed"]')).to_have_text("0")  # no citations stored
        head = page.locator("#metrics thead")
        expect(head.locator("th.reported-0")).to_contain_text("Reported by profile-page")
        expect(head.locator("th.reported-0")).to_contain_text("as of 2026-11-27")
        expect(head.locator("th.computed")).to_contain_text("Computed here")
        expect(head.locator("th.computed")).to_contain_text("at 2026-11-27 12:00 UTC")
        expect(page.locator("#year-chart")).to_have_attribute("data-drawn", "true")
        chart = page.evaluate(
            """() => {
                const chart = Chart.getChart(document.getElementById("year-chart"));
                return chart.data.datasets.map((set) => [set.label, set.data.reduce((a, b) => a + b, 0)]);
            }"""
        )
        assert chart == [["Papers", 18], ["Citations", 0]]
        expect(page.locator("#coauthor-list li").first).to_contain_text("shared paper")
        assert posts() == 2, "the profile is drawn from one request"

        # The papers, paged and filtered: one request each.
        summary = page.locator("#papers-summary")
        expect(summary).to_have_text(f"Papers 1{DASH}10 of 18")
        expect(page.locator("#paper-list > li")).to_have_count(10)
        _screenshot(page, "profile.png", height=1480)  # to the first papers
        page.get_by_role("button", name="Next →").click()
        expect(summary).to_have_text(f"Papers 11{DASH}18 of 18")
        expect(page.locator("#paper-list > li")).to_have_count(8)
        expect(page.get_by_role("button", name="Next →")).to_be_disabled()
        page.get_by_role("button", name="← Previous").click()
        expect(summary).to_have_text(f"Papers 1{DASH}10 of 18")
        expect(page.get_by_role("button", name="← Previous")).to_be_disabled()
        with page.expect_response(f"{service_url}/graphql"):
            page.get_by_label("Category").select_option("cs.CV")
        expect(summary).to_have_text(re.compile(rf"Papers 1{DASH}(\d) of \1"))  # the cs.CV papers: one page
        expect(page.locator("#paper-list .badge", has_text="cs.LG")).to_have_count(0)
        expect(page.locator("#paper-list .badge", has_text="cs.CV").first).to_be_visible()
        assert posts() == 5
        filtered = summary.inner_text()

        # The filters live in the address: a reload (or a shared link) opens on them.
        assert page.url.endswith("?category=cs.CV")
        page.reload(wait_until="load")
        expect(summary).to_have_text(filtered)
        expect(page.get_by_label("Category")).to_have_value("cs.CV")
        assert posts() == 6

        # Links out of the data (code repositories, resolvers) are http(s) only.
        links = page.evaluate(
            """() => import("/static/web/graphql.js").then((module) =>
                ["javascript:alert(1)", "https://github.com/x", "data:text/html,x"].map(module.webLink))"""
        )
        assert links == [None, "https://github.com/x", None]

    elsewhere = watched.left_the_machine()
    assert not elsewhere, f"requests left {LOCAL_HOST}: {elsewhere}"
    assert f"{service_url}/static/vendor/chart.umd.min.js" in watched.urls
    assert not watched.console_errors, "\n".join(watched.console_errors)


def test_the_rest_explorer_tries_a_request_against_the_instance(chromium: Path, service_url: str) -> None:
    with watched_page(chromium, VIEWPORT) as watched:
        page = watched.page
        page.goto(f"{service_url}/docs", wait_until="load")
        operation = page.locator("#operations-default-listAuthors")
        operation.locator(".opblock-summary").click()
        operation.locator('input[placeholder="search"]').fill("Béthune")
        with page.expect_response(lambda r: r.url.startswith(f"{service_url}/v1/authors?")) as answer:
            operation.get_by_role("button", name="Execute").click()
        assert answer.value.status == 200
        expect(operation.locator(".responses-wrapper .live-responses-table")).to_contain_text("Louis Béthune")
    assert watched.left_the_machine() == []
    assert watched.console_errors == []
