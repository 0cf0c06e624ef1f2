"""The limits over HTTP, GraphQL and REST alike: costs refused before any SQL, 429s with their codes and
headers, the figures on every response, and API keys (made by the data layer, as the CLI makes them)."""

from __future__ import annotations

import asyncio
import logging
import uuid
from typing import Any

import httpx2
import pytest
from starlette.testclient import TestClient

from api.app import Runtime, create_app
from api.db import api_keys
from api.db.pool import Database, StatementCounter, current_counter
from api.limits.cost import UNPAGED_LIST_SIZE
from api.settings import Settings

PROFILE = """
query Profile($search: String!) {
  authors(search: $search, first: 1) {
    nodes {
      name
      papers(first: 20) { nodes { title authors { name } } }
      coauthors(first: 10) { nodes { author { name } } }
    }
  }
}
"""
PROFILE_COST = 1 + 1 + 20 + 20 * UNPAGED_LIST_SIZE + 10
NESTED = (
    "{ authors(first: 100) { nodes { coauthors(first: 100) { nodes { author { "
    "coauthors(first: 100) { nodes { author { name } } } } } } } } }"
)
NESTED_COST = 1 + 100 + 100**2 + 100**3


def service(url: str, **limits: Any) -> TestClient:
    return TestClient(create_app(Settings(database_url=url, load_seed=False, **limits)))


def graphql(client: TestClient, query: str, key: str | None = None, **variables: Any) -> Any:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return client.post("/graphql", json={"query": query, "variables": variables}, headers=headers)


def make_key(url: str, scope: str = "read", *, budget: int | None = None) -> tuple[str, str]:
    """A new key's name and secret."""

    async def make() -> tuple[str, str]:
        db = await Database.connect(url, min_size=1, max_size=1)
        try:
            key, secret = await api_keys.create_key(db, f"svc-{uuid.uuid4().hex[:8]}", scope, cost_budget=budget)
        finally:
            await db.close()
        return key.name, secret

    return asyncio.run(make())


# Cost ----------------------------------------------------------------------------------------------------


async def test_a_query_over_the_cost_limit_is_refused_before_any_sql_with_its_cost(seeded_url: str) -> None:
    db = await Database.connect(seeded_url, min_size=1, max_size=2)
    app = create_app(Settings(database_url=seeded_url, load_seed=False))
    app.state.runtime = Runtime(db=db, embedded=None, stop_embedded_on_exit=False)
    counter = StatementCounter()
    try:
        async with httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app), base_url="http://t") as client:
            token = current_counter.set(counter)
            try:
                strict = await client.post(
                    "/graphql", json={"query": NESTED}, headers={"Accept": "application/graphql-response+json"}
                )
                legacy = await client.post("/graphql", json={"query": NESTED})
            finally:
                current_counter.reset(token)
    finally:
        await db.close()
    assert counter.statements == []
    assert (strict.status_code, legacy.status_code) == (400, 200)
    for response in (strict, legacy):
        assert response.headers["request-cost"] == str(NESTED_COST)
        [error] = response.json()["errors"]
        assert error["extensions"] == {"code": "QUERY_TOO_COSTLY", "cost": NESTED_COST, "maxCost": 50_000}
        assert "1,010,101 points, above the limit of 50,000" in error["message"]
        assert "data" not in response.json()


def test_every_answer_says_what_it_cost_and_what_remains(seeded_url: str) -> None:
    with (
        service(seeded_url, cost_budget=100_000, requests_per_second=50) as client,
        service(seeded_url, cost_budget=100_000, requests_per_second=50, graphql_compiled=False) as reference,
    ):
        compiled = graphql(client, PROFILE, search="louis bethune")
        resolver = graphql(reference, PROFILE, search="louis bethune")
        assert compiled.headers["x-graphql-execution"] == "compiled"
        assert resolver.headers["x-graphql-execution"] == "resolver"
        for response, left in ((compiled, 100_000 - PROFILE_COST), (resolver, 100_000 - PROFILE_COST)):
            assert response.status_code == 200
            assert response.json()["data"]["authors"]["nodes"][0]["name"] == "Louis Béthune"
            figures = response.json()["extensions"]["rateLimit"]
            assert figures["cost"] == PROFILE_COST
            assert (figures["limit"], figures["remaining"]) == (100_000, left)
            assert 0 < figures["resetInSeconds"] <= 3_600
            assert response.headers["request-cost"] == str(PROFILE_COST)
            assert response.headers["ratelimit-policy"] == '"budget";q=100000;w=3600, "requests";q=50;w=1'
            assert response.headers["ratelimit"].startswith(f'"budget";r={left};t=')
            assert '"requests";r=' in response.headers["ratelimit"]


def test_rest_answers_carry_the_figures_too(seeded_url: str) -> None:
    with service(seeded_url, cost_budget=1_000, max_query_cost=1_000) as client:
        listed = client.get("/v1/authors", params={"first": 7})
        assert listed.status_code == 200
        assert listed.headers["request-cost"] == "8"
        default_page = client.get("/v1/papers")
        assert default_page.headers["request-cost"] == "21"
        one = client.get(f"/v1/authors/{listed.json()['items'][0]['id']}")
        assert one.headers["request-cost"] == "1"
        ids = [item["id"] for item in listed.json()["items"][:3]]
        bulk = client.post("/v1/authors/metrics", json={"ids": ids})
        assert (bulk.status_code, bulk.headers["request-cost"]) == (200, "4")
        assert bulk.headers["ratelimit"].startswith(f'"budget";r={1_000 - 8 - 21 - 1 - 4};')


# Too fast, budget spent ----------------------------------------------------------------------------------


