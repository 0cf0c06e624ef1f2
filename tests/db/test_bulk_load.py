"""Bulk-load mode (api/db/bulk_load.py): an import into an empty database sets foreign keys and secondary
indexes aside and restores them exactly; it ends in the same state as the row-by-row path, merges
included, and a failed load leaves the schema as it was."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator, Iterator

import pytest
from database_state import database_state, differences

from api.db import bulk, bulk_load
from api.db.pool import Database
from api.errors import IngestError
from api.generate import generate_openalex_works
from api.ingest import openalex
from api.ingest.bulk import Record, write_records
from api.ingest.model import Byline, PaperId, Reference, Work


async def _catalog(db: Database) -> set[tuple[str, ...]]:
    """Every constraint and index of the public schema, with its definition."""
    constraints = await db.fetch(
        """
        SELECT conrelid::regclass::text AS t, conname, pg_get_constraintdef(oid) AS d FROM pg_constraint
        WHERE connamespace = 'public'::regnamespace
        """
    )
    indexes = await db.fetch("SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'")
    return {("constraint", *row.values()) for row in constraints} | {("index", *row.values()) for row in indexes}


def _generated(papers: int) -> Iterator[Record]:
    for value in generate_openalex_works(papers, seed=7):
        yield from openalex.read_openalex(value)


def _work(title: str, *ids: tuple[str, str], authors: tuple[str, ...] = (), cites: tuple[str, ...] = ()) -> Work:
    return Work(
        source="test",
        ids=tuple(PaperId(scheme, value) for scheme, value in ids),  # type: ignore[arg-type]
        title=title,
        published_on=dt.date(2021, 5, 1),
        published_precision="day",
        authors=tuple(Byline(name=name, position=n) for n, name in enumerate(authors, start=1)),
        references=tuple(Reference(ids=(PaperId("doi", doi),)) for doi in cites),
    )


def _merging() -> list[Record]:
    """Two papers stored in the first batch, proved one work by a record of the second (its DOI names one,
    its OpenAlex id the other): the merged paper's byline, ids and citations move to the survivor."""
    return [
        _work("Sinkhorn distances", ("doi", "10.1/a"), authors=("Marco Cuturi",), cites=("10.1/c",)),
        _work("Lightspeed transport", ("openalex", "W99"), authors=("Marco Cuturi", "Ada Lovelace"), cites=("10.1/c",)),
        _work("Cited work", ("doi", "10.1/c"), authors=("Ada Lovelace",), cites=("10.1/a",)),
        _work("Sinkhorn distances", ("doi", "10.1/a"), ("openalex", "W99"), authors=("Marco Cuturi",)),
    ]


async def test_set_aside_drops_foreign_keys_and_indexes_and_restore_puts_back_the_same(db: Database) -> None:
    before = await _catalog(db)
    async with db.transaction() as connection:
        dropped = await bulk_load.set_aside(connection)
        assert {key.table for key in dropped.foreign_keys} >= {"citations", "authorships", "paper_external_ids"}
        assert {name for name, _ in dropped.indexes} == set(bulk_load.SET_ASIDE_INDEXES)
        during = await connection.fetch(
            "SELECT conname FROM pg_constraint WHERE contype = 'f' "
            "AND confrelid::regclass::text IN ('papers', 'authors', 'institutions')"
        )
        assert during == []  # (the corrections' keys to one another stay: no import writes them)
        await bulk_load.restore(connection, dropped)
    assert await _catalog(db) == before


@pytest.mark.parametrize("records", [_generated(300), _merging()], ids=["generated", "merging"])
async def test_a_bulk_load_ends_as_the_row_by_row_import(
    database_url: str, second_database: str, records: Iterator[Record]
) -> None:
    given = list(records)
    loaded = await Database.connect(database_url, min_size=1, max_size=1)
    by_rows = await Database.connect(second_database, min_size=1, max_size=1)
    try:
        catalog = await _catalog(loaded)
        # small batches, so that later batches find, merge and cite what earlier ones stored
        first = await write_records(loaded, given, batch_size=2 if len(given) < 10 else 50, bulk_load=True)
        second = await write_records(by_rows, given, batch_size=2 if len(given) < 10 else 50, bulk_load=False)
        assert first.as_dict() == second.as_dict()
        assert await _catalog(loaded) == catalog
    finally:
        await loaded.close()
        await by_rows.close()
    state_a, state_b = await database_state(database_url), await database_state(second_database)
    assert state_a == state_b, await differences(database_url, second_database, state_a, state_b)


