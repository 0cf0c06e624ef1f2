"""Citations written without their per-row foreign-key checks (api/db/bulk.py, `_references_trusted`): an
import by a role that may skip them (a superuser, as the tests' server gives) ends in the same state as one
by a role that may not, into a loaded database, where the keys are live; and only where they are skipped,
the citations' statements run with `session_replication_role` set to replica."""

from __future__ import annotations

import pytest
from database_state import database_state, differences

from api.db import bulk
from api.db.pool import Connection, Database
from api.generate import generate_openalex_works
from api.ingest import openalex
from api.ingest.bulk import Record, write_records


def _generated(papers: int, seed: int) -> list[Record]:
    return [record for value in generate_openalex_works(papers, seed=seed) for record in openalex.read_openalex(value)]


async def _import_twice(url: str, first: list[Record], second: list[Record]) -> None:
    db = await Database.connect(url, min_size=1, max_size=1)
    try:
        await write_records(db, first, batch_size=20)  # into the empty database: a bulk load
        assert await db.fetchval("SELECT count(*) FROM pg_constraint WHERE contype = 'f'") > 0
        await write_records(db, second, batch_size=20)  # into a loaded one: every key live
        assert await db.fetchval("SELECT count(*) FROM citations") > 0
    finally:
        await db.close()


async def test_citations_without_key_checks_end_as_with_them(
    database_url: str, second_database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the second file's works cite the first's (one seed: references within the corpus) and each other
    works = _generated(120, seed=11)
    first, second = works[:60], works[60:]
    roles: list[tuple[bool, str]] = []
    may_skip = bulk._may_skip_key_checks

    async def observed(connection: Connection) -> bool:
        skip = await may_skip(connection)
        roles.append((skip, await connection.fetchval("SELECT current_setting('session_replication_role')")))
        return skip

    monkeypatch.setattr(bulk, "_may_skip_key_checks", observed)
    await _import_twice(database_url, first, second)
    skipped = list(roles)
    assert skipped, "the citations' statements ran"
    assert all(skip for skip, _ in skipped), "the tests' role is a superuser: every check is skipped"
    assert {role for _, role in skipped} == {"origin"}, "replica outlived a statement"

    async def refused(connection: Connection) -> bool:
        roles.append((False, await connection.fetchval("SELECT current_setting('session_replication_role')")))
        return False

    monkeypatch.setattr(bulk, "_may_skip_key_checks", refused)
    await _import_twice(second_database, first, second)

    state_a, state_b = await database_state(database_url), await database_state(second_database)
    assert state_a == state_b, await differences(database_url, second_database, state_a, state_b)


def test_the_generated_files_cite_each_other() -> None:
    """The test above is only meaningful if the second half's works cite the first half's."""
    works = _generated(120, seed=11)
    first_ids = {(i.scheme, i.value) for work in works[:60] for i in getattr(work, "ids", ())}
    cited = {(i.scheme, i.value) for work in works[60:] for r in getattr(work, "references", ()) for i in r.ids}
    assert first_ids & cited
