"""Every list of papers over REST (/v1/papers, an author's, two coauthors' shared papers, an institution's,
a paper's references and citing papers): each sort page by page with nothing lost or repeated, facets,
each filter alone and together, full-text search; and a paper by id.

Expected results come from the table of `list_data` (computed by hand there); relevance order, which the
table does not give, is checked against GraphQL's.
"""

from __future__ import annotations

import datetime as dt
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
    service,
    walked,
)
from starlette.testclient import TestClient

from api.ids import encode_id
from api.rest import models

TABLE = list_data.TABLE
ALL = list(TABLE)
ZOE, PIERRE = list_data.ZOE, "Pierre Ablin"
SORTS = ["newest", "oldest", "most_cited", "updated"]


@pytest.fixture(scope="module")
async def data(server_url: str, template_database: str) -> AsyncIterator[ListData]:
    async for built in list_data_set(server_url, template_database):
        yield built


@pytest.fixture(scope="module")
def client(data: ListData) -> Iterator[TestClient]:
    with service(data.url) as test_client:
        yield test_client


def labels(data: ListData, ids: list[str]) -> list[str]:
    return [data.label(paper_id) for paper_id in ids]


def ordered(members: list[str], sort: str = "newest") -> list[str]:
    return list_data.ordered(members, sort.upper())


# Which list: its path (from the data), and the papers it holds.
LISTS: dict[str, tuple[Callable[[ListData], str], list[str]]] = {
    "papers": (lambda d: "/v1/papers", ALL),
    "author": (lambda d: f"/v1/authors/{d.author(OWNER)}/papers", list_data.LOUIS_PAPERS),
    "institution Inria": (lambda d: f"/v1/institutions/{d.institution('Inria')}/papers", list_data.INRIA_PAPERS),
    "institution uw": (lambda d: f"/v1/institutions/{d.institution('uw')}/papers", list_data.UW_PAPERS),
    "shared Louis+Pierre": (
        lambda d: f"/v1/authors/{d.author(OWNER)}/coauthors/{d.author(PIERRE)}/papers",
        list_data.SHARED_LOUIS_PIERRE,
    ),
    "shared Louis+Zoe": (
        lambda d: f"/v1/authors/{d.author(OWNER)}/coauthors/{d.author(ZOE)}/papers",
        list_data.SHARED_LOUIS_ZOE,
    ),
    "references of p19": (lambda d: f"/v1/papers/{d.paper('p19')}/references", list_data.REFERENCES_OF_P19),
    "citations of p11": (lambda d: f"/v1/papers/{d.paper('p11')}/citations", list_data.CITING_P11),
    "citations of p1": (lambda d: f"/v1/papers/{d.paper('p1')}/citations", list_data.CITING_P1),
}


# --- every list, every sort, page by page ----------------------------------------------------------------


@pytest.mark.parametrize("size", [1, 3])
@pytest.mark.parametrize("sort", SORTS)
@pytest.mark.parametrize("case", list(LISTS))
def test_every_list_walks_in_every_sort(data: ListData, client: TestClient, case: str, sort: str, size: int) -> None:
    path, members = LISTS[case]
    ids = walked(client, path(data), models.PaperPage, size, sort=sort)
    assert labels(data, ids) == ordered(members, sort)


@pytest.mark.parametrize("case", list(LISTS))
def test_every_list_is_newest_first_by_default(data: ListData, client: TestClient, case: str) -> None:
    path, members = LISTS[case]
    body = get_ok(client, path(data), models.PaperPage, first=100)
    assert labels(data, [p["id"] for p in body["items"]]) == ordered(members)
    assert (body["total_count"], body["has_more"], body["next_cursor"]) == (len(members), False, None)


def test_query_papers_newest_first_by_hand(data: ListData, client: TestClient) -> None:
    body = get_ok(client, "/v1/papers", models.PaperPage, first=100)
    expected = "p7 p9 p6 p5 p4 p11 p12 p13 p10 p22 p1 p19 p8 p3 p2 p14 p15 p16 p17 p18 p23 p21 p20"
    assert labels(data, [p["id"] for p in body["items"]]) == expected.split()


def test_references_of_a_paper_citing_nothing_are_empty(data: ListData, client: TestClient) -> None:
    body = get_ok(client, f"/v1/papers/{data.paper('p2')}/references", models.PaperPage)
    assert (body["items"], body["total_count"], body["next_cursor"]) == ([], 0, None)


# --- facets ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", list(LISTS))
def test_facets_count_the_whole_list_on_every_page(data: ListData, client: TestClient, case: str) -> None:
    path, members = LISTS[case]
    first = get_ok(client, path(data), models.PaperPage, first=1, facets="true")
    assert first["facets"] == list_data.facets(members)
    if first["next_cursor"]:
        second = get_ok(client, path(data), models.PaperPage, first=1, after=first["next_cursor"], facets="true")
        assert second["facets"] == first["facets"]


