"""The service rides through a database restart: no restart of its own, no failed request afterwards."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from api.app import create_app
from api.db.embedded import EmbeddedPostgres
from api.settings import Settings

QUERY = '{ authors(search: "louis bethune", first: 1) { nodes { name papers(first: 3) { totalCount } } } }'


@pytest.fixture
def own_server() -> Iterator[EmbeddedPostgres]:
    """A PostgreSQL server of this test's own, so that restarting it disturbs no other test."""
    folder = Path(tempfile.mkdtemp(prefix="sg-restart-"))
    folder.chmod(0o755)
    server = EmbeddedPostgres(folder / "db")
    server.start()
    try:
        yield server
    finally:
        if server.is_running():
            server.stop()
        shutil.rmtree(folder, ignore_errors=True)


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
        down = client.post("/graphql", json={"query": QUERY})
        assert down.status_code == 200
        errors = down.json()["errors"]
        assert errors
        assert all("Traceback" not in e["message"] and "asyncpg" not in e["message"] for e in errors)
        assert client.get("/readyz").status_code == 503
        rest = client.get("/v1/authors/QXV0aG9yOjE")
        assert rest.status_code == 503
        assert rest.json()["error"]["code"] == "unavailable"
        own_server.start()
        assert _profile_ok(client)
