"""Institutions over REST: the list by name (searched, paged), an institution, its papers and authors.

The list data names three institutions: uw and harvard (by the seed), Inria (by a source and by
affiliations); their papers and authors are checked list by list in test_papers.py and test_authors.py.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from rest_support import OWNER, ListData, get_error, get_ok, list_data_set, service, walked
from starlette.testclient import TestClient

from api.ids import encode_id
from api.rest import models


@pytest.fixture(scope="module")
async def data(server_url: str, template_database: str) -> AsyncIterator[ListData]:
    async for built in list_data_set(server_url, template_database):
        yield built


@pytest.fixture(scope="module")
def client(data: ListData) -> Iterator[TestClient]:
    with service(data.url) as test_client:
        yield test_client


def test_institutions_come_by_name(data: ListData, client: TestClient) -> None:
    body = get_ok(client, "/v1/institutions", models.InstitutionPage)
    assert [i["name"] for i in body["items"]] == ["harvard", "Inria", "uw"]
    assert [i["id"] for i in body["items"]] == [data.institution(n) for n in ("harvard", "Inria", "uw")]
    assert (body["total_count"], body["has_more"], body["next_cursor"]) == (3, False, None)


def test_institutions_page_through_with_nothing_lost(data: ListData, client: TestClient) -> None:
    ids = walked(client, "/v1/institutions", models.InstitutionPage, 1)
    assert ids == [data.institution(n) for n in ("harvard", "Inria", "uw")]


@pytest.mark.parametrize(("search", "expected"), [("inr", ["Inria"]), ("INRIA", ["Inria"]), ("HARV", ["harvard"]),
                                                  ("nowhere at all", [])])  # fmt: skip
def test_search_by_name(client: TestClient, search: str, expected: list[str]) -> None:
    body = get_ok(client, "/v1/institutions", models.InstitutionPage, search=search)
    assert [i["name"] for i in body["items"]] == expected
    assert body["total_count"] == len(expected)


def test_an_institution(data: ListData, client: TestClient) -> None:
    body = get_ok(client, f"/v1/institutions/{data.institution('Inria')}", models.Institution)
    assert body == {"id": data.institution("Inria"), "name": "Inria", "country_code": None}


def test_an_institutions_papers_and_authors(data: ListData, client: TestClient) -> None:
    inria = data.institution("Inria")
    papers = get_ok(client, f"/v1/institutions/{inria}/papers", models.PaperPage, facets="true")
    authors = get_ok(client, f"/v1/institutions/{inria}/authors", models.AuthorPage)
    assert sorted(data.label(p["id"]) for p in papers["items"]) == ["p12", "p15", "p19", "p20"]
    assert OWNER in [a["name"] for a in authors["items"]]


@pytest.mark.parametrize("tail", ["", "/papers", "/authors"])
def test_an_unknown_institution_is_404(data: ListData, client: TestClient, tail: str) -> None:
    for institution_id in (encode_id("Institution", 987_654), "nope", data.author(OWNER)):
        assert get_error(client, f"/v1/institutions/{institution_id}{tail}", 404)
