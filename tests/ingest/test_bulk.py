"""The bulk writer against a real PostgreSQL: identity of papers and authors across records and imports,
merges, citations resolved at once or later, reported figures, idempotence, rollback, incremental
refreshes and a statement count that does not grow with the batch. One behaviour per test, read back
from the tables.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import AsyncIterator, Iterator
from decimal import Decimal

import pytest

from api.db.metrics import refresh_all_computed_metrics
from api.db.pool import Connection, Database, StatementCounter, current_counter
from api.errors import IngestError
from api.ingest.bulk import ImportSummary, Record, write_records
from api.ingest.model import (
    AuthorId,
    Byline,
    Institution,
    PaperId,
    Person,
    Reference,
    ReportedFigures,
    Work,
)

ORCID_ADA = "0000-0002-1825-0097"
ORCID_BOB = "0000-0001-5109-3700"


def work(
    title: str,
    *ids: tuple[str, str],
    year: int | None = 2020,
    authors: tuple[Byline, ...] = (),
    references: tuple[Reference, ...] = (),
    cited_by: tuple[tuple[str, str], ...] = (),
    abstract: str | None = None,
    source: str = "test",
) -> Work:
    return Work(
        source=source,
        ids=tuple(PaperId(scheme, value) for scheme, value in ids),  # type: ignore[arg-type]
        title=title,
        abstract=abstract,
        published_on=dt.date(year, 3, 1) if year is not None else None,
        published_precision="day" if year is not None else None,
        authors=authors,
        references=references,
        cited_by=tuple(PaperId(scheme, value) for scheme, value in cited_by),  # type: ignore[arg-type]
    )


def by(name: str, position: int | None = None, *, orcid: str | None = None, s2: str | None = None) -> Byline:
    ids = tuple(
        AuthorId(scheme, value)  # type: ignore[arg-type]
        for scheme, value in (("orcid", orcid), ("s2", s2))
        if value is not None
    )
    return Byline(name=name, position=position, ids=ids)


def cites(*ids: tuple[str, str]) -> Reference:
    return Reference(ids=tuple(PaperId(scheme, value) for scheme, value in ids))  # type: ignore[arg-type]


async def table_checksums(db: Database) -> dict[str, str | None]:
    """An md5 of every row of every table (all columns, timestamps included)."""
    tables = await db.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
    sums: dict[str, str | None] = {}
    for row in tables:
        name = row["tablename"]
        sums[name] = await db.fetchval(f"SELECT md5(string_agg(t::text, '|' ORDER BY t::text)) FROM \"{name}\" t")
    return sums


async def count(db: Database, table: str) -> int:
    found: int = await db.fetchval(f"SELECT count(*) FROM {table}")
    return found


async def paper_ids(db: Database, paper_id: int) -> set[tuple[str, str]]:
    rows = await db.fetch("SELECT scheme, value FROM paper_external_ids WHERE paper_id = $1", paper_id)
    return {(row["scheme"], row["value"]) for row in rows}


async def only_paper(db: Database) -> int:
    rows = await db.fetch("SELECT id FROM papers")
    assert len(rows) == 1, f"{len(rows)} papers"
    paper_id: int = rows[0]["id"]
    return paper_id


async def author_named(db: Database, name: str) -> list[int]:
    rows = await db.fetch("SELECT id FROM authors WHERE name_key = sg_name_key($1) ORDER BY id", name)
    return [row["id"] for row in rows]


# --- papers ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("scheme", "value"),
    [
        ("doi", "10.1234/abc"),
        ("arxiv", "2401.01234"),
        ("openalex", "W123"),
        ("s2", "0123456789abcdef" * 2 + "01234567"),
    ],
)
async def test_a_record_with_a_stored_id_updates_that_paper(db: Database, scheme: str, value: str) -> None:
    await write_records(db, [work("First title", (scheme, value))])
    summary = await write_records(db, [work("A corrected title", (scheme, value), year=2021)])
    paper_id = await only_paper(db)
    assert await db.fetchval("SELECT title FROM papers WHERE id = $1", paper_id) == "A corrected title"
    assert summary.updated["papers"] == 1
    assert not summary.inserted["papers"]


async def test_a_record_without_a_stored_id_finds_the_paper_by_title_and_year(db: Database) -> None:
    await write_records(db, [work("Deep Nets: A Survey", ("arxiv", "2001.01234"))])
    await write_records(db, [work("deep nets — a survey", ("doi", "10.1/deep"))])
    paper_id = await only_paper(db)
    assert await paper_ids(db, paper_id) == {("arxiv", "2001.01234"), ("doi", "10.1/deep")}


async def test_the_same_title_in_another_year_is_another_paper(db: Database) -> None:
    await write_records(db, [work("Deep Nets", ("doi", "10.1/a"), year=2020)])
    await write_records(db, [work("Deep Nets", ("doi", "10.1/b"), year=2021)])
    assert await count(db, "papers") == 2


async def test_the_same_title_with_another_arxiv_id_is_another_paper(db: Database) -> None:
    await write_records(db, [work("Reply to a comment", ("arxiv", "2001.01234"))])
    await write_records(db, [work("Reply to a comment", ("arxiv", "2001.05678"))])
    assert await count(db, "papers") == 2


async def test_records_of_one_batch_sharing_an_id_are_one_paper(db: Database) -> None:
    summary = await write_records(
        db,
        [work("One", ("doi", "10.1/x"), ("arxiv", "2001.01234")), work("Other title", ("doi", "10.1/x"), ("s2", "77"))],
    )
    paper_id = await only_paper(db)
    assert await paper_ids(db, paper_id) == {("doi", "10.1/x"), ("arxiv", "2001.01234"), ("s2", "77")}
    assert await db.fetchval("SELECT title FROM papers") == "Other title"  # the later record's title wins
    assert summary.inserted["papers"] == 1


async def test_records_of_one_batch_sharing_title_and_year_are_one_paper(db: Database) -> None:
    await write_records(db, [work("Graph Nets", ("doi", "10.1/g")), work("GRAPH NETS", ("arxiv", "2001.01234"))])
    assert await paper_ids(db, await only_paper(db)) == {("doi", "10.1/g"), ("arxiv", "2001.01234")}


async def test_a_record_keeps_the_fields_it_lacks(db: Database) -> None:
    await write_records(db, [work("Paper", ("doi", "10.1/p"), abstract="An abstract.")])
    await write_records(db, [work("Paper", ("doi", "10.1/p"), abstract=None)])
    assert await db.fetchval("SELECT abstract FROM papers") == "An abstract."


async def test_a_record_naming_two_stored_papers_merges_them_into_the_older(db: Database) -> None:
    await write_records(db, [work("Old name", ("doi", "10.1/m"), authors=(by("Ada Lovelace", 1),))])
    await write_records(db, [work("Different name", ("arxiv", "2001.01234"), authors=(by("Bob Babbage", 1),))])
    await write_records(db, [work("Citing", ("doi", "10.1/c"), references=(cites(("arxiv", "2001.01234")),))])
    older, newer = [row["id"] for row in await db.fetch("SELECT id FROM papers WHERE title <> 'Citing' ORDER BY id")]

    summary = await write_records(db, [work("Merged", ("doi", "10.1/m"), ("arxiv", "2001.01234"))])

    assert summary.merged["papers"] == 1
    assert await db.fetchval("SELECT count(*) FROM papers WHERE id = $1", newer) == 0
    assert await paper_ids(db, older) == {("doi", "10.1/m"), ("arxiv", "2001.01234")}
    names = await db.fetch("SELECT name_as_written FROM authorships WHERE paper_id = $1 ORDER BY list_order", older)
    assert [row["name_as_written"] for row in names] == ["Ada Lovelace", "Bob Babbage"]
    assert await db.fetchval("SELECT citation_count FROM papers WHERE id = $1", older) == 1
    assert await db.fetchval("SELECT new_id FROM paper_redirects WHERE old_id = $1", newer) == older


async def dois_by_paper(db: Database) -> list[list[str]]:
    """Each paper's DOIs, sorted, the papers in the order of their DOIs."""
    rows = await db.fetch(
        "SELECT coalesce(array_agg(e.value ORDER BY e.value) FILTER (WHERE e.scheme = 'doi'), '{}') AS dois"
        " FROM papers p LEFT JOIN paper_external_ids e ON e.paper_id = p.id GROUP BY p.id"
    )
    return sorted(list(row["dois"]) for row in rows)


