"""Cursor pagination on the seed: every list walks page by page with `after`, each row exactly once,
with exact totals; bad cursors and page sizes are refused with an error naming what was wrong.
"""

from __future__ import annotations

import unicodedata
from typing import Any

import pytest
from conftest import graphql
from starlette.testclient import TestClient

AUTHORS_PAGE = """
query ($first: Int!, $after: String) {
  authors(first: $first, after: $after) {
    totalCount
    nodes { id name }
    pageInfo { endCursor hasNextPage hasPreviousPage }
  }
}
"""

PAPERS_PAGE = """
query ($first: Int!, $after: String) {
  papers(first: $first, after: $after) {
    totalCount
    edges { cursor node { id title publishedOn } }
    pageInfo { endCursor hasNextPage }
  }
}
"""

COAUTHORS_PAGE = """
query ($id: ID!, $first: Int!, $after: String) {
  author(id: $id) {
    coauthors(first: $first, after: $after) {
      totalCount
      nodes { sharedPaperCount author { id name } }
      pageInfo { endCursor hasNextPage }
    }
  }
}
"""

OWNER_ID_QUERY = '{ authors(search: "Louis Béthune", first: 1) { nodes { id name } } }'


def fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def walk(client: TestClient, query: str, connection: Any, variables: dict[str, Any]) -> list[dict[str, Any]]:
    """Every page of a list, first to last, following `endCursor`; `connection` picks it from `data`."""
    pages: list[dict[str, Any]] = []
    after = None
    for _ in range(100):
        page = connection(graphql(client, query, {**variables, "after": after}))
        pages.append(page)
        if not page["pageInfo"]["hasNextPage"]:
            return pages
        after = page["pageInfo"]["endCursor"]
    raise AssertionError("the list never ended")


