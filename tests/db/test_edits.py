"""Writes through the API on the data layer (api/db/edits.py), on the seed, as the service runs them (the
write role): what each stores, field-level refusals that write nothing, computed figures current on
return, retraction, idempotency keys, and writes to one author from several connections at once."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import pytest

from api.db import edits
from api.db.drafts import AuthorDraft, BylineEntry, FiguresReport, PaperDraft
from api.db.idempotency import Claim
from api.db.pool import Database
from api.errors import IdempotencyKeyReusedError, InvalidFieldsError, NotFoundError
from api.ids import encode_id
from api.ingest.seed import load_seed_if_empty

OWNER = "Louis Béthune"


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    plain = await Database.connect(database_url, min_size=1, max_size=1)
    try:
        await load_seed_if_empty(plain)
    finally:
        await plain.close()
    database = await Database.connect(database_url, min_size=1, max_size=10, separate_roles=True)
    assert database.roles is not None
    try:
        yield database
    finally:
        await database.close()


async def _owner(db: Database) -> int:
    found: int = await db.fetchval("SELECT id FROM authors WHERE name = $1", OWNER)
    return found


async def _figures(db: Database, author_id: int) -> dict[str, Any]:
    row = await db.fetchrow(
        "SELECT paper_count, citation_count FROM author_computed_metrics WHERE author_id = $1", author_id
    )
    assert row is not None
    return dict(row)


def _row(resource: str) -> int:
    return int(resource.split(":")[1])


async def test_a_created_paper_is_stored_whole_and_its_authors_figures_are_current(db: Database) -> None:
    owner = await _owner(db)
    before = await _figures(db, owner)
    draft = PaperDraft(
        title="  Lipschitz networks, revisited ",
        abstract="We revisit them.",
        categories=["cs.LG", "stat.ML", "cs.LG"],
        primary_category="cs.LG",
        published="2024-05",
        code_url="https://example.org/code",
        external_ids={"doi": "https://doi.org/10.1234/ABC.5", "arxiv": "arXiv:2405.01234v2"},
        authors=[
            BylineEntry(author=encode_id("Author", owner), affiliation="IRIT Toulouse"),
            BylineEntry(name="Ada Newcomer", name_as_written="A. Newcomer"),
        ],
        institutions=["ANITI"],
    )
    outcome = await edits.create_paper(db, draft)
    assert outcome.status == 201
    assert not outcome.replayed
    paper = await db.fetchrow("SELECT * FROM papers WHERE id = $1", _row(outcome.resource))
    assert paper is not None
    assert paper["title"] == "Lipschitz networks, revisited"
    assert paper["categories"] == ["cs.LG", "stat.ML"]
    assert (paper["published_on"], paper["published_precision"]) == (dt.date(2024, 5, 1), "month")
    assert paper["has_code"] is True
    ids = await db.fetch("SELECT scheme, value FROM paper_external_ids WHERE paper_id = $1 ORDER BY 1", paper["id"])
    assert [(r["scheme"], r["value"]) for r in ids] == [("arxiv", "2405.01234"), ("doi", "10.1234/abc.5")]
    byline = await db.fetch(
        "SELECT s.author_id, s.position, s.name_as_written, s.affiliation, i.name AS institution "
        "FROM authorships s LEFT JOIN institutions i ON i.id = s.institution_id WHERE paper_id = $1 ORDER BY 2",
        paper["id"],
    )
    assert [(r["position"], r["name_as_written"], r["affiliation"]) for r in byline] == [
        (1, OWNER, "IRIT Toulouse"),
        (2, "A. Newcomer", None),
    ]
    assert byline[0]["institution"] == "IRIT Toulouse"
    newcomer = byline[1]["author_id"]
    assert await db.fetchval("SELECT name FROM authors WHERE id = $1", newcomer) == "Ada Newcomer"
    assert (await _figures(db, owner))["paper_count"] == before["paper_count"] + 1
    assert await _figures(db, newcomer) == {"paper_count": 1, "citation_count": 0}
    named = await db.fetchval(
        "SELECT array_agg(i.name) FROM paper_institutions p JOIN institutions i ON i.id = p.institution_id "
        "WHERE p.paper_id = $1",
        paper["id"],
    )
    assert named == ["ANITI"]


async def test_every_wrong_field_is_named_at_once_and_nothing_is_written(db: Database) -> None:
    papers = await db.fetchval("SELECT count(*) FROM papers")
    draft = PaperDraft(
        title=" ",
        published="2024-13",
        categories=["cs.LG", "Not A Category"],
        code_url="ftp://example.org",
        reported_citation_count=-1,
        external_ids={"doi": "not a doi", "orcid": "0000-0002-1825-0097"},
        authors=[BylineEntry(), BylineEntry(author="Author:nonsense"), BylineEntry(name="x", author="orcid:x")],
    )
    with pytest.raises(InvalidFieldsError) as raised:
        await edits.create_paper(db, draft)
    fields = [problem.field() for problem in raised.value.problems]
    assert fields == [
        "title",
        "categories[1]",
        "published",
        "code_url",
        "reported_citation_count",
        "external_ids.doi",
        "external_ids.orcid",
        "authors[0]",
        "authors[2]",
    ]
    # ids are resolved in the transaction: an unknown author is named too, and still nothing is written
    with pytest.raises(InvalidFieldsError) as raised:
        await edits.create_paper(
            db, PaperDraft(title="T", authors=[BylineEntry(name="N"), BylineEntry(author="orcid:0000-0002-1825-0097")])
        )
    assert [p.field() for p in raised.value.problems] == ["authors[1].author"]
    assert "names no stored author" in raised.value.problems[0].message
    assert await db.fetchval("SELECT count(*) FROM papers") == papers
    assert await db.fetchval("SELECT count(*) FROM authors WHERE name = 'N'") == 0


async def test_an_external_id_held_by_another_paper_is_refused_not_moved(db: Database) -> None:
    first = await edits.create_paper(db, PaperDraft(title="First", external_ids={"doi": "10.5555/one"}))
    papers = await db.fetchval("SELECT count(*) FROM papers")
    with pytest.raises(InvalidFieldsError) as raised:
        await edits.create_paper(db, PaperDraft(title="Second", external_ids={"doi": "10.5555/ONE"}))
    assert [p.field() for p in raised.value.problems] == ["external_ids.doi"]
    assert encode_id("Paper", _row(first.resource)) in raised.value.problems[0].message
    assert await db.fetchval("SELECT count(*) FROM papers") == papers
    owner = await db.fetchval("SELECT paper_id FROM paper_external_ids WHERE value = '10.5555/one'")
    assert owner == _row(first.resource)


async def test_an_update_changes_what_it_names_and_a_byline_change_moves_figures(db: Database) -> None:
    owner = await _owner(db)
    made = await edits.create_paper(
        db, PaperDraft(title="Draft", authors=[BylineEntry(author=encode_id("Author", owner))])
    )
    paper_id = _row(made.resource)
    count = (await _figures(db, owner))["paper_count"]
    stamp = await db.fetchval("SELECT updated_at FROM papers WHERE id = $1", paper_id)
    author_stamp = await db.fetchval("SELECT updated_at FROM authors WHERE id = $1", owner)
    same = PaperDraft(title="Draft", authors=[BylineEntry(author=encode_id("Author", owner))], institutions=[])
    await edits.update_paper(db, paper_id, same)  # what is stored already: nothing changes
    assert await db.fetchval("SELECT updated_at FROM papers WHERE id = $1", paper_id) == stamp
    assert await db.fetchval("SELECT updated_at FROM authors WHERE id = $1", owner) == author_stamp
    await edits.update_paper(db, paper_id, PaperDraft(external_ids={"doi": "10.4444/same"}))
    stamp = await db.fetchval("SELECT updated_at FROM papers WHERE id = $1", paper_id)
    await edits.update_paper(db, paper_id, PaperDraft(external_ids={"doi": "10.4444/SAME"}))  # the same id
    assert await db.fetchval("SELECT updated_at FROM papers WHERE id = $1", paper_id) == stamp
    await edits.update_paper(db, paper_id, PaperDraft(title="Final", abstract=None, external_ids={"doi": None}))
    row = await db.fetchrow("SELECT title, updated_at FROM papers WHERE id = $1", paper_id)
    assert row is not None
    assert row["title"] == "Final"
    assert row["updated_at"] > stamp
    await edits.update_paper(db, paper_id, PaperDraft(authors=[BylineEntry(name="Someone Else")]))
    assert (await _figures(db, owner))["paper_count"] == count - 1
    assert await db.fetchval("SELECT count(*) FROM authorships WHERE paper_id = $1", paper_id) == 1
    with pytest.raises(NotFoundError):
        await edits.update_paper(db, 10**12, PaperDraft(title="Nobody"))


async def test_a_retracted_paper_stays_and_leaves_its_authors_figures(db: Database) -> None:
    owner = await _owner(db)
    paper_id = await db.fetchval(
        "SELECT p.id FROM papers p JOIN authorships s ON s.paper_id = p.id WHERE s.author_id = $1 "
        "ORDER BY p.citation_count DESC, p.id LIMIT 1",
        owner,
    )
    cited = await db.fetchval("SELECT citation_count FROM papers WHERE id = $1", paper_id)
    before = await _figures(db, owner)
    await edits.retract_paper(db, paper_id, "  data fabricated ")
    row = await db.fetchrow("SELECT retracted_at, retraction_reason FROM papers WHERE id = $1", paper_id)
    assert row is not None
    assert row["retracted_at"] is not None
    assert row["retraction_reason"] == "data fabricated"
    after = await _figures(db, owner)
    assert after == {
        "paper_count": before["paper_count"] - 1,
        "citation_count": before["citation_count"] - cited,
    }
    await edits.retract_paper(db, paper_id, "again")  # the first retraction stands
    assert await db.fetchval("SELECT retraction_reason FROM papers WHERE id = $1", paper_id) == "data fabricated"
    with pytest.raises(InvalidFieldsError):
        await edits.retract_paper(db, paper_id, " ")


async def test_authors_are_created_updated_and_given_reported_figures(db: Database) -> None:
    made = await edits.create_author(db, AuthorDraft(name="Grace Writer", external_ids={"orcid": "0000000218250097"}))
    author_id = _row(made.resource)
    assert await db.fetchval("SELECT value FROM author_external_ids WHERE author_id = $1", author_id) == (
        "0000-0002-1825-0097"
    )
    assert await _figures(db, author_id) == {"paper_count": 0, "citation_count": 0}
    await edits.update_author(db, author_id, AuthorDraft(name="Grace Hopper-Writer", primary_category="cs.PL"))
    assert await db.fetchval("SELECT name FROM authors WHERE id = $1", author_id) == "Grace Hopper-Writer"
    report = FiguresReport.of("orcid-profile", dt.date(2026, 12, 1), h_index=7, novelty=0.5)
    await edits.report_figures(db, author_id, report)
    stored = await db.fetchrow(
        "SELECT h_index, novelty FROM author_reported_metrics WHERE author_id = $1 AND source = 'orcid-profile'",
        author_id,
    )
    assert stored is not None
    assert (stored["h_index"], stored["novelty"]) == (7, Decimal("0.5"))
    with pytest.raises(InvalidFieldsError) as raised:
        await edits.report_figures(db, author_id, FiguresReport.of("computed", dt.date(2026, 1, 1)))
    assert [p.field() for p in raised.value.problems] == ["source", "h_index"]
    with pytest.raises(InvalidFieldsError) as raised:
        await edits.create_author(db, AuthorDraft(name="Other", external_ids={"orcid": "0000-0002-1825-0097"}))
    assert [p.field() for p in raised.value.problems] == ["external_ids.orcid"]


async def test_an_idempotency_key_answers_the_first_outcome_and_refuses_another_request(db: Database) -> None:
    claim = Claim.of("curator", "key-1", "POST", "/v1/papers", {"title": "Once"})
    first = await edits.create_paper(db, PaperDraft(title="Once"), claim=claim)
    again = await edits.create_paper(db, PaperDraft(title="Once"), claim=claim)
    assert (again.status, again.resource, again.replayed) == (first.status, first.resource, True)
    assert await db.fetchval("SELECT count(*) FROM papers WHERE title = 'Once'") == 1
    other = Claim.of("curator", "key-1", "POST", "/v1/papers", {"title": "Twice"})
    with pytest.raises(IdempotencyKeyReusedError):
        await edits.create_paper(db, PaperDraft(title="Twice"), claim=other)
    # another client's key of the same text is its own
    mine = Claim.of("someone", "key-1", "POST", "/v1/papers", {"title": "Once"})
    assert not (await edits.create_paper(db, PaperDraft(title="Once"), claim=mine)).replayed
    # a write refused leaves its key free
    bad = Claim.of("curator", "key-2", "POST", "/v1/papers", {"title": ""})
    with pytest.raises(InvalidFieldsError):
        await edits.create_paper(db, PaperDraft(title=""), claim=bad)
    assert await db.fetchval("SELECT count(*) FROM idempotency_keys WHERE key = 'key-2'") == 0


async def test_the_same_key_sent_at_once_from_several_connections_writes_once(db: Database) -> None:
    claim = Claim.of("curator", "burst", "POST", "/v1/papers", {"title": "Burst"})
    outcomes = await asyncio.gather(*(edits.create_paper(db, PaperDraft(title="Burst"), claim=claim) for _ in range(6)))
    assert len({o.resource for o in outcomes}) == 1
    assert sorted(o.replayed for o in outcomes) == [False, *[True] * 5]
    assert await db.fetchval("SELECT count(*) FROM papers WHERE title = 'Burst'") == 1


async def test_writes_to_one_author_from_several_connections_lose_nothing(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each write waits a moment before it recomputes figures, so that, unless writes to one author wait
    # for each other, each would recompute blind to the others' papers and the last to commit would win.
    refresh = edits.refresh_computed_metrics

    async def slow_refresh(connection: Any, author_ids: Any) -> None:
        await asyncio.sleep(0.2)
        await refresh(connection, author_ids)

    monkeypatch.setattr(edits, "refresh_computed_metrics", slow_refresh)
    owner = await _owner(db)
    start = (await _figures(db, owner))["paper_count"]
    coauthor = _row((await edits.create_author(db, AuthorDraft(name="Busy Coauthor"))).resource)
    byline = [BylineEntry(author=encode_id("Author", owner)), BylineEntry(author=encode_id("Author", coauthor))]
    reversed_byline = list(reversed(byline))
    writes = [
        edits.create_paper(db, PaperDraft(title=f"Parallel {i}", authors=byline if i % 2 else reversed_byline))
        for i in range(12)
    ]
    outcomes = await asyncio.gather(*writes)
    assert len({o.resource for o in outcomes}) == 12
    assert (await _figures(db, owner))["paper_count"] == start + 12
    assert (await _figures(db, coauthor))["paper_count"] == 12


async def test_date_changes_to_one_authors_papers_at_once_leave_figures_as_a_fresh_computation(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A date change moves no author row, so only the lock on the authors keeps two such writes from each
    # recomputing the author's per-year figures blind to the other's new date.
    refresh = edits.refresh_computed_metrics

    async def slow_refresh(connection: Any, author_ids: Any) -> None:
        await asyncio.sleep(0.3)
        await refresh(connection, author_ids)

    monkeypatch.setattr(edits, "refresh_computed_metrics", slow_refresh)
    owner = await _owner(db)
    papers = [
        row["paper_id"]
        for row in await db.fetch("SELECT paper_id FROM authorships WHERE author_id = $1 ORDER BY 1 LIMIT 4", owner)
    ]
    await asyncio.gather(
        *(edits.update_paper(db, paper, PaperDraft(published=str(1990 + i))) for i, paper in enumerate(papers))
    )
    columns = "paper_count, first_year, last_year, counts_by_year::text"
    stored = await db.fetchrow(f"SELECT {columns} FROM author_computed_metrics WHERE author_id = $1", owner)
    async with db.transaction() as connection:
        await refresh(connection, [owner])
    fresh = await db.fetchrow(f"SELECT {columns} FROM author_computed_metrics WHERE author_id = $1", owner)
    assert stored is not None
    assert dict(stored) == dict(fresh or {})
    assert stored["first_year"] == 1990


async def test_text_postgresql_cannot_store_or_a_one_line_field_cannot_hold_is_refused(db: Database) -> None:
    draft = PaperDraft(
        title="Two\nlines",
        abstract="Tabs\tand\nbreaks are fine here, a NUL \x00 is not",
        authors=[BylineEntry(name="Bell\x07"), BylineEntry(name="Ok", affiliation="Lab\x00")],
        institutions=["Fine", "Null\x00"],
    )
    with pytest.raises(InvalidFieldsError) as raised:
        await edits.create_paper(db, draft)
    assert [p.field() for p in raised.value.problems] == [
        "title",
        "abstract",
        "authors[0].name",
        "authors[1].affiliation",
        "institutions[1]",
    ]
    accepted = await edits.create_paper(db, PaperDraft(title="One line", abstract="Two\n\tlines"))
    assert accepted.status == 201
