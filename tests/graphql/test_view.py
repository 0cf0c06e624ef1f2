"""GraphQL over HTTP at /graphql, as the GraphQL-over-HTTP spec has it: GET and POST, content
negotiation between application/graphql-response+json and application/json, the status code of each
kind of failure, object identification, the published limits, and masking of internal errors.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from answers import without_cost
from starlette.testclient import TestClient

from api.graphql.schema import MAX_ALIASES, MAX_BATCH_IDS, MAX_DEPTH, MAX_TOKENS
from api.ids import encode_id

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"
COUNT_AUTHORS = "{ authors(first: 1) { totalCount } }"
MASKED = "Internal error: the request could not be completed."


def media_type(response: Any) -> str:
    return str(response.headers["content-type"]).split(";")[0].strip()


def post(client: TestClient, body: object, accept: str = JSON, **headers: str) -> Any:
    return client.post("/graphql", json=body, headers={"Accept": accept, **headers})


def messages(response: Any) -> list[str]:
    return [error["message"] for error in response.json().get("errors") or []]


@pytest.fixture(scope="module")
def seed_ids(seeded_server: TestClient) -> dict[str, str]:
    """A real author id and a real paper id from the seed."""
    response = post(
        seeded_server,
        {"query": '{ authors(search: "Louis Béthune", first: 1) { nodes { id papers(first: 1) { nodes { id } } } } }'},
    )
    author = response.json()["data"]["authors"]["nodes"][0]
    return {"author": author["id"], "paper": author["papers"]["nodes"][0]["id"]}


# GET -------------------------------------------------------------------------------------------------


def test_get_with_a_query_parameter_answers_json(seeded_server: TestClient) -> None:
    response = seeded_server.get("/graphql", params={"query": COUNT_AUTHORS}, headers={"Accept": JSON})
    assert response.status_code == 200, response.text
    assert media_type(response) == JSON
    assert without_cost(response.json()) == {"data": {"authors": {"totalCount": 35}}}


def test_get_takes_variables_as_a_json_parameter(seeded_server: TestClient) -> None:
    response = seeded_server.get(
        "/graphql",
        params={"query": "query ($n: Int!) { authors(first: $n) { nodes { id } } }", "variables": '{"n": 2}'},
        headers={"Accept": JSON},
    )
    assert response.status_code == 200, response.text
    assert len(response.json()["data"]["authors"]["nodes"]) == 2


def test_get_with_variables_that_are_not_json_is_400(seeded_server: TestClient) -> None:
    response = seeded_server.get(
        "/graphql", params={"query": COUNT_AUTHORS, "variables": "{nope"}, headers={"Accept": JSON}
    )
    assert response.status_code == 400
    assert any("variables" in message for message in messages(response))


def test_get_from_a_browser_serves_graphiql(seeded_server: TestClient) -> None:
    response = seeded_server.get("/graphql", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert response.status_code == 200
    assert media_type(response) == "text/html"
    assert "graphiql" in response.text.lower()


def test_get_without_a_query_asking_for_json_is_400(seeded_server: TestClient) -> None:
    response = seeded_server.get("/graphql", headers={"Accept": JSON})
    assert response.status_code == 400
    assert any("query" in message for message in messages(response))


def test_a_mutation_over_get_is_405_allowing_post(seeded_server: TestClient) -> None:
    # The spec: a GET that would run a mutation is a 405, never executed. The schema has no mutation
    # type, but the operation type is checked before validation, so the answer is still the 405.
    response = seeded_server.get("/graphql", params={"query": "mutation { x }"}, headers={"Accept": JSON})
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"


def test_an_unknown_mutation_over_post_is_a_validation_error(seeded_server: TestClient) -> None:
    response = post(seeded_server, {"query": "mutation { x }"}, accept=GRAPHQL_RESPONSE)
    assert response.status_code == 400
    assert messages(response) == ["Cannot query field 'x' on type 'Mutation'."]


def test_put_is_405(seeded_server: TestClient) -> None:
    response = seeded_server.put("/graphql", json={"query": COUNT_AUTHORS})
    assert response.status_code == 405


# Content negotiation ---------------------------------------------------------------------------------


def test_post_accepting_graphql_response_json_gets_that_media_type(seeded_server: TestClient) -> None:
    response = post(seeded_server, {"query": COUNT_AUTHORS}, accept=GRAPHQL_RESPONSE)
    assert response.status_code == 200
    assert media_type(response) == GRAPHQL_RESPONSE
    assert without_cost(response.json()) == {"data": {"authors": {"totalCount": 35}}}


def test_post_without_accept_gets_json(seeded_server: TestClient) -> None:
    response = seeded_server.post("/graphql", json={"query": COUNT_AUTHORS}, headers={"Accept": ""})
    assert response.status_code == 200
    assert media_type(response) == JSON


def test_post_accepting_anything_gets_json(seeded_server: TestClient) -> None:
    response = post(seeded_server, {"query": COUNT_AUTHORS}, accept="*/*")
    assert response.status_code == 200
    assert media_type(response) == JSON


def test_the_first_acceptable_type_wins(seeded_server: TestClient) -> None:
    response = post(seeded_server, {"query": COUNT_AUTHORS}, accept=f"{GRAPHQL_RESPONSE}, {JSON};q=0.9")
    assert media_type(response) == GRAPHQL_RESPONSE


def test_an_unsupported_accept_is_406(seeded_server: TestClient) -> None:
    response = post(seeded_server, {"query": COUNT_AUTHORS}, accept="text/csv")
    assert response.status_code == 406


def test_a_json_content_type_with_charset_is_accepted(seeded_server: TestClient) -> None:
    response = seeded_server.post(
        "/graphql",
        content=json.dumps({"query": COUNT_AUTHORS}).encode(),
        headers={"Content-Type": "application/json; charset=utf-8", "Accept": JSON},
    )
    assert response.status_code == 200


def test_a_text_plain_body_is_415(seeded_server: TestClient) -> None:
    response = seeded_server.post(
        "/graphql",
        content=json.dumps({"query": COUNT_AUTHORS}).encode(),
        headers={"Content-Type": "text/plain", "Accept": JSON},
    )
    assert response.status_code == 415


# Requests that fail before execution -----------------------------------------------------------------


def test_a_syntax_error_is_400_with_graphql_response_json(seeded_server: TestClient) -> None:
    response = post(seeded_server, {"query": "{ authors(first: 1) { totalCount "}, accept=GRAPHQL_RESPONSE)
    assert response.status_code == 400
    assert media_type(response) == GRAPHQL_RESPONSE
    assert "data" not in response.json()
    assert any("Syntax Error" in message for message in messages(response))


def test_a_syntax_error_is_200_with_json(seeded_server: TestClient) -> None:
    response = post(seeded_server, {"query": "{ authors(first: 1) { totalCount "}, accept=JSON)
    assert response.status_code == 200
    assert media_type(response) == JSON
    assert "data" not in response.json()
    assert any("Syntax Error" in message for message in messages(response))


def test_a_validation_error_is_400_with_graphql_response_json(seeded_server: TestClient) -> None:
    response = post(seeded_server, {"query": "{ authors { nodes { nme } } }"}, accept=GRAPHQL_RESPONSE)
    assert response.status_code == 400
    assert media_type(response) == GRAPHQL_RESPONSE
    assert "data" not in response.json()


def test_a_validation_error_is_200_with_json(seeded_server: TestClient) -> None:
    response = post(seeded_server, {"query": "{ authors { nodes { nme } } }"}, accept=JSON)
    assert response.status_code == 200
    assert media_type(response) == JSON
    assert "data" not in response.json()


def test_a_validation_error_names_the_unknown_field(seeded_server: TestClient) -> None:
    response = post(seeded_server, {"query": "{ authors { nodes { nme } } }"})
    assert any("'nme'" in message for message in messages(response))


WANTS_INT = "query ($n: Int!) { authors(first: $n) { totalCount } }"


def test_a_variable_of_the_wrong_type_is_400_with_graphql_response_json(seeded_server: TestClient) -> None:
    response = post(seeded_server, {"query": WANTS_INT, "variables": {"n": "many"}}, accept=GRAPHQL_RESPONSE)
    assert response.status_code == 400
    assert "data" not in response.json()


def test_a_variable_of_the_wrong_type_is_named_not_masked(seeded_server: TestClient) -> None:
    response = post(seeded_server, {"query": WANTS_INT, "variables": {"n": "many"}})
    assert messages(response) != [MASKED]
    assert any("$n" in message for message in messages(response))


def test_a_missing_required_variable_is_named(seeded_server: TestClient) -> None:
    response = post(seeded_server, {"query": WANTS_INT, "variables": {}}, accept=GRAPHQL_RESPONSE)
    assert response.status_code == 400
    assert any("$n" in message for message in messages(response))


def test_an_unknown_operation_name_is_an_error_not_a_crash(seeded_server: TestClient) -> None:
    body = {"query": "query A { __typename } query B { __typename }", "operationName": "C"}
    response = post(seeded_server, body, accept=GRAPHQL_RESPONSE)
    assert response.status_code == 400
    assert any("C" in message for message in messages(response))


def test_the_operation_name_picks_the_operation(seeded_server: TestClient) -> None:
    body = {"query": "query A { a: __typename } query B { b: __typename }", "operationName": "B"}
    response = post(seeded_server, body)
    assert without_cost(response.json()) == {"data": {"b": "Query"}}


TWO_OPERATIONS = "query A { a: __typename } query B { b: __typename }"


def test_several_operations_without_a_name_are_400_with_graphql_response_json(seeded_server: TestClient) -> None:
    response = post(seeded_server, {"query": TWO_OPERATIONS}, accept=GRAPHQL_RESPONSE)
    assert response.status_code == 400
    assert media_type(response) == GRAPHQL_RESPONSE
    assert "data" not in response.json()


def test_several_operations_without_a_name_are_200_with_json(seeded_server: TestClient) -> None:
    response = post(seeded_server, {"query": TWO_OPERATIONS}, accept=JSON)
    assert response.status_code == 200
    assert media_type(response) == JSON
    assert "data" not in response.json()


def test_several_operations_without_a_name_ask_for_operation_name(seeded_server: TestClient) -> None:
    response = post(seeded_server, {"query": TWO_OPERATIONS, "operationName": None})
    assert len(messages(response)) == 1
    assert "operationName" in messages(response)[0]


def test_several_operations_without_a_name_over_get_are_refused_too(seeded_server: TestClient) -> None:
    response = seeded_server.get("/graphql", params={"query": TWO_OPERATIONS}, headers={"Accept": GRAPHQL_RESPONSE})
    assert response.status_code == 400
    assert any("operationName" in message for message in messages(response))


def test_several_operations_with_a_name_run_that_one(seeded_server: TestClient) -> None:
    response = post(seeded_server, {"query": TWO_OPERATIONS, "operationName": "A"}, accept=GRAPHQL_RESPONSE)
    assert response.status_code == 200
    assert media_type(response) == GRAPHQL_RESPONSE
    assert without_cost(response.json()) == {"data": {"a": "Query"}}


def test_one_operation_with_fragments_needs_no_name(seeded_server: TestClient) -> None:
    response = post(seeded_server, {"query": "query Only { ...F } fragment F on Query { __typename }"})
    assert without_cost(response.json()) == {"data": {"__typename": "Query"}}


# Malformed HTTP requests -----------------------------------------------------------------------------


def test_a_body_that_is_not_json_is_400(seeded_server: TestClient) -> None:
    response = seeded_server.post("/graphql", content=b"{not json", headers={"Content-Type": JSON, "Accept": JSON})
    assert response.status_code == 400
    assert any("JSON" in message for message in messages(response))


def test_a_body_that_is_not_an_object_is_400(seeded_server: TestClient) -> None:
    response = post(seeded_server, [{"query": COUNT_AUTHORS}])
    assert response.status_code == 400


def test_a_body_without_a_query_is_400(seeded_server: TestClient) -> None:
    response = post(seeded_server, {"variables": {}})
    assert response.status_code == 400
    assert any("`query`" in message for message in messages(response))


def test_a_query_that_is_not_a_string_is_400(seeded_server: TestClient) -> None:
    response = post(seeded_server, {"query": {"authors": 1}})
    assert response.status_code == 400


@pytest.mark.parametrize("variables", [["n", 1], "n=1", 3])
def test_variables_that_are_not_an_object_are_400(seeded_server: TestClient, variables: object) -> None:
    response = post(seeded_server, {"query": COUNT_AUTHORS, "variables": variables})
    assert response.status_code == 400
    assert any("`variables`" in message for message in messages(response))


def test_an_operation_name_that_is_not_a_string_is_400(seeded_server: TestClient) -> None:
    response = post(seeded_server, {"query": COUNT_AUTHORS, "operationName": 1})
    assert response.status_code == 400


# Each parameter of the wrong JSON type is a 400 naming it, over POST and over GET (where `variables` and
# `extensions` are JSON text; `query` and `operationName` are text, so always strings there).
WRONG_TYPES: list[tuple[str, object, str]] = [
    ("query", 1, "`query` must be a non-empty string"),
    ("query", ["{ __typename }"], "`query` must be a non-empty string"),
    ("variables", [1], "`variables` must be a JSON object"),
    ("variables", "{}", "`variables` must be a JSON object"),
    ("operationName", {"name": "A"}, "`operationName` must be a string"),
    ("operationName", True, "`operationName` must be a string"),
    ("extensions", "persistedQuery", "`extensions` must be a JSON object"),
    ("extensions", [{"persistedQuery": {}}], "`extensions` must be a JSON object"),
    ("extensions", 7, "`extensions` must be a JSON object"),
]


@pytest.mark.parametrize(("name", "value", "message"), WRONG_TYPES)
def test_a_post_parameter_of_the_wrong_type_is_400_naming_it(
    seeded_server: TestClient, name: str, value: object, message: str
) -> None:
    response = post(seeded_server, {"query": COUNT_AUTHORS, name: value})
    assert response.status_code == 400
    assert messages(response) == [message]


@pytest.mark.parametrize(("name", "value", "message"), [t for t in WRONG_TYPES if t[0] in {"variables", "extensions"}])
def test_a_get_parameter_of_the_wrong_type_is_400_naming_it(
    seeded_server: TestClient, name: str, value: object, message: str
) -> None:
    params = {"query": COUNT_AUTHORS, name: json.dumps(value)}
    response = seeded_server.get("/graphql", params=params, headers={"Accept": JSON})
    assert response.status_code == 400
    assert messages(response) == [message]


@pytest.mark.parametrize("name", ["variables", "extensions"])
def test_a_get_parameter_that_is_not_json_is_400_naming_it(seeded_server: TestClient, name: str) -> None:
    response = seeded_server.get("/graphql", params={"query": COUNT_AUTHORS, name: "{nope"}, headers={"Accept": JSON})
    assert response.status_code == 400
    assert messages(response) == [f"`{name}` is not valid JSON"]


def test_extensions_that_are_an_object_are_accepted(seeded_server: TestClient) -> None:
    response = post(seeded_server, {"query": COUNT_AUTHORS, "extensions": {"tracing": True}})
    assert response.status_code == 200
    assert without_cost(response.json()) == {"data": {"authors": {"totalCount": 35}}}


def test_a_body_nested_deeper_than_the_parser_goes_is_400(seeded_server: TestClient) -> None:
    response = seeded_server.post("/graphql", content=b"[" * 200_000, headers={"Content-Type": JSON, "Accept": JSON})
    assert response.status_code == 400
    assert messages(response) == ["the request body is not valid JSON"]


def test_malformed_http_is_400_with_graphql_response_json_too(seeded_server: TestClient) -> None:
    response = post(seeded_server, {"variables": {}}, accept=GRAPHQL_RESPONSE)
    assert response.status_code == 400
    assert media_type(response) == GRAPHQL_RESPONSE


def test_a_body_over_a_megabyte_is_413_naming_the_limit(seeded_server: TestClient) -> None:
    response = post(seeded_server, {"query": COUNT_AUTHORS, "padding": "x" * 1_000_001})
    assert response.status_code == 413
    assert response.json() == {
        "errors": [
            {
                "message": "the request body is larger than the limit of 1,000,000 bytes",
                "extensions": {"code": "REQUEST_TOO_LARGE"},
            }
        ]
    }


# Object identification -------------------------------------------------------------------------------


def test_node_with_a_malformed_id_is_null_with_an_error_naming_it(seeded_server: TestClient) -> None:
    response = post(seeded_server, {"query": '{ node(id: "not-a-real-id") { id } }'})
    assert response.status_code == 200
    assert without_cost(response.json()) == {
        "data": {"node": None},
        "errors": [
            {
                "message": "'not-a-real-id' is not an id issued by this service",
                "locations": [{"line": 1, "column": 3}],
                "path": ["node"],
                "extensions": {"code": "INVALID_INPUT"},
            }
        ],
    }


def test_node_with_a_well_formed_unknown_id_is_null(seeded_server: TestClient) -> None:
    unknown = encode_id("Author", 987_654)
    response = post(seeded_server, {"query": "query ($id: ID!) { node(id: $id) { id } }", "variables": {"id": unknown}})
    assert without_cost(response.json()) == {"data": {"node": None}}


def test_nodes_answers_in_the_order_asked_with_null_for_unknown_ids(
    seeded_server: TestClient, seed_ids: dict[str, str]
) -> None:
    ids = [seed_ids["paper"], encode_id("Paper", 987_654), seed_ids["author"], "garbage", seed_ids["paper"]]
    query = "query ($ids: [ID!]!) { nodes(ids: $ids) { id __typename } }"
    response = post(seeded_server, {"query": query, "variables": {"ids": ids}})
    assert response.json()["data"] == {
        "nodes": [
            {"id": seed_ids["paper"], "__typename": "Paper"},
            None,
            {"id": seed_ids["author"], "__typename": "Author"},
            None,
            {"id": seed_ids["paper"], "__typename": "Paper"},
        ]
    }
    # The unknown id is simply absent; the malformed one says so, at its position.
    assert [(e["path"], e["extensions"]["code"]) for e in response.json()["errors"]] == [
        (["nodes", 3], "INVALID_INPUT")
    ]


def test_nodes_refuses_more_than_the_batch_limit(seeded_server: TestClient, seed_ids: dict[str, str]) -> None:
    query = "query ($ids: [ID!]!) { nodes(ids: $ids) { id } }"
    response = post(seeded_server, {"query": query, "variables": {"ids": [seed_ids["author"]] * (MAX_BATCH_IDS + 1)}})
    assert any(str(MAX_BATCH_IDS) in message for message in messages(response))


def test_author_with_a_paper_id_is_an_error_naming_it(seeded_server: TestClient, seed_ids: dict[str, str]) -> None:
    query = "query ($id: ID!) { author(id: $id) { id } }"
    response = post(seeded_server, {"query": query, "variables": {"id": seed_ids["paper"]}})
    assert response.json()["data"] == {"author": None}
    (error,) = response.json()["errors"]
    assert error["message"] == f"{seed_ids['paper']!r} is the id of a paper, not of an author"
    assert error["extensions"] == {"code": "INVALID_INPUT"}


# Limits ----------------------------------------------------------------------------------------------

# Object fields along one path (the root field at depth 0, each nested field one deeper), and for each
# the scalar field that can end the path there.
_PATH = ["authors(first: 1)", "nodes", *["coauthors(first: 1)", "nodes", "author"] * 10]
_LEAVES = ["totalCount", "name", *["totalCount", "sharedPaperCount", "name"] * 10]


def nested_query(depth: int) -> str:
    """A query whose deepest field sits at `depth`."""
    text = _LEAVES[depth - 1]
    for field in reversed(_PATH[:depth]):
        text = f"{field} {{ {text} }}"
    return "{ " + text + " }"


def test_a_query_at_max_depth_runs(seeded_server: TestClient) -> None:
    response = post(seeded_server, {"query": nested_query(MAX_DEPTH)})
    assert response.status_code == 200
    assert "errors" not in response.json(), response.json()


def test_a_query_deeper_than_max_depth_is_refused(seeded_server: TestClient) -> None:
    response = post(seeded_server, {"query": nested_query(MAX_DEPTH + 1)}, accept=GRAPHQL_RESPONSE)
    assert response.status_code == 400
    assert "data" not in response.json()
    assert any(f"depth of {MAX_DEPTH}" in message for message in messages(response))


def _aliases(count: int) -> str:
    return "{ " + " ".join(f"a{i}: __typename" for i in range(count)) + " }"


def test_max_aliases_are_allowed(seeded_server: TestClient) -> None:
    response = post(seeded_server, {"query": _aliases(MAX_ALIASES)})
    assert "errors" not in response.json()


def test_too_many_aliases_are_refused(seeded_server: TestClient) -> None:
    response = post(seeded_server, {"query": _aliases(MAX_ALIASES + 1)}, accept=GRAPHQL_RESPONSE)
    assert response.status_code == 400
    assert any(f"Allowed: {MAX_ALIASES}" in message for message in messages(response))


def test_too_many_tokens_are_refused(seeded_server: TestClient) -> None:
    query = "{ " + " __typename" * MAX_TOKENS + " }"
    response = post(seeded_server, {"query": query}, accept=GRAPHQL_RESPONSE)
    assert response.status_code == 400
    assert any("token" in message.lower() for message in messages(response))


# Masking ---------------------------------------------------------------------------------------------


def test_an_unexpected_error_is_masked(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    async def broken_fetch(sql: str, *args: object) -> list[object]:
        raise RuntimeError("connection to db-internal.example:5432 failed: password=hunter2")

    monkeypatch.setattr(client.app.state.runtime.db, "fetch", broken_fetch)  # type: ignore[attr-defined]
    monkeypatch.setattr(client.app.state.runtime.db, "fetchval", broken_fetch)  # type: ignore[attr-defined]
    response = post(client, {"query": COUNT_AUTHORS})
    assert response.status_code == 200
    assert messages(response) == [MASKED]
    assert "hunter2" not in response.text
    assert "db-internal" not in response.text


def test_a_masked_error_keeps_its_path(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    async def broken_fetch(sql: str, *args: object) -> list[object]:
        raise RuntimeError("boom")

    monkeypatch.setattr(client.app.state.runtime.db, "fetch", broken_fetch)  # type: ignore[attr-defined]
    monkeypatch.setattr(client.app.state.runtime.db, "fetchval", broken_fetch)  # type: ignore[attr-defined]
    response = post(client, {"query": COUNT_AUTHORS})
    assert response.json()["errors"][0]["path"] == ["authors"]


def test_a_database_error_from_bad_input_reveals_no_internals(seeded_server: TestClient) -> None:
    # A NUL character cannot be sent to PostgreSQL as text: asyncpg raises, and nothing of it may leak.
    query = "query ($s: String!) { authors(search: $s, first: 1) { nodes { id } } }"
    response = post(seeded_server, {"query": query, "variables": {"s": "abc\u0000"}})
    assert response.status_code == 200
    assert messages(response)
    for leaked in ("asyncpg", "UTF8", "0x00", "Traceback", "SELECT"):
        assert leaked not in response.text


@pytest.mark.parametrize("root", ["authors", "papers"])
def test_a_nul_character_in_search_is_a_clear_input_error(seeded_server: TestClient, root: str) -> None:
    # Bad input deserves an error naming what was wrong, not the generic internal one.
    query = f"query ($s: String!) {{ {root}(search: $s, first: 1) {{ totalCount }} }}"
    response = post(seeded_server, {"query": query, "variables": {"s": "abc\u0000"}})
    assert messages(response) != [MASKED]
    assert any("search" in message for message in messages(response))


def test_an_invalid_input_error_is_not_masked(seeded_server: TestClient) -> None:
    response = post(seeded_server, {"query": "{ authors(first: 1000) { totalCount } }"})
    assert messages(response) != [MASKED]
    assert "`first`" in messages(response)[0]