def test_too_fast_is_a_429_with_its_own_code_on_both_apis(seeded_url: str) -> None:
    with service(seeded_url, requests_per_second=3, cost_budget=0) as client:
        answers = [graphql(client, "{ __typename }") for _ in range(3)]
        assert [a.status_code for a in answers] == [200, 200, 200]
        refused = graphql(client, "{ __typename }")
        rest = client.get("/v1/authors")
    assert refused.status_code == 429
    [error] = refused.json()["errors"]
    assert error["extensions"]["code"] == "TOO_FAST"
    assert "at most 3 a second" in error["message"]
    assert refused.headers["retry-after"] == "1"
    assert refused.headers["ratelimit"] == '"requests";r=0;t=1'
    assert rest.status_code == 429
    assert rest.json()["error"]["code"] == "too_fast"
    assert rest.json()["error"]["retry_after"] == 1
    assert rest.headers["retry-after"] == "1"


def test_a_spent_budget_is_a_429_until_its_window_ends_and_says_so(seeded_url: str) -> None:
    budget = 2 * PROFILE_COST + 10
    with service(seeded_url, cost_budget=budget, max_query_cost=budget, requests_per_second=0) as client:
        for _ in range(2):
            assert graphql(client, PROFILE, search="louis").status_code == 200
        refused = graphql(client, PROFILE, search="louis")
        cheap = graphql(client, "{ papers(first: 3) { nodes { title } } }")  # 4 points: still fits
        rest = client.get("/v1/papers", params={"first": 10})
    assert refused.status_code == 429
    [error] = refused.json()["errors"]
    assert error["extensions"]["code"] == "BUDGET_SPENT"
    assert f"({10:,} left, this request costs {PROFILE_COST:,})" in error["message"]
    wait = int(refused.headers["retry-after"])
    assert 0 < wait <= 3_600
    assert error["extensions"]["retryAfter"] == wait
    assert refused.headers["ratelimit"] == f'"budget";r=10;t={wait}'
    assert refused.json()["extensions"]["rateLimit"]["remaining"] == 10
    assert cheap.status_code == 200
    assert cheap.json()["extensions"]["rateLimit"]["remaining"] == 6
    assert rest.status_code == 429
    assert rest.json()["error"]["code"] == "budget_spent"


# Keys ----------------------------------------------------------------------------------------------------


def test_a_key_counts_apart_from_anonymous_clients_under_its_own_budget(seeded_url: str) -> None:
    _, secret = make_key(seeded_url, budget=5_000)
    with service(seeded_url, cost_budget=300, key_cost_budget=100_000, max_query_cost=300) as client:
        anonymous = graphql(client, PROFILE, search="louis")
        keyed = graphql(client, PROFILE, key=secret, search="louis")
        by_header = client.get("/v1/papers", params={"first": 1}, headers={"X-API-Key": secret})
    assert anonymous.json()["extensions"]["rateLimit"]["remaining"] == 300 - PROFILE_COST
    assert keyed.json()["extensions"]["rateLimit"] == {
        "cost": PROFILE_COST,
        "limit": 5_000,
        "remaining": 5_000 - PROFILE_COST,
        "resetInSeconds": keyed.json()["extensions"]["rateLimit"]["resetInSeconds"],
    }
    assert by_header.headers["ratelimit"].startswith(f'"budget";r={5_000 - PROFILE_COST - 2};')


def test_unknown_revoked_and_malformed_keys_are_401_never_anonymous(seeded_url: str) -> None:
    name, secret = make_key(seeded_url)

    async def revoke() -> None:
        db = await Database.connect(seeded_url, min_size=1, max_size=1)
        try:
            await api_keys.revoke_key(db, name)
        finally:
            await db.close()

    asyncio.run(revoke())
    with service(seeded_url) as client:
        revoked = graphql(client, "{ __typename }", key=secret)
        unknown = client.get("/v1/papers", headers={"Authorization": "Bearer sg_" + "x" * 43})
        malformed = client.get("/v1/papers", headers={"Authorization": "Basic dXNlcjpwYXNz"})
    assert revoked.status_code == 401
    assert revoked.json()["errors"][0]["extensions"]["code"] == "INVALID_KEY"
    assert revoked.headers["www-authenticate"] == "Bearer"
    assert (unknown.status_code, unknown.json()["error"]["code"]) == (401, "invalid_key")
    assert (malformed.status_code, malformed.json()["error"]["code"]) == (401, "invalid_key")
    assert "Bearer" in malformed.json()["error"]["message"]


def test_a_service_requiring_keys_refuses_requests_without_one(seeded_url: str) -> None:
    _, secret = make_key(seeded_url)
    with service(seeded_url, require_api_key=True) as client:
        bare = graphql(client, "{ __typename }")
        bare_rest = client.get("/v1/papers")
        keyed = graphql(client, "{ __typename }", key=secret)
        health = client.get("/readyz")
    assert bare.status_code == 401
    assert bare.json()["errors"][0]["extensions"]["code"] == "KEY_REQUIRED"
    assert (bare_rest.status_code, bare_rest.json()["error"]["code"]) == (401, "key_required")
    assert keyed.status_code == 200
    assert health.status_code == 200  # probes never need a key


def test_the_logs_name_the_key_and_never_show_it(seeded_url: str, caplog: pytest.LogCaptureFixture) -> None:
    name, secret = make_key(seeded_url)
    with caplog.at_level(logging.INFO), service(seeded_url) as client:
        assert graphql(client, "{ __typename }", key=secret).status_code == 200
        assert client.get("/v1/papers", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert logged.count(f"key {name}: cost") == 2
    assert secret not in logged
    assert secret[3:20] not in logged
