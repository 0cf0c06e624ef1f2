"""The service rides through a database outage: no restart of its own, every request the outage fails
told so (a stable code, `Retry-After`), the outage logged once when it starts and once when it ends, and
no failed request afterwards."""

from __future__ import annotations

import asyncio
import collections
import logging
import threading
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
import httpx2
import pytest
from outages import crash_a_backend, kill_postmaster_immediately, wait_until_it_accepts_connections
from serving import ThreadedServer
from starlette.testclient import TestClient

from api.app import close_runtime, create_app, open_runtime
from api.db.embedded import EmbeddedPostgres
from api.settings import Settings

QUERY = '{ authors(search: "louis bethune", first: 1) { nodes { name papers(first: 3) { totalCount } } } }'
# Several statements at once (loaders of different kinds), as a profile page asks.
PROFILE = (
    '{ authors(search: "louis bethune", first: 2) { nodes { name computedMetrics { hIndex } '
    "papers(first: 3) { totalCount nodes { title authors { name } } } "
    "coauthors(first: 2) { nodes { author { name } } } } } }"
)
UNAVAILABLE = "The database is unavailable; retry shortly."


def _profile_ok(client: TestClient) -> bool:
    response = client.post("/graphql", json={"query": QUERY})
    body = response.json()
    return (
        response.status_code == 200
        and "errors" not in body
        and body["data"]["authors"]["nodes"][0]["papers"] == {"totalCount": 18}
    )


def test_requests_succeed_after_the_database_restarts(own_server: EmbeddedPostgres) -> None:
    app = create_app(Settings(database_url=own_server.url, pool_min_size=2, pool_max_size=4))
    with TestClient(app) as client:
        assert _profile_ok(client)
        own_server.stop()
        own_server.start()
        results = [_profile_ok(client) for _ in range(10)]
        assert results == [True] * 10
        assert client.get("/readyz").status_code == 200


def test_while_the_database_is_down_requests_fail_cleanly_then_recover(own_server: EmbeddedPostgres) -> None:
    app = create_app(Settings(database_url=own_server.url, pool_min_size=1, pool_max_size=2))
    with TestClient(app, raise_server_exceptions=False) as client:
        assert _profile_ok(client)
        own_server.stop()
        for accept in ("application/json", "application/graphql-response+json"):
            down = client.post("/graphql", json={"query": PROFILE}, headers={"Accept": accept})
            assert down.status_code == 200  # field errors: the spec's 200, whatever the media type
            assert down.headers["retry-after"] == "2"
            errors = down.json()["errors"]
            assert errors
            assert {e["message"] for e in errors} == {UNAVAILABLE}
            assert {e["extensions"]["code"] for e in errors} == {"DATABASE_UNAVAILABLE"}
        ready = client.get("/readyz")
        assert ready.status_code == 503
        assert ready.json()["reason"] == "the database is unreachable"
        rest = client.get("/v1/authors/QXV0aG9yOjE")
        assert rest.status_code == 503
        assert rest.headers["retry-after"] == "2"
        assert rest.json() == {
            "error": {"code": "database_unavailable", "message": "the database is unavailable; retry shortly"}
        }
        own_server.start()
        assert _profile_ok(client)
        assert "retry-after" not in client.post("/graphql", json={"query": QUERY}).headers


def test_an_outage_is_logged_once_when_it_starts_and_once_when_it_ends(
    own_server: EmbeddedPostgres, caplog: pytest.LogCaptureFixture
) -> None:
    # No idle connections to keep (pool_min_size=0): asyncpg's own background reconnection, and its
    # report of each attempt, stay out of this test, which is about what the service logs.
    app = create_app(Settings(database_url=own_server.url, pool_min_size=0, pool_max_size=4))
    with TestClient(app, raise_server_exceptions=False) as client:
        assert _profile_ok(client)
        own_server.stop()
        caplog.clear()
        caplog.set_level(logging.INFO)
        failed = 0
        for _ in range(8):
            failed += client.post("/graphql", json={"query": PROFILE}).headers.get("retry-after") == "2"
            failed += client.get("/v1/authors/QXV0aG9yOjE/papers").status_code == 503
            failed += client.get("/v1/authors/metrics", params={"ids": "QXV0aG9yOjE"}).status_code == 503
        assert failed == 24
        own_server.start()
        assert _profile_ok(client)
    said = [record for record in caplog.records if record.levelno >= logging.WARNING]
    assert [record.getMessage().split(" (")[0].split(" after")[0] for record in said] == [
        "the database is unreachable",
        "the database is reachable again",
    ], [record.getMessage() for record in said]
    assert said[1].getMessage().endswith("; 24 requests failed meanwhile")
    assert [record.getMessage() for record in caplog.records if record.exc_info] == []


Outcome = tuple[Any, ...]


def _outcome(response: httpx2.Response) -> Outcome:
    """What a client saw, reduced to what must hold: success, or a coded outage with Retry-After."""
    retry = response.headers.get("retry-after")
    if response.headers.get("content-type", "").startswith("application/json") and "/v1/" in str(response.url):
        body = response.json()
        return ("rest", response.status_code, body["error"]["code"] if "error" in body else "ok", retry)
    body = response.json()
    codes = tuple(sorted({(e["message"], (e.get("extensions") or {}).get("code")) for e in body.get("errors", [])}))
    return ("graphql", response.status_code, codes, retry)


