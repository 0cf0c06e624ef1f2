"""Authors over REST: /v1/authors searched, filtered and sorted, page by page with nothing lost or
repeated; an institution's authors; an author by id, with the figures computed from the list data.

Figures are computed by hand from the table of `list_data` (citation counts: p1 3, p3 1, p11 4, p15 3,
p19 2, p22 2); whole orders are also checked against GraphQL's `authors`, the same reads.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest
from rest_support import (
    OWNER,
    ListData,
    counted,
    get_error,
    get_ok,
    in_this_loop,
    list_data,
    list_data_set,
    quoted,
    service,
    walked,
)
from starlette.testclient import TestClient

from api.ids import encode_id
from api.rest import models

ZOE, JEAN, PIERRE, YU_GUAN = list_data.ZOE, list_data.JEAN, "Pierre Ablin", "Yu-Guan Hsieh"
SORTS = ["name", "h_index", "citations", "paper_count", "updated"]


@pytest.fixture(scope="module")
async def data(server_url: str, template_database: str) -> AsyncIterator[ListData]:
    async for built in list_data_set(server_url, template_database):
        yield built


@pytest.fixture(scope="module")
def client(data: ListData) -> Iterator[TestClient]:
    with service(data.url) as test_client:
        yield test_client


def names(data: ListData, ids: list[str]) -> list[str]:
    return [data.name(author_id) for author_id in ids]


GRAPHQL = """
query ($search: String, $filter: AuthorFilter, $orderBy: AuthorOrder) {
  authors(search: $search, filter: $filter, orderBy: $orderBy, first: 100) { totalCount nodes { id } }
}
"""


async def over_graphql(data: ListData, search: str | None = None, order: str | None = None, **given: Any) -> list[str]:
    found = (await data.data(GRAPHQL, {"search": search, "filter": given or None, "orderBy": order}))["authors"]
    assert found["totalCount"] == len(found["nodes"])
    return [node["id"] for node in found["nodes"]]


# --- sorts, page by page -----------------------------------------------------------------------------------


@pytest.mark.parametrize("sort", SORTS)
async def test_every_sort_walks_as_graphql_orders(data: ListData, client: TestClient, sort: str) -> None:
    ids = walked(client, "/v1/authors", models.AuthorPage, 4, sort=sort)
    assert ids == await over_graphql(data, order=sort.upper())
    assert len(ids) == 37  # the seed's 35, Zoë and Jean-Émile


def test_authors_are_by_name_by_default(data: ListData, client: TestClient) -> None:
    body = get_ok(client, "/v1/authors", models.AuthorPage, first=100)
    found = names(data, [a["id"] for a in body["items"]])
    assert found[:3] == ["Agustin Picard", "Alberto González-Sanz", "Anastasiia Filippova"]
    assert found[-2:] == [YU_GUAN, ZOE]  # Zoë folds to "zoe", after "yu"


def test_by_h_index_by_hand(data: ListData, client: TestClient) -> None:
    body = get_ok(client, "/v1/authors", models.AuthorPage, sort="h_index", first=3)
    assert names(data, [a["id"] for a in body["items"]]) == [OWNER, YU_GUAN, ZOE]  # 3, then 2 and 2 by id
    assert [a["computed_metrics"]["h_index"] for a in body["items"]] == [3, 2, 2]


def test_by_citations_by_hand(data: ListData, client: TestClient) -> None:
    body = get_ok(client, "/v1/authors", models.AuthorPage, sort="citations", first=2)
    assert names(data, [a["id"] for a in body["items"]]) == [OWNER, YU_GUAN]  # 13, 5
    assert [a["computed_metrics"]["citation_count"] for a in body["items"]] == [13, 5]


def test_by_paper_count_by_hand(data: ListData, client: TestClient) -> None:
    body = get_ok(client, "/v1/authors", models.AuthorPage, sort="paper_count", first=3)
    assert names(data, [a["id"] for a in body["items"]]) == [OWNER, PIERRE, ZOE]  # 20, then 4 and 4 by id


def test_by_updated_the_last_change_comes_last(data: ListData, client: TestClient) -> None:
    ids = walked(client, "/v1/authors", models.AuthorPage, 10, sort="updated")
    assert names(data, ids)[-1] == PIERRE  # his primary category changed at T2


# --- filters -----------------------------------------------------------------------------------------------

Given = Callable[[ListData], dict[str, Any]]
FILTERS: dict[str, tuple[Given, list[str]]] = {
    "category": (lambda d: {"category": "cs.CV"}, [ZOE]),
    "two categories": (lambda d: {"category": ["cs.LG", "stat.ML"]}, [OWNER, PIERRE]),
    "institution": (lambda d: {"institution": d.institution("Inria")}, ["David Vigouroux", OWNER, "Mathieu Serrurier"]),
    "min_h_index": (lambda d: {"min_h_index": 2}, [OWNER, YU_GUAN, ZOE]),
    "min_citations": (lambda d: {"min_citations": 4}, ["David Vigouroux", OWNER, "Yilun Du", YU_GUAN, ZOE]),
    "updated_since": (lambda d: {"updated_since": d.t2.isoformat()}, [PIERRE]),
    "together": (lambda d: {"min_h_index": 1, "institution": d.institution("Inria"), "min_citations": 4},
                 ["David Vigouroux", OWNER]),
}  # fmt: skip


@pytest.mark.parametrize("name", list(FILTERS))
def test_each_filter(data: ListData, client: TestClient, name: str) -> None:
    given, expected = FILTERS[name]
    body = get_ok(client, "/v1/authors", models.AuthorPage, first=100, **given(data))
    assert names(data, [a["id"] for a in body["items"]]) == expected  # by name
    assert body["total_count"] == len(expected)


async def test_updated_since_t1_as_over_graphql(data: ListData, client: TestClient) -> None:
    assert data.t1 is not None
    body = get_ok(client, "/v1/authors", models.AuthorPage, first=100, updated_since=data.t1.isoformat())
    expected = await over_graphql(data, updatedSince=data.t1.isoformat())
    assert [a["id"] for a in body["items"]] == expected
    assert {ZOE, JEAN, PIERRE} <= set(names(data, expected))


def test_a_filter_pages_through_with_nothing_lost(data: ListData, client: TestClient) -> None:
    ids = walked(client, "/v1/authors", models.AuthorPage, 2, min_citations=1, sort="citations")
    whole = get_ok(client, "/v1/authors", models.AuthorPage, first=100, min_citations=1, sort="citations")
    assert ids == [a["id"] for a in whole["items"]]
    assert len(ids) == 12  # the authors of p1, p3, p11, p15, p19 and p22


# --- search ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("search", "best"),
    [("louis bethune", OWNER), ("BÉTHUNE", OWNER), ("zoe angstrom", ZOE), ("pierre ablim", PIERRE), ("Yu-Gu", YU_GUAN)],
)
async def test_search_finds_the_best_match_first(data: ListData, client: TestClient, search: str, best: str) -> None:
    body = get_ok(client, "/v1/authors", models.AuthorPage, search=search)
    assert names(data, [a["id"] for a in body["items"]])[0] == best
    assert [a["id"] for a in body["items"]] == await over_graphql(data, search=search)


def test_search_by_name_instead_of_relevance(data: ListData, client: TestClient) -> None:
    body = get_ok(client, "/v1/authors", models.AuthorPage, search="hsieh", sort="name")
    assert names(data, [a["id"] for a in body["items"]]) == ["Cheng-Yu Hsieh", YU_GUAN]


def test_relevance_pages_through_with_nothing_lost(client: TestClient) -> None:
    whole = get_ok(client, "/v1/authors", models.AuthorPage, search="pierre", first=100)
    assert len(whole["items"]) >= 2
    assert walked(client, "/v1/authors", models.AuthorPage, 1, search="pierre") == [a["id"] for a in whole["items"]]


# --- an institution's authors ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("institution", "expected"),
    [("Inria", ["David Vigouroux", OWNER, "Mathieu Serrurier"]), ("uw", ["Enrico Fini"]), ("harvard", [])],
)
def test_an_institutions_authors(data: ListData, client: TestClient, institution: str, expected: list[str]) -> None:
    path = f"/v1/institutions/{data.institution(institution)}/authors"
    assert names(data, walked(client, path, models.AuthorPage, 1)) == expected


def test_an_institutions_authors_filtered_and_sorted(data: ListData, client: TestClient) -> None:
    path = f"/v1/institutions/{data.institution('Inria')}/authors"
    body = get_ok(client, path, models.AuthorPage, sort="citations", min_citations=4)
    assert names(data, [a["id"] for a in body["items"]]) == [OWNER, "David Vigouroux"]


# --- an author ---------------------------------------------------------------------------------------------


def test_an_author_in_a_list_carries_every_set_of_figures(data: ListData, client: TestClient) -> None:
    body = get_ok(client, "/v1/authors", models.AuthorPage, search="louis bethune", first=1)
    (owner,) = body["items"]
    figures = owner["computed_metrics"]
    assert (figures["paper_count"], figures["citation_count"], figures["h_index"]) == (20, 13, 3)
    assert owner["metrics"]["source"] == "profile-page"  # reported figures are preferred
    assert owner == get_ok(client, f"/v1/authors/{quoted(owner['id'])}", models.Author)


def test_an_unknown_author_is_404(client: TestClient) -> None:
    assert "author" in get_error(client, f"/v1/authors/{encode_id('Author', 987_654)}", 404)


# --- statements: a page costs the same whatever its size ---------------------------------------------------


async def test_a_page_of_authors_costs_the_same_statements_whatever_its_size(data: ListData) -> None:
    async with in_this_loop(data.db, data.url) as client:
        small, for_small = await counted(client, "GET", "/v1/authors", params={"first": 1})
        large, for_large = await counted(client, "GET", "/v1/authors", params={"first": 100})
    assert (len(small["items"]), len(large["items"])) == (1, 37)
    assert len(for_small) == len(for_large) == 4  # the page, the total, the reported and computed figures
