"""Every list of papers (Query.papers, Author.papers, Institution.papers, Coauthor.sharedPapers,
Paper.references, Paper.citedBy): each filter, each ordering, facets and totals of the whole filtered
list, and paging in every ordering with nothing lost or repeated.

The data is the seed plus the papers, citations and institutions of `list_data` (its docstring has the
table every expected result here is computed from by hand).
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest
from conftest import make_settings
from list_data import (
    CITING_P1,
    CITING_P11,
    INRIA_PAPERS,
    JEAN,
    LOUIS_PAPERS,
    OWNER,
    REFERENCES_OF_P19,
    SHARED_LOUIS_PIERRE,
    SHARED_LOUIS_ZOE,
    TABLE,
    UW_PAPERS,
    ZOE,
    ListData,
    build_list_data,
    facets,
    ordered,
)
from starlette.testclient import TestClient

from api.app import create_app

ALL = list(TABLE)
ORDERS = ["NEWEST", "OLDEST", "MOST_CITED", "UPDATED"]

PAGE = """
fragment Page on PaperConnection {
  totalCount
  edges { cursor node { id } }
  pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  facets { categories { value count } years { value count } }
}
"""
VARS = "$search: String, $filter: PaperFilter, $orderBy: PaperOrder, $first: Int! = 50, $after: String"
ARGS = "search: $search, filter: $filter, orderBy: $orderBy, first: $first, after: $after"

# kind -> (query, how to find the connection in `data` given the coauthor's id for sharedPapers)
LISTS: dict[str, tuple[str, Callable[[dict[str, Any], str | None], dict[str, Any]]]] = {
    "papers": (f"query ({VARS}) {{ papers({ARGS}) {{ ...Page }} }}", lambda d, _: d["papers"]),
    "author": (
        f"query ($id: ID!, {VARS}) {{ author(id: $id) {{ papers({ARGS}) {{ ...Page }} }} }}",
        lambda d, _: d["author"]["papers"],
    ),
    "institution": (
        f"query ($id: ID!, {VARS}) {{ institution(id: $id) {{ papers({ARGS}) {{ ...Page }} }} }}",
        lambda d, _: d["institution"]["papers"],
    ),
    "shared": (
        f"query ($id: ID!, {VARS}) {{ author(id: $id) {{ coauthors(first: 100) {{ nodes {{"
        f" author {{ id }} sharedPapers({ARGS}) {{ ...Page }} }} }} }} }}",
        lambda d, other: next(n for n in d["author"]["coauthors"]["nodes"] if n["author"]["id"] == other)[
            "sharedPapers"
        ],
    ),
    "references": (
        f"query ($id: ID!, {VARS}) {{ paper(id: $id) {{ references({ARGS}) {{ ...Page }} }} }}",
        lambda d, _: d["paper"]["references"],
    ),
    "citedBy": (
        f"query ($id: ID!, {VARS}) {{ paper(id: $id) {{ citedBy({ARGS}) {{ ...Page }} }} }}",
        lambda d, _: d["paper"]["citedBy"],
    ),
}


@pytest.fixture(scope="module")
async def data(server_url: str, template_database: str) -> AsyncIterator[ListData]:
    async for built in build_list_data(server_url, template_database):
        yield built


@pytest.fixture(scope="module")
def client(data: ListData) -> Iterator[TestClient]:
    """The whole service over HTTP on the same database."""
    with TestClient(create_app(make_settings(data.url))) as test_client:
        yield test_client


# Which list: kind, its parent (a global id, from the data), the coauthor for sharedPapers, its papers.
Parent = Callable[[ListData], str | None]
LIST_CASES: dict[str, tuple[str, Parent, Parent, list[str]]] = {
    "Query.papers": ("papers", lambda d: None, lambda d: None, ALL),
    "Author.papers": ("author", lambda d: d.author(OWNER), lambda d: None, LOUIS_PAPERS),
    "Institution.papers Inria": ("institution", lambda d: d.institution("Inria"), lambda d: None, INRIA_PAPERS),
    "Institution.papers uw": ("institution", lambda d: d.institution("uw"), lambda d: None, UW_PAPERS),
    "sharedPapers Louis+Pierre": (
        "shared",
        lambda d: d.author(OWNER),
        lambda d: d.author("Pierre Ablin"),
        SHARED_LOUIS_PIERRE,
    ),
    "sharedPapers Louis+Zoe": ("shared", lambda d: d.author(OWNER), lambda d: d.author(ZOE), SHARED_LOUIS_ZOE),
    "Paper.references p19": ("references", lambda d: d.paper("p19"), lambda d: None, REFERENCES_OF_P19),
    "Paper.citedBy p11": ("citedBy", lambda d: d.paper("p11"), lambda d: None, CITING_P11),
    "Paper.citedBy p1": ("citedBy", lambda d: d.paper("p1"), lambda d: None, CITING_P1),
}


async def page(
    data: ListData, kind: str, parent: str | None = None, other: str | None = None, **arguments: Any
) -> dict[str, Any]:
    query, pick = LISTS[kind]
    variables = {"id": parent, **arguments} if parent is not None else dict(arguments)
    return pick(await data.data(query + PAGE, variables), other)


async def walk(
    data: ListData, kind: str, size: int, parent: str | None = None, other: str | None = None, **arguments: Any
) -> list[dict[str, Any]]:
    pages: list[dict[str, Any]] = []
    after = None
    for _ in range(60):
        found = await page(data, kind, parent, other, first=size, after=after, **arguments)
        pages.append(found)
        if not found["pageInfo"]["hasNextPage"]:
            return pages
        after = found["pageInfo"]["endCursor"]
    raise AssertionError("the list never ended")


def labels(data: ListData, connection: dict[str, Any]) -> list[str]:
    return [data.label(edge["node"]["id"]) for edge in connection["edges"]]


def assert_walk(data: ListData, pages: list[dict[str, Any]], expected: list[str], size: int) -> None:
    walked = [label for found in pages for label in labels(data, found)]
    assert walked == expected
    assert [len(found["edges"]) for found in pages[:-1]] == [size] * (len(pages) - 1)
    assert all(found["totalCount"] == len(expected) for found in pages)
    assert all(found["facets"] == facets(expected) for found in pages)  # the whole list's, not the page's
    assert [found["pageInfo"]["hasPreviousPage"] for found in pages] == [False] + [True] * (len(pages) - 1)
    assert all(found["pageInfo"]["endCursor"] == found["edges"][-1]["cursor"] for found in pages if found["edges"])


# --- Query.papers in each ordering, written out by hand ------------------------------------------------

BY_HAND = {
    "NEWEST": "p7 p9 p6 p5 p4 p11 p12 p13 p10 p22 p1 p19 p8 p3 p2 p14 p15 p16 p17 p18 p23 p21 p20",
    "OLDEST": "p23 p18 p17 p16 p15 p14 p2 p3 p8 p19 p1 p22 p10 p13 p12 p11 p4 p5 p6 p9 p7 p20 p21",
    "MOST_CITED": "p11 p15 p1 p22 p19 p3 p23 p21 p20 p18 p17 p16 p14 p13 p12 p10 p9 p8 p7 p6 p5 p4 p2",
    "UPDATED": "p2 p4 p5 p6 p7 p9 p10 p12 p13 p14 p16 p17 p18 p1 p3 p11 p15 p19 p20 p21 p22 p23 p8",
}


@pytest.mark.parametrize("order", ORDERS)
async def test_query_papers_in_each_order(data: ListData, order: str) -> None:
    found = await page(data, "papers", orderBy=order)
    assert labels(data, found) == BY_HAND[order].split() == ordered(ALL, order)
    assert found["totalCount"] == 23
    assert found["pageInfo"]["hasNextPage"] is False


async def test_query_papers_default_order_is_newest(data: ListData) -> None:
    assert labels(data, await page(data, "papers")) == BY_HAND["NEWEST"].split()


async def test_facets_of_every_paper_by_hand(data: ListData) -> None:
    found = await page(data, "papers", first=1)
    assert found["facets"] == {
        "categories": [
            {"value": "cs.LG", "count": 13},
            {"value": "cs.CV", "count": 4},
            {"value": "stat.ML", "count": 4},
            {"value": "cs.AI", "count": 2},
            {"value": "cs.CL", "count": 2},
            {"value": "cs.IR", "count": 1},
        ],
        "years": [
            {"value": year, "count": n}
            for year, n in [
                ("2026", 3),
                ("2025", 5),
                ("2024", 4),
                ("2023", 1),
                ("2022", 3),
                ("2021", 1),
                ("2020", 3),
                ("2019", 1),
            ]
        ],
    }


# --- every list, every ordering, page by page ----------------------------------------------------------


@pytest.mark.parametrize("size", [1, 2, 3])
@pytest.mark.parametrize("order", ORDERS)
@pytest.mark.parametrize("case", list(LIST_CASES))
async def test_every_list_walks_in_every_order(data: ListData, case: str, order: str, size: int) -> None:
    kind, parent, other, members = LIST_CASES[case]
    pages = await walk(data, kind, size, parent(data), other(data), orderBy=order)
    assert_walk(data, pages, ordered(members, order), size)


# RELEVANCE: "zymurgy" is twice in p19's title, once in p21's, once in p20's abstract (weighs less).
RELEVANCE_CASES = {
    "Query.papers": ("papers", lambda d: None, ["p19", "p21", "p20"]),
    "Author.papers Zoe": ("author", lambda d: d.author(ZOE), ["p19", "p21", "p20"]),
    "Author.papers Louis": ("author", lambda d: d.author(OWNER), ["p19", "p20"]),
    "Institution.papers Inria": ("institution", lambda d: d.institution("Inria"), ["p19", "p20"]),
    "Paper.citedBy p19": ("citedBy", lambda d: d.paper("p19"), ["p21", "p20"]),
}


@pytest.mark.parametrize("size", [1, 2, 3])
@pytest.mark.parametrize("explicit", [True, False], ids=["orderBy RELEVANCE", "default with search"])
@pytest.mark.parametrize("case", list(RELEVANCE_CASES))
async def test_relevance_walks_best_match_first(data: ListData, case: str, explicit: bool, size: int) -> None:
    kind, parent, expected = RELEVANCE_CASES[case]
    order = {"orderBy": "RELEVANCE"} if explicit else {}
    pages = await walk(data, kind, size, parent(data), search="zymurgy", **order)
    assert_walk(data, pages, expected, size)


@pytest.mark.parametrize("order", ORDERS)
async def test_search_combines_with_every_other_order(data: ListData, order: str) -> None:
    found = await page(data, "papers", search="zymurgy", orderBy=order)
    assert labels(data, found) == ordered(["p19", "p20", "p21"], order)


async def test_search_combines_with_a_filter(data: ListData) -> None:
    found = await page(data, "papers", search="zymurgy", filter={"hasCode": True})
    assert labels(data, found) == ["p19", "p21"]
    assert found["totalCount"] == 2
    assert found["facets"] == facets(["p19", "p21"])


# --- filters on Query.papers ---------------------------------------------------------------------------

Filter = Callable[[ListData], dict[str, Any]]
FILTERS: dict[str, tuple[Filter, str]] = {
    "categories any-of": (lambda d: {"categories": ["cs.CV", "cs.AI"]}, "p10 p22 p1 p2 p20"),
    "one category": (lambda d: {"categories": ["stat.ML"]}, "p13 p19 p3 p14"),
    "a category nobody has": (lambda d: {"categories": ["q-bio.NC"]}, ""),
    "no category at all": (lambda d: {"categories": []}, " ".join(ordered(ALL, "NEWEST"))),
    "published between, both ends inclusive": (
        lambda d: {"publishedFrom": "2024-07-09", "publishedTo": "2025-04-09"},
        "p12 p13 p10 p22 p1",
    ),
    "published on one day": (lambda d: {"publishedFrom": "2024-07-09", "publishedTo": "2024-07-09"}, "p22 p1"),
    "published from": (lambda d: {"publishedFrom": "2026-01-01"}, "p7 p9 p6"),
    "published to": (lambda d: {"publishedTo": "2020-07-08"}, "p17 p18 p23"),
    "has code": (lambda d: {"hasCode": True}, "p1 p19 p8 p21"),
    "has no code": (
        lambda d: {"hasCode": False},
        "p7 p9 p6 p5 p4 p11 p12 p13 p10 p22 p3 p2 p14 p15 p16 p17 p18 p23 p20",
    ),
    "author": (lambda d: {"authorId": d.author(ZOE)}, "p22 p19 p21 p20"),
    "author of one paper": (lambda d: {"authorId": d.author(JEAN)}, "p23"),
    "institution by source and by affiliation": (
        lambda d: {"institutionId": d.institution("Inria")},
        "p12 p19 p15 p20",
    ),
    "institution uw": (lambda d: {"institutionId": d.institution("uw")}, "p10 p1"),
    "institution harvard": (lambda d: {"institutionId": d.institution("harvard")}, "p2"),
    "min citations 2": (lambda d: {"minCitations": 2}, "p11 p22 p1 p19 p15"),
    "min citations 0": (lambda d: {"minCitations": 0}, " ".join(ordered(ALL, "NEWEST"))),
    "min citations 5": (lambda d: {"minCitations": 5}, ""),
    "updated since T1": (lambda d: {"updatedSince": d.t1.isoformat()}, "p11 p22 p1 p19 p8 p3 p15 p23 p21 p20"),
    "updated since T2": (lambda d: {"updatedSince": d.t2.isoformat()}, "p8"),
    "categories and citations": (lambda d: {"categories": ["cs.LG", "cs.CV"], "minCitations": 1}, "p11 p22 p1 p19 p15"),
    "category, code and date": (
        lambda d: {"categories": ["cs.LG"], "hasCode": True, "publishedFrom": "2024-01-01"},
        "p19",
    ),
    "author and institution": (
        lambda d: {"authorId": d.author(ZOE), "institutionId": d.institution("Inria")},
        "p19 p20",
    ),
}


@pytest.mark.parametrize("name", list(FILTERS))
async def test_filter_gives_exactly_its_papers_with_total_and_facets(data: ListData, name: str) -> None:
    given, expected_text = FILTERS[name]
    expected = expected_text.split()
    found = await page(data, "papers", filter=given(data))
    assert labels(data, found) == expected
    assert found["totalCount"] == len(expected)
    assert found["facets"] == facets(expected)


@pytest.mark.parametrize("order", ORDERS)
@pytest.mark.parametrize("name", ["categories any-of", "has no code", "updated since T1", "categories and citations"])
async def test_filter_combines_with_every_order_across_pages(data: ListData, name: str, order: str) -> None:
    given, expected_text = FILTERS[name]
    pages = await walk(data, "papers", 2, filter=given(data), orderBy=order)
    assert_walk(data, pages, ordered(expected_text.split(), order), 2)


async def test_facets_follow_the_filter_by_hand(data: ListData) -> None:
    found = await page(data, "papers", first=1, filter={"categories": ["cs.LG", "cs.CV"], "minCitations": 1})
    assert found["facets"] == {
        "categories": [
            {"value": "cs.LG", "count": 3},
            {"value": "cs.CV", "count": 2},
            {"value": "stat.ML", "count": 1},
        ],
        "years": [{"value": "2025", "count": 1}, {"value": "2024", "count": 3}, {"value": "2021", "count": 1}],
    }


# --- filters on the nested lists ---------------------------------------------------------------------

NESTED_FILTERS: dict[str, tuple[str, Parent, Parent, Filter, str]] = {
    "Author.papers with code": (
        "author",
        lambda d: d.author(OWNER),
        lambda d: None,
        lambda d: {"hasCode": True},
        "p1 p19 p8",
    ),
    "Author.papers with another author": (
        "author",
        lambda d: d.author(OWNER),
        lambda d: None,
        lambda d: {"authorId": d.author(ZOE)},
        "p19 p20",
    ),
    "Author.papers in a category": (
        "author",
        lambda d: d.author(OWNER),
        lambda d: None,
        lambda d: {"categories": ["cs.CV"]},
        "p10 p1 p20",
    ),
    "Author.papers up to a date": (
        "author",
        lambda d: d.author(ZOE),
        lambda d: None,
        lambda d: {"publishedTo": "2024-12-31"},
        "p22 p19",
    ),
    "Institution.papers in a category": (
        "institution",
        lambda d: d.institution("Inria"),
        lambda d: None,
        lambda d: {"categories": ["cs.LG"]},
        "p12 p19 p15",
    ),
    "Institution.papers cited twice": (
        "institution",
        lambda d: d.institution("Inria"),
        lambda d: None,
        lambda d: {"minCitations": 2},
        "p19 p15",
    ),
    "sharedPapers from a date": (
        "shared",
        lambda d: d.author(OWNER),
        lambda d: d.author("Pierre Ablin"),
        lambda d: {"publishedFrom": "2026-01-01"},
        "p9 p6",
    ),
    "sharedPapers with code": (
        "shared",
        lambda d: d.author(OWNER),
        lambda d: d.author(ZOE),
        lambda d: {"hasCode": True},
        "p19",
    ),
    "references cited thrice": (
        "references",
        lambda d: d.paper("p19"),
        lambda d: None,
        lambda d: {"minCitations": 3},
        "p1 p15",
    ),
    "references in a category": (
        "references",
        lambda d: d.paper("p19"),
        lambda d: None,
        lambda d: {"categories": ["stat.ML"]},
        "p3",
    ),
    "citedBy from a date": (
        "citedBy",
        lambda d: d.paper("p11"),
        lambda d: None,
        lambda d: {"publishedFrom": "2026-01-01"},
        "p7 p6",
    ),
    "citedBy updated since": (
        "citedBy",
        lambda d: d.paper("p19"),
        lambda d: None,
        lambda d: {"updatedSince": d.t1.isoformat()},
        "p21 p20",
    ),
    "citedBy by an author": (
        "citedBy",
        lambda d: d.paper("p1"),
        lambda d: None,
        lambda d: {"authorId": d.author("Pierre Ablin")},
        "p5 p19",
    ),
    "citedBy at an institution": (
        "citedBy",
        lambda d: d.paper("p22"),
        lambda d: None,
        lambda d: {"institutionId": d.institution("Inria")},
        "p20",
    ),
}


@pytest.mark.parametrize("name", list(NESTED_FILTERS))
async def test_nested_filter_gives_exactly_its_papers(data: ListData, name: str) -> None:
    kind, parent, other, given, expected_text = NESTED_FILTERS[name]
    expected = expected_text.split()
    found = await page(data, kind, parent(data), other(data), filter=given(data))
    assert labels(data, found) == expected
    assert found["totalCount"] == len(expected)
    assert found["facets"] == facets(expected)


async def test_undated_papers_come_last_both_ways_on_a_nested_list(data: ListData) -> None:
    citing = data.paper("p22")  # cited by p23 (2019) and p20 (undated)
    assert labels(data, await page(data, "citedBy", citing, orderBy="NEWEST")) == ["p23", "p20"]
    assert labels(data, await page(data, "citedBy", citing, orderBy="OLDEST")) == ["p23", "p20"]


# --- cursors are bound to their ordering ---------------------------------------------------------------

ALL_ORDERS = [*ORDERS, "RELEVANCE"]


@pytest.mark.parametrize(("source", "to"), list(itertools.permutations(ALL_ORDERS, 2)))
async def test_a_cursor_from_one_order_is_refused_by_another(data: ListData, source: str, to: str) -> None:
    cursor = (await page(data, "papers", search="zymurgy", orderBy=source, first=1))["pageInfo"]["endCursor"]
    query, _ = LISTS["papers"]
    errors = await data.errors(query + PAGE, {"search": "zymurgy", "orderBy": to, "first": 1, "after": cursor})
    assert [e.path for e in errors] == [["papers"]]
    assert "another list or ordering" in errors[0].message


async def test_a_cursor_from_one_order_is_refused_by_another_on_a_nested_list(data: ListData) -> None:
    louis = data.author(OWNER)
    cursor = (await page(data, "author", louis, orderBy="MOST_CITED", first=2))["pageInfo"]["endCursor"]
    query, _ = LISTS["author"]
    errors = await data.errors(query + PAGE, {"id": louis, "orderBy": "NEWEST", "first": 2, "after": cursor})
    assert "another list or ordering" in errors[0].message
    assert errors[0].path == ["author", "papers"]


# --- RELEVANCE needs a search ----------------------------------------------------------------------------


@pytest.mark.parametrize("search", [None, "", "   "])
async def test_relevance_without_search_is_a_clear_error(data: ListData, search: str | None) -> None:
    query, _ = LISTS["papers"]
    errors = await data.errors(query + PAGE, {"orderBy": "RELEVANCE", "search": search})
    assert [e.message for e in errors] == ["ordering papers by RELEVANCE needs a `search`"]
    assert errors[0].path == ["papers"]


async def test_relevance_without_search_on_a_nested_list_is_a_clear_error(data: ListData) -> None:
    query, _ = LISTS["author"]
    errors = await data.errors(query + PAGE, {"id": data.author(OWNER), "orderBy": "RELEVANCE"})
    assert [e.message for e in errors] == ["ordering papers by RELEVANCE needs a `search`"]


# --- over HTTP, on the same database ------------------------------------------------------------------------


def test_walking_most_cited_over_http(client: TestClient, data: ListData) -> None:
    query, _ = LISTS["papers"]
    walked: list[str] = []
    after = None
    while True:
        response = client.post(
            "/graphql",
            json={"query": query + PAGE, "variables": {"orderBy": "MOST_CITED", "first": 3, "after": after}},
            headers={"Accept": "application/json"},
        )
        assert response.status_code == 200, response.text
        found = response.json()["data"]["papers"]
        walked += labels(data, found)
        assert found["totalCount"] == 23
        if not found["pageInfo"]["hasNextPage"]:
            break
        after = found["pageInfo"]["endCursor"]
    assert walked == BY_HAND["MOST_CITED"].split()


def test_a_foreign_cursor_over_http_is_a_200_with_a_clear_error(client: TestClient, data: ListData) -> None:
    query, _ = LISTS["papers"]
    first = client.post("/graphql", json={"query": query + PAGE, "variables": {"orderBy": "OLDEST", "first": 1}})
    cursor = first.json()["data"]["papers"]["pageInfo"]["endCursor"]
    response = client.post(
        "/graphql",
        json={"query": query + PAGE, "variables": {"orderBy": "UPDATED", "first": 1, "after": cursor}},
        headers={"Accept": "application/graphql-response+json"},
    )
    assert response.status_code == 200
    document = response.json()
    assert document["data"] is None
    assert "another list or ordering" in document["errors"][0]["message"]