def _hammer(url: str, stop: threading.Event, seen: collections.Counter[Outcome], client_number: int) -> None:
    with httpx2.Client(base_url=url, timeout=60) as client:
        while not stop.is_set():
            try:
                if client_number % 3 == 0:
                    response = client.get("/v1/authors/QXV0aG9yOjE/papers")
                else:
                    response = client.post("/graphql", json={"query": PROFILE})
                seen[_outcome(response)] += 1
            except Exception as error:  # a reset, a timeout: never acceptable, so recorded as seen
                seen[("failed", type(error).__name__, str(error)[:100])] += 1


OUTAGES: dict[str, Callable[[EmbeddedPostgres], None]] = {
    "pg_ctl stop -m fast": lambda server: server.stop(),
    "pg_ctl stop -m immediate": kill_postmaster_immediately,
    "a backend killed (crash recovery)": crash_a_backend,
}

GRAPHQL_OK: Outcome = ("graphql", 200, (), None)
GRAPHQL_OUTAGE: Outcome = ("graphql", 200, ((UNAVAILABLE, "DATABASE_UNAVAILABLE"),), "2")
REST_OK: Outcome = ("rest", 200, "ok", None)
REST_OUTAGE: Outcome = ("rest", 503, "database_unavailable", "2")


@pytest.mark.parametrize("outage", OUTAGES)
def test_under_load_every_request_an_outage_fails_says_so(own_server: EmbeddedPostgres, outage: str) -> None:
    # Concurrent clients over real HTTP while the server goes away and comes back: pooled connections die
    # idle, mid-statement and mid-handshake, new ones are refused or meet a server shutting down or in
    # recovery. Whatever a request met, its answer is a success or the one outage error.
    server = ThreadedServer(create_app(Settings(database_url=own_server.url, pool_min_size=2, pool_max_size=4)))
    server.start()
    seen: collections.Counter[Outcome] = collections.Counter()
    stop = threading.Event()
    clients = [threading.Thread(target=_hammer, args=(server.url, stop, seen, n)) for n in range(6)]
    try:
        for client in clients:
            client.start()
        time.sleep(1)
        OUTAGES[outage](own_server)
        time.sleep(1.5)
        wait_until_it_accepts_connections(own_server)
        time.sleep(1.5)
    finally:
        stop.set()
        for client in clients:
            client.join()
        server.stop()
    expected = (GRAPHQL_OK, GRAPHQL_OUTAGE, REST_OK, REST_OUTAGE)
    assert {outcome: n for outcome, n in seen.items() if outcome not in expected} == {}
    assert seen[GRAPHQL_OK]
    assert seen[REST_OK]


@asynccontextmanager
async def locked_out_service(settings: Settings) -> AsyncIterator[tuple[httpx2.AsyncClient, asyncpg.Connection]]:
    """The service in this loop on `settings.database_url`, and a connection of the test's own holding an
    exclusive lock on `authors` (committed by the test when it has seen what it wanted)."""
    assert settings.database_url
    runtime = await open_runtime(settings)
    app = create_app(settings, runtime=runtime)
    app.state.runtime = runtime
    blocker = await asyncpg.connect(settings.database_url)
    try:
        async with httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app), base_url="http://t") as client:
            await blocker.execute("BEGIN; LOCK TABLE authors IN ACCESS EXCLUSIVE MODE")
            yield client, blocker
    finally:
        await blocker.close()
        await close_runtime(runtime)


async def test_a_pool_kept_busy_sheds_requests_with_503_then_serves_again(database_url: str) -> None:
    """Requests wait for a connection at most `pool_timeout_ms`, then are shed with 503 `overloaded`; once
    the database answers again, so does the service (nothing crashed, nothing was lost)."""
    settings = Settings(
        database_url=database_url, load_seed=True, pool_min_size=1, pool_max_size=1, pool_timeout_ms=300
    )
    async with locked_out_service(settings) as (client, blocker):
        held = asyncio.create_task(client.get("/v1/authors", params={"first": 1}))  # takes the one connection
        await asyncio.sleep(0.2)
        started = time.monotonic()
        rest, graphql = await asyncio.gather(
            client.get("/v1/papers", params={"first": 1}),
            client.post("/graphql", json={"query": "{ papers(first: 1) { totalCount } }"}),
        )
        waited = time.monotonic() - started
        await blocker.execute("COMMIT")
        assert (await held).status_code == 200
        after = await client.get("/v1/papers", params={"first": 1})
    assert 0.25 < waited < 3
    assert (rest.status_code, rest.json()["error"]["code"], rest.headers["retry-after"]) == (503, "overloaded", "1")
    assert graphql.status_code == 503
    assert graphql.json()["errors"][0]["extensions"]["code"] == "OVERLOADED"
    assert graphql.headers["retry-after"] == "1"
    assert after.status_code == 200


async def test_a_statement_past_its_timeout_is_a_retryable_503_on_both_apis(database_url: str) -> None:
    settings = Settings(database_url=database_url, load_seed=True, statement_timeout_ms=300)
    async with locked_out_service(settings) as (client, blocker):
        rest = await client.get("/v1/authors", params={"first": 1})
        graphql = await client.post("/graphql", json={"query": "{ authors(first: 1) { nodes { name } } }"})
        await blocker.execute("COMMIT")
        after = await client.get("/v1/authors", params={"first": 1})
    assert (rest.status_code, rest.json()["error"]["code"], rest.headers["retry-after"]) == (503, "timeout", "1")
    assert "took longer than the service allows" in rest.json()["error"]["message"]
    assert graphql.status_code == 503
    assert graphql.json()["errors"][0]["extensions"]["code"] == "TIMEOUT"
    assert after.status_code == 200
