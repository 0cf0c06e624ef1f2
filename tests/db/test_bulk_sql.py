"""The bulk writer's SQL (api/db/bulk.py) on a real PostgreSQL: the sequences an import starts from, the
candidates the look-ups return, an author merge, and the refresh that ends an import. Each test drives
the staging tables directly, inside one transaction, as api/ingest/bulk.py does.
"""

from __future__ import annotations

import datetime as dt

from api.db import bulk
from api.db.pool import Connection, Database

INSERT_PAPER = "INSERT INTO papers (title, published_on, published_precision) VALUES ($1, $2, 'day') RETURNING id"


async def _paper(connection: Connection, title: str, year: int | None = 2020) -> int:
    published = dt.date(year, 1, 1) if year is not None else None
    if published is None:
        paper_id: int = await connection.fetchval("INSERT INTO papers (title) VALUES ($1) RETURNING id", title)
        return paper_id
    inserted: int = await connection.fetchval(INSERT_PAPER, title, published)
    return inserted


async def _author(connection: Connection, name: str) -> int:
    author_id: int = await connection.fetchval("INSERT INTO authors (name) VALUES ($1) RETURNING id", name)
    return author_id


async def test_an_import_issues_ids_from_just_past_the_largest_ever_issued(db: Database) -> None:
    async with db.transaction() as connection:
        await _paper(connection, "One")
        two = await _paper(connection, "Two")
        await connection.execute("INSERT INTO paper_redirects (old_id, new_id) VALUES (7, $1)", two)
        await connection.execute("SELECT nextval(pg_get_serial_sequence('papers', 'id')) FROM generate_series(1, 50)")
        await bulk.begin_import(connection)
        assert await bulk.allocate_ids(connection, "papers", 2) == [8, 9]
        assert await bulk.allocate_ids(connection, "authors", 1) == [1]


async def test_paper_look_up_returns_id_matches_and_the_oldest_title_match(db: Database) -> None:
    async with db.transaction() as connection:
        by_doi = await _paper(connection, "Stored by DOI")
        await connection.execute("INSERT INTO paper_external_ids VALUES ('doi', '10.1/x', $1)", by_doi)
        older = await _paper(connection, "Same Title", None)
        await _paper(connection, "Same title!", 2020)
        await _paper(connection, "Same title", 2019)
        await bulk.begin_import(connection)
        await bulk.copy(connection, "bulk_work", [(0, "Anything", 2020), (1, "same TITLE", 2020), (2, "New", None)])
        await bulk.copy(connection, "bulk_work_id", [(0, "doi", "10.1/x"), (0, "doi", "10.1/unknown")])
        rows = await bulk.match_papers(connection)
    found = [(row["w"], row["title_key"], row["by_id"], row["by_title"]) for row in rows]
    assert found == [(0, "anything", [by_doi], None), (1, "same title", None, older), (2, "new", None, None)]


async def test_author_look_up_finds_a_namesake_on_the_same_paper_and_among_coauthors(db: Database) -> None:
    async with db.transaction() as connection:
        paper, other = await _paper(connection, "P"), await _paper(connection, "Q")
        ada, bob, anchor = [await _author(connection, n) for n in ("Ada Lovelace", "Bob Babbage", "Anchor")]
        await connection.execute("INSERT INTO author_external_ids VALUES ('s2', '5', $1)", anchor)
        await connection.executemany(
            "INSERT INTO authorships (paper_id, author_id, position, list_order, name_as_written)"
            " VALUES ($1, $2, $3, $3, 'x')",
            [(paper, ada, 1), (other, anchor, 1), (other, bob, 2)],
        )
        await bulk.begin_import(connection)
        new_paper = 999
        await bulk.copy(connection, "bulk_work_paper", [(0, paper), (1, new_paper)])
        mentions = [(0, 0, "ADA lovelace", 1, None, None), (1, 1, "Anchor", 1, None, None),
                    (2, 1, "Bob Babbage", 2, None, None), (3, 1, "Ada Lovelace", 3, None, None)]  # fmt: skip
        await bulk.copy(connection, "bulk_mention", mentions)
        await bulk.copy(connection, "bulk_mention_id", [(1, "s2", "5")])
        rows = await bulk.match_authors(connection)
    found = [(row["m"], row["by_id"], row["same_paper"], row["coauthor"]) for row in rows]
    assert found == [(0, None, ada, None), (1, [anchor], None, None), (2, None, None, bob), (3, None, None, None)]


