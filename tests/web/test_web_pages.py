"""The web layer without a browser: the front page, the profile page's frame and its 404, the REST
explorer, the /v1 index and the SDL, each as the service serves it; the front page's figures as the data
layer reads them."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import asyncpg
import pytest
from starlette.routing import Route
from starlette.testclient import TestClient

from api.app import create_app
from api.db.overview import ExampleAuthor, instance_overview
from api.db.pool import Database
from api.ids import encode_id
from api.rest.openapi import openapi_document
from api.settings import Settings

ROOT = Path(__file__).resolve().parent.parent.parent
SEED_AUTHOR = encode_id("Author", 1)  # the bundled profile's owner, the first author the seed stores


class _Page(HTMLParser):
    """The URLs a page loads or links to, whether it has inline script, and its text."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.loads: list[str] = []
        self.links: list[str] = []
        self.inline_script = False
        self.text = ""
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "a" and values.get("href"):
            self.links.append(str(values["href"]))
        elif tag in {"script", "link"} and (values.get("src") or values.get("href")):
            self.loads.append(str(values.get("src") or values.get("href")))
        if tag == "script" and not values.get("src"):
            self.inline_script = True

    def handle_data(self, data: str) -> None:
        self.text += data


def _page(client: TestClient, path: str, status: int = 200) -> _Page:
    response = client.get(path)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("text/html")
    return _Page(response.text)


# The front page -------------------------------------------------------------------------------------


def test_the_front_page_says_what_the_instance_holds(seeded_server: TestClient) -> None:
    page = _page(seeded_server, "/")
    figures = dict(re.findall(r'data-figure="(\w[\w ]*)">([^<]+)<', seeded_server.get("/").text))
    assert figures["papers"] == "18"
    assert int(figures["authors"].replace(",", "")) > 1
    assert figures["citations"].isdigit()
    assert "Last import" in page.text


def test_the_front_page_opens_on_the_seed_profile(seeded_server: TestClient) -> None:
    page = _page(seeded_server, "/")
    assert f"/authors/{SEED_AUTHOR}" in page.links
    assert "Louis Béthune" in page.text
    assert "18 papers · h-index 34 reported by profile-page (2026-11-27) · h-index 0 computed here" in page.text


def test_the_front_page_links_to_everything_the_service_serves(seeded_server: TestClient) -> None:
    links = set(_page(seeded_server, "/").links)
    assert {"/graphql", "/docs", "/v1", "/schema.graphql", "/openapi.json", "/healthz", "/readyz"} <= links
    as_a_browser = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
    broken = {link: seeded_server.get(link, headers=as_a_browser).status_code for link in links}
    assert {link: status for link, status in broken.items() if status != 200} == {}


@pytest.mark.parametrize("path", ["/", f"/authors/{SEED_AUTHOR}", "/docs"])
def test_every_page_loads_only_files_this_service_serves(seeded_server: TestClient, path: str) -> None:
    page = _page(seeded_server, path)
    assert page.loads
    assert [url for url in page.loads if urlsplit(url).netloc or not url.startswith("/static/")] == []
    assert not page.inline_script, "the pages keep their scripts in files"
    for url in page.loads:
        response = seeded_server.get(url)
        assert response.status_code == 200, url
        kind = "javascript" if url.endswith(".js") else "text/css"
        assert kind in response.headers["content-type"], url


def test_the_scripts_ask_only_this_service(seeded_server: TestClient) -> None:
    for name in ("graphql.js", "search.js", "profile.js", "rest-docs.js"):
        script = seeded_server.get(f"/static/web/{name}").text
        assert re.findall(r"https?://", script) == [], name


def test_the_front_page_of_an_empty_instance_says_how_to_load_data(database_url: str) -> None:
    with TestClient(create_app(Settings(database_url=database_url, load_seed=False))) as client:
        page = _page(client, "/")
    assert "holds no author yet" in page.text
    assert "never" in page.text  # no import yet
    assert not [link for link in page.links if link.startswith("/authors/")]


# The data behind it ------------------------------------------------------------------------------------


async def test_the_overview_counts_small_tables_and_estimates_large_ones(seeded_url: str) -> None:
    connection = await asyncpg.connect(seeded_url)
    try:
        await connection.execute("ANALYZE papers, authors, citations")
        authors = await connection.fetchval("SELECT count(*) FROM authors")
    finally:
        await connection.close()
    db = await Database.connect(seeded_url, min_size=1, max_size=1)
    try:
        counted = await instance_overview(db)
        estimated = await instance_overview(db, exact_count_limit=10)
    finally:
        await db.close()
    assert (counted.papers.count, counted.papers.exact) == (18, True)
    assert (counted.authors.count, counted.authors.exact) == (authors, True)
    assert counted.example == ExampleAuthor(
        id=1,
        name="Louis Béthune",
        paper_count=18,
        computed_h_index=0,  # the seed holds no citations
        reported_h_index=34,
        reported_source="profile-page",
        reported_as_of=dt.date(2026, 11, 27),
    )
    assert counted.last_change is not None
    # above the limit, the planner's estimate (exact for a table ANALYZE has just read whole)
    assert (estimated.papers.count, estimated.papers.exact) == (18, False)
    assert (estimated.authors.count, estimated.authors.exact) == (authors, False)
    assert estimated.citations.exact  # 0 rows: below any limit, counted


