"""REST at /v1 on the seed: an author with reported and computed metrics, their papers and coauthors
paged by cursor, a paper with its byline, and error bodies, each response checked against the OpenAPI
document (tests/rest/test_openapi.py checks the document itself).
"""

from __future__ import annotations

from typing import Any

import pytest
from conftest import graphql
from rest_support import assert_fits_openapi, quoted
from starlette.testclient import TestClient

from api.ids import encode_id
from api.rest import models

OWNER = "Louis Béthune"
SEARCH_OWNER = '{ authors(search: "Louis Béthune", first: 1) { nodes { id name } } }'
SEARCH_PAPER = '{ papers(search: "Sturm Liouville", first: 1) { nodes { id title } } }'


@pytest.fixture(scope="module")
def openapi(seeded_server: TestClient) -> dict[str, Any]:
    response = seeded_server.get("/openapi.json")
    assert response.status_code == 200
    document: dict[str, Any] = response.json()
    return document


# Ids from GraphQL ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def owner_id(seeded_server: TestClient) -> str:
    node = graphql(seeded_server, SEARCH_OWNER)["authors"]["nodes"][0]  # type: ignore[index]
    assert node["name"] == OWNER
    author_id: str = node["id"]
    return author_id


@pytest.fixture(scope="module")
def sturm_liouville_id(seeded_server: TestClient) -> str:
    node = graphql(seeded_server, SEARCH_PAPER)["papers"]["nodes"][0]  # type: ignore[index]
    paper_id: str = node["id"]
    return paper_id


@pytest.fixture(scope="module")
def owner(seeded_server: TestClient, owner_id: str, openapi: dict[str, Any]) -> dict[str, Any]:
    response = seeded_server.get(f"/v1/authors/{quoted(owner_id)}")
    assert response.status_code == 200
    return assert_fits_openapi(openapi, "/v1/authors/{author_id}", response, models.Author)


# GET /v1/authors/{id} --------------------------------------------------------------------------------


def test_author_has_the_graphql_id_and_name(owner: dict[str, Any], owner_id: str) -> None:
    assert (owner["id"], owner["name"]) == (owner_id, OWNER)


def test_author_metrics_are_the_reported_h_index(owner: dict[str, Any]) -> None:
    assert owner["metrics"]["h_index"] == 34
    assert owner["metrics"]["source"] == "profile-page"


def test_author_computed_metrics_come_from_the_stored_graph(owner: dict[str, Any]) -> None:
    computed = owner["computed_metrics"]
    assert (computed["h_index"], computed["paper_count"], computed["source"]) == (0, 18, "computed")
    assert computed["computed_at"] is not None


def test_author_reported_metrics_keep_their_source_and_date(owner: dict[str, Any]) -> None:
    reported = owner["reported_metrics"]
    assert isinstance(reported, list)
    assert len(reported) == 1
    assert reported[0]["h_index"] == 34
    assert reported[0]["citation_count"] == 220
    assert reported[0]["novelty"] == pytest.approx(0.59)
    assert (reported[0]["source"], reported[0]["as_of"]) == ("profile-page", "2026-11-27")


def test_author_responses_are_json(seeded_server: TestClient, owner_id: str) -> None:
    response = seeded_server.get(f"/v1/authors/{quoted(owner_id)}")
    assert response.headers["content-type"].startswith("application/json")


def _assert_not_found(response: Any, openapi: dict[str, Any], path: str) -> None:
    assert response.status_code == 404
    body = assert_fits_openapi(openapi, path, response, models.Error)
    assert body["error"]["code"] == "not_found"
    assert body["error"]["message"]


def test_an_unknown_author_is_404(seeded_server: TestClient, openapi: dict[str, Any]) -> None:
    response = seeded_server.get(f"/v1/authors/{encode_id('Author', 987_654)}")
    _assert_not_found(response, openapi, "/v1/authors/{author_id}")


def test_a_malformed_author_id_is_404(seeded_server: TestClient, openapi: dict[str, Any]) -> None:
    response = seeded_server.get("/v1/authors/does-not-exist")
    _assert_not_found(response, openapi, "/v1/authors/{author_id}")


