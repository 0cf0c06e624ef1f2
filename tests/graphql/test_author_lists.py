"""Lists of authors (Query.authors, Institution.authors), an author's coauthors, and Query.institutions:
search, filters, orderings and paging, with exact expected results.

Query.authors and Institution.authors run on the `list_data` database (seed plus two authors, papers,
citations and affiliations: see its docstring). Coauthors, shared papers and institution search run on
the bundled seed alone (conftest's shared `seeded_server`).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import AsyncIterator
from typing import Any

import pytest
from conftest import graphql
from list_data import JEAN, OWNER, ZOE, ListData, build_list_data
from starlette.testclient import TestClient


def names_in(text: str) -> list[str]:
    """Names separated by semicolons; line breaks and notes such as "(3)" (a figure) do not count."""
    return [" ".join(name.split()) for name in re.sub(r"\(\d+\)", "", text).split(";") if name.strip()]


# The seed's authors in the order the seed creates them (ids 1 … 35), then the two of list_data (36, 37).
AUTHORS_BY_ID = names_in("""
    Louis Béthune; Yu-Guan Hsieh; Cheng-Yu Hsieh; Shih-Ying Yeh; Mathieu Serrurier; Franck Mamalet; Thomas Fel;
    François Bachoc; Alberto González-Sanz; Metod Jazbec; Theo X. Olausson; Bruno Mlodozeniec; Pierre Ablin;
    Szilvia Ujváry; Paul Jeha; Anastasiia Sedova; Fanny Jourdan; Agustin Picard; Oscar Davis; Anastasiia Filippova;
    Enrico Fini; Mustafa Shukor; Xiujun Li; David Vigouroux; Yilun Du; Joseba Dalmau; Nina Vesseron; Marco Cuturi;
    Lucas de Lara; Thibaut Boissin; Carlos Lassance; Myriam Bontonou; Vincent Gripon; Yacouba Kaloga;
    Pierre Borgnat; Zoë Ångström; Jean-Émile Dupré
""")

# By folded name: accents and case off, punctuation as a space ("jean emile dupre" before "joseba").
BY_NAME = names_in("""
    Agustin Picard; Alberto González-Sanz; Anastasiia Filippova; Anastasiia Sedova; Bruno Mlodozeniec;
    Carlos Lassance; Cheng-Yu Hsieh; David Vigouroux; Enrico Fini; Fanny Jourdan; Franck Mamalet; François Bachoc;
    Jean-Émile Dupré; Joseba Dalmau; Louis Béthune; Lucas de Lara; Marco Cuturi; Mathieu Serrurier; Metod Jazbec;
    Mustafa Shukor; Myriam Bontonou; Nina Vesseron; Oscar Davis; Paul Jeha; Pierre Ablin; Pierre Borgnat;
    Shih-Ying Yeh; Szilvia Ujváry; Theo X. Olausson; Thibaut Boissin; Thomas Fel; Vincent Gripon; Xiujun Li;
    Yacouba Kaloga; Yilun Du; Yu-Guan Hsieh; Zoë Ångström
