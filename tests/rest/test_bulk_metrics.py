"""Author metrics in bulk over REST: GET /v1/authors/metrics?ids=… (up to 100) and POST with {"ids": […]}
(up to 1,000): answered in the order asked, null for ids naming no author, a malformed id refused naming
it, every limit and malformed body refused, and one statement per kind of data however many ids.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx2
import pytest
from rest_support import OWNER, assert_fits_openapi, counted, get_error, get_ok, in_this_loop, quoted
from starlette.testclient import TestClient

from api.db import external_ids
from api.db.pool import Database
from api.ids import encode_id
from api.ingest.seed import load_seed_if_empty
from api.rest import models
from api.rest.openapi import openapi_document

PATH = "/v1/authors/metrics"
ORCID = "0000-0002-1825-0097"


def owner_id(client: TestClient) -> str:
    body = get_ok(client, "/v1/authors", models.AuthorPage, search=OWNER, first=1)
    found: str = body["items"][0]["id"]
    return found


def post(client: TestClient, body: Any, **kwargs: Any) -> Any:
    return client.post(PATH, json=body, **kwargs)


def fits(response: Any, method: str = "get") -> dict[str, Any]:
    assert response.status_code == 200, response.text
    return assert_fits_openapi(openapi_document(), PATH, response, models.AuthorFiguresList, method)


# --- answers -----------------------------------------------------------------------------------------------


def test_answers_in_the_order_asked_with_null_for_unknown(seeded_server: TestClient) -> None:
    owner = owner_id(seeded_server)
    unknown, nobodys_orcid = encode_id("Author", 987_654), "orcid:0000-0002-1694-233X"
    body = get_ok(seeded_server, PATH, models.AuthorFiguresList, ids=f"{owner},{unknown},{nobodys_orcid},{owner}")
    items = body["items"]
    assert [item is None for item in items] == [False, True, True, False]
    assert items[0] == items[3]
    assert (items[0]["id"], items[0]["name"]) == (owner, OWNER)


@pytest.mark.parametrize("malformed", ["nope", encode_id("Paper", 1)])
def test_a_malformed_id_is_refused_naming_it(seeded_server: TestClient, malformed: str) -> None:
    owner = owner_id(seeded_server)
    message = get_error(seeded_server, PATH, 400, ids=f"{owner},{malformed},{owner}")
    assert message.startswith(f"`ids`: {malformed!r} ")


def test_an_entry_has_reported_and_computed_figures(seeded_server: TestClient) -> None:
    owner = owner_id(seeded_server)
    (item,) = get_ok(seeded_server, PATH, models.AuthorFiguresList, ids=owner)["items"]
    assert set(item) == {"id", "name", "metrics", "computed_metrics"}
    assert (item["metrics"]["h_index"], item["metrics"]["source"]) == (34, "profile-page")
    computed = item["computed_metrics"]
    assert (computed["h_index"], computed["paper_count"], computed["source"]) == (0, 18, "computed")


def test_the_figures_are_those_of_the_author_resource(seeded_server: TestClient) -> None:
    owner = owner_id(seeded_server)
    (item,) = get_ok(seeded_server, PATH, models.AuthorFiguresList, ids=owner)["items"]
    author = get_ok(seeded_server, f"/v1/authors/{quoted(owner)}", models.Author)
    assert (item["metrics"], item["computed_metrics"]) == (author["metrics"], author["computed_metrics"])


def test_post_answers_as_get(seeded_server: TestClient) -> None:
    owner = owner_id(seeded_server)
    ids = [owner, encode_id("Author", 987_654), owner]
    by_get = get_ok(seeded_server, PATH, models.AuthorFiguresList, ids=",".join(ids))
    assert fits(post(seeded_server, {"ids": ids}), "post") == by_get


def test_get_takes_100_ids(seeded_server: TestClient) -> None:
    owner = owner_id(seeded_server)
    ids = [owner if i % 2 else encode_id("Author", 10_000 + i) for i in range(100)]
    items = get_ok(seeded_server, PATH, models.AuthorFiguresList, ids=",".join(ids))["items"]
    assert [item is not None for item in items] == [i % 2 == 1 for i in range(100)]


def test_post_takes_1000_ids(seeded_server: TestClient) -> None:
    owner = owner_id(seeded_server)
    ids = [encode_id("Author", 10_000 + i) for i in range(999)] + [owner]
    items = fits(post(seeded_server, {"ids": ids}), "post")["items"]
    assert len(items) == 1000
    assert items[:999] == [None] * 999
    assert items[999]["name"] == OWNER


@pytest.mark.parametrize("given", ["", " "])
def test_no_ids_get_no_items(seeded_server: TestClient, given: str) -> None:
    assert get_ok(seeded_server, PATH, models.AuthorFiguresList, ids=given)["items"] == []
    assert fits(post(seeded_server, {"ids": []}), "post")["items"] == []


# --- refusals ----------------------------------------------------------------------------------------------


def test_101_ids_in_a_get_are_400(seeded_server: TestClient) -> None:
    message = get_error(seeded_server, PATH, ids=",".join(["x"] * 101))
    assert "`ids`" in message
    assert "100" in message
    assert "POST" in message


def test_1001_ids_in_a_post_are_400(seeded_server: TestClient) -> None:
    response = post(seeded_server, {"ids": ["x"] * 1001})
    assert response.status_code == 400
    body = assert_fits_openapi(openapi_document(), PATH, response, models.Error, "post")
    assert "1,000" in body["error"]["message"]


def test_a_get_without_ids_is_400(seeded_server: TestClient) -> None:
    assert "`ids` is required" in get_error(seeded_server, PATH)


def test_ids_given_twice_are_400(seeded_server: TestClient) -> None:
    response = seeded_server.get(f"{PATH}?ids=a&ids=b")
    assert response.status_code == 400
    assert "`ids`" in response.json()["error"]["message"]


@pytest.mark.parametrize(
    ("content", "mentions"),
    [
        (b"not json", "not valid JSON"),
        (b'["a", "b"]', '{"ids"'),
        (b'{"ids": ["a"], "first": 2}', "no other member"),
        (b'{"id": ["a"]}', '{"ids"'),
        (b'{"ids": "a,b"}', "list of strings"),
        (b'{"ids": ["a", 2]}', "list of strings"),
        (b'{"ids": [null]}', "list of strings"),
    ],
)
def test_a_malformed_body_is_400(seeded_server: TestClient, content: bytes, mentions: str) -> None:
    response = seeded_server.post(PATH, content=content, headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    body = assert_fits_openapi(openapi_document(), PATH, response, models.Error, "post")
    assert (body["error"]["code"], mentions in body["error"]["message"]) == ("invalid_input", True)


def test_a_body_that_is_not_json_by_its_type_is_400(seeded_server: TestClient) -> None:
    response = seeded_server.post(PATH, content=b'{"ids": []}', headers={"Content-Type": "text/plain"})
    assert response.status_code == 400
    assert "Content-Type" in response.json()["error"]["message"]


def test_a_body_over_a_megabyte_is_413_naming_the_limit(seeded_server: TestClient) -> None:
    response = seeded_server.post(PATH, content=json.dumps({"ids": ["x" * 1_000_001]}).encode())
    assert response.status_code == 413
    body = assert_fits_openapi(openapi_document(), PATH, response, models.Error, "post")
    assert body == {
        "error": {
            "code": "request_too_large",
            "message": "the request body is larger than the limit of 1,000,000 bytes",
        }
    }


def test_a_post_takes_no_query_parameters(seeded_server: TestClient) -> None:
    response = seeded_server.post(f"{PATH}?ids=a", json={"ids": []})
    assert response.status_code == 400
    assert "`ids`" in response.json()["error"]["message"]


# --- statements: one per kind of data, however many ids ----------------------------------------------------


@pytest.fixture
async def rest_on(db: Database, database_url: str) -> AsyncIterator[httpx2.AsyncClient]:
    """The REST app in this test's event loop on the seeded `db` (so statements can be counted), with an
    ORCID iD attached to the seed's owner."""
    seeded = await load_seed_if_empty(db)
    assert seeded is not None
    async with db.transaction() as connection:
        await external_ids.add_author_external_ids(connection, seeded.owner_id, [("orcid", ORCID)])
    async with in_this_loop(db, database_url) as client:
        yield client


