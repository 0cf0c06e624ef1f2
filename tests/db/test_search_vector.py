"""The papers' full-text vector (migration 0005): set on insert, recomputed only when the title or the
abstract changes, and still the same expression as the generated column it replaced."""

from __future__ import annotations

import asyncio

import asyncpg

from api.db import migrate
from api.db.pool import Database

_EXPECTED = (
    "setweight(to_tsvector('english'::regconfig, sg_fold(title)), 'A')"
    " || setweight(to_tsvector('english'::regconfig, sg_fold(coalesce(abstract, ''))), 'B')"
)


async def _execute(db: Database, sql: str, *args: object) -> None:
    async with db.connection() as connection:
        await connection.execute(sql, *args)


async def _insert(db: Database, title: str, abstract: str | None) -> int:
    paper_id = await db.fetchval("INSERT INTO papers (title, abstract) VALUES ($1, $2) RETURNING id", title, abstract)
    assert isinstance(paper_id, int)
    return paper_id


async def _vector_is_current(db: Database, paper_id: int) -> bool:
    current = await db.fetchval(f"SELECT search_vector = {_EXPECTED} FROM papers WHERE id = $1", paper_id)
    return bool(current)


async def test_insert_sets_the_vector_from_title_and_abstract(db: Database) -> None:
    paper_id = await _insert(db, "Lipschitz Neural Networks", "Robustness certificates for Élan classifiers.")
    assert await _vector_is_current(db, paper_id)
    found = await db.fetchval(
        "SELECT id FROM papers WHERE search_vector @@ websearch_to_tsquery('english', sg_fold($1))", "elan robustness"
    )
    assert found == paper_id


async def test_an_update_of_other_columns_leaves_the_vector_alone(db: Database) -> None:
    paper_id = await _insert(db, "Optimal transport", "Wasserstein distances.")
    # a sentinel the trigger would overwrite if it ran
    await _execute(db, "ALTER TABLE papers DISABLE TRIGGER papers_search_vector_update")
    await _execute(db, "UPDATE papers SET search_vector = 'sentinel'::tsvector WHERE id = $1", paper_id)
    await _execute(db, "ALTER TABLE papers ENABLE TRIGGER papers_search_vector_update")
    await _execute(
        db, "UPDATE papers SET citation_count = 7, title = title, abstract = abstract WHERE id = $1", paper_id
    )
    assert await db.fetchval("SELECT search_vector::text FROM papers WHERE id = $1", paper_id) == "'sentinel'"


async def test_a_changed_title_or_abstract_recomputes_the_vector(db: Database) -> None:
    paper_id = await _insert(db, "Optimal transport", None)
    await _execute(db, "UPDATE papers SET abstract = 'Sinkhorn iterations' WHERE id = $1", paper_id)
    assert await _vector_is_current(db, paper_id)
    assert "sinkhorn" in await db.fetchval("SELECT search_vector::text FROM papers WHERE id = $1", paper_id)
    await _execute(db, "UPDATE papers SET title = 'Entropic transport' WHERE id = $1", paper_id)
    assert await _vector_is_current(db, paper_id)
    await _execute(db, "UPDATE papers SET abstract = NULL WHERE id = $1", paper_id)
    assert await _vector_is_current(db, paper_id)
    assert "sinkhorn" not in await db.fetchval("SELECT search_vector::text FROM papers WHERE id = $1", paper_id)


async def test_upgrading_keeps_vectors_stored_by_the_generated_column(empty_database_url: str) -> None:
    await asyncio.to_thread(migrate.upgrade, empty_database_url, "0004")
    connection = await asyncpg.connect(empty_database_url)
    try:
        await connection.execute("INSERT INTO papers (title, abstract) VALUES ('Coupling', 'Gromov Wasserstein')")
        await asyncio.to_thread(migrate.upgrade, empty_database_url, "head")
        generated = await connection.fetchval(
            "SELECT attgenerated::text FROM pg_attribute"
            " WHERE attrelid = 'papers'::regclass AND attname = 'search_vector'"
        )
        assert generated == ""
        assert await connection.fetchval(f"SELECT search_vector = {_EXPECTED} FROM papers") is True
        assert await connection.fetchval("SELECT search_vector::text FROM papers") != ""
    finally:
        await connection.close()
