"""The attacks of the OWASP GraphQL Cheat Sheet (cheatsheetseries.owasp.org, "GraphQL"), each sent to the
service as an attacker would: each is refused with an error that says what was wrong, and those refused
before execution run no SQL at all (the statements a request issues are counted in the test's own loop)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx2
import pytest

from api.app import Runtime, create_app
from api.db.pool import Database, StatementCounter, current_counter
from api.graphql.schema import MAX_ALIASES, MAX_DEPTH, MAX_TOKENS
from api.settings import Settings

STRICT = {"Accept": "application/graphql-response+json"}


@pytest.fixture
async def service(seeded_url: str) -> AsyncIterator[httpx2.AsyncClient]:
    db = await Database.connect(seeded_url, min_size=1, max_size=2)
    app = create_app(Settings(database_url=seeded_url, load_seed=False))
    app.state.runtime = Runtime(db=db, embedded=None, stop_embedded_on_exit=False)
    try:
        async with httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app), base_url="http://t") as client:
            yield client
    finally:
        await db.close()


async def send(client: httpx2.AsyncClient, **request: Any) -> tuple[httpx2.Response, list[str]]:
    """The response to a POST of `request` (`json=` or `content=`) and the SQL statements it ran."""
    counter = StatementCounter()
    token = current_counter.set(counter)
    try:
        response = await client.post("/graphql", headers={**STRICT, **request.pop("headers", {})}, **request)
    finally:
        current_counter.reset(token)
    return response, counter.statements


def only_error(response: httpx2.Response) -> dict[str, Any]:
    document = response.json()
    assert "data" not in document, document
    [error] = document["errors"]
    assert isinstance(error, dict)
    return error


async def test_deep_nesting_is_refused_by_the_depth_limit(service: httpx2.AsyncClient) -> None:
    hop = "coauthors(first: 1) { nodes { author { "
    query = "{ authors(first: 1) { nodes { " + hop * 5 + "name" + " } } }" * 5 + " } } }"
    response, statements = await send(service, json={"query": query})
    assert response.status_code == 400
    assert f"exceeds maximum operation depth of {MAX_DEPTH}" in only_error(response)["message"]
    assert statements == []


async def test_alias_overloading_is_refused_by_the_alias_limit(service: httpx2.AsyncClient) -> None:
    aliases = " ".join(f"a{i}: papers(first: 1) {{ totalCount }}" for i in range(MAX_ALIASES + 1))
    response, statements = await send(service, json={"query": "{ " + aliases + " }"})
    assert response.status_code == 400
    assert only_error(response)["message"] == f"{MAX_ALIASES + 1} aliases found. Allowed: {MAX_ALIASES}"
    assert statements == []


async def test_field_duplication_is_refused_by_the_token_limit(service: httpx2.AsyncClient) -> None:
    query = "{ papers(first: 1) { nodes { " + "title " * MAX_TOKENS + "} } }"
    response, statements = await send(service, json={"query": query})
    assert response.status_code == 400
    assert f"Document contains more than {MAX_TOKENS} tokens" in only_error(response)["message"]
    assert statements == []


async def test_directive_overloading_is_refused(service: httpx2.AsyncClient) -> None:
    query = "{ papers(first: 1) { totalCount " + "@include(if: true) " * 50 + "} }"
    response, statements = await send(service, json={"query": query})
    assert response.status_code == 400
    assert "The directive '@include' can only be used once at this location." in response.text
    assert statements == []


async def test_circular_fragments_are_refused(service: httpx2.AsyncClient) -> None:
    query = (
        '{ paper(id: "x") { ...A } } '
        "fragment A on Paper { citedBy(first: 1) { nodes { ...B } } } fragment B on Paper { ...A }"
    )
    response, statements = await send(service, json={"query": query})
    assert response.status_code == 400
    assert "Cannot spread fragment 'A' within itself via 'B'." in response.text
    assert statements == []


async def test_array_batching_is_refused_as_malformed(service: httpx2.AsyncClient) -> None:
    batch = [{"query": "{ papers(first: 100) { totalCount } }"}] * 100
    response, statements = await send(service, json=batch)
    assert response.status_code == 400
    assert only_error(response)["message"] == "the request body must be a JSON object with a `query`"
    assert statements == []


async def test_a_query_costing_more_than_allowed_is_refused_with_its_cost(service: httpx2.AsyncClient) -> None:
    query = (
        "{ papers(first: 100) { nodes { citedBy(first: 100) { nodes { "
        "references(first: 100) { nodes { title } } } } } } }"
    )
    response, statements = await send(service, json={"query": query})
    assert response.status_code == 400
    error = only_error(response)
    assert error["extensions"] == {"code": "QUERY_TOO_COSTLY", "cost": 1 + 100 + 100**2 + 100**3, "maxCost": 50_000}
    assert statements == []


async def test_a_huge_body_is_refused_before_it_is_read_whole(service: httpx2.AsyncClient) -> None:
    response, statements = await send(service, json={"query": "{ __typename }", "padding": "x" * 2_000_000})
    assert response.status_code == 413
    assert only_error(response)["extensions"]["code"] == "REQUEST_TOO_LARGE"
    assert statements == []


async def test_a_mutation_over_get_cannot_be_forged_by_a_link(service: httpx2.AsyncClient) -> None:
    response = await service.get("/graphql", params={"query": "mutation { __typename }"}, headers=STRICT)
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"


async def test_injection_in_arguments_is_data_never_sql(service: httpx2.AsyncClient) -> None:
    payload = "'; DROP TABLE papers; --"
    query = "query($s: String!) { papers(search: $s, first: 1) { totalCount } authors(search: $s) { totalCount } }"
    response, statements = await send(service, json={"query": query, "variables": {"s": payload}})
    assert response.status_code == 200
    assert response.json()["data"] == {"papers": {"totalCount": 0}, "authors": {"totalCount": 0}}
    assert all(payload not in statement for statement in statements)  # sent as a parameter, never as text
    after, _ = await send(service, json={"query": "{ papers(first: 0) { totalCount } }"})
    assert after.json()["data"]["papers"]["totalCount"] == 18


async def test_errors_reveal_no_internals(service: httpx2.AsyncClient) -> None:
    response, _ = await send(service, json={"query": '{ node(id: "QXV0aG9yOjE\' OR 1=1") { id } }'})
    text = response.text
    for internal in ("Traceback", "asyncpg", "SELECT", "psycopg", 'File "', "/api/"):
        assert internal not in text
    assert json.loads(text)["errors"][0]["extensions"]["code"] == "INVALID_INPUT"


async def test_suggestions_name_only_public_fields(service: httpx2.AsyncClient) -> None:
    # Introspection and suggestions stay on: the schema is public by design (docs/limits.md); a suggestion
    # names fields of the schema, never anything behind it.
    response, statements = await send(service, json={"query": "{ paperz { totalCount } }"})
    assert response.status_code == 400
    assert (
        only_error(response)["message"]
        == "Cannot query field 'paperz' on type 'Query'. Did you mean 'paper' or 'papers'?"
    )
    assert statements == []
