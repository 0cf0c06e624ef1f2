"""Migrations: up from nothing, down to nothing, up again; readiness follows the schema's revision."""

from __future__ import annotations

import asyncio
import re

import asyncpg
import pytest

from api.db import migrate
from api.errors import ConfigurationError, DatabaseNotReadyError


def _migration_lock_key() -> int:
    """The advisory lock key migrations/env.py serialises migrators with (env.py runs only under alembic)."""
    found = re.search(r"MIGRATION_LOCK_KEY = (0x[0-9A-Fa-f]+)", (migrate.migrations_dir() / "env.py").read_text())
    assert found is not None, "migrations/env.py no longer defines MIGRATION_LOCK_KEY"
    return int(found[1], 16)


MIGRATION_LOCK_KEY = _migration_lock_key()


async def _tables(url: str) -> set[str]:
    connection = await asyncpg.connect(url)
    try:
        rows = await connection.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        return {row["tablename"] for row in rows}
    finally:
        await connection.close()


async def test_upgrade_downgrade_upgrade_round_trip(empty_database_url: str) -> None:
    await migrate.upgrade_async(empty_database_url)
    tables = await _tables(empty_database_url)
    assert {"authors", "papers", "authorships", "citations", "institutions", "author_external_ids",
            "paper_external_ids", "author_reported_metrics", "author_computed_metrics"} <= tables  # fmt: skip
    await asyncio.to_thread(migrate.downgrade, empty_database_url, "base")
    assert await _tables(empty_database_url) == {"alembic_version"}
    await migrate.upgrade_async(empty_database_url)
    assert "papers" in await _tables(empty_database_url)


async def test_ensure_at_head_refuses_an_unmigrated_database(empty_database_url: str) -> None:
    connection = await asyncpg.connect(empty_database_url)
    try:
        with pytest.raises(DatabaseNotReadyError, match=r"revision none.*scholargraph migrate"):
            await migrate.ensure_at_head(connection)
    finally:
        await connection.close()
    await migrate.upgrade_async(empty_database_url)
    connection = await asyncpg.connect(empty_database_url)
    try:
        await migrate.ensure_at_head(connection)
        assert await migrate.current_revision(connection) == migrate.head_revision()
    finally:
        await connection.close()


async def test_name_folding_merges_accent_and_case_variants(database_url: str) -> None:
    connection = await asyncpg.connect(database_url)
    try:
        keys = await connection.fetch(
            "SELECT sg_name_key(n) AS k FROM unnest($1::text[]) AS n",
            ["Alberto González-Sanz", "Alberto Gonzalez-Sanz", "ALBERTO  gonzalez sanz", "Louis Béthune"],
        )
    finally:
        await connection.close()
    assert [row["k"] for row in keys] == ["alberto gonzalez sanz"] * 3 + ["louis bethune"]


def test_a_url_of_another_kind_is_refused() -> None:
    with pytest.raises(ConfigurationError, match=r"postgresql://"):
        migrate.sqlalchemy_url("mysql://localhost/db")


async def _revision(url: str) -> str | None:
    connection = await asyncpg.connect(url)
    try:
        return await migrate.current_revision(connection)
    finally:
        await connection.close()


async def test_two_concurrent_upgrades_both_succeed_and_leave_the_schema_at_head(empty_database_url: str) -> None:
    results = await asyncio.gather(
        migrate.upgrade_async(empty_database_url), migrate.upgrade_async(empty_database_url), return_exceptions=True
    )
    assert [repr(result) for result in results] == ["None", "None"]
    assert await _revision(empty_database_url) == migrate.head_revision()
    assert "papers" in await _tables(empty_database_url)


async def _wait_for_lock_waiters(connection: asyncpg.Connection, count: int) -> None:
    for _ in range(600):
        waiting = await connection.fetchval(
            """
            SELECT count(*) FROM pg_locks
            WHERE locktype = 'advisory' AND NOT granted AND objid = $1
              AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
            """,
            MIGRATION_LOCK_KEY & 0xFFFFFFFF,
        )
        if waiting >= count:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{count} waiter(s) never queued on the migration lock")


_REVISION_ONCE_LOCKED = f"""
CREATE FUNCTION pg_temp.revision_once_locked() RETURNS text LANGUAGE plpgsql AS $$
DECLARE found text;
BEGIN
    PERFORM pg_advisory_lock({MIGRATION_LOCK_KEY});
    IF to_regclass('public.alembic_version') IS NULL THEN
        RETURN NULL;
    END IF;
    EXECUTE 'SELECT max(version_num) FROM public.alembic_version' INTO found;
    RETURN found;
END $$
"""


async def _revision_seen_by_the_next_migrator(url: str) -> str | None:
    """Queue a migration, then a second migrator, behind a held lock; release it; return the revision the
    second one reads the moment it gets the lock (a server-side function: no round trip in between)."""
    holder = await asyncpg.connect(url)
    next_in_line = await asyncpg.connect(url)
    try:
        await holder.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK_KEY)
        await next_in_line.execute(_REVISION_ONCE_LOCKED)
        migrating = asyncio.create_task(migrate.upgrade_async(url))
        await _wait_for_lock_waiters(holder, 1)
        seen = asyncio.create_task(next_in_line.fetchval("SELECT pg_temp.revision_once_locked()"))
        await _wait_for_lock_waiters(holder, 2)
        await holder.execute("SELECT pg_advisory_unlock($1)", MIGRATION_LOCK_KEY)
        await migrating
        revision: str | None = await asyncio.wait_for(seen, timeout=60)
        return revision
    finally:
        await holder.close()
        next_in_line.terminate()


async def test_the_migration_lock_is_released_only_once_the_schema_is_committed(empty_database_url: str) -> None:
    # The next migrator in line must find the schema at head the moment it gets the lock: if it could see
    # the first one's work still uncommitted, it would migrate again and fail on "already exists".
    # Three rounds, since the window between the unlock and the commit is short.
    seen = []
    for _ in range(3):
        seen.append(await _revision_seen_by_the_next_migrator(empty_database_url))
        await asyncio.to_thread(migrate.downgrade, empty_database_url, "base")
    assert seen == [migrate.head_revision()] * 3
