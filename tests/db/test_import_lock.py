"""The import lock (api/db/import_lock.py) on a real PostgreSQL: taken at once when free; when another
session holds it, the waiting import is told who (the holding process's pid when it is one of ours), and
it keeps waiting until the lock is released.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg

from api.db.import_lock import IMPORT_LOCK_KEY, ImportLockHolder, import_lock_holder, take_import_lock
from api.db.pool import Database


@asynccontextmanager
async def held_lock(database_url: str, application_name: str) -> AsyncIterator[asyncpg.Connection]:
    """A session of its own holding the import lock in an open transaction, released on leaving."""
    connection = await asyncpg.connect(database_url, server_settings={"application_name": application_name})
    try:
        async with connection.transaction():
            await connection.execute("SELECT pg_advisory_xact_lock($1)", IMPORT_LOCK_KEY)
            yield connection
    finally:
        await connection.close()


async def take(db: Database, seen: list[ImportLockHolder]) -> str:
    async with db.transaction() as connection:
        await take_import_lock(connection, on_wait=seen.append)
        return "taken"


async def until(condition: object, seconds: float = 10.0) -> None:
    for _ in range(int(seconds / 0.02)):
        if callable(condition) and condition():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("timed out")


async def test_a_free_lock_is_taken_without_a_word(db: Database) -> None:
    seen: list[ImportLockHolder] = []

    assert await take(db, seen) == "taken"
    assert seen == []


async def test_a_held_lock_names_the_holding_import_and_is_waited_for(db: Database, database_url: str) -> None:
    seen: list[ImportLockHolder] = []
    async with held_lock(database_url, "scholargraph:424242") as holder:
        waiting = asyncio.create_task(take(db, seen))
        await until(lambda: seen)

        (told,) = seen
        assert (told.client_pid, told.backend_pid) == (424242, holder.get_server_pid())
        assert told.since is not None
        assert told.held_for is not None
        await asyncio.sleep(0.3)
        assert not waiting.done()  # still waiting, as told
    assert await asyncio.wait_for(waiting, 10) == "taken"


async def test_a_session_of_another_client_is_named_by_its_backend(db: Database, database_url: str) -> None:
    async with held_lock(database_url, "psql") as holder, db.connection() as connection:
        found = await import_lock_holder(connection)

    assert found is not None
    assert (found.client_pid, found.backend_pid, found.application_name) == (None, holder.get_server_pid(), "psql")