async def test_merges_under_a_bulk_load_leave_no_dangling_rows(db: Database) -> None:
    summary = await write_records(db, _merging(), batch_size=2, bulk_load=True)
    assert summary.merged["papers"] == 1
    assert await db.fetchval("SELECT count(*) FROM papers") == 2
    # the foreign keys were re-added (each checks every row): nothing points at the merged paper
    assert await db.fetchval("SELECT count(*) FROM pg_constraint WHERE contype = 'f'") > 0
    assert await db.fetchval("SELECT count(*) FROM paper_redirects") == 1
    cited = await db.fetchval("SELECT citation_count FROM papers WHERE title = 'Cited work'")
    assert cited == 1  # two citing records, one paper after the merge


async def test_a_bulk_load_that_reorders_bylines_restores_its_indexes(db: Database) -> None:
    """Renumbering a stored byline (an author with a known place arriving after the others) swaps
    list_order values: the deferred uniqueness check of (paper, list_order) is queued, and an index on
    authorships cannot be built while such checks are pending."""
    catalog = await _catalog(db)
    first = Work(
        source="test",
        ids=(PaperId("doi", "10.1/p"),),
        title="Paper",
        authors=(Byline(name="Ada Lovelace", position=2), Byline(name="Cy Young", position=3)),
    )
    again = Work(source="test", ids=(PaperId("doi", "10.1/p"),), title="Paper", authors=(Byline("Bob Babbage", 1),))
    await write_records(db, [first, again], batch_size=1, bulk_load=True)
    rows = await db.fetch(
        "SELECT a.name, s.list_order FROM authorships s JOIN authors a ON a.id = s.author_id ORDER BY s.list_order"
    )
    assert [(row["name"], row["list_order"]) for row in rows] == [
        ("Bob Babbage", 1),
        ("Ada Lovelace", 2),
        ("Cy Young", 3),
    ]
    assert await _catalog(db) == catalog


async def test_an_empty_database_is_loaded_in_bulk_and_a_filled_one_is_not(db: Database) -> None:
    async with db.transaction() as connection:
        assert await bulk.begin_import(connection) is not None
        await connection.execute("ROLLBACK AND CHAIN")  # undo the set-aside, keep a transaction open
        await connection.execute("INSERT INTO authors (name) VALUES ('Ada Lovelace')")
        assert await bulk.begin_import(connection) is None


async def test_a_failed_bulk_load_leaves_the_schema_and_the_data_as_they_were(db: Database) -> None:
    catalog = await _catalog(db)
    records: list[Record] = [_work("Fine", ("doi", "10.1/ok")), _work("", ("doi", "10.1/bad"))]
    with pytest.raises(IngestError, match="title is empty"):
        await write_records(db, records, batch_size=1, bulk_load=True)
    assert await _catalog(db) == catalog
    assert await db.fetchval("SELECT count(*) FROM papers") == 0


async def test_readers_wait_for_a_bulk_load_and_then_see_all_of_it(db: Database, database_url: str) -> None:
    """During the load the tables are locked: a reader's query waits and then sees the committed rows,
    never part of them."""
    started = asyncio.Event()
    release = asyncio.Event()

    def records() -> Iterator[Record]:
        yield _work("First", ("doi", "10.1/1"))
        yield _work("Second", ("doi", "10.1/2"))

    async def load() -> None:
        async def slow() -> AsyncIterator[Record]:
            for record in records():
                yield record
            started.set()
            await release.wait()

        await write_records(db, slow(), bulk_load=True)

    reader = await Database.connect(database_url, min_size=1, max_size=1)
    try:
        task = asyncio.create_task(load())
        await started.wait()
        query = asyncio.create_task(reader.fetchval("SELECT count(*) FROM papers"))
        await asyncio.sleep(0.3)
        assert not query.done(), "a reader went past the load's locks"
        release.set()
        await task
        assert await query == 2
    finally:
        await reader.close()