def post(client: TestClient, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    """POST a query that may fail; return the whole response document (status 200 asserted)."""
    response = client.post(
        "/graphql", json={"query": query, "variables": variables or {}}, headers={"Accept": "application/json"}
    )
    assert response.status_code == 200, response.text
    document: dict[str, Any] = response.json()
    return document


def error_messages(document: dict[str, Any]) -> list[str]:
    return [error["message"] for error in document.get("errors") or []]


@pytest.fixture(scope="module")
def owner_id(seeded_server: TestClient) -> str:
    nodes = graphql(seeded_server, OWNER_ID_QUERY)["authors"]["nodes"]  # type: ignore[index]
    assert nodes[0]["name"] == "Louis Béthune"
    author_id: str = nodes[0]["id"]
    return author_id


@pytest.fixture(scope="module")
def author_pages(seeded_server: TestClient) -> list[dict[str, Any]]:
    return walk(seeded_server, AUTHORS_PAGE, lambda data: data["authors"], {"first": 4})


@pytest.fixture(scope="module")
def all_authors_at_once(seeded_server: TestClient) -> list[dict[str, Any]]:
    nodes: list[dict[str, Any]] = graphql(seeded_server, AUTHORS_PAGE, {"first": 100})["authors"]["nodes"]  # type: ignore[index]
    return nodes


# Walking the lists -----------------------------------------------------------------------------------


def test_walking_authors_by_name_gives_every_author_once(
    author_pages: list[dict[str, Any]], all_authors_at_once: list[dict[str, Any]]
) -> None:
    walked = [node["id"] for page in author_pages for node in page["nodes"]]
    assert len(walked) == len(set(walked)) == 35
    assert walked == [node["id"] for node in all_authors_at_once]


def test_authors_without_search_come_by_name_accents_and_case_folded(
    all_authors_at_once: list[dict[str, Any]],
) -> None:
    names = [fold(node["name"]) for node in all_authors_at_once]
    assert names == sorted(names)


def test_authors_total_count_is_exact_on_every_page(author_pages: list[dict[str, Any]]) -> None:
    assert {page["totalCount"] for page in author_pages} == {35}


def test_authors_pages_are_full_until_the_last(author_pages: list[dict[str, Any]]) -> None:
    assert [len(page["nodes"]) for page in author_pages] == [4] * 8 + [3]


def test_only_the_first_page_has_no_previous_page(author_pages: list[dict[str, Any]]) -> None:
    assert [page["pageInfo"]["hasPreviousPage"] for page in author_pages] == [False] + [True] * 8


def test_walking_papers_by_four_gives_all_18_newest_first_without_repeat(seeded_server: TestClient) -> None:
    pages = walk(seeded_server, PAPERS_PAGE, lambda data: data["papers"], {"first": 4})
    nodes = [edge["node"] for page in pages for edge in page["edges"]]
    assert len(nodes) == len({node["id"] for node in nodes}) == 18
    dates = [node["publishedOn"] for node in nodes]
    assert dates == sorted(dates, reverse=True)
    assert {page["totalCount"] for page in pages} == {18}


def test_each_papers_page_ends_at_its_last_edges_cursor(seeded_server: TestClient) -> None:
    pages = walk(seeded_server, PAPERS_PAGE, lambda data: data["papers"], {"first": 4})
    assert all(page["pageInfo"]["endCursor"] == page["edges"][-1]["cursor"] for page in pages)


def test_walking_coauthors_by_seven_gives_all_34(seeded_server: TestClient, owner_id: str) -> None:
    pages = walk(seeded_server, COAUTHORS_PAGE, lambda data: data["author"]["coauthors"], {"id": owner_id, "first": 7})
    ids = [node["author"]["id"] for page in pages for node in page["nodes"]]
    assert len(ids) == len(set(ids)) == 34
    assert owner_id not in ids
    counts = [node["sharedPaperCount"] for page in pages for node in page["nodes"]]
    assert counts == sorted(counts, reverse=True)
    assert {page["totalCount"] for page in pages} == {34}


# Bad cursors -----------------------------------------------------------------------------------------


def test_a_garbage_cursor_is_a_graphql_error_naming_the_cursor(seeded_server: TestClient) -> None:
    document = post(seeded_server, AUTHORS_PAGE, {"first": 3, "after": "garbage-cursor"})
    messages = error_messages(document)
    assert len(messages) == 1
    assert "garbage-cursor" in messages[0]
    assert "cursor" in messages[0]
    assert "Internal error" not in messages[0]


def test_a_garbage_cursor_error_points_at_the_list(seeded_server: TestClient) -> None:
    document = post(seeded_server, AUTHORS_PAGE, {"first": 3, "after": "garbage-cursor"})
    assert document["errors"][0]["path"] == ["authors"]


def test_a_papers_cursor_is_refused_by_the_authors_list(seeded_server: TestClient) -> None:
    papers_cursor = graphql(seeded_server, PAPERS_PAGE, {"first": 2})["papers"]["pageInfo"]["endCursor"]  # type: ignore[index]
    document = post(seeded_server, AUTHORS_PAGE, {"first": 3, "after": papers_cursor})
    messages = error_messages(document)
    assert len(messages) == 1
    assert "another list" in messages[0]
    assert (document.get("data") or {}).get("authors") is None


def test_an_authors_cursor_is_refused_by_an_authors_coauthors(seeded_server: TestClient, owner_id: str) -> None:
    authors_cursor = graphql(seeded_server, AUTHORS_PAGE, {"first": 2})["authors"]["pageInfo"]["endCursor"]  # type: ignore[index]
    document = post(seeded_server, COAUTHORS_PAGE, {"id": owner_id, "first": 3, "after": authors_cursor})
    assert any("cursor" in message for message in error_messages(document))


# Page sizes ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("first", [-1, 101])
def test_a_page_size_out_of_range_is_refused_naming_first(seeded_server: TestClient, first: int) -> None:
    document = post(seeded_server, AUTHORS_PAGE, {"first": first})
    messages = error_messages(document)
    assert len(messages) == 1
    assert "`first`" in messages[0]
    assert str(first) in messages[0]


@pytest.mark.parametrize("first", [-1, 101])
def test_a_nested_page_size_out_of_range_is_refused_naming_first(
    seeded_server: TestClient, owner_id: str, first: int
) -> None:
    document = post(seeded_server, COAUTHORS_PAGE, {"id": owner_id, "first": first})
    assert any("`first`" in message for message in error_messages(document))


def test_first_zero_gives_no_nodes_but_the_exact_total_and_a_next_page(seeded_server: TestClient) -> None:
    page = graphql(seeded_server, AUTHORS_PAGE, {"first": 0})["authors"]
    assert page["nodes"] == []  # type: ignore[index]
    assert page["totalCount"] == 35  # type: ignore[index]
    assert page["pageInfo"]["hasNextPage"] is True  # type: ignore[index]


def test_first_100_is_the_largest_page_accepted(seeded_server: TestClient) -> None:
    page = graphql(seeded_server, AUTHORS_PAGE, {"first": 100})["authors"]
    assert len(page["nodes"]) == 35  # type: ignore[index]
    assert page["pageInfo"]["hasNextPage"] is False  # type: ignore[index]
