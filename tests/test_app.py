"""The application shell: liveness and readiness probes, start-up on a database it may not touch, and
the GraphiQL assets served by the service itself.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import signal
import tempfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import asyncpg
import pytest
from answers import without_cost
from starlette.testclient import TestClient

from api.app import close_runtime, create_app, open_runtime
from api.db import migrate
from api.db.embedded import EmbeddedPostgres
from api.settings import Settings

STATIC_PREFIX = "/static/graphiql/"


@pytest.fixture
def unmigrated_client(empty_database_url: str) -> Iterator[TestClient]:
    """The app on a database with no schema, told neither to migrate it nor to load the seed."""
    settings = Settings(database_url=empty_database_url, migrate_on_start=False, load_seed=False)
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        yield client


# Probes ----------------------------------------------------------------------------------------------


def test_healthz_is_200(seeded_server: TestClient) -> None:
    response = seeded_server.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_is_200_with_the_schema_revision(seeded_server: TestClient) -> None:
    response = seeded_server.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready", "schema_revision": migrate.head_revision()}


def test_an_unmigrated_database_does_not_stop_start_up(unmigrated_client: TestClient) -> None:
    assert unmigrated_client.get("/healthz").status_code == 200


def test_readyz_on_an_unmigrated_database_is_503(unmigrated_client: TestClient) -> None:
    response = unmigrated_client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "not ready"
    assert "scholargraph migrate" in body["reason"]


def test_load_seed_on_an_unmigrated_database_without_migrate_on_start_starts(empty_database_url: str) -> None:
    settings = Settings(database_url=empty_database_url, migrate_on_start=False, load_seed=True)
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        assert client.get("/healthz").status_code == 200
        ready = client.get("/readyz")
    assert ready.status_code == 503
    assert "scholargraph migrate" in ready.json()["reason"]


async def _public_tables(url: str) -> list[str]:
    connection = await asyncpg.connect(url)
    try:
        rows = await connection.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        return [row["tablename"] for row in rows]
    finally:
        await connection.close()


async def test_load_seed_without_migrate_on_start_leaves_an_unmigrated_database_untouched(
    empty_database_url: str,
) -> None:
    runtime = await open_runtime(Settings(database_url=empty_database_url, migrate_on_start=False, load_seed=True))
    await close_runtime(runtime)
    assert await _public_tables(empty_database_url) == []


def test_readyz_is_200_once_the_database_is_migrated(empty_database_url: str) -> None:
    settings = Settings(database_url=empty_database_url, migrate_on_start=False, load_seed=False)
    with TestClient(create_app(settings)) as client:
        assert client.get("/readyz").status_code == 503
        migrate.upgrade(empty_database_url)
        assert client.get("/readyz").status_code == 200


def test_graphql_on_an_unmigrated_database_reveals_no_internals(unmigrated_client: TestClient) -> None:
    response = unmigrated_client.post(
        "/graphql", json={"query": "{ authors(first: 1) { totalCount } }"}, headers={"Accept": "application/json"}
    )
    assert response.status_code in {200, 503}
    assert response.json()["errors"]
    assert "relation" not in response.text
    assert "asyncpg" not in response.text


def test_rest_on_an_unmigrated_database_answers_a_json_error(unmigrated_client: TestClient) -> None:
    response = unmigrated_client.get("/v1/authors/QXV0aG9yOjE")
    assert response.status_code >= 500
    assert response.headers["content-type"].startswith("application/json"), response.text
    assert response.json()["error"]["code"] == "database_unavailable"


def test_start_up_with_load_seed_off_leaves_the_database_empty(database_url: str) -> None:
    settings = Settings(database_url=database_url, load_seed=False)
    with TestClient(create_app(settings)) as client:
        response = client.post(
            "/graphql", json={"query": "{ authors(first: 1) { totalCount } }"}, headers={"Accept": "application/json"}
        )
    assert without_cost(response.json()) == {"data": {"authors": {"totalCount": 0}}}


def test_an_unknown_path_is_404(seeded_server: TestClient) -> None:
    assert seeded_server.get("/nope").status_code == 404


# Shut-down of the embedded server ----------------------------------------------------------------------


@pytest.fixture
def embedded_data_dir() -> Iterator[Path]:
    """A data dir for the embedded server in a folder its unprivileged user can reach; stopped afterwards."""
    folder = Path(tempfile.mkdtemp(prefix="sg-app-"))
    folder.chmod(0o755)
    yield folder / "db"
    if (folder / "db" / "pgdata").exists() and EmbeddedPostgres(folder / "db").is_running():
        EmbeddedPostgres(folder / "db").stop()
    shutil.rmtree(folder, ignore_errors=True)


def embedded_settings(data_dir: Path) -> Settings:
    return Settings(database_url=None, data_dir=data_dir, load_seed=False)


async def test_shutdown_stops_the_embedded_server_it_started(embedded_data_dir: Path) -> None:
    runtime = await open_runtime(embedded_settings(embedded_data_dir))
    assert runtime.embedded is not None
    assert runtime.embedded.is_running()
    await close_runtime(runtime)
    assert not EmbeddedPostgres(embedded_data_dir).is_running()


async def test_shutdown_leaves_the_embedded_server_running_while_another_process_uses_it(
    embedded_data_dir: Path,
) -> None:
    runtime = await open_runtime(embedded_settings(embedded_data_dir))
    assert runtime.embedded is not None
    other = await asyncpg.connect(runtime.embedded.url, server_settings={"application_name": "another-process"})
    try:
        await close_runtime(runtime)
        assert EmbeddedPostgres(embedded_data_dir).is_running()
        assert await other.fetchval("SELECT count(*) FROM alembic_version") == 1
    finally:
        await other.close()


async def test_shutdown_leaves_an_embedded_server_it_did_not_start_running(embedded_data_dir: Path) -> None:
    EmbeddedPostgres(embedded_data_dir).start()
    runtime = await open_runtime(embedded_settings(embedded_data_dir))
    await close_runtime(runtime)
    assert EmbeddedPostgres(embedded_data_dir).is_running()


async def test_shutdown_after_the_data_directory_was_destroyed_logs_and_does_not_raise(
    embedded_data_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    runtime = await open_runtime(embedded_settings(embedded_data_dir))
    assert runtime.embedded is not None
    postmaster = runtime.embedded.postmaster_pid()
    shutil.rmtree(embedded_data_dir / "pgdata" / "global")  # an operator's mistake: the server loses its catalog
    await close_runtime(runtime)
    shutdown_errors = [r for r in caplog.records if r.name == "scholargraph" and r.levelno >= logging.WARNING]
    assert shutdown_errors, "the failure to shut down cleanly is logged"
    assert all(r.exc_info is None and "\n" not in r.getMessage() for r in shutdown_errors)
    if postmaster is not None and EmbeddedPostgres(embedded_data_dir).is_running():
        os.kill(postmaster, signal.SIGKILL)  # what is left of it; the fixture cannot stop it cleanly


# GraphiQL assets -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def graphiql_asset_paths(seeded_server: TestClient) -> list[str]:
    page = seeded_server.get("/graphql", headers={"Accept": "text/html"}).text
    refs = re.findall(r'(?:src|href)\s*=\s*["\']([^"\']+)', page)
    return [urlsplit(urljoin("http://testserver/graphql", ref)).path for ref in refs]


def test_the_graphiql_page_references_its_assets_under_static(graphiql_asset_paths: list[str]) -> None:
    assert graphiql_asset_paths
    assert all(path.startswith(STATIC_PREFIX) for path in graphiql_asset_paths)


def test_every_graphiql_asset_is_served(seeded_server: TestClient, graphiql_asset_paths: list[str]) -> None:
    statuses = {path: seeded_server.get(path).status_code for path in graphiql_asset_paths}
    assert statuses == dict.fromkeys(graphiql_asset_paths, 200)


def test_graphiql_assets_have_their_media_types(seeded_server: TestClient, graphiql_asset_paths: list[str]) -> None:
    for path in graphiql_asset_paths:
        content_type = seeded_server.get(path).headers["content-type"]
        if path.endswith(".js"):
            assert "javascript" in content_type, path
        if path.endswith(".css"):
            assert content_type.startswith("text/css"), path


def test_graphiql_loads_react_react_dom_and_graphiql(graphiql_asset_paths: list[str]) -> None:
    names = {path.rsplit("/", 1)[-1] for path in graphiql_asset_paths}
    assert {"react.production.min.js", "react-dom.production.min.js", "graphiql.min.js", "graphiql.min.css"} <= names


def test_an_unknown_static_asset_is_404(seeded_server: TestClient) -> None:
    assert seeded_server.get(STATIC_PREFIX + "nope.js").status_code == 404


def test_static_files_do_not_escape_their_folder(seeded_server: TestClient) -> None:
    assert seeded_server.get(STATIC_PREFIX + "..%2F..%2Fapp.py").status_code == 404