_UNIVERSAL = "SELECT array_agg(scheme ORDER BY scheme) FROM bulk_universal_scheme"


async def test_an_import_knows_the_id_schemes_every_stored_author_holds(db: Database) -> None:
    async with db.transaction() as connection:
        await bulk.begin_import(connection)  # no author: every scheme, vacuously
        assert await connection.fetchval(_UNIVERSAL) == ["openalex", "orcid", "s2"]
    async with db.transaction() as connection:
        both, one = await _author(connection, "Ada Lovelace"), await _author(connection, "Bob Babbage")
        await connection.executemany(
            "INSERT INTO author_external_ids VALUES ($1, $2, $3)",
            [("s2", "1", both), ("orcid", "0000-0002-1825-0097", both), ("s2", "2", one)],
        )
        await bulk.begin_import(connection)
        assert await connection.fetchval(_UNIVERSAL) == ["s2"]
        assert await bulk.universal_schemes(connection) == {"s2"}
        # a batch adding an author without an S2 id takes it away (the writer knows which ids it added)
        await bulk.drop_universal_schemes(connection, ["s2"])
        assert await connection.fetchval(_UNIVERSAL) is None
        assert await bulk.universal_schemes(connection) == set()


async def test_an_author_merge_moves_ids_bylines_and_figures_and_redirects(db: Database) -> None:
    async with db.transaction() as connection:
        paper = await _paper(connection, "P")
        keep, go = await _author(connection, "Ada Lovelace"), await _author(connection, "A. Lovelace")
        await connection.execute("INSERT INTO author_external_ids VALUES ('s2', '9', $1)", go)
        await connection.execute(
            "INSERT INTO authorships (paper_id, author_id, position, list_order, name_as_written)"
            " VALUES ($1, $2, 1, 1, 'A')",
            paper,
            go,
        )
        await connection.execute(
            "INSERT INTO author_reported_metrics (author_id, source, as_of, h_index)"
            " VALUES ($1, 's2', '2026-01-01', 4)",
            go,
        )
        await bulk.begin_import(connection)
        await bulk.copy(connection, "bulk_author_merge", [(go, keep)])
        stats = bulk.BulkStats()
        await bulk.merge_authors(connection, stats)
        assert stats.merged["authors"] == 1
        assert await connection.fetchval("SELECT author_id FROM author_external_ids") == keep
        assert await connection.fetchval("SELECT author_id FROM authorships") == keep
        assert await connection.fetchval("SELECT author_id FROM author_reported_metrics") == keep
        assert await connection.fetchval("SELECT new_id FROM author_redirects WHERE old_id = $1", go) == keep
        assert await connection.fetchval("SELECT count(*) FROM authors") == 1


async def test_the_end_of_an_import_refreshes_only_what_it_touched(db: Database) -> None:
    async with db.transaction() as connection:
        cited, citing, other = [await _paper(connection, t) for t in ("Cited", "Citing", "Other")]
        author, stranger = await _author(connection, "Author"), await _author(connection, "Stranger")
        await connection.executemany(
            "INSERT INTO authorships (paper_id, author_id, position, list_order, name_as_written)"
            " VALUES ($1, $2, 1, 1, 'x')",
            [(cited, author), (other, stranger)],
        )
        await connection.execute("INSERT INTO citations VALUES ($1, $2), ($1, $3)", citing, cited, other)
        await bulk.begin_import(connection)
        await connection.execute("INSERT INTO bulk_cited VALUES ($1)", cited)
        assert await bulk.finish_import(connection) == 1
        counts = await connection.fetch("SELECT id, citation_count FROM papers ORDER BY id")
        assert [(row["id"], row["citation_count"]) for row in counts] == [(cited, 1), (citing, 0), (other, 0)]
        assert [
            row["author_id"] for row in await connection.fetch("SELECT author_id FROM author_computed_metrics")
        ] == [author]
