"""The change feed (api/db/changes.py) on a real database: every author and paper once, in order, paged
without loss; merges, splits and byline changes as events; and the horizon that holds back what a
running transaction has written until it commits."""

from __future__ import annotations

import asyncio
import datetime as dt

import asyncpg
import pytest

from api.db import changes, corrections
from api.db.changes import ChangeRecord
from api.db.keyset import Window
from api.db.pool import Database
from api.errors import InvalidInputError
from api.ingest.bulk import write_records
from api.ingest.model import Byline, PaperId, Work
from api.ingest.seed import load_seed_if_empty


async def _all(
    db: Database, since: dt.datetime | None = None, page: int = 7, after: str | None = None
) -> tuple[list[ChangeRecord], str | None]:
    """Every event from `since` (or the cursor `after`), paged by `page`; and the last cursor."""
    events: list[ChangeRecord] = []
    while True:
        found, _ = await changes.list_changes(db, since, Window(first=page, after=after))
        events += found.items
        after = found.cursors[-1] if found.cursors else after
        if not found.has_next:
            return events, after


async def _id(db: Database, name: str) -> int:
    found: int = await db.fetchval("SELECT id FROM authors WHERE name = $1", name)
    return found


@pytest.fixture
async def seeded(db: Database) -> Database:
    await load_seed_if_empty(db)
    return db


async def test_the_feed_holds_every_author_and_paper_once_in_order_whatever_the_page_size(seeded: Database) -> None:
    db = seeded
    authors = await db.fetchval("SELECT count(*) FROM authors")
    papers = await db.fetchval("SELECT count(*) FROM papers")
    for page in (1, 7, 100):
        events, _ = await _all(db, page=page)
        assert len(events) == authors + papers
        assert len({(e.entity, e.row_id) for e in events}) == authors + papers
        assert {e.kind for e in events} == {"created"}
        assert [e.at for e in events] == sorted(e.at for e in events)


async def test_a_merge_a_split_and_a_byline_change_are_events_after_the_last_cursor(seeded: Database) -> None:
    db = seeded
    _, cursor = await _all(db)
    survivor, absorbed = await _id(db, "Pierre Ablin"), await _id(db, "Mathieu Serrurier")
    absorbed_papers = [
        r["paper_id"] for r in await db.fetch("SELECT paper_id FROM authorships WHERE author_id = $1", absorbed)
    ]
    await corrections.merge_authors(db, survivor, absorbed, made_by="c", reason="one person")
    owner = await _id(db, "Louis Béthune")
    paper = await db.fetchval("SELECT min(paper_id) FROM authorships WHERE author_id = $1", owner)
    split = await corrections.split_author(db, owner, [paper], into=None, new_name=None, made_by="c", reason="x")
    events, _ = await _all(db, after=cursor)
    told = {(e.entity, e.row_id, e.kind, e.other_id) for e in events}
    assert ("author", absorbed, "merged_into", survivor) in told
    assert ("author", survivor, "updated", None) in told
    assert ("author", split.other_author_id, "split_from", owner) in told
    assert ("author", split.other_author_id, "created", None) in told
    assert {("paper", p, "updated", None) for p in [*absorbed_papers, paper]} <= told
    # nothing that did not change
    assert {e.row_id for e in events if e.entity == "paper"} == {*absorbed_papers, paper}


async def test_since_starts_the_feed_at_a_moment(seeded: Database) -> None:
    db = seeded
    everything, _ = await _all(db)
    middle = everything[len(everything) // 2].at
    later, _ = await _all(db, since=middle)
    assert later == [e for e in everything if e.at >= middle]


async def test_an_import_that_adds_an_author_to_a_stored_paper_moves_the_paper(seeded: Database) -> None:
    db = seeded
    paper, title, published = await db.fetchrow(
        "SELECT id, title, published_on FROM papers WHERE published_on IS NOT NULL ORDER BY id LIMIT 1"
    )
    _, cursor = await _all(db)
    # the same title and year: the stored paper (docs/importing.md), now with one more author
    work = Work(source="arxiv", ids=(PaperId("arxiv", "2401.00001"),), title=title, published_on=published,
                authors=(Byline(name="Ada Newcomer", position=99),))  # fmt: skip
    await write_records(db, [work])
    events, _ = await _all(db, after=cursor)
    assert ("paper", paper, "updated") in {(e.entity, e.row_id, e.kind) for e in events}


async def test_a_transaction_still_writing_holds_the_feed_back_until_it_commits(
    seeded: Database, database_url: str
) -> None:
    db = seeded
    _, cursor = await _all(db)
    writer = await asyncpg.connect(database_url)
    try:
        transaction = writer.transaction()
        await transaction.start()
        await writer.execute("UPDATE authors SET name = name || ' (renamed)' WHERE name = 'Pierre Ablin'")
        started = await writer.fetchval("SELECT now()")
        await asyncio.sleep(0.05)
        # a change committed after the writer started, by another connection: held back too
        await db.fetchval("UPDATE authors SET name = 'Mathieu S.' WHERE name = 'Mathieu Serrurier' RETURNING 1")
        page, horizon = await changes.list_changes(db, None, Window(first=100, after=cursor))
        assert horizon == started
        assert page.items == []
        await transaction.commit()
    finally:
        await writer.close()
    events, _ = await _all(db, after=cursor)
    assert len([e for e in events if e.entity == "author" and e.kind == "updated"]) == 2


async def test_a_cursor_of_another_list_is_refused(seeded: Database) -> None:
    with pytest.raises(InvalidInputError, match="belongs to another list"):
        await changes.list_changes(seeded, None, Window(first=5, after="WyJjb3JyZWN0aW9ucyIsMV0"))