_INTRODUCTIONS = {
    "none": work("Introduction", ("openalex", "W3")),
    "first": work("Introduction", ("doi", "10.1/first")),
    "second": work("Introduction", ("doi", "10.1/second")),
}


@pytest.mark.parametrize("order", list(itertools.permutations(_INTRODUCTIONS)), ids="-".join)
@pytest.mark.parametrize("batch_size", [1, 1000])
async def test_a_title_never_joins_two_dois_through_a_record_without_one(
    db: Database, order: tuple[str, ...], batch_size: int
) -> None:
    """Three works titled "Introduction" in one year, two with different DOIs: the third joins one of them
    by title (or stays apart), never both."""
    await write_records(db, [_INTRODUCTIONS[name] for name in order], batch_size=batch_size)
    papers = await dois_by_paper(db)
    assert sorted(doi for dois in papers for doi in dois) == ["10.1/first", "10.1/second"]
    assert all(len(dois) <= 1 for dois in papers)


async def test_a_title_never_joins_a_doi_to_a_stored_paper_found_by_another_id(db: Database) -> None:
    await write_records(db, [work("Introduction", ("doi", "10.1/first"), ("openalex", "W1"))])
    # the first record finds the stored paper by its OpenAlex id, which holds another DOI than the second's
    await write_records(db, [work("Introduction", ("openalex", "W1")), work("Introduction", ("doi", "10.1/second"))])
    assert await dois_by_paper(db) == [["10.1/first"], ["10.1/second"]]