def test_facets_of_every_paper_by_hand(client: TestClient) -> None:
    body = get_ok(client, "/v1/papers", models.PaperPage, first=0, facets="true")
    assert body["items"] == []
    assert body["facets"]["categories"] == [
        {"value": "cs.LG", "count": 13}, {"value": "cs.CV", "count": 4}, {"value": "stat.ML", "count": 4},
        {"value": "cs.AI", "count": 2}, {"value": "cs.CL", "count": 2}, {"value": "cs.IR", "count": 1},
    ]  # fmt: skip
    assert [(f["value"], f["count"]) for f in body["facets"]["years"]] == [
        ("2026", 3), ("2025", 5), ("2024", 4), ("2023", 1), ("2022", 3), ("2021", 1), ("2020", 3), ("2019", 1)
    ]  # fmt: skip


@pytest.mark.parametrize("given", [{}, {"facets": "false"}])
def test_facets_are_left_out_unless_asked(client: TestClient, given: dict[str, str]) -> None:
    assert "facets" not in get_ok(client, "/v1/papers", models.PaperPage, first=1, **given)


def test_facets_follow_the_filters(data: ListData, client: TestClient) -> None:
    body = get_ok(client, "/v1/papers", models.PaperPage, facets="true", has_code="true")
    assert body["facets"] == list_data.facets([p for p in ALL if TABLE[p].has_code])


# --- each filter -------------------------------------------------------------------------------------------

Given = Callable[[ListData], dict[str, Any]]
FILTERS: dict[str, tuple[Given, Callable[[str], bool]]] = {
    "one category": (lambda d: {"category": "cs.CV"}, lambda p: "cs.CV" in TABLE[p].categories),
    "two categories (any)": (
        lambda d: {"category": ["cs.AI", "stat.ML"]},
        lambda p: bool({"cs.AI", "stat.ML"} & set(TABLE[p].categories)),
    ),
    "published_from": (
        lambda d: {"published_from": "2025-05-23"},
        lambda p: TABLE[p].published_on is not None and TABLE[p].published_on >= dt.date(2025, 5, 23),
    ),
    "published_to": (
        lambda d: {"published_to": "2020-11-25"},
        lambda p: TABLE[p].published_on is not None and TABLE[p].published_on <= dt.date(2020, 11, 25),
    ),
    "a published range of one day": (
        lambda d: {"published_from": "2024-07-09", "published_to": "2024-07-09"},
        lambda p: TABLE[p].published_on == dt.date(2024, 7, 9),
    ),
    "has_code=true": (lambda d: {"has_code": "true"}, lambda p: TABLE[p].has_code),
    "has_code=false": (lambda d: {"has_code": "false"}, lambda p: not TABLE[p].has_code),
    "author": (lambda d: {"author": d.author(ZOE)}, lambda p: p in ("p19", "p20", "p21", "p22")),
    "institution": (lambda d: {"institution": d.institution("Inria")}, lambda p: p in list_data.INRIA_PAPERS),
    "min_citations": (lambda d: {"min_citations": 2}, lambda p: TABLE[p].citations >= 2),
    "min_citations=0": (lambda d: {"min_citations": 0}, lambda p: True),
    "updated_since T1": (lambda d: {"updated_since": d.t1.isoformat()}, lambda p: TABLE[p].changed >= 1),
    "updated_since T2": (lambda d: {"updated_since": d.t2.isoformat()}, lambda p: TABLE[p].changed == 2),
    "everything at once": (
        lambda d: {
            "category": "cs.LG",
            "has_code": "true",
            "published_from": "2024-01-01",
            "author": d.author(OWNER),
            "min_citations": 1,
            "updated_since": d.t0.isoformat(),
        },
        lambda p: p == "p19",
    ),
}


@pytest.mark.parametrize("name", list(FILTERS))
def test_each_filter_on_all_papers(data: ListData, client: TestClient, name: str) -> None:
    given, keeps = FILTERS[name]
    expected = ordered([p for p in ALL if keeps(p)])
    body = get_ok(client, "/v1/papers", models.PaperPage, first=100, facets="true", **given(data))
    assert labels(data, [p["id"] for p in body["items"]]) == expected
    assert body["total_count"] == len(expected)
    assert body["facets"] == list_data.facets(expected)


@pytest.mark.parametrize("name", list(FILTERS))
def test_each_filter_on_an_authors_papers(data: ListData, client: TestClient, name: str) -> None:
    given, keeps = FILTERS[name]
    expected = ordered([p for p in list_data.LOUIS_PAPERS if keeps(p)])
    body = get_ok(client, f"/v1/authors/{data.author(OWNER)}/papers", models.PaperPage, first=100, **given(data))
    assert labels(data, [p["id"] for p in body["items"]]) == expected
    assert body["total_count"] == len(expected)


def test_a_filter_pages_through_with_nothing_lost(data: ListData, client: TestClient) -> None:
    ids = walked(client, "/v1/papers", models.PaperPage, 2, sort="most_cited", category="cs.LG")
    assert labels(data, ids) == ordered([p for p in ALL if "cs.LG" in TABLE[p].categories], "most_cited")


