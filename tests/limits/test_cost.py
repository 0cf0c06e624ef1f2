"""The cost formula (api/limits/cost.py) on the real schema: each figure below is worked out by hand."""

from __future__ import annotations

import time

import pytest

from api.graphql.schema import MAX_TOKENS, schema
from api.limits.cost import UNPAGED_LIST_SIZE, CostCalculator

MAX_PAGE = 100


@pytest.fixture(scope="module")
def costs() -> CostCalculator:
    return CostCalculator(schema._schema, max_page_size=MAX_PAGE, max_tokens=MAX_TOKENS)


PROFILE = """
query Profile($search: String!) {
  authors(search: $search, first: 1) {
    totalCount
    nodes {
      name
      metrics { hIndex countsByYear { year citations } }
      papers(first: 20) { totalCount nodes { title externalIds { kind value } authors { name } } }
      coauthors(first: 10) { nodes { author { name } sharedPaperCount } }
    }
  }
}
"""


def test_a_profile_page_costs_one_point_per_record_it_may_hold(costs: CostCalculator) -> None:
    # the request, 1 author, 20 papers, 10 bylines estimated on each of them, 10 coauthors
    assert costs.cost(PROFILE, {"search": "x"}) == 1 + 1 + 20 + 20 * UNPAGED_LIST_SIZE + 10


def test_lists_of_100_nested_three_deep_cost_a_million(costs: CostCalculator) -> None:
    query = (
        "{ authors(first: 100) { nodes { coauthors(first: 100) { nodes { author { "
        "coauthors(first: 100) { nodes { author { name } } } } } } } } }"
    )
    assert costs.cost(query) == 1 + 100 + 100**2 + 100**3


def test_a_page_size_given_by_a_variable_counts_as_given(costs: CostCalculator) -> None:
    query = "query($n: Int!) { papers(first: $n) { nodes { title } } }"
    assert costs.cost(query, {"n": 7}) == 1 + 7
    assert costs.cost("query($n: Int = 9) { papers(first: $n) { nodes { title } } }") == 1 + 9


def test_a_connection_without_first_counts_its_default_page(costs: CostCalculator) -> None:
    assert costs.cost("{ papers { nodes { title } } }") == 1 + 20


def test_a_page_size_above_the_largest_counts_as_the_largest(costs: CostCalculator) -> None:
    assert costs.cost("{ papers(first: 5000) { nodes { title } } }") == 1 + MAX_PAGE


def test_a_connection_read_only_for_its_total_counts_one(costs: CostCalculator) -> None:
    assert costs.cost("{ papers(first: 100) { totalCount } }") == 1 + 1
    # ... though what lies under its items would be counted per item
    assert costs.cost("{ papers(first: 100) { edges { node { title } } } }") == 1 + 100


def test_a_batch_look_up_counts_its_ids(costs: CostCalculator) -> None:
    query = "query($ids: [ID!]!) { authorsByIds(ids: $ids) { name papers(first: 5) { nodes { title } } } }"
    assert costs.cost(query, {"ids": ["a", "b", "c"]}) == 1 + 3 + 3 * 5
    assert costs.cost('{ nodes(ids: ["a", "b"]) { id } }') == 1 + 2


def test_a_fragment_counts_where_it_is_spread(costs: CostCalculator) -> None:
    query = """
    { a: papers(first: 3) { ...P } b: papers(first: 4) { ...P } }
    fragment P on PaperConnection { nodes { citedBy(first: 10) { nodes { title } } } }
    """
    assert costs.cost(query) == 1 + (3 + 3 * 10) + (4 + 4 * 10)


def test_inline_fragments_count_on_their_type(costs: CostCalculator) -> None:
    query = '{ node(id: "x") { ... on Author { papers(first: 6) { nodes { title } } } } }'
    assert costs.cost(query) == 1 + 6


def test_plain_values_scalars_and_introspection_are_free(costs: CostCalculator) -> None:
    assert costs.cost("{ __typename }") == 1
    assert costs.cost("{ __schema { types { name fields { name args { name } } } } }") == 1
    assert costs.cost('{ paper(id: "x") { title categories externalIds { value } } }') == 1


def test_the_operation_named_is_the_one_counted(costs: CostCalculator) -> None:
    document = "query A { papers(first: 2) { nodes { title } } } query B { papers(first: 5) { nodes { title } } }"
    assert costs.cost(document, operation_name="A") == 1 + 2
    assert costs.cost(document, operation_name="B") == 1 + 5
    assert costs.cost(document) == 1  # no operation chosen: execution refuses it, nothing runs


def test_documents_that_cannot_run_cost_only_the_request(costs: CostCalculator) -> None:
    assert costs.cost("{ papers(first: ") == 1
    assert costs.cost("{ " + "a " * (MAX_TOKENS + 1) + "}") == 1


def test_fragments_spreading_fragments_twice_are_costed_quickly(costs: CostCalculator) -> None:
    # 40 levels of fragments, each spreading the one below twice: 2^40 spreads if walked naively
    levels = 40
    fragments = [f"fragment F{levels} on Paper {{ citedBy(first: 1) {{ totalCount }} }}"]
    fragments += [
        f"fragment F{i} on Paper {{ a: citedBy(first: 1) {{ totalCount }} ...F{i + 1} ...F{i + 1} }}"
        for i in range(1, levels)
    ]
    query = '{ paper(id: "x") { ...F1 } } ' + " ".join(fragments)
    started = time.perf_counter()
    cost = costs.cost(query)
    assert time.perf_counter() - started < 1.0
    assert cost == 1 + (2**levels - 1)  # one count in each of the 2^40 - 1 placements


def test_a_fragment_spreading_itself_does_not_loop(costs: CostCalculator) -> None:
    query = '{ paper(id: "x") { ...A } } fragment A on Paper { citedBy(first: 2) { nodes { ...A } } }'
    assert costs.cost(query) == 1 + 2


def test_costs_remembered_for_a_document_follow_the_variables_that_size_its_lists(costs: CostCalculator) -> None:
    query = (
        "query($n: Int!, $ids: [ID!]!, $s: String) { "
        "papers(first: $n, search: $s) { nodes { title } } nodes(ids: $ids) { id } }"
    )
    assert costs.cost(query, {"n": 7, "ids": ["a"], "s": "x"}) == 1 + 7 + 1
    assert costs.cost(query, {"n": 7, "ids": ["a"], "s": "other words"}) == 1 + 7 + 1  # remembered
    assert costs.cost(query, {"n": 9, "ids": ["a"], "s": "x"}) == 1 + 9 + 1
    assert costs.cost(query, {"n": 9, "ids": ["a", "b", "c"]}) == 1 + 9 + 3
