"""Coauthors over REST: an author's coauthorship edges in each sort, page by page with nothing lost or
repeated (and as GraphQL orders them), and the papers two authors share.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from rest_support import OWNER, ListData, get_error, get_ok, list_data, list_data_set, service, walked
from starlette.testclient import TestClient

from api.ids import encode_id
from api.rest import models

ZOE, JEAN, PIERRE = list_data.ZOE, list_data.JEAN, "Pierre Ablin"


@pytest.fixture(scope="module")
async def data(server_url: str, template_database: str) -> AsyncIterator[ListData]:
    async for built in list_data_set(server_url, template_database):
        yield built


@pytest.fixture(scope="module")
def client(data: ListData) -> Iterator[TestClient]:
    with service(data.url) as test_client:
        yield test_client


def coauthors_path(data: ListData, name: str = OWNER) -> str:
    return f"/v1/authors/{data.author(name)}/coauthors"


def edge_id(item: dict[str, str | dict[str, str]]) -> str:
    author = item["author"]
    assert isinstance(author, dict)
    return author["id"]


GRAPHQL = """
query ($id: ID!, $orderBy: CoauthorOrder) {
  author(id: $id) { coauthors(orderBy: $orderBy, first: 100) { totalCount nodes { author { id } } } }
}
"""


@pytest.mark.parametrize("sort", ["shared_papers", "name", "recent"])
@pytest.mark.parametrize("size", [1, 7])
async def test_every_sort_walks_as_graphql_orders(data: ListData, client: TestClient, sort: str, size: int) -> None:
    ids = walked(client, coauthors_path(data), models.CoauthorPage, size, key=edge_id, sort=sort)
    found = (await data.data(GRAPHQL, {"id": data.author(OWNER), "orderBy": sort.upper()}))["author"]["coauthors"]
    assert ids == [node["author"]["id"] for node in found["nodes"]]
    assert len(ids) == found["totalCount"] == 35  # the seed's 34 and Zoë


def test_most_shared_papers_first_by_default(data: ListData, client: TestClient) -> None:
    body = get_ok(client, coauthors_path(data), models.CoauthorPage, first=2)
    top = body["items"][0]
    assert (top["author"]["name"], top["shared_paper_count"]) == (PIERRE, 4)
    assert (top["first_shared_year"], top["last_shared_year"]) == (2024, 2026)
    assert body["items"][1]["shared_paper_count"] == 2


def test_by_name(data: ListData, client: TestClient) -> None:
    body = get_ok(client, coauthors_path(data), models.CoauthorPage, sort="name", first=3)
    assert [c["author"]["name"] for c in body["items"]] == [
        "Agustin Picard", "Alberto González-Sanz", "Anastasiia Filippova"
    ]  # fmt: skip


def test_most_recent_collaboration_first(data: ListData, client: TestClient) -> None:
    body = get_ok(client, coauthors_path(data), models.CoauthorPage, sort="recent", first=6)
    assert [c["author"]["name"] for c in body["items"]] == [
        PIERRE,
        "Anastasiia Filippova",
        "Anastasiia Sedova",
        "Oscar Davis",
        "Paul Jeha",
        "Szilvia Ujváry",
    ]  # 2026: the most shared first, then by name; fmt: skip
    assert {c["last_shared_year"] for c in body["items"]} == {2026}


def test_an_undated_shared_paper_gives_no_year(data: ListData, client: TestClient) -> None:
    body = get_ok(client, coauthors_path(data, ZOE), models.CoauthorPage, first=100)
    by_name = {c["author"]["name"]: c for c in body["items"]}
    assert (by_name[OWNER]["shared_paper_count"], by_name[OWNER]["last_shared_year"]) == (2, 2024)  # p19, p20


def test_an_author_without_coauthors(data: ListData, client: TestClient) -> None:
    body = get_ok(client, coauthors_path(data, JEAN), models.CoauthorPage)
    assert (body["items"], body["total_count"], body["has_more"]) == ([], 0, False)


def test_a_coauthors_shared_papers_follow_the_edge(data: ListData, client: TestClient) -> None:
    top = get_ok(client, coauthors_path(data), models.CoauthorPage, first=1)["items"][0]
    path = f"{coauthors_path(data)}/{top['author']['id']}/papers"
    body = get_ok(client, path, models.PaperPage, first=100)
    assert body["total_count"] == top["shared_paper_count"]
    assert [data.label(p["id"]) for p in body["items"]] == ["p9", "p6", "p5", "p19"]


def test_two_authors_sharing_nothing_share_no_papers(data: ListData, client: TestClient) -> None:
    body = get_ok(client, f"{coauthors_path(data)}/{data.author(JEAN)}/papers", models.PaperPage)
    assert (body["items"], body["total_count"]) == ([], 0)


def test_shared_papers_with_an_unknown_coauthor_are_404(data: ListData, client: TestClient) -> None:
    assert "author" in get_error(client, f"{coauthors_path(data)}/{encode_id('Author', 987_654)}/papers", 404)


def test_shared_papers_of_an_author_with_themselves_are_404(data: ListData, client: TestClient) -> None:
    assert "own coauthor" in get_error(client, f"{coauthors_path(data)}/{data.author(OWNER)}/papers", 404)


def test_coauthors_of_an_unknown_author_are_404(client: TestClient) -> None:
    get_error(client, f"/v1/authors/{encode_id('Author', 987_654)}/coauthors", 404)