async def test_a_title_never_joins_two_stored_dois_through_a_new_record(db: Database) -> None:
    await write_records(db, [work("Introduction", ("doi", "10.1/first"))])
    await write_records(db, [work("Introduction", ("openalex", "W3")), work("Introduction", ("doi", "10.1/second"))])
    assert await dois_by_paper(db) == [["10.1/first"], ["10.1/second"]]
    assert await count(db, "papers") == 2


async def test_records_sharing_an_arxiv_id_are_one_paper_whatever_their_dois(db: Database) -> None:
    """Ids are strong evidence: a preprint's DataCite DOI and its journal version's DOI, on records sharing
    the arXiv id, are two DOIs of one paper."""
    await write_records(db, [work("A result", ("arxiv", "2001.01234"), ("doi", "10.48550/arXiv.2001.01234"))])
    await write_records(db, [work("A result, revised", ("arxiv", "2001.01234"), ("doi", "10.1103/physrev.1"))])
    assert await dois_by_paper(db) == [["10.1103/physrev.1", "10.48550/arXiv.2001.01234"]]


# --- authors --------------------------------------------------------------------------------------------


async def test_authors_are_found_by_orcid_whatever_the_spelling(db: Database) -> None:
    await write_records(db, [work("P1", ("doi", "10.1/1"), authors=(by("Ada Lovelace", 1, orcid=ORCID_ADA),))])
    await write_records(db, [work("P2", ("doi", "10.1/2"), authors=(by("A. King", 1, orcid=ORCID_ADA),))])
    assert await count(db, "authors") == 1
    assert await count(db, "authorships") == 2


async def test_a_paper_seen_again_keeps_its_authors_by_name_and_gains_their_ids(db: Database) -> None:
    await write_records(db, [work("P", ("arxiv", "2001.01234"), authors=(by("Ada Lovelace", 1), by("Bob Babbage", 2)))])
    await write_records(
        db, [work("P", ("arxiv", "2001.01234"), authors=(by("Ada Lovelace", 1, s2="11"), by("Bob Babbage", 2)))]
    )
    assert await count(db, "authors") == 2
    ada = await author_named(db, "Ada Lovelace")
    assert await db.fetchval("SELECT author_id FROM author_external_ids WHERE value = '11'") == ada[0]


async def test_an_id_less_author_on_the_paper_merges_into_the_author_an_id_names(db: Database) -> None:
    await write_records(db, [work("Elsewhere", ("doi", "10.1/e"), authors=(by("Ada Lovelace", 1, orcid=ORCID_ADA),))])
    await write_records(db, [work("P", ("arxiv", "2001.01234"), authors=(by("Ada Lovelace", 1),))])
    assert len(await author_named(db, "Ada Lovelace")) == 2

    summary = await write_records(
        db, [work("P", ("arxiv", "2001.01234"), authors=(by("Ada Lovelace", 1, orcid=ORCID_ADA),))]
    )

    assert summary.merged["authors"] == 1
    assert len(await author_named(db, "Ada Lovelace")) == 1
    assert await count(db, "authorships") == 2


async def test_a_name_is_found_among_the_coauthors_of_an_author_matched_by_id(db: Database) -> None:
    ada = by("Ada Lovelace", 1, orcid=ORCID_ADA)
    await write_records(db, [work("P1", ("doi", "10.1/1"), authors=(ada, by("Bob Babbage", 2)))])
    await write_records(db, [work("P2", ("doi", "10.1/2"), authors=(ada, by("Bob  BABBAGE", 2)))])
    assert len(await author_named(db, "Bob Babbage")) == 1


async def test_among_authors_of_one_name_the_coauthor_is_taken_and_never_one_with_another_id(db: Database) -> None:
    ada = by("Ada Lovelace", 1, orcid=ORCID_ADA)
    # two stored Bob Babbages: one unrelated to Ada (the older), one her coauthor, with an ORCID
    await write_records(db, [work("P0", ("doi", "10.1/0"), authors=(by("Bob Babbage", 1),))])
    await write_records(db, [work("P1", ("doi", "10.1/1"), authors=(ada, by("Bob Babbage", 2, orcid=ORCID_BOB)))])
    unrelated, coauthor = await author_named(db, "Bob Babbage")
    await write_records(db, [work("P3", ("doi", "10.1/3"), authors=(ada, by("Bob Babbage", 2)))])
    on_p3 = await db.fetchval(
        "SELECT s.author_id FROM authorships s JOIN papers p ON p.id = s.paper_id"
        " WHERE p.title = 'P3' AND s.position = 2"
    )
    assert on_p3 == coauthor  # Ada's coauthor, never the unrelated one of the same name
    # a byline entry with another ORCID never takes her coauthor, who has one
    other = "0000-0002-9079-593X"
    await write_records(db, [work("P4", ("doi", "10.1/4"), authors=(ada, by("Bob Babbage", 2, orcid=other)))])
    assert len(await author_named(db, "Bob Babbage")) == 3
    assert unrelated < coauthor