def test_a_date_time_with_an_offset_is_an_instant(data: ListData, client: TestClient) -> None:
    assert data.t2 is not None
    at = data.t2.astimezone(dt.timezone(dt.timedelta(hours=-5))).isoformat()
    body = get_ok(client, "/v1/papers", models.PaperPage, updated_since=at)
    assert labels(data, [p["id"] for p in body["items"]]) == ["p8"]


def test_updated_since_a_date_means_its_midnight_utc(client: TestClient) -> None:
    assert get_ok(client, "/v1/papers", models.PaperPage, updated_since="2000-01-01")["total_count"] == 23
    assert get_ok(client, "/v1/papers", models.PaperPage, updated_since="2999-01-01")["total_count"] == 0


def test_an_unknown_author_or_institution_filters_to_nothing(client: TestClient) -> None:
    for given in ({"author": encode_id("Author", 987_654)}, {"institution": encode_id("Institution", 987_654)}):
        body = get_ok(client, "/v1/papers", models.PaperPage, **given)
        assert (body["items"], body["total_count"]) == ([], 0)


# --- full-text search --------------------------------------------------------------------------------------

RELEVANCE = """
query ($search: String!) { papers(search: $search, first: 100) { totalCount nodes { id } } }
"""


async def test_search_is_by_relevance_as_over_graphql(data: ListData, client: TestClient) -> None:
    over_graphql = (await data.data(RELEVANCE, {"search": "zymurgy"}))["papers"]
    body = get_ok(client, "/v1/papers", models.PaperPage, search="zymurgy", first=100)
    assert [p["id"] for p in body["items"]] == [n["id"] for n in over_graphql["nodes"]]
    assert body["total_count"] == over_graphql["totalCount"] == 3
    assert labels(data, [p["id"] for p in body["items"]])[0] == "p19"  # the title says it twice


def test_relevance_pages_through_with_nothing_lost(data: ListData, client: TestClient) -> None:
    whole = get_ok(client, "/v1/papers", models.PaperPage, search="zymurgy", first=100)
    ids = walked(client, "/v1/papers", models.PaperPage, 1, search="zymurgy", sort="relevance")
    assert ids == [p["id"] for p in whole["items"]]


def test_search_with_another_sort(data: ListData, client: TestClient) -> None:
    body = get_ok(client, "/v1/papers", models.PaperPage, search="zymurgy", sort="oldest")
    assert labels(data, [p["id"] for p in body["items"]]) == ["p19", "p20", "p21"]


def test_search_within_a_list(data: ListData, client: TestClient) -> None:
    body = get_ok(client, f"/v1/authors/{data.author(OWNER)}/papers", models.PaperPage, search="zymurgy")
    assert sorted(labels(data, [p["id"] for p in body["items"]])) == ["p19", "p20"]


def test_an_empty_search_is_no_search(data: ListData, client: TestClient) -> None:
    body = get_ok(client, "/v1/papers", models.PaperPage, search="  ", first=1)
    assert body["total_count"] == 23


# --- a paper -----------------------------------------------------------------------------------------------


def test_a_paper_has_its_institutions(data: ListData, client: TestClient) -> None:
    by_source = get_ok(client, f"/v1/papers/{data.paper('p20')}", models.Paper)
    by_affiliation = get_ok(client, f"/v1/papers/{data.paper('p10')}", models.Paper)
    assert [i["name"] for i in by_source["institutions"]] == ["Inria"]
    assert [i["name"] for i in by_affiliation["institutions"]] == ["uw"]
    assert by_source["institutions"][0]["id"] == data.institution("Inria")


def test_a_paper_has_its_stored_citation_count(data: ListData, client: TestClient) -> None:
    assert get_ok(client, f"/v1/papers/{data.paper('p11')}", models.Paper)["citation_count"] == 4


@pytest.mark.parametrize("tail", ["", "/references", "/citations"])
def test_an_unknown_paper_is_404(client: TestClient, tail: str) -> None:
    assert "paper" in get_error(client, f"/v1/papers/{encode_id('Paper', 987_654)}{tail}", 404)


# --- statements: a page costs the same whatever its size ---------------------------------------------------


@pytest.mark.parametrize(
    ("path", "statements"),
    [
        (lambda d: "/v1/papers", 5),  # the page, the total, the facets, the bylines, the institutions
        (lambda d: f"/v1/authors/{d.author(OWNER)}/papers", 6),  # and the author
        (lambda d: f"/v1/authors/{d.author(OWNER)}/coauthors/{d.author(ZOE)}/papers", 7),  # and both authors
    ],
)
async def test_a_page_of_papers_costs_the_same_statements_whatever_its_size(
    data: ListData, path: Callable[[ListData], str], statements: int
) -> None:
    async with in_this_loop(data.db, data.url) as client:
        small, for_small = await counted(client, "GET", path(data), params={"first": 1, "facets": "true"})
        large, for_large = await counted(client, "GET", path(data), params={"first": 100, "facets": "true"})
    assert len(small["items"]) == 1
    assert len(large["items"]) == large["total_count"] > 1
    assert len(for_small) == len(for_large) == statements
