"""The arguments of lists: bad input is a clear GraphQL error naming the argument (never masked, never
blamed on another field), and nested filtered lists cost a number of SQL statements that depends on the
query's shape, not on how many parents it has.

Runs on the `list_data` database (the seed plus the table in list_data's docstring).
"""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from list_data import OWNER, ZOE, ListData, build_list_data

from api.db.pool import StatementCounter, current_counter


@pytest.fixture(scope="module")
async def data(server_url: str, template_database: str) -> AsyncIterator[ListData]:
    async for built in build_list_data(server_url, template_database):
        yield built


def crafted(payload: list[Any]) -> str:
    """A cursor made by hand, encoded the way the service encodes its own."""
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


PAPERS = "query ($filter: PaperFilter) { papers(filter: $filter) { totalCount nodes { id } } }"
AUTHOR_PAPERS = """
query ($id: ID!, $filter: PaperFilter) { author(id: $id) { papers(filter: $filter) { totalCount nodes { id } } } }
"""
AUTHORS = "query ($filter: AuthorFilter) { authors(filter: $filter) { totalCount nodes { id } } }"

# name -> (query, variables built from the data, the error's path, words its message must contain)
BAD_INPUT: dict[str, tuple[str, Any, list[str], list[str]]] = {
    "negative minCitations": (PAPERS, lambda d: {"filter": {"minCitations": -1}}, ["papers"], ["`minCitations`"]),
    "negative minCitations, nested": (
        AUTHOR_PAPERS,
        lambda d: {"id": d.author(OWNER), "filter": {"minCitations": -1}},
        ["author", "papers"],
        ["`minCitations`"],
    ),
    "publishedFrom after publishedTo": (
        PAPERS,
        lambda d: {"filter": {"publishedFrom": "2025-01-02", "publishedTo": "2025-01-01"}},
        ["papers"],
        ["publishedFrom", "publishedTo"],
    ),
    "too many categories": (
        PAPERS,
        lambda d: {"filter": {"categories": [f"cs.X{i}" for i in range(51)]}},
        ["papers"],
        ["categories", "50", "51"],
    ),
    "authorId that is a paper id": (
        PAPERS,
        lambda d: {"filter": {"authorId": d.paper("p1")}},
        ["papers"],
        ["authorId", "paper"],
    ),
    "authorId that is no id": (PAPERS, lambda d: {"filter": {"authorId": "garbage"}}, ["papers"], ["authorId"]),
    "institutionId that is an author id": (
        PAPERS,
        lambda d: {"filter": {"institutionId": d.author(OWNER)}},
        ["papers"],
        ["institutionId", "author"],
    ),
    "authors: negative minHIndex": (AUTHORS, lambda d: {"filter": {"minHIndex": -1}}, ["authors"], ["`minHIndex`"]),
    "authors: negative minCitations": (
        AUTHORS,
        lambda d: {"filter": {"minCitations": -3}},
        ["authors"],
        ["`minCitations`"],
    ),
    "authors: too many categories": (
        AUTHORS,
        lambda d: {"filter": {"categories": ["cs.LG"] * 51}},
        ["authors"],
        ["categories", "50"],
    ),
    "authors: institutionId that is a paper id": (
        AUTHORS,
        lambda d: {"filter": {"institutionId": d.paper("p2")}},
        ["authors"],
        ["institutionId", "paper"],
    ),
}


@pytest.mark.parametrize("name", list(BAD_INPUT))
async def test_bad_input_is_a_clear_error_naming_the_argument(data: ListData, name: str) -> None:
    query, variables, path, words = BAD_INPUT[name]
    errors = await data.errors(query, variables(data))
    assert len(errors) == 1, errors
    message = errors[0].message
    assert "Internal error" not in message
    assert errors[0].path == path
    missing = [word for word in words if word not in message]
    assert not missing, f"{message!r} does not name {missing}"


async def test_fifty_categories_and_equal_dates_are_accepted(data: ListData) -> None:
    categories = ["cs.CV"] + [f"cs.X{i}" for i in range(49)]
    found = await data.data(PAPERS, {"filter": {"categories": categories}})
    assert found["papers"]["totalCount"] == 4
    one_day = {"publishedFrom": "2024-07-09", "publishedTo": "2024-07-09"}
    assert (await data.data(PAPERS, {"filter": one_day}))["papers"]["totalCount"] == 2