async def test_a_name_is_found_among_coauthors_within_one_batch(db: Database) -> None:
    ada = by("Ada Lovelace", 1, orcid=ORCID_ADA)
    await write_records(
        db, [work("P1", ("doi", "10.1/1"), authors=(ada, by("Bob Babbage", 2))),
             work("P2", ("doi", "10.1/2"), authors=(ada, by("Bob Babbage", 2)))]
    )  # fmt: skip
    assert len(await author_named(db, "Bob Babbage")) == 1


async def test_a_mention_with_an_unknown_id_finds_a_coauthor_stored_by_an_earlier_batch_without_ids(
    db: Database,
) -> None:
    # Batch 1 stores Bob without ids, so from then on not every author holds an S2 id: batch 2's Bob, with
    # an S2 id nobody has, must still be looked up by name among Ada's coauthors.
    ada = by("Ada Lovelace", 1, orcid=ORCID_ADA)
    await write_records(
        db, [work("P1", ("doi", "10.1/1"), authors=(ada, by("Bob Babbage", 2))),
             work("P2", ("doi", "10.1/2"), authors=(ada, by("Bob Babbage", 2, s2="77")))],
        batch_size=1,
    )  # fmt: skip
    assert len(await author_named(db, "Bob Babbage")) == 1
    assert await db.fetchval("SELECT count(*) FROM author_external_ids WHERE scheme = 's2' AND value = '77'") == 1


async def test_the_same_name_on_unrelated_papers_is_two_authors(db: Database) -> None:
    await write_records(db, [work("P1", ("doi", "10.1/1"), authors=(by("Bob Babbage", 1),))])
    await write_records(db, [work("P2", ("doi", "10.1/2"), authors=(by("Bob Babbage", 1),))])
    assert len(await author_named(db, "Bob Babbage")) == 2


async def test_a_name_match_never_takes_an_author_with_another_orcid(db: Database) -> None:
    await write_records(db, [work("P", ("doi", "10.1/1"), authors=(by("Wei Zhang", 1, orcid=ORCID_ADA),))])
    await write_records(db, [work("P", ("doi", "10.1/1"), authors=(by("Wei Zhang", 2, orcid=ORCID_BOB),))])
    assert len(await author_named(db, "Wei Zhang")) == 2


async def test_a_person_is_an_author_of_their_works_even_when_the_byline_omits_them(db: Database) -> None:
    person = Person(
        source="semanticscholar",
        ids=(AuthorId("s2", "42"),),
        name="Ada Lovelace",
        works=(work("Listed", ("s2", "1001"), authors=(by("Ada Lovelace", 2), by("Bob Babbage", 1))),
               work("Not listed", ("s2", "1002"), authors=(by("Bob Babbage", 1),))),
    )  # fmt: skip
    await write_records(db, [person])
    [ada] = await author_named(db, "Ada Lovelace")
    rows = await db.fetch(
        "SELECT p.title, s.position FROM authorships s JOIN papers p ON p.id = s.paper_id WHERE s.author_id = $1"
        " ORDER BY p.title",
        ada,
    )
    assert [(row["title"], row["position"]) for row in rows] == [("Listed", 2), ("Not listed", None)]
    assert await db.fetchval("SELECT author_id FROM author_external_ids WHERE scheme = 's2' AND value = '42'") == ada


async def test_byline_institutions_are_found_by_ror_then_name(db: Database) -> None:
    mit = Institution("Massachusetts Institute of Technology", "us", ror="https://ror.org/042nb2s44")
    await write_records(db, [work("P1", ("doi", "10.1/1"), authors=(Byline("Ada", 1, institutions=(mit,)),))])
    renamed = Institution("MIT", None, ror="042NB2S44")
    await write_records(db, [work("P2", ("doi", "10.1/2"), authors=(Byline("Bob", 1, institutions=(renamed,)),))])
    row = await db.fetchrow("SELECT count(*) AS n, min(country_code) AS cc, min(ror) AS ror FROM institutions")
    assert row is not None
    assert (row["n"], row["cc"], row["ror"]) == (1, "US", "https://ror.org/042nb2s44")
    assert await db.fetchval("SELECT count(DISTINCT institution_id) FROM authorships") == 1


