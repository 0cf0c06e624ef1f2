"""The roles requests run as (api/db/roles.py, migration 0012): reads cannot write, write transactions can
change the data but not the API keys, and the service uses them."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest
from starlette.testclient import TestClient

from api.app import Runtime
from api.db.pool import Database
from api.db.roles import READ_ROLE, WRITE_ROLE
from api.ingest.seed import load_seed_if_empty


@pytest.fixture
async def separated(database_url: str) -> AsyncIterator[Database]:
    plain = await Database.connect(database_url, min_size=1, max_size=1)
    try:
        await load_seed_if_empty(plain)
    finally:
        await plain.close()
    database = await Database.connect(database_url, min_size=1, max_size=2, separate_roles=True)
    try:
        yield database
    finally:
        await database.close()


async def test_reads_run_as_the_read_role_and_cannot_write(separated: Database) -> None:
    assert separated.roles is not None
    assert await separated.fetchval("SELECT current_user") == READ_ROLE
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        await separated.fetch("UPDATE papers SET title = 'changed' RETURNING id")
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        await separated.fetch("DELETE FROM authors RETURNING id")
    assert await separated.fetchval("SELECT count(*) FROM papers WHERE title = 'changed'") == 0


async def test_a_write_transaction_runs_as_the_write_role_then_reads_again(separated: Database) -> None:
    async with separated.transaction() as connection:
        assert await connection.fetchval("SELECT current_user") == WRITE_ROLE
        changed = await connection.execute(
            "UPDATE authors SET primary_category = 'cs.LG' WHERE id = (SELECT min(id) FROM authors)"
        )
        assert changed == "UPDATE 1"
    # the same pooled connection (max 2) is back to reading only
    for _ in range(3):
        assert await separated.fetchval("SELECT current_user") == READ_ROLE


async def test_the_write_role_cannot_touch_api_keys_or_the_schema(separated: Database) -> None:
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        async with separated.transaction() as connection:
            await connection.execute("UPDATE api_keys SET revoked_at = now()")
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        async with separated.transaction() as connection:
            await connection.execute("DROP TABLE citations")
    assert await separated.fetchval("SELECT to_regclass('public.citations') IS NOT NULL")


async def test_without_separate_roles_the_pool_runs_as_its_user(database_url: str) -> None:
    database = await Database.connect(database_url, min_size=1, max_size=1)
    try:
        assert database.roles is None
        assert await database.fetchval("SELECT current_user") not in {READ_ROLE, WRITE_ROLE}
    finally:
        await database.close()


def test_the_service_reads_and_writes_as_the_roles(client: TestClient) -> None:
    runtime = client.app.state.runtime  # type: ignore[attr-defined]
    assert isinstance(runtime, Runtime)
    assert runtime.db.roles is not None
    answer = client.post("/graphql", json={"query": "{ authors(first: 1) { totalCount } }"})
    assert answer.status_code == 200, answer.text