""")


def then_by_id(head: str) -> list[str]:
    """The names of `head`, then every other author in id order (the tie-break of the figure orderings)."""
    first = names_in(head)
    return first + [name for name in AUTHORS_BY_ID if name not in first]


# Computed figures (see list_data's table), highest first; ties by the other figure (citations for
# H_INDEX, h-index for CITATIONS), then by id. The numbers on the right: the figure for H_INDEX's first
# two rows and for CITATIONS, the citations within H_INDEX's h = 1 group.
BY_ORDER = {
    "NAME": BY_NAME,
    "H_INDEX": then_by_id("""
        Louis Béthune;                                                                                   (3)
        Yu-Guan Hsieh; Zoë Ångström;                                                                     (2)
        David Vigouroux; Yilun Du;                                                              (4)
        Cheng-Yu Hsieh; Shih-Ying Yeh; Mathieu Serrurier; Thibaut Boissin;                      (3)
        Pierre Ablin;                                                                           (2)
        François Bachoc; Alberto González-Sanz                                                  (1)
    """),
    "CITATIONS": then_by_id("""
        Louis Béthune;                                                                                  (13)
        Yu-Guan Hsieh;                                                                                   (5)
        Zoë Ångström; David Vigouroux; Yilun Du;                                         (4)
        Cheng-Yu Hsieh; Shih-Ying Yeh; Mathieu Serrurier; Thibaut Boissin;                               (3)
        Pierre Ablin;                                                                                    (2)
        François Bachoc; Alberto González-Sanz                                                           (1)
    """),
    "PAPER_COUNT": then_by_id("""
        Louis Béthune;                                                                                  (20)
        Pierre Ablin; Zoë Ångström;                                                                      (4)
        Yu-Guan Hsieh; Mathieu Serrurier; Alberto González-Sanz; David Vigouroux; Myriam Bontonou        (2)
    """),
    # Oldest change first: the seed (T0), the two new authors (T1), Pierre Ablin's new category (T2).
    "UPDATED": [name for name in AUTHORS_BY_ID if name != "Pierre Ablin"] + ["Pierre Ablin"],
}

AUTHORS = """
query ($search: String, $filter: AuthorFilter, $orderBy: AuthorOrder, $first: Int! = 50, $after: String) {
  authors(search: $search, filter: $filter, orderBy: $orderBy, first: $first, after: $after) {
    totalCount
    edges { cursor node { id name } }
    pageInfo { hasNextPage hasPreviousPage endCursor }
  }
}
"""

INSTITUTION_AUTHORS = """
query ($id: ID!, $search: String, $filter: AuthorFilter, $orderBy: AuthorOrder, $first: Int! = 50,
       $after: String) {
  institution(id: $id) {
    authors(search: $search, filter: $filter, orderBy: $orderBy, first: $first, after: $after) {
      totalCount
      edges { cursor node { id name } }
      pageInfo { hasNextPage hasPreviousPage endCursor }
    }
  }
}
"""


@pytest.fixture(scope="module")
async def data(server_url: str, template_database: str) -> AsyncIterator[ListData]:
    async for built in build_list_data(server_url, template_database):
        yield built


def names(connection: dict[str, Any]) -> list[str]:
    return [edge["node"]["name"] for edge in connection["edges"]]


async def authors(data: ListData, **variables: Any) -> dict[str, Any]:
    found: dict[str, Any] = (await data.data(AUTHORS, variables))["authors"]
    return found


async def institution_authors(data: ListData, institution: str, **variables: Any) -> dict[str, Any]:
    found = await data.data(INSTITUTION_AUTHORS, {"id": data.institution(institution), **variables})
    connection: dict[str, Any] = found["institution"]["authors"]
    return connection


async def walk(data: ListData, size: int, institution: str | None = None, **variables: Any) -> list[dict[str, Any]]:
    pages = []
    after = None
    for _ in range(60):
        if institution is None:
            found = await authors(data, first=size, after=after, **variables)
        else:
            found = await institution_authors(data, institution, first=size, after=after, **variables)
        pages.append(found)
        if not found["pageInfo"]["hasNextPage"]:
            return pages
        after = found["pageInfo"]["endCursor"]
    raise AssertionError("the list never ended")


def assert_walk(pages: list[dict[str, Any]], expected: list[str], size: int) -> None:
    assert [name for found in pages for name in names(found)] == expected
    assert [len(found["edges"]) for found in pages[:-1]] == [size] * (len(pages) - 1)
    assert all(found["totalCount"] == len(expected) for found in pages)


# --- Query.authors: orderings ---------------------------------------------------------------------------


@pytest.mark.parametrize("order", list(BY_ORDER))
async def test_every_author_in_each_order(data: ListData, order: str) -> None:
    found = await authors(data, orderBy=order)
    assert names(found) == BY_ORDER[order]
    assert found["totalCount"] == 37


async def test_without_order_or_search_authors_come_by_name(data: ListData) -> None:
    assert names(await authors(data)) == BY_NAME


@pytest.mark.parametrize("size", [1, 2, 3])
@pytest.mark.parametrize("order", list(BY_ORDER))
async def test_authors_walk_in_every_order(data: ListData, order: str, size: int) -> None:
    assert_walk(await walk(data, size, orderBy=order), BY_ORDER[order], size)


@pytest.mark.parametrize(("source", "to"), list(itertools.permutations(list(BY_ORDER), 2)))
async def test_an_authors_cursor_is_refused_by_another_order(data: ListData, source: str, to: str) -> None:
    cursor = (await authors(data, orderBy=source, first=2))["pageInfo"]["endCursor"]
    errors = await data.errors(AUTHORS, {"orderBy": to, "first": 2, "after": cursor})
    assert [e.path for e in errors] == [["authors"]]
    assert "another list or ordering" in errors[0].message


async def test_relevance_without_search_is_a_clear_error(data: ListData) -> None:
    errors = await data.errors(AUTHORS, {"orderBy": "RELEVANCE"})
    assert [e.message for e in errors] == ["ordering authors by RELEVANCE needs a `search`"]
    assert errors[0].path == ["authors"]


# --- Query.authors: search ---------------------------------------------------------------------------------

SEARCHES = {
    "zoe": [ZOE],  # accents folded on the stored side
    "ZOË ÅNGSTRÖM": [ZOE],  # and on the searched side, case folded
    "angs": [ZOE],  # a prefix of the last name
    "zoe a": [ZOE],  # a prefix of the whole name
    "jean emile": [JEAN],  # the hyphen counts as a space
    "JEAN-ÉMILE": [JEAN],
    "dupre": [JEAN],
    "louis bethune": [OWNER],  # exact
    "louis betune": [OWNER],  # a typo (docs/graphql.md)
    "serurier": ["Mathieu Serrurier"],  # a typo (docs/graphql.md)
    "bethne": [],  # too heavy a typo (docs/graphql.md)
    "!!!": [],  # nothing to match
    "pierre": ["Pierre Ablin", "Pierre Borgnat"],  # both start with it: ties by id
    "hsieh": ["Yu-Guan Hsieh", "Cheng-Yu Hsieh"],  # both contain it as a word: ties by id
    "anastasiia": ["Anastasiia Sedova", "Anastasiia Filippova"],
    # A whole word ("xiujun li") ranks above names that only contain the letters ("ablin", "filippova").
    "li": ["Xiujun Li", "Pierre Ablin", "Anastasiia Filippova"],
}


@pytest.mark.parametrize("search", list(SEARCHES))
async def test_search_finds_exactly(data: ListData, search: str) -> None:
    found = await authors(data, search=search)
    assert names(found) == SEARCHES[search]
    assert found["totalCount"] == len(SEARCHES[search])


@pytest.mark.parametrize("size", [1, 2])
async def test_search_results_walk_by_relevance(data: ListData, size: int) -> None:
    assert_walk(await walk(data, size, search="li"), SEARCHES["li"], size)


@pytest.mark.parametrize(
    ("order", "expected"),
    [
        ("NAME", ["Cheng-Yu Hsieh", "Yu-Guan Hsieh"]),
        ("H_INDEX", ["Yu-Guan Hsieh", "Cheng-Yu Hsieh"]),
        ("CITATIONS", ["Yu-Guan Hsieh", "Cheng-Yu Hsieh"]),
        ("PAPER_COUNT", ["Yu-Guan Hsieh", "Cheng-Yu Hsieh"]),
        ("UPDATED", ["Yu-Guan Hsieh", "Cheng-Yu Hsieh"]),
    ],
)
async def test_search_combines_with_another_order(data: ListData, order: str, expected: list[str]) -> None:
    assert names(await authors(data, search="hsieh", orderBy=order)) == expected


async def test_search_combines_with_a_filter(data: ListData) -> None:
    found = await authors(data, search="pierre", filter={"categories": ["stat.ML"]})
    assert names(found) == ["Pierre Ablin"]
    assert found["totalCount"] == 1


# --- Query.authors: filters ----------------------------------------------------------------------------------

AUTHOR_FILTERS: dict[str, tuple[Any, list[str]]] = {
    "categories any-of": (lambda d: {"categories": ["cs.LG", "stat.ML"]}, [OWNER, "Pierre Ablin"]),
    "one category": (lambda d: {"categories": ["cs.CV"]}, [ZOE]),
    "a category nobody has": (lambda d: {"categories": ["cs.IR"]}, []),
    "institution Inria": (
        lambda d: {"institutionId": d.institution("Inria")},
        ["David Vigouroux", OWNER, "Mathieu Serrurier"],
    ),
    "institution uw": (lambda d: {"institutionId": d.institution("uw")}, ["Enrico Fini"]),
    "institution named for a paper only": (lambda d: {"institutionId": d.institution("harvard")}, []),
    "min h-index 2": (lambda d: {"minHIndex": 2}, [OWNER, "Yu-Guan Hsieh", ZOE]),
    "min h-index 0": (lambda d: {"minHIndex": 0}, BY_NAME),
    "min citations 4": (lambda d: {"minCitations": 4}, ["David Vigouroux", OWNER, "Yilun Du", "Yu-Guan Hsieh", ZOE]),
    "min citations 14": (lambda d: {"minCitations": 14}, []),
    "updated since T1": (lambda d: {"updatedSince": d.t1.isoformat()}, [JEAN, "Pierre Ablin", ZOE]),
    "updated since T2": (lambda d: {"updatedSince": d.t2.isoformat()}, ["Pierre Ablin"]),
    "institution and citations": (
        lambda d: {"institutionId": d.institution("Inria"), "minCitations": 4},
        ["David Vigouroux", OWNER],
    ),
}


@pytest.mark.parametrize("name", list(AUTHOR_FILTERS))
async def test_author_filter_gives_exactly(data: ListData, name: str) -> None:
    given, expected = AUTHOR_FILTERS[name]
    found = await authors(data, filter=given(data))
    assert names(found) == expected
    assert found["totalCount"] == len(expected)


@pytest.mark.parametrize("order", list(BY_ORDER))
async def test_a_filter_combines_with_every_order_across_pages(data: ListData, order: str) -> None:
    given, members = AUTHOR_FILTERS["min citations 4"]
    expected = [name for name in BY_ORDER[order] if name in members]
    assert_walk(await walk(data, 2, filter=given(data), orderBy=order), expected, 2)


# --- Institution.authors ------------------------------------------------------------------------------------


async def test_institution_authors_by_name(data: ListData) -> None:
    found = await institution_authors(data, "Inria")
    assert names(found) == ["David Vigouroux", OWNER, "Mathieu Serrurier"]
    assert found["totalCount"] == 3


@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        ({"orderBy": "CITATIONS"}, [OWNER, "David Vigouroux", "Mathieu Serrurier"]),
        ({"orderBy": "PAPER_COUNT"}, [OWNER, "Mathieu Serrurier", "David Vigouroux"]),
        ({"search": "louis"}, [OWNER]),
        ({"search": "zoe"}, []),
        ({"filter": {"minCitations": 4}}, ["David Vigouroux", OWNER]),
        ({"filter": {"categories": ["cs.LG"]}}, [OWNER]),
    ],
)
async def test_institution_authors_searched_filtered_ordered(
    data: ListData, variables: dict[str, Any], expected: list[str]
) -> None:
    found = await institution_authors(data, "Inria", **variables)
    assert names(found) == expected
    assert found["totalCount"] == len(expected)


@pytest.mark.parametrize("order", ["NAME", "CITATIONS"])
async def test_institution_authors_walk_one_by_one(data: ListData, order: str) -> None:
    expected = [name for name in BY_ORDER[order] if name in ("David Vigouroux", OWNER, "Mathieu Serrurier")]
    assert_walk(await walk(data, 1, institution="Inria", orderBy=order), expected, 1)


async def test_institutions_by_name_on_more_data(data: ListData) -> None:
    found = await data.data("{ institutions { totalCount nodes { name } } }")
    assert found["institutions"] == {"totalCount": 3, "nodes": [{"name": "harvard"}, {"name": "Inria"}, {"name": "uw"}]}
    searched = await data.data('{ institutions(search: "INRIA") { totalCount nodes { name } } }')
    assert searched["institutions"] == {"totalCount": 1, "nodes": [{"name": "Inria"}]}


# --- on the seed: coauthors in each order, shared papers, institutions --------------------------------------

COAUTHORS = """
query ($id: ID!, $orderBy: CoauthorOrder, $first: Int!, $after: String) {
  author(id: $id) {
    coauthors(orderBy: $orderBy, first: $first, after: $after) {
      totalCount
      nodes { sharedPaperCount lastSharedYear author { id name } }
      pageInfo { hasNextPage endCursor }
    }
  }
}
"""

# Most shared papers first (the number in brackets), then by folded name.
COAUTHORS_BY_SHARED = names_in("""
    Pierre Ablin;                                                                                        (3)
    Alberto González-Sanz; David Vigouroux; Mathieu Serrurier; Myriam Bontonou;                          (2)
    Agustin Picard; Anastasiia Filippova; Anastasiia Sedova; Bruno Mlodozeniec; Carlos Lassance; Cheng-Yu Hsieh;
    Enrico Fini; Fanny Jourdan; Franck Mamalet; François Bachoc; Joseba Dalmau; Lucas de Lara; Marco Cuturi;
    Metod Jazbec; Mustafa Shukor; Nina Vesseron; Oscar Davis; Paul Jeha; Pierre Borgnat; Shih-Ying Yeh;
    Szilvia Ujváry; Theo X. Olausson; Thibaut Boissin; Thomas Fel; Vincent Gripon; Xiujun Li; Yacouba Kaloga;
    Yilun Du; Yu-Guan Hsieh                                                                              (1)