async def test_institutions_with_the_same_name_and_different_ror_ids_stay_two(db: Database) -> None:
    spain = Institution("Universidad de Córdoba", "ES", ror="https://ror.org/05yc77b46")
    argentina = Institution("Universidad de Córdoba", "AR", ror="https://ror.org/056tb7j80")
    unnamed = Institution("Universidad de Cordoba", None)  # no id: the first of its name
    await write_records(
        db,
        [
            work("P1", ("doi", "10.1/1"), authors=(Byline("Ada", 1, institutions=(spain,)),)),
            work("P2", ("doi", "10.1/2"), authors=(Byline("Bob", 1, institutions=(argentina,)),)),
            work("P3", ("doi", "10.1/3"), authors=(Byline("Cy", 1, institutions=(unnamed,)),)),
        ],
    )
    later = Institution("Universidad de Córdoba", "AR", ror="https://ror.org/056tb7j80")
    await write_records(db, [work("P4", ("doi", "10.1/4"), authors=(Byline("Di", 1, institutions=(later,)),))])
    rows = await db.fetch("SELECT ror, country_code FROM institutions ORDER BY ror")
    assert [(row["ror"], row["country_code"]) for row in rows] == [
        ("https://ror.org/056tb7j80", "AR"),
        ("https://ror.org/05yc77b46", "ES"),
    ]
    places = await db.fetch(
        "SELECT p.title, i.ror FROM authorships s JOIN papers p ON p.id = s.paper_id"
        " JOIN institutions i ON i.id = s.institution_id ORDER BY p.title"
    )
    assert [(row["title"], row["ror"]) for row in places] == [
        ("P1", "https://ror.org/05yc77b46"),
        ("P2", "https://ror.org/056tb7j80"),
        ("P3", "https://ror.org/05yc77b46"),
        ("P4", "https://ror.org/056tb7j80"),
    ]


# --- citations ------------------------------------------------------------------------------------------


async def test_a_reference_to_a_stored_paper_is_a_citation_at_once(db: Database) -> None:
    await write_records(db, [work("Cited", ("doi", "10.1/cited"))])
    await write_records(db, [work("Citing", ("arxiv", "2001.01234"), references=(cites(("doi", "10.1/cited")),))])
    assert await count(db, "citations") == 1
    assert await count(db, "pending_references") == 0
    assert await db.fetchval("SELECT citation_count FROM papers WHERE title = 'Cited'") == 1


async def test_a_reference_waits_until_its_paper_arrives_in_a_later_import(db: Database) -> None:
    await write_records(db, [work("Citing", ("doi", "10.1/citing"), references=(cites(("arxiv", "2001.01234")),))])
    assert await count(db, "citations") == 0
    assert await count(db, "pending_references") == 1

    await write_records(db, [work("Cited", ("arxiv", "2001.01234"))])

    assert await count(db, "pending_references") == 0
    assert await db.fetchval("SELECT citation_count FROM papers WHERE title = 'Cited'") == 1


async def test_a_reference_to_a_later_record_of_the_same_import_is_linked(db: Database) -> None:
    records = [
        work("Citing", ("doi", "10.1/a"), references=(cites(("doi", "10.1/b")),)),
        work("Cited", ("doi", "10.1/b")),
    ]
    await write_records(db, records, batch_size=1)
    assert await count(db, "citations") == 1
    assert await count(db, "pending_references") == 0


async def test_cited_by_ids_link_the_citing_paper_now_or_when_it_arrives(db: Database) -> None:
    await write_records(db, [work("Stored citer", ("doi", "10.1/s"))])
    await write_records(db, [work("Cited", ("doi", "10.1/c"), cited_by=(("doi", "10.1/s"), ("doi", "10.1/later")))])
    assert await count(db, "citations") == 1
    assert await count(db, "pending_cited_by") == 1
    await write_records(db, [work("Later citer", ("doi", "10.1/later"))])
    assert await count(db, "citations") == 2
    assert await db.fetchval("SELECT citation_count FROM papers WHERE title = 'Cited'") == 2


async def stale_citing_keys(db: Database) -> int:
    """Citations whose `citing_newest_key` is not their citing paper's NEWEST key (migration 0007)."""
    stale: int = await db.fetchval(
        "SELECT count(*) FROM citations c JOIN papers p ON p.id = c.citing_paper_id"
        " WHERE c.citing_newest_key <> coalesce(p.published_on, '-infinity'::date)"
    )
    return stale