async def posted(client: httpx2.AsyncClient, ids: list[str]) -> tuple[list[Any], list[str]]:
    body, statements = await counted(client, "POST", PATH, json={"ids": ids})
    items: list[Any] = body["items"]
    return items, statements


async def test_statements_do_not_grow_with_the_number_of_ids(rest_on: httpx2.AsyncClient) -> None:
    one, for_one = await posted(rest_on, [encode_id("Author", 1)])
    many, for_many = await posted(rest_on, [encode_id("Author", n) for n in range(1, 1001)])
    assert one[0]["name"] == OWNER
    assert sum(item is not None for item in many) == 35
    assert len(for_one) == len(for_many) == 3  # the authors, their reported and their computed figures


async def test_external_ids_are_looked_up_with_one_more_statement(rest_on: httpx2.AsyncClient) -> None:
    ids = [f"orcid:{ORCID}", f"https://orcid.org/{ORCID}", "orcid:0000-0002-1694-233X", encode_id("Author", 2)]
    items, statements = await posted(rest_on, ids)
    assert items[0] == items[1]
    assert (items[0]["id"], items[0]["name"]) == (encode_id("Author", 1), OWNER)
    assert items[2] is None  # well formed, attached to nobody
    assert items[3] is not None
    assert len(statements) == 4