""")
COAUTHORS_BY_NAME = [name for name in BY_NAME if name not in (OWNER, ZOE, JEAN)]
# Latest shared year first (in brackets), then most shared papers, then by folded name.
COAUTHORS_BY_RECENT = names_in("""
    Pierre Ablin; Anastasiia Filippova; Anastasiia Sedova; Oscar Davis; Paul Jeha; Szilvia Ujváry;    (2026)
    David Vigouroux; Bruno Mlodozeniec; Joseba Dalmau; Marco Cuturi; Metod Jazbec; Nina Vesseron;
    Theo X. Olausson; Yilun Du;                                                                        (2025)
    Cheng-Yu Hsieh; Enrico Fini; Mustafa Shukor; Shih-Ying Yeh; Xiujun Li; Yu-Guan Hsieh;              (2024)
    Agustin Picard; Fanny Jourdan;                                                                     (2023)
    Alberto González-Sanz; Mathieu Serrurier; Franck Mamalet; François Bachoc; Lucas de Lara; Thomas Fel;
                                                                                                       (2022)
    Thibaut Boissin;                                                                                   (2021)
    Myriam Bontonou; Carlos Lassance; Pierre Borgnat; Vincent Gripon; Yacouba Kaloga                   (2020)
""")
COAUTHOR_ORDERS = {"SHARED_PAPERS": COAUTHORS_BY_SHARED, "NAME": COAUTHORS_BY_NAME, "RECENT": COAUTHORS_BY_RECENT}


@pytest.fixture(scope="module")
def owner_id(seeded_server: TestClient) -> str:
    found = graphql(seeded_server, '{ authors(search: "louis bethune", first: 1) { nodes { id name } } }')
    node = found["authors"]["nodes"][0]  # type: ignore[index]
    assert node["name"] == OWNER
    author_id: str = node["id"]
    return author_id


def test_coauthor_orders_are_each_a_permutation_of_the_34(owner_id: str) -> None:
    assert len(COAUTHORS_BY_SHARED) == 34
    assert sorted(COAUTHORS_BY_RECENT) == sorted(COAUTHORS_BY_NAME) == sorted(COAUTHORS_BY_SHARED)


@pytest.mark.parametrize(
    ("order", "first_entries"),
    [
        (
            "SHARED_PAPERS",
            [("Pierre Ablin", 3, 2026), ("Alberto González-Sanz", 2, 2022), ("David Vigouroux", 2, 2025)],
        ),
        ("NAME", [("Agustin Picard", 1, 2023), ("Alberto González-Sanz", 2, 2022), ("Anastasiia Filippova", 1, 2026)]),
        ("RECENT", [("Pierre Ablin", 3, 2026), ("Anastasiia Filippova", 1, 2026), ("Anastasiia Sedova", 1, 2026)]),
    ],
)
def test_coauthors_first_entries(
    seeded_server: TestClient, owner_id: str, order: str, first_entries: list[tuple[str, int, int]]
) -> None:
    found = graphql(seeded_server, COAUTHORS, {"id": owner_id, "orderBy": order, "first": 3})
    nodes = found["author"]["coauthors"]["nodes"]  # type: ignore[index]
    assert [(n["author"]["name"], n["sharedPaperCount"], n["lastSharedYear"]) for n in nodes] == first_entries


def test_coauthors_default_order_is_shared_papers(seeded_server: TestClient, owner_id: str) -> None:
    found = graphql(seeded_server, COAUTHORS, {"id": owner_id, "first": 34})
    assert [n["author"]["name"] for n in found["author"]["coauthors"]["nodes"]] == COAUTHORS_BY_SHARED  # type: ignore[index]


@pytest.mark.parametrize("size", [1, 5, 34])
@pytest.mark.parametrize("order", list(COAUTHOR_ORDERS))
def test_coauthors_walk_all_34_in_each_order(seeded_server: TestClient, owner_id: str, order: str, size: int) -> None:
    walked: list[str] = []
    after = None
    for _ in range(40):
        found = graphql(seeded_server, COAUTHORS, {"id": owner_id, "orderBy": order, "first": size, "after": after})
        connection = found["author"]["coauthors"]  # type: ignore[index]
        assert connection["totalCount"] == 34
        walked += [n["author"]["name"] for n in connection["nodes"]]
        if not connection["pageInfo"]["hasNextPage"]:
            break
        after = connection["pageInfo"]["endCursor"]
    assert walked == COAUTHOR_ORDERS[order]
    assert len(set(walked)) == 34


@pytest.mark.parametrize(("source", "to"), list(itertools.permutations(list(COAUTHOR_ORDERS), 2)))
def test_a_coauthors_cursor_is_refused_by_another_order(
    seeded_server: TestClient, owner_id: str, source: str, to: str
) -> None:
    found = graphql(seeded_server, COAUTHORS, {"id": owner_id, "orderBy": source, "first": 2})
    cursor = found["author"]["coauthors"]["pageInfo"]["endCursor"]  # type: ignore[index]
    response = seeded_server.post(
        "/graphql",
        json={"query": COAUTHORS, "variables": {"id": owner_id, "orderBy": to, "first": 2, "after": cursor}},
    )
    messages = [error["message"] for error in response.json()["errors"]]
    assert len(messages) == 1
    assert "another list or ordering" in messages[0]


SHARED_PAPERS = """
query ($id: ID!) {
  author(id: $id) {
    coauthors(first: 1) {
      nodes {
        author { name }
        sharedPaperCount firstSharedYear lastSharedYear
        sharedPapers { totalCount nodes { title publishedOn } pageInfo { hasNextPage } }
      }
    }
  }
}
"""


def test_shared_papers_with_pierre_ablin_newest_first(seeded_server: TestClient, owner_id: str) -> None:
    found = graphql(seeded_server, SHARED_PAPERS, {"id": owner_id})
    (edge,) = found["author"]["coauthors"]["nodes"]  # type: ignore[index]
    assert edge["author"]["name"] == "Pierre Ablin"
    assert (edge["sharedPaperCount"], edge["firstSharedYear"], edge["lastSharedYear"]) == (3, 2025, 2026)
    assert edge["sharedPapers"]["totalCount"] == 3
    assert edge["sharedPapers"]["pageInfo"]["hasNextPage"] is False
    assert [(p["publishedOn"], p["title"]) for p in edge["sharedPapers"]["nodes"]] == [
        ("2026-05-08", "Scaling Categorical Flow Maps"),
        ("2026-02-12", "LaCy: What Small Language Models Can and Should Learn is Not Just a Question of Loss"),
        ("2025-12-26", "Completed Hyperparameter Transfer across Modules, Width, Depth, Batch and Duration"),
    ]


INSTITUTIONS = "query ($search: String) { institutions(search: $search) { totalCount nodes { name } } }"


@pytest.mark.parametrize(
    ("search", "expected"),
    [
        ("uw", ["uw"]),
        ("UW", ["uw"]),
        ("harvard", ["harvard"]),
        ("Harv", ["harvard"]),
        ("arva", ["harvard"]),
        ("oxford", []),
        (None, ["harvard", "uw"]),
        ("", ["harvard", "uw"]),
    ],
)
def test_institutions_search_on_the_seed(seeded_server: TestClient, search: str | None, expected: list[str]) -> None:
    found = graphql(seeded_server, INSTITUTIONS, {"search": search})["institutions"]
    assert [node["name"] for node in found["nodes"]] == expected  # type: ignore[index]
    assert found["totalCount"] == len(expected)  # type: ignore[index]


def test_institutions_walk_one_by_one(seeded_server: TestClient) -> None:
    query = """
    query ($after: String) {
      institutions(first: 1, after: $after) { nodes { name } pageInfo { hasNextPage endCursor } }
    }
    """
    first = graphql(seeded_server, query, {"after": None})["institutions"]
    second = graphql(seeded_server, query, {"after": first["pageInfo"]["endCursor"]})["institutions"]  # type: ignore[index]
    assert [first["nodes"], second["nodes"]] == [[{"name": "harvard"}], [{"name": "uw"}]]  # type: ignore[index]
    assert (first["pageInfo"]["hasNextPage"], second["pageInfo"]["hasNextPage"]) == (True, False)  # type: ignore[index]