async def test_citations_carry_their_citing_papers_date_however_they_are_written(db: Database) -> None:
    await write_records(db, [work("Cited", ("doi", "10.1/c")), work("Undated citer", ("doi", "10.1/u"), year=None)])
    await write_records(
        db,
        [
            work("At once", ("doi", "10.1/a"), year=2019, references=(cites(("doi", "10.1/c")),)),
            work("Waiting", ("doi", "10.1/w"), year=2021, references=(cites(("doi", "10.1/later")),)),
            work("Later", ("doi", "10.1/later"), year=2018, cited_by=(("doi", "10.1/u"), ("doi", "10.1/x"))),
        ],
        batch_size=1,
    )
    await write_records(db, [work("Citer by id", ("doi", "10.1/x"), year=2022)])
    # a re-import moves a date; a merge moves citations onto the older paper
    await write_records(db, [work("At once", ("doi", "10.1/a"), year=2024, references=(cites(("doi", "10.1/c")),))])
    await write_records(db, [work("Merged citer", ("doi", "10.1/w"), ("doi", "10.1/x"), year=2023)])

    keys = await db.fetch(
        "SELECT p.title, c.citing_newest_key FROM citations c JOIN papers p ON p.id = c.citing_paper_id"
        " ORDER BY c.citing_newest_key, p.title"
    )
    assert [(row["title"], row["citing_newest_key"]) for row in keys] == [
        ("Undated citer", dt.date.min),  # asyncpg reads '-infinity' as date.min
        ("Merged citer", dt.date(2023, 3, 1)),  # Waiting's and Citer by id's, one citation of Later
        ("At once", dt.date(2024, 3, 1)),
    ]
    assert await stale_citing_keys(db) == 0


async def test_text_only_references_are_counted_not_stored(db: Database) -> None:
    summary = await write_records(db, [work("P", ("doi", "10.1/p"), references=(Reference(text="Someone, 1999"),))])
    assert summary.skipped["text_references"] == 1
    assert await count(db, "pending_references") == 0


# --- reported figures -----------------------------------------------------------------------------------


async def test_reported_figures_are_stored_with_source_and_date_once(db: Database) -> None:
    person = Person(
        source="semanticscholar",
        ids=(AuthorId("s2", "42"),),
        name="Ada Lovelace",
        reported=ReportedFigures(
            source="semanticscholar", as_of=dt.date(2026, 11, 1), h_index=12, citation_count=900, paper_count=40,
            two_year_mean_citedness=Decimal("3.5"),
        ),
    )  # fmt: skip
    await write_records(db, [person])
    second = await write_records(db, [person])
    row = await db.fetchrow("SELECT source, as_of, h_index, two_year_mean_citedness FROM author_reported_metrics")
    assert row is not None
    assert dict(row) == {"source": "semanticscholar", "as_of": dt.date(2026, 11, 1), "h_index": 12,
                         "two_year_mean_citedness": Decimal("3.5")}  # fmt: skip
    assert second.changed_nothing()


# --- the import as a whole ------------------------------------------------------------------------------


def corpus() -> list[Record]:
    ada = by("Ada Lovelace", 1, orcid=ORCID_ADA)
    return [
        work("Alpha", ("doi", "10.1/a"), authors=(ada, by("Bob Babbage", 2)), references=(cites(("doi", "10.1/b")),)),
        work("Beta", ("doi", "10.1/b"), ("arxiv", "2001.01234"), authors=(by("Chloé Curie", 1), ada)),
        work("Gamma", ("doi", "10.1/g"), authors=(by("Bob Babbage", 1),), references=(cites(("doi", "10.1/z")),)),
        Person(source="openalex", ids=(AuthorId("orcid", ORCID_ADA),), name="Ada Lovelace",
               reported=ReportedFigures(source="openalex", as_of=dt.date(2026, 1, 1), h_index=3)),
        work("Delta", ("openalex", "W9"), authors=(ada,), cited_by=(("doi", "10.1/a"), ("doi", "10.1/q"))),
    ]  # fmt: skip


async def test_importing_twice_changes_nothing(db: Database) -> None:
    first = await write_records(db, corpus(), batch_size=2)
    assert first.inserted["papers"] == 4
    before = await table_checksums(db)

    second = await write_records(db, corpus(), batch_size=2)

    assert second.as_dict()["inserted"] == {}
    assert second.as_dict()["updated"] == {}
    assert second.as_dict()["merged"] == {}
    assert await table_checksums(db) == before


async def _failing(records: list[Record], after: int) -> AsyncIterator[Record]:
    for number, record in enumerate(records):
        if number == after:
            raise RuntimeError("the input broke")
        yield record


async def test_an_import_failing_after_two_batches_writes_nothing(db: Database) -> None:
    await write_records(db, [work("Before", ("doi", "10.1/before"))])
    before = await table_checksums(db)
    batches: list[int] = []

    with pytest.raises(RuntimeError, match="the input broke"):
        await write_records(db, _failing(corpus(), 4), batch_size=2, on_progress=lambda s: batches.append(1))

    assert len(batches) == 2
    assert await table_checksums(db) == before


