"""Migrations: up from nothing, down to nothing, up again; readiness follows the schema's revision."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from api.db import migrate
from api.errors import ConfigurationError, DatabaseNotReadyError


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