# The profile page --------------------------------------------------------------------------------------


def test_the_profile_page_is_the_frame_its_script_fills(seeded_server: TestClient) -> None:
    response = seeded_server.get(f"/authors/{SEED_AUTHOR}")
    page = _page(seeded_server, f"/authors/{SEED_AUTHOR}")
    assert "<title>Louis Béthune — Scholar Graph</title>" in response.text
    assert f'data-author-id="{SEED_AUTHOR}"' in response.text
    assert {"/static/web/profile.js", "/static/vendor/chart.umd.min.js"} <= set(page.loads)
    for region in ("metrics", "year-chart", "paper-list", "coauthor-list", "next-page", "previous-page"):
        assert f'id="{region}"' in response.text


@pytest.mark.parametrize(
    ("author_id", "why"),
    [
        (encode_id("Author", 999_999), "names no author"),
        (encode_id("Paper", 1), "a paper's id"),
        ("not-an-id", "malformed"),
        ("orcid:0000-0002-1825-0097", "an external id nobody has"),
    ],
)
def test_a_profile_that_does_not_exist_is_a_404_page(seeded_server: TestClient, author_id: str, why: str) -> None:
    page = _page(seeded_server, f"/authors/{author_id}", status=404)
    assert "Not found" in page.text, why
    assert "/" in page.links


def test_the_other_ids_of_an_author_move_to_its_page(database_url: str) -> None:
    survivor, absorbed = 1, 2
    with TestClient(create_app(Settings(database_url=database_url, load_seed=True))) as client:
        asyncio.run(_merge_and_name(database_url, absorbed, survivor, "0000-0002-1825-0097"))
        merged = client.get(f"/authors/{encode_id('Author', absorbed)}", follow_redirects=False)
        external = client.get("/authors/orcid:0000-0002-1825-0097", follow_redirects=False)
    assert merged.status_code == 301
    assert merged.headers["location"] == f"/authors/{encode_id('Author', survivor)}"
    assert external.status_code == 302
    assert external.headers["location"] == f"/authors/{encode_id('Author', survivor)}"


async def _merge_and_name(url: str, old_id: int, new_id: int, orcid: str) -> None:
    """What a merge leaves behind for the profile page (the old id redirects), and an ORCID iD for the survivor."""
    connection = await asyncpg.connect(url)
    try:
        await connection.execute("INSERT INTO author_redirects (old_id, new_id) VALUES ($1, $2)", old_id, new_id)
        await connection.execute(
            "INSERT INTO author_external_ids (scheme, value, author_id) VALUES ('orcid', $1, $2)", orcid, new_id
        )
    finally:
        await connection.close()


# The REST explorer, the /v1 index, the SDL ---------------------------------------------------------------


def test_the_rest_explorer_is_swagger_ui_on_this_instances_document(seeded_server: TestClient) -> None:
    page = _page(seeded_server, "/docs")
    assert {"/static/vendor/swagger-ui-bundle.js", "/static/vendor/swagger-ui.css"} <= set(page.loads)
    script = seeded_server.get("/static/web/rest-docs.js").text
    assert 'url: "/openapi.json"' in script
    assert "validatorUrl: null" in script  # the badge would ask a public validator


def test_v1_answers_the_index_of_its_resources(seeded_server: TestClient) -> None:
    response = seeded_server.get("/v1")
    assert response.status_code == 200
    index = response.json()
    assert (index["openapi"], index["docs"], index["graphql"]) == ("/openapi.json", "/docs", "/graphql")
    document = openapi_document()
    assert [resource["path"] for resource in index["resources"]] == list(document["paths"])
    authors = next(resource for resource in index["resources"] if resource["path"] == "/v1/authors")
    documented = document["paths"]["/v1/authors"]
    assert authors["operations"] == [
        {"method": method.upper(), "operation_id": operation["operationId"], "summary": operation["summary"]}
        for method, operation in documented.items()
    ]
    assert {"method": "GET", "operation_id": "listAuthors", "summary": documented["get"]["summary"]} in authors[
        "operations"
    ]


def test_the_v1_index_names_every_route_under_v1(seeded_server: TestClient) -> None:
    indexed = {resource["path"] for resource in seeded_server.get("/v1").json()["resources"]}
    routes = {
        re.sub(r":\w+}", "}", route.path)
        for route in seeded_server.app.routes  # type: ignore[attr-defined]
        if isinstance(route, Route) and route.path.startswith("/v1/")
    }
    assert routes == indexed


def test_the_sdl_is_served_as_published(seeded_server: TestClient) -> None:
    response = seeded_server.get("/schema.graphql")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert response.text == (ROOT / "schema" / "schema.graphql").read_text(encoding="utf-8")


VENDOR_FILES = [
    "chart.umd.min.js",
    "swagger-ui-bundle.js",
    "swagger-ui.css",
    "LICENSE.chart.js.md",
    "LICENSE.swagger-ui",
]


def test_the_libraries_and_their_licences_are_served(seeded_server: TestClient) -> None:
    statuses = {name: seeded_server.get(f"/static/vendor/{name}").status_code for name in VENDOR_FILES}
    assert statuses == dict.fromkeys(VENDOR_FILES, 200)