async def test_a_rerun_after_a_failed_import_issues_the_same_ids(db: Database) -> None:
    with pytest.raises(RuntimeError):
        await write_records(db, _failing(corpus(), 4), batch_size=2)
    await write_records(db, corpus(), batch_size=2)
    assert [row["id"] for row in await db.fetch("SELECT id FROM papers ORDER BY id")] == [1, 2, 3, 4]
    assert await db.fetchval("SELECT min(id) FROM authors") == 1


async def test_an_invalid_record_fails_the_import_with_its_number_and_reason(db: Database) -> None:
    records: list[Record] = [work("Fine", ("doi", "10.1/f")), work("   ", ("doi", "10.1/blank"))]
    with pytest.raises(IngestError, match=r"record 2 .*title is empty"):
        await write_records(db, records)
    assert await count(db, "papers") == 0


async def test_an_invalid_record_is_skipped_and_reported_when_asked(db: Database) -> None:
    rejected: list[str] = []
    records: list[Record] = [work("Fine", ("doi", "10.1/f")), work("Bad", authors=(by("—", 1),))]
    summary = await write_records(db, records, on_reject=lambda record, reason: rejected.append(reason))
    assert rejected == ["author 1's name '—' has no letter or digit"]
    assert summary.rejected["works"] == 1
    assert await count(db, "papers") == 1


async def test_computed_metrics_are_refreshed_only_for_touched_authors(db: Database) -> None:
    await write_records(db, [work("Stranger's", ("doi", "10.1/s"), authors=(by("Stranger", 1),))])
    await write_records(db, [work("Cited", ("doi", "10.1/c"), authors=(by("Cited Author", 1),))])
    stranger = (await author_named(db, "Stranger"))[0]
    cited = (await author_named(db, "Cited Author"))[0]
    computed = "SELECT computed_at, citation_count FROM author_computed_metrics WHERE author_id = $1"
    stranger_before = await db.fetchrow(computed, stranger)

    await write_records(db, [work("Citing", ("doi", "10.1/x"), references=(cites(("doi", "10.1/c")),))])

    assert await db.fetchrow(computed, stranger) == stranger_before
    row = await db.fetchrow(computed, cited)
    assert row is not None
    assert row["citation_count"] == 1


async def _figures(connection: Connection) -> list[tuple[object, ...]]:
    """Every stored author's computed figures, without the time they were computed."""
    rows = await connection.fetch("SELECT * FROM author_computed_metrics ORDER BY author_id")
    return [tuple(v for k, v in row.items() if k != "computed_at") for row in rows]


async def _recomputed_changes(db: Database) -> list[tuple[object, ...]]:
    """What recomputing every author's figures and every paper's citation count from the stored graph would
    change (rolled back): nothing, when the imports refreshed all they touched."""
    async with db.transaction() as connection:
        before = await _figures(connection)
        await connection.execute("CREATE TEMP TABLE every_author ON COMMIT DROP AS SELECT id AS author_id FROM authors")
        await refresh_all_computed_metrics(connection, "every_author")
        after = await _figures(connection)
        miscounted = await connection.fetch(
            "SELECT p.id, p.citation_count FROM papers p"
            " WHERE p.citation_count <> (SELECT count(*) FROM citations c WHERE c.cited_paper_id = p.id)"
        )
        await connection.execute("ROLLBACK AND CHAIN")
    return sorted(set(after) ^ set(before), key=repr) + [tuple(row.values()) for row in miscounted]


async def test_an_import_into_a_loaded_database_refreshes_every_figure_it_changes(db: Database) -> None:
    """Only the touched authors are refreshed (above), and all of them: new papers citing stored ones, a
    stored paper whose year changes (its cited papers' authors count citations by citing year and self-
    citations), a byline that gains a stored author, and a reference resolved by a paper arriving later."""
    stored = [
        work("Optimal transport", ("doi", "10.1/ot"), year=2018, authors=(by("Ada Lovelace", 1, orcid=ORCID_ADA),),
             references=(cites(("doi", "10.1/sk")),)),
        # cited by Optimal transport, whose authors it does not share: only that citation ties them
        work("Sinkhorn distances", ("doi", "10.1/sk"), year=2013, authors=(by("Frank Fourier", 1),)),
        work("Bob's note", ("doi", "10.1/bn"), year=2016, authors=(by("Bob Babbage", 1, orcid=ORCID_BOB),)),
        work("Wasserstein GAN", ("doi", "10.1/wg"), year=2017, authors=(by("Carl Gauss", 1),),
             references=(cites(("doi", "10.1/sk")), cites(("doi", "10.1/later")))),
    ]  # fmt: skip
    await write_records(db, stored)
    assert await _recomputed_changes(db) == []
    arriving = [
        work("Citing both", ("doi", "10.1/cb"), year=2021, authors=(by("Dora Noether", 1),),
             references=(cites(("doi", "10.1/ot")),)),
        # a stored paper moves to another year, and its byline gains Bob
        work("Optimal transport", ("doi", "10.1/ot"), year=2019,
             authors=(by("Ada Lovelace", 1, orcid=ORCID_ADA), by("Bob Babbage", 2, orcid=ORCID_BOB)),
             references=(cites(("doi", "10.1/sk")),)),
        work("Later work", ("doi", "10.1/later"), year=2022, authors=(by("Eve Euler", 1),)),
    ]  # fmt: skip
    summary = await write_records(db, arriving, batch_size=1, bulk_load=False)
    assert summary.updated["papers"] >= 1
    assert await _recomputed_changes(db) == []