def test_a_paper_id_used_as_an_author_is_404(
    seeded_server: TestClient, openapi: dict[str, Any], sturm_liouville_id: str
) -> None:
    response = seeded_server.get(f"/v1/authors/{quoted(sturm_liouville_id)}")
    _assert_not_found(response, openapi, "/v1/authors/{author_id}")


# GET /v1/authors/{id}/papers -------------------------------------------------------------------------


def walk_papers(client: TestClient, openapi: dict[str, Any], author_id: str, first: int) -> list[dict[str, Any]]:
    pages: list[dict[str, Any]] = []
    params: dict[str, Any] = {"first": first}
    for _ in range(50):
        response = client.get(f"/v1/authors/{quoted(author_id)}/papers", params=params)
        assert response.status_code == 200, response.text
        page = assert_fits_openapi(openapi, "/v1/authors/{author_id}/papers", response, models.PaperPage)
        pages.append(page)
        if page["next_cursor"] is None:
            return pages
        params = {"first": first, "after": page["next_cursor"]}
    raise AssertionError("the list never ended")


def test_papers_page_by_five_through_all_18(seeded_server: TestClient, openapi: dict[str, Any], owner_id: str) -> None:
    pages = walk_papers(seeded_server, openapi, owner_id, 5)
    ids = [paper["id"] for page in pages for paper in page["items"]]
    assert [len(page["items"]) for page in pages] == [5, 5, 5, 3]
    assert len(ids) == len(set(ids)) == 18


def test_papers_total_count_is_18_on_every_page(
    seeded_server: TestClient, openapi: dict[str, Any], owner_id: str
) -> None:
    pages = walk_papers(seeded_server, openapi, owner_id, 5)
    assert {page["total_count"] for page in pages} == {18}


def test_papers_next_cursor_is_null_only_on_the_last_page(
    seeded_server: TestClient, openapi: dict[str, Any], owner_id: str
) -> None:
    pages = walk_papers(seeded_server, openapi, owner_id, 5)
    assert [page["next_cursor"] is None for page in pages] == [False, False, False, True]


def test_papers_come_newest_first(seeded_server: TestClient, openapi: dict[str, Any], owner_id: str) -> None:
    pages = walk_papers(seeded_server, openapi, owner_id, 7)
    dates = [paper["published_on"] for page in pages for paper in page["items"]]
    assert dates == sorted(dates, reverse=True)


def test_a_page_of_exactly_the_list_has_no_next_cursor(seeded_server: TestClient, owner_id: str) -> None:
    response = seeded_server.get(f"/v1/authors/{quoted(owner_id)}/papers", params={"first": 18})
    body = response.json()
    assert len(body["items"]) == 18
    assert body["next_cursor"] is None


def test_papers_first_zero_gives_no_items_and_the_total(seeded_server: TestClient, owner_id: str) -> None:
    response = seeded_server.get(f"/v1/authors/{quoted(owner_id)}/papers", params={"first": 0})
    assert response.status_code == 200
    body = response.json()
    assert (body["items"], body["total_count"]) == ([], 18)


@pytest.mark.parametrize("first", ["abc", "1000", "-1", "101", "2.5"])
def test_a_bad_page_size_is_400_invalid_input(
    seeded_server: TestClient, openapi: dict[str, Any], owner_id: str, first: str
) -> None:
    response = seeded_server.get(f"/v1/authors/{quoted(owner_id)}/papers", params={"first": first})
    assert response.status_code == 400
    body = assert_fits_openapi(openapi, "/v1/authors/{author_id}/papers", response, models.Error)
    assert body["error"]["code"] == "invalid_input"
    assert "`first`" in body["error"]["message"]


def test_a_garbage_cursor_is_400_invalid_input(
    seeded_server: TestClient, openapi: dict[str, Any], owner_id: str
) -> None:
    response = seeded_server.get(f"/v1/authors/{quoted(owner_id)}/papers", params={"after": "garbage"})
    assert response.status_code == 400
    body = assert_fits_openapi(openapi, "/v1/authors/{author_id}/papers", response, models.Error)
    assert body["error"]["code"] == "invalid_input"
    assert "cursor" in body["error"]["message"]


def test_a_coauthors_cursor_is_refused_by_papers(seeded_server: TestClient, owner_id: str) -> None:
    coauthors = seeded_server.get(f"/v1/authors/{quoted(owner_id)}/coauthors", params={"first": 2}).json()
    response = seeded_server.get(f"/v1/authors/{quoted(owner_id)}/papers", params={"after": coauthors["next_cursor"]})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_input"