# --- a bad argument fails its own field only ---------------------------------------------------------------
#
# Root list fields are non-null, so one failing field nulls `data`; authors are nullable, so two authors side
# by side show whether an error stays with its own field.

TWO_AUTHORS = """
query ($good: ID!, $bad: ID!, $goodArgs: String, $badArgs: String, $badOrder: PaperOrder) {
  good: author(id: $good) { papers(first: 2, search: $goodArgs) { nodes { id } } }
  bad: author(id: $bad) { papers(first: 2, after: $badArgs, orderBy: $badOrder) { nodes { id } } }
}
"""


@pytest.mark.parametrize(
    "bad",
    [{"badArgs": "garbage"}, {"badOrder": "RELEVANCE"}, {"badArgs": crafted(["papers:oldest", "2020-01-01", 3])}],
    ids=["malformed cursor", "relevance without search", "cursor of another ordering"],
)
async def test_a_bad_list_argument_fails_only_its_own_field(data: ListData, bad: dict[str, Any]) -> None:
    variables = {"good": data.author(ZOE), "bad": data.author(OWNER), **bad}
    result = await data.run(TWO_AUTHORS, variables)
    assert [error.path for error in result.errors or []] == [["bad", "papers"]]
    assert result.data is not None
    assert result.data["bad"] is None
    assert [node["id"] for node in result.data["good"]["papers"]["nodes"]] == [data.paper("p22"), data.paper("p19")]


# --- cursors that were tampered with -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("arguments", "payload"),
    [
        ("orderBy: MOST_CITED", ["papers:most_cited", 2**40, 5]),  # beyond the integer column's range
        ('search: "zymurgy"', ["papers:relevance", int("9" * 400), 5]),  # a float no float can hold
        ("orderBy: MOST_CITED", ["papers:most_cited", None, 5]),  # a key part the service never leaves empty
    ],
    ids=["int4 overflow", "huge float", "null key"],
)
async def test_a_tampered_cursor_is_a_clear_cursor_error(data: ListData, arguments: str, payload: list[Any]) -> None:
    query = f"query ($after: String) {{ papers({arguments}, first: 2, after: $after) {{ nodes {{ id }} }} }}"
    result = await data.run(query, {"after": crafted(payload)})
    messages = [error.message for error in result.errors or []]
    assert len(messages) == 1, (messages, result.data)
    assert "cursor" in messages[0]
    assert "Internal error" not in messages[0]


# --- statements per request -----------------------------------------------------------------------------------

NESTED = """
query ($n: Int!) {
  authors(orderBy: PAPER_COUNT, first: $n) {
    nodes {
      name
      papers(filter: {minCitations: 1}, orderBy: MOST_CITED, first: 5) {
        totalCount
        facets { categories { value count } years { value count } }
        nodes {
          title
          citedBy(filter: {publishedFrom: "2020-01-01"}, first: 3) {
            totalCount
            nodes { title authors { name } }
          }
        }
      }
    }
  }
}
"""


async def statements(data: ListData, query: str, variables: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    counter = StatementCounter()
    token = current_counter.set(counter)
    try:
        found = await data.data(query, variables)
    finally:
        current_counter.reset(token)
    return found, counter.statements


async def test_nested_filtered_lists_cost_the_same_for_one_and_twenty_parents(data: ListData) -> None:
    one, for_one = await statements(data, NESTED, {"n": 1})
    twenty, for_twenty = await statements(data, NESTED, {"n": 20})
    (owner,) = one["authors"]["nodes"]
    assert owner["name"] == OWNER
    assert [p["title"][:12] for p in owner["papers"]["nodes"]] == [
        "Follow the E",
        "Pay attentio",
        "Graph-Based ",
        "Zymurgy at S",
        "Gaussian Pro",
    ]
    assert [p["citedBy"]["totalCount"] for p in owner["papers"]["nodes"]] == [4, 3, 3, 0, 1]  # p19: undated citers
    with_papers = [a for a in twenty["authors"]["nodes"] if a["papers"]["nodes"]]
    assert len(with_papers) > 5
    # authors; papers, their total, their facets; citing papers, their total; the citing papers' bylines.
    assert len(for_one) == 7, for_one
    assert len(for_twenty) == len(for_one), for_twenty