def _works(count: int, prefix: str) -> Iterator[Work]:
    for n in range(count):
        yield work(
            f"{prefix} paper {n}",
            ("doi", f"10.1/{prefix}{n}"),
            authors=(by(f"{prefix} Author {n}", 1), by("Ada Lovelace", 2, orcid=ORCID_ADA)),
            references=(cites(("doi", f"10.1/{prefix}{n + 1}")),),
        )


async def _statements(db: Database, records: Iterator[Work], batch_size: int) -> int:
    counter = StatementCounter()
    token = current_counter.set(counter)
    try:
        # the bulk load of an empty database adds a fixed number of statements (its set-aside and restore)
        await write_records(db, records, batch_size=batch_size, bulk_load=False)
    finally:
        current_counter.reset(token)
    return counter.count


async def test_statements_per_batch_do_not_grow_with_its_size(db: Database) -> None:
    # stored authors without ids first: no later batch finds an id scheme every stored author holds to forget
    await _statements(db, _works(1, "first"), batch_size=1)
    small = await _statements(db, _works(3, "small"), batch_size=1)  # three batches of one
    large = await _statements(db, _works(120, "large"), batch_size=40)  # three batches of forty
    assert small == large


async def test_progress_is_reported_after_each_batch(db: Database) -> None:
    seen: list[int] = []

    def progress(summary: ImportSummary) -> None:
        seen.append(summary.read["works"])

    await write_records(db, _works(5, "p"), batch_size=2, on_progress=progress)
    assert seen == [2, 4, 5]


# --- search data -------------------------------------------------------------------------------------

SEARCH_WORKS = [
    work("Zymurgy of zymurgy", ("doi", "10.1/z1"), abstract="Brewing, zymurgy and the yeasts' ways."),
    work("Optimal transport", ("doi", "10.1/z2")),
    work("Optimal transport, again", ("arxiv", "2101.00001"), abstract="Once with an abstract"),
    # one paper of two works with different abstracts: the merged pair is neither work's own
    work("Optimal transport, again", ("arxiv", "2101.00001"), ("doi", "10.1/z3"), abstract="Then with another"),
    work(
        "\u00dcn\u00efc\u00f6d\u00e9: \u2018quotes\u2019 and \\ backslashes",
        ("doi", "10.1/z4"),
        abstract="O'Brien's \"quote\"",
    ),
]


async def _search_data_is_current(db: Database) -> int:
    """How many papers' vectors or search terms differ from what their title and abstract give."""
    vectors = await db.fetchval(
        "SELECT count(*) FROM papers WHERE search_vector IS DISTINCT FROM sg_paper_search_vector(title, abstract)"
    )
    terms = await db.fetchval(
        """
        SELECT count(*) FROM (
            (SELECT t.lexeme, p.id, t.score, p.published_on FROM papers p, sg_paper_terms(p.search_vector) t
             EXCEPT ALL SELECT lexeme, paper_id, score, published_on FROM paper_terms)
            UNION ALL
            (SELECT lexeme, paper_id, score, published_on FROM paper_terms
             EXCEPT ALL SELECT t.lexeme, p.id, t.score, p.published_on FROM papers p, sg_paper_terms(p.search_vector) t)
        ) d
        """
    )
    return int(vectors) + int(terms)


@pytest.mark.parametrize("bulk_load", [True, False])
async def test_new_papers_get_their_search_vectors_and_terms(db: Database, bulk_load: bool) -> None:
    # the bulk writer computes the vectors in its INSERT (migration 0008), the trigger the terms
    await write_records(db, SEARCH_WORKS[:2], bulk_load=bulk_load)
    await write_records(db, SEARCH_WORKS[2:], batch_size=2)
    assert await count(db, "papers") == 4
    assert await db.fetchval("SELECT count(DISTINCT paper_id) FROM paper_terms") == 4
    assert await _search_data_is_current(db) == 0