def test_papers_of_an_unknown_author_is_404(seeded_server: TestClient, openapi: dict[str, Any]) -> None:
    response = seeded_server.get(f"/v1/authors/{encode_id('Author', 987_654)}/papers")
    _assert_not_found(response, openapi, "/v1/authors/{author_id}/papers")


# GET /v1/authors/{id}/coauthors ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def coauthors_page(seeded_server: TestClient, openapi: dict[str, Any], owner_id: str) -> dict[str, Any]:
    response = seeded_server.get(f"/v1/authors/{quoted(owner_id)}/coauthors", params={"first": 5})
    assert response.status_code == 200
    return assert_fits_openapi(openapi, "/v1/authors/{author_id}/coauthors", response, models.CoauthorPage)


def test_top_coauthor_is_pierre_ablin_with_3(coauthors_page: dict[str, Any]) -> None:
    top = coauthors_page["items"][0]
    assert (top["author"]["name"], top["shared_paper_count"]) == ("Pierre Ablin", 3)


def test_coauthors_total_count_is_34(coauthors_page: dict[str, Any]) -> None:
    assert coauthors_page["total_count"] == 34


def test_coauthors_page_through_all_34(seeded_server: TestClient, owner_id: str) -> None:
    seen: list[str] = []
    params: dict[str, Any] = {"first": 10}
    for _ in range(10):
        body = seeded_server.get(f"/v1/authors/{quoted(owner_id)}/coauthors", params=params).json()
        seen += [item["author"]["id"] for item in body["items"]]
        if body["next_cursor"] is None:
            break
        params = {"first": 10, "after": body["next_cursor"]}
    assert len(seen) == len(set(seen)) == 34


def test_coauthors_first_zero_gives_no_items_and_the_total(seeded_server: TestClient, owner_id: str) -> None:
    response = seeded_server.get(f"/v1/authors/{quoted(owner_id)}/coauthors", params={"first": 0})
    assert response.status_code == 200
    body = response.json()
    assert (body["items"], body["total_count"]) == ([], 34)


def test_coauthors_of_an_unknown_author_is_404(seeded_server: TestClient, openapi: dict[str, Any]) -> None:
    response = seeded_server.get("/v1/authors/nope/coauthors")
    _assert_not_found(response, openapi, "/v1/authors/{author_id}/coauthors")


# GET /v1/papers/{id} ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sturm_liouville(seeded_server: TestClient, openapi: dict[str, Any], sturm_liouville_id: str) -> dict[str, Any]:
    response = seeded_server.get(f"/v1/papers/{quoted(sturm_liouville_id)}")
    assert response.status_code == 200
    return assert_fits_openapi(openapi, "/v1/papers/{paper_id}", response, models.Paper)


def test_paper_authors_come_in_byline_order(sturm_liouville: dict[str, Any]) -> None:
    names = [author["name"] for author in sturm_liouville["authors"]]
    assert names[:3] == ["David Vigouroux", "Joseba Dalmau", OWNER]


def test_paper_author_ids_are_graphql_ids(sturm_liouville: dict[str, Any], owner_id: str) -> None:
    assert owner_id in [author["id"] for author in sturm_liouville["authors"]]


def test_paper_has_its_id_and_an_arxiv_category(sturm_liouville: dict[str, Any], sturm_liouville_id: str) -> None:
    assert sturm_liouville["id"] == sturm_liouville_id
    assert sturm_liouville["primary_category"] in {"cs.LG", "stat.ML", "cs.CV", "cs.CL", "cs.AI"}


def test_an_unknown_paper_is_404(seeded_server: TestClient, openapi: dict[str, Any]) -> None:
    response = seeded_server.get(f"/v1/papers/{encode_id('Paper', 987_654)}")
    _assert_not_found(response, openapi, "/v1/papers/{paper_id}")


def test_an_author_id_used_as_a_paper_is_404(seeded_server: TestClient, openapi: dict[str, Any], owner_id: str) -> None:
    response = seeded_server.get(f"/v1/papers/{quoted(owner_id)}")
    _assert_not_found(response, openapi, "/v1/papers/{paper_id}")
