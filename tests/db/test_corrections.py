"""Corrections on the data layer (api/db/corrections.py), on the seed: what a merge, a split and an unmerge
move, the figures recomputed with them, the ids that keep answering, exact undoing, refusals, and
corrections from several connections at once."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import pytest

from api.db import authors, corrections
from api.db.keyset import Window
from api.db.pool import Database
from api.errors import InvalidInputError, NotFoundError
from api.ingest.seed import load_seed_if_empty

OWNER = "Louis Béthune"


async def _id(db: Database, name: str) -> int:
    found: int = await db.fetchval("SELECT id FROM authors WHERE name = $1", name)
    return found


async def _papers(db: Database, author_id: int) -> set[int]:
    return {r["paper_id"] for r in await db.fetch("SELECT paper_id FROM authorships WHERE author_id = $1", author_id)}


async def _figures(db: Database, author_id: int) -> dict[str, Any]:
    row = await db.fetchrow(
        "SELECT paper_count, citation_count FROM author_computed_metrics WHERE author_id = $1", author_id
    )
    return dict(row) if row else {}


async def _state(db: Database) -> dict[str, Any]:
    """Everything a correction may change, but for the moments of changes."""
    queries = {
        "authors": "SELECT id, name FROM authors ORDER BY id",
        "authorships": "SELECT * FROM authorships ORDER BY paper_id, author_id",
        "ids": "SELECT * FROM author_external_ids ORDER BY scheme, value",
        "reported": (
            "SELECT author_id, source, as_of, h_index, citation_count FROM author_reported_metrics ORDER BY 1, 2, 3"
        ),
        "redirects": "SELECT old_id, new_id FROM author_redirects ORDER BY old_id",
        "computed": "SELECT author_id, paper_count, citation_count, h_index FROM author_computed_metrics ORDER BY 1",
    }
    return {name: [dict(row) for row in await db.fetch(sql)] for name, sql in queries.items()}


@pytest.fixture
async def seeded(db: Database) -> Database:
    await load_seed_if_empty(db)
    return db


async def _give_ids_and_figures(db: Database, author_id: int, orcid: str, source: str) -> None:
    async with db.transaction() as connection:
        await connection.execute(
            "INSERT INTO author_external_ids (scheme, value, author_id) VALUES ('orcid', $1, $2)", orcid, author_id
        )
        await connection.execute(
            "INSERT INTO author_reported_metrics (author_id, source, as_of, h_index) VALUES ($1, $2, '2026-01-01', 7)",
            author_id,
            source,
        )


async def test_a_merge_moves_papers_ids_and_figures_and_the_old_id_answers_with_the_survivor(seeded: Database) -> None:
    db = seeded
    survivor, absorbed = await _id(db, "Pierre Ablin"), await _id(db, "Mathieu Serrurier")
    survivor_papers, absorbed_papers = await _papers(db, survivor), await _papers(db, absorbed)
    await _give_ids_and_figures(db, absorbed, "https://orcid.org/0000-0002-1825-0097", "s2")
    before = dt.datetime.now(dt.UTC)
    made = await corrections.merge_authors(
        db, survivor, absorbed, made_by="curator", reason="same person, two spellings"
    )
    assert (made.kind, made.author_id, made.other_author_id, made.made_by) == ("merge", survivor, absorbed, "curator")
    assert set(made.moved_paper_ids) == absorbed_papers
    assert await _papers(db, survivor) == survivor_papers | absorbed_papers
    assert await _papers(db, absorbed) == set()
    assert await db.fetchval("SELECT count(*) FROM authors WHERE id = $1", absorbed) == 0
    assert await db.fetchval("SELECT author_id FROM author_external_ids WHERE scheme = 'orcid'") == survivor
    assert await db.fetchval("SELECT author_id FROM author_reported_metrics WHERE source = 's2'") == survivor
    assert (await _figures(db, survivor))["paper_count"] == len(survivor_papers | absorbed_papers)
    found = await authors.authors_by_ids(db, [absorbed, survivor])
    assert found[absorbed].id == survivor
    assert found[survivor].id == survivor
    touched = await db.fetch("SELECT updated_at FROM papers WHERE id = ANY($1::bigint[])", list(absorbed_papers))
    assert all(row["updated_at"] >= before - dt.timedelta(seconds=5) for row in touched)


async def test_an_unmerge_restores_exactly_what_the_merge_changed(seeded: Database) -> None:
    db = seeded
    owner, coauthor = await _id(db, OWNER), await _id(db, "Pierre Ablin")
    await _give_ids_and_figures(db, coauthor, "https://orcid.org/0000-0002-1825-0097", "openalex")
    # the same source and date on both: the survivor's row stays, the absorbed's is set aside and restored
    await db.fetchval(
        "INSERT INTO author_reported_metrics (author_id, source, as_of, h_index) "
        "VALUES ($1, 'openalex', '2026-01-01', 40) RETURNING 1",
        owner,
    )
    # an id that already redirected to the absorbed author follows it to the survivor, and back
    await db.fetchval("INSERT INTO author_redirects (old_id, new_id) VALUES (999999, $1) RETURNING 1", coauthor)
    before = await _state(db)
    merge = await corrections.merge_authors(db, owner, coauthor, made_by="curator", reason="test")
    assert await db.fetchval("SELECT new_id FROM author_redirects WHERE old_id = 999999") == owner
    # every paper of the coauthor is shared with the owner: nothing was added to the owner's list
    assert (await _figures(db, owner))["paper_count"] == 18
    assert await _state(db) != before
    undo = await corrections.unmerge_authors(db, merge.id, made_by="curator", reason="two people after all")
    assert (undo.kind, undo.author_id, undo.other_author_id, undo.undoes) == ("unmerge", coauthor, owner, merge.id)
    assert await _state(db) == before
    [again] = [
        c for c in (await corrections.list_corrections(db, coauthor, Window(first=10))).items if c.id == merge.id
    ]
    assert again.undone_by == undo.id


async def test_a_split_moves_the_papers_named_to_a_new_author_or_an_existing_one(seeded: Database) -> None:
    db = seeded
    owner = await _id(db, OWNER)
    papers = sorted(await _papers(db, owner))
    made = await corrections.split_author(db, owner, papers[:2], into=None, new_name="L. Béthune (chemist)",
                                          made_by="curator", reason="another field")  # fmt: skip
    assert await db.fetchval("SELECT name FROM authors WHERE id = $1", made.other_author_id) == "L. Béthune (chemist)"
    assert await _papers(db, made.other_author_id) == set(papers[:2])
    assert await _papers(db, owner) == set(papers[2:])
    assert (await _figures(db, owner))["paper_count"] == 16
    assert (await _figures(db, made.other_author_id))["paper_count"] == 2
    back = await corrections.split_author(db, made.other_author_id, papers[:1], into=owner, new_name=None,
                                          made_by="curator", reason="one was his")  # fmt: skip
    assert back.other_author_id == owner
    assert (await _figures(db, owner))["paper_count"] == 17


async def test_corrections_are_refused_with_a_reason_that_names_what_is_wrong(seeded: Database) -> None:
    db = seeded
    owner, coauthor = await _id(db, OWNER), await _id(db, "Pierre Ablin")
    owner_papers = sorted(await _papers(db, owner))
    not_his = (
        await db.fetchval("SELECT id FROM papers WHERE id <> ALL($1::bigint[]) ORDER BY id LIMIT 1", owner_papers) or -1
    )
    cases = [
        (corrections.merge_authors(db, owner, owner, made_by="c", reason="x"), InvalidInputError, "merged into itself"),
        (corrections.merge_authors(db, owner, 10**9, made_by="c", reason="x"), NotFoundError, "`absorbed` names no"),
        (corrections.merge_authors(db, owner, coauthor, made_by="c", reason="  "), InvalidInputError, "`reason`"),
        (corrections.split_author(db, owner, [], into=None, new_name=None, made_by="c", reason="x"),
         InvalidInputError, "at least one paper"),
        (corrections.split_author(db, owner, [owner_papers[0], not_his], into=None, new_name=None, made_by="c",
                                  reason="x"), InvalidInputError, "positions 1 are not papers of the author"),
        (corrections.split_author(db, owner, owner_papers[:1], into=coauthor, new_name=None, made_by="c", reason="x")
         if owner_papers[0] in await _papers(db, coauthor) else
         corrections.split_author(db, owner, sorted(await _papers(db, coauthor))[:1], into=coauthor, new_name=None,
                                  made_by="c", reason="x"),
         InvalidInputError, "`into` is already an author of the papers at positions 0"),
        (corrections.unmerge_authors(db, 10**9, made_by="c", reason="x"), NotFoundError, "names no correction"),
    ]  # fmt: skip
    before = await _state(db)
    for call, kind, words in cases:
        with pytest.raises(kind, match=words):
            await call
    assert await _state(db) == before  # nothing half-written
    split = await corrections.split_author(
        db, owner, owner_papers[:1], into=None, new_name=None, made_by="c", reason="x"
    )
    with pytest.raises(InvalidInputError, match="is a split, not a merge"):
        await corrections.unmerge_authors(db, split.id, made_by="c", reason="x")
    merge = await corrections.merge_authors(db, owner, split.other_author_id, made_by="c", reason="x")
    await corrections.unmerge_authors(db, merge.id, made_by="c", reason="x")
    with pytest.raises(InvalidInputError, match="was undone already"):
        await corrections.unmerge_authors(db, merge.id, made_by="c", reason="x")


async def test_corrections_from_several_connections_at_once_neither_deadlock_nor_lose_a_move(
    database_url: str,
) -> None:
    db = await Database.connect(database_url, min_size=4, max_size=8)
    try:
        await load_seed_if_empty(db)
        owner = await _id(db, OWNER)
        rows = await db.fetch("SELECT id FROM authors WHERE id <> $1 ORDER BY id LIMIT 12", owner)
        others = [row["id"] for row in rows]
        expected = set(await _papers(db, owner))
        for other in others:
            expected |= await _papers(db, other)
        # each merges into the owner; pairs in opposite orders lock the same rows in the same (id) order
        results = await asyncio.gather(
            *(corrections.merge_authors(db, owner, other, made_by="c", reason="concurrent") for other in others),
            return_exceptions=True,
        )
        assert [r for r in results if isinstance(r, BaseException)] == []
        assert await _papers(db, owner) == expected
        assert (await _figures(db, owner))["paper_count"] == len(expected)
        listed = await corrections.list_corrections(db, owner, Window(first=100))
        assert len(listed.items) == len(others)
    finally:
        await db.close()
