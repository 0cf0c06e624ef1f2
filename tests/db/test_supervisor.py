"""The supervisor of the embedded server: a killed server is started again with its data; a server that
cannot be started again turns /healthz to 503; a server stopped after the supervisor stops stays down."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import asyncpg
import pytest
from conftest import embedded_server_of_its_own
from outages import kill_postmaster
from starlette.testclient import TestClient

from api.app import create_app
from api.db.embedded import EmbeddedPostgres
from api.db.supervisor import ServerSupervisor
from api.settings import Settings


@pytest.fixture
def server() -> Iterator[EmbeddedPostgres]:
    with embedded_server_of_its_own("sg-supervised-") as embedded:
        yield embedded


def _break_configuration(server: EmbeddedPostgres) -> None:
    with (server.pgdata / "postgresql.conf").open("a") as conf:
        conf.write("\nshared_buffers = 'plenty'\n")


async def _rows(url: str) -> list[str]:
    connection = await asyncpg.connect(url)
    try:
        return [row[0] for row in await connection.fetch("SELECT v FROM kept")]
    finally:
        await connection.close()


async def _write(url: str) -> None:
    connection = await asyncpg.connect(url)
    try:
        await connection.execute("CREATE TABLE kept (v text); INSERT INTO kept VALUES ('committed before the kill')")
    finally:
        await connection.close()


async def test_a_killed_server_is_started_again_and_keeps_committed_data(server: EmbeddedPostgres) -> None:
    await _write(server.url)
    supervisor = ServerSupervisor(server, check_interval=0.1, retry_delay=0.2)
    supervisor.start()
    try:
        killed = await asyncio.to_thread(kill_postmaster, server)
        for _ in range(300):
            if supervisor.restarts:
                break
            await asyncio.sleep(0.1)
        assert supervisor.restarts == 1
        assert supervisor.healthy
        assert server.postmaster_pid() != killed
        assert await _rows(server.url) == ["committed before the kill"]
    finally:
        await supervisor.stop()


async def test_a_server_that_cannot_start_again_is_reported_after_the_given_attempts(server: EmbeddedPostgres) -> None:
    supervisor = ServerSupervisor(server, check_interval=0.1, restart_attempts=2, retry_delay=0.1)
    supervisor.start()
    try:
        _break_configuration(server)
        await asyncio.to_thread(kill_postmaster, server)
        await asyncio.wait_for(supervisor.gave_up.wait(), timeout=120)
    finally:
        await supervisor.stop()
    assert not supervisor.healthy
    assert supervisor.failure is not None
    assert "could not be restarted (2 attempts)" in supervisor.failure
    assert str(server.data_dir) in supervisor.failure
    assert "\n" not in supervisor.failure


async def test_a_server_stopped_once_the_supervisor_stopped_is_left_stopped(server: EmbeddedPostgres) -> None:
    supervisor = ServerSupervisor(server, check_interval=0.05)
    supervisor.start()
    await supervisor.stop()
    await asyncio.to_thread(server.stop)
    await asyncio.sleep(0.3)
    assert not server.is_running()
    assert supervisor.restarts == 0


def test_healthz_fails_once_the_embedded_server_is_lost_for_good(server: EmbeddedPostgres) -> None:
    settings = Settings(database_url=None, data_dir=server.data_dir, embedded_restart_attempts=1)
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        assert client.get("/healthz").status_code == 200
        _break_configuration(server)
        kill_postmaster(server)
        deadline = time.monotonic() + 120
        while client.get("/healthz").status_code == 200 and time.monotonic() < deadline:
            time.sleep(0.2)
        response = client.get("/healthz")
        assert response.status_code == 503
        assert response.json()["status"] == "failing"
        assert "could not be restarted" in response.json()["reason"]
