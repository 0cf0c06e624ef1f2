"""Author metrics: computed figures pinned against hand-computed values, and which figures are shown.

Each graph is built with plain SQL on a fresh database: authors, their papers, and citations, either
from a pool of citing papers nobody in the test authors (paper i with c_i citations is cited by the
first c_i papers of the pool; the pool is undated) or from papers built one by one with a year and
authors. Then `refresh_paper_citation_counts` and `refresh_computed_metrics` run in one transaction,
as a writer would, at a fixed time `AT` (so the computation year Y is 2026 whenever the tests run), and
the stored figures are read back with `computed_metrics_of_authors`.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import json
import random
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

import asyncpg

from api.db import migrate
from api.db.metrics import (
    COMPUTED_SOURCE,
    Variant,
    as_computed,
    as_reported,
    computed_metrics_of_authors,
    fill_years,
    m_quotient,
    preferred,
    refresh_all_computed_metrics,
    refresh_computed_metrics,
    refresh_paper_citation_counts,
    reported_metrics_of_authors,
)
from api.db.pool import Connection, Database
from api.db.records import (
    CitationFigures,
    ComputedMetricsRecord,
    MetricsRecord,
    ReportedMetricsRecord,
    YearCount,
)
from api.ingest.seed import load_seed_if_empty

S2_AUTHOR = Path(__file__).resolve().parents[1] / "fixtures" / "semanticscholar-author.json"
AT = dt.datetime(2026, 11, 28, 12, 0, tzinfo=dt.UTC)  # Y = 2026
AT_2027 = dt.datetime(2027, 1, 1, 0, 30, tzinfo=dt.UTC)  # Y = 2027

_titles = itertools.count(1)


async def author_with_papers(
    db: Database,
    citation_counts: Sequence[int],
    years: Sequence[int | None] | None = None,
    *,
    at: dt.datetime = AT,
) -> int:
    """An author of one paper per citation count (published in `years`, default 2020), refreshed at `at`."""
    years = list(years) if years is not None else [2020] * len(citation_counts)
    assert len(years) == len(citation_counts)
    async with db.transaction() as c:
        author_id: int = await c.fetchval("INSERT INTO authors (name) VALUES ('Test Author') RETURNING id")
        rows = await c.fetch(
            """
            INSERT INTO papers (title, published_on, published_precision)
            SELECT 'Paper ' || i, make_date(y, 1, 1), CASE WHEN y IS NOT NULL THEN 'year' END
            FROM unnest($1::int[]) WITH ORDINALITY AS t(y, i)
            RETURNING id, title
            """,
            years,
        )
        by_title = {row["title"]: row["id"] for row in rows}
        paper_ids = [by_title[f"Paper {i}"] for i in range(1, len(citation_counts) + 1)]
        await c.execute(
            """
            INSERT INTO authorships (paper_id, author_id, position, list_order, name_as_written)
            SELECT p, $2, 1, 1, 'Test Author' FROM unnest($1::bigint[]) AS p
            """,
            paper_ids,
            author_id,
        )
        await cite(c, paper_ids, citation_counts)
        await refresh_paper_citation_counts(c, paper_ids)
        await refresh_computed_metrics(c, [author_id], at=at)
    return author_id


async def cite(c: Connection, paper_ids: Sequence[int], citation_counts: Sequence[int]) -> None:
    """Give paper i citation_counts[i] citations from a pool of fresh, undated citing papers (set-based)."""
    pool_size = max(citation_counts, default=0)
    if pool_size == 0:
        return
    pool = await c.fetch(
        "INSERT INTO papers (title) SELECT 'Citing paper ' || g FROM generate_series(1, $1) g RETURNING id",
        pool_size,
    )
    await c.execute(
        """
        INSERT INTO citations (citing_paper_id, cited_paper_id)
        SELECT citing.id, cited.id
        FROM unnest($1::bigint[], $2::int[]) AS cited(id, n)
        CROSS JOIN LATERAL unnest(($3::bigint[])[1:cited.n]) AS citing(id)
        """,
        list(paper_ids),
        list(citation_counts),
        sorted(row["id"] for row in pool),
    )


# A graph built paper by paper: each with a year (or none), its authors and the papers it cites.


async def add_author(c: Connection, name: str) -> int:
    author_id: int = await c.fetchval("INSERT INTO authors (name) VALUES ($1) RETURNING id", name)
    return author_id


async def add_paper(c: Connection, year: int | None, authors: Sequence[int] = (), cites: Sequence[int] = ()) -> int:
    paper_id: int = await c.fetchval(
        """
        INSERT INTO papers (title, published_on, published_precision)
        VALUES ($1, make_date($2, 6, 1), CASE WHEN $2::int IS NOT NULL THEN 'year' END) RETURNING id
        """,
        f"Graph paper {next(_titles)}",
        year,
    )
    for order, author_id in enumerate(authors, 1):
        await c.execute(
            "INSERT INTO authorships (paper_id, author_id, position, list_order, name_as_written) "
            "VALUES ($1, $2, $3, $3, 'Someone')",
            paper_id,
            author_id,
            order,
        )
    for cited in cites:
        await c.execute("INSERT INTO citations (citing_paper_id, cited_paper_id) VALUES ($1, $2)", paper_id, cited)
    return paper_id


async def cited_by_papers_of(c: Connection, paper_id: int, years: Sequence[int | None]) -> None:
    """One citation of `paper_id` from a fresh paper by nobody per year given (None: an undated paper)."""
    for year in years:
        await add_paper(c, year, cites=[paper_id])


async def refresh(c: Connection, author_ids: Sequence[int], *, at: dt.datetime = AT) -> None:
    paper_ids = [row["id"] for row in await c.fetch("SELECT id FROM papers")]
    await refresh_paper_citation_counts(c, paper_ids)
    await refresh_computed_metrics(c, author_ids, at=at)


async def computed(db: Database, author_id: int) -> ComputedMetricsRecord:
    return (await computed_metrics_of_authors(db, [author_id]))[author_id]


def figures(record: ComputedMetricsRecord | CitationFigures | MetricsRecord) -> dict[str, int | None]:
    return {
        "papers": record.paper_count,
        "citations": record.citation_count,
        "h": record.h_index,
        "g": record.g_index,
        "i10": record.i10_index,
    }


def series(counts: Sequence[YearCount]) -> list[tuple[int, int, int]]:
    return [(c.year, c.paper_count, c.citation_count) for c in counts]


ZEROS: dict[str, int | None] = {"papers": 0, "citations": 0, "h": 0, "g": 0, "i10": 0}


# --- computed figures over all papers -----------------------------------------------------------------


async def test_author_without_papers_gets_zeros(db: Database) -> None:
    author_id = await author_with_papers(db, [])
    record = await computed(db, author_id)
    assert figures(record) == ZEROS
    assert figures(record.last_5_years) == figures(record.without_self_citations) == ZEROS
    assert (record.first_year, record.last_year) == (None, None)
    assert record.counts_by_year == ()
    assert record.two_year_mean_citedness is None
    assert record.computed_at == AT  # refreshed, and stored
    shown = as_computed(record, year=2026)
    assert (shown.m_quotient, shown.two_year_mean_citedness, shown.counts_by_year) == (None, None, ())


async def test_never_computed_author_reads_as_zeros(db: Database) -> None:
    author_id: int = await db.fetchval("INSERT INTO authors (name) VALUES ('Nobody') RETURNING id")
    record = await computed(db, author_id)
    assert figures(record) == ZEROS
    assert figures(record.last_5_years) == figures(record.without_self_citations) == ZEROS
    assert (record.counts_by_year, record.two_year_mean_citedness, record.computed_at) == ((), None, None)
    assert as_computed(record, year=2026).m_quotient is None


async def test_uncited_papers(db: Database) -> None:
    record = await computed(db, await author_with_papers(db, [0, 0, 0]))
    assert figures(record) == {"papers": 3, "citations": 0, "h": 0, "g": 0, "i10": 0}
    assert figures(record.without_self_citations) == figures(record)
    # Three papers of 2020, nothing cited: 2020 then zero years up to Y; m = 0 / 7.
    assert series(as_computed(record, year=2026).counts_by_year) == [(2020, 3, 0)] + [
        (y, 0, 0) for y in range(2021, 2027)
    ]
    assert as_computed(record, year=2026).m_quotient == 0.0


async def test_ties_three_papers_of_three(db: Database) -> None:
    record = await computed(db, await author_with_papers(db, [3, 3, 3]))
    assert figures(record) == {"papers": 3, "citations": 9, "h": 3, "g": 3, "i10": 0}


async def test_ties_five_papers_of_five(db: Database) -> None:
    record = await computed(db, await author_with_papers(db, [5, 5, 5, 5, 5]))
    assert figures(record) == {"papers": 5, "citations": 25, "h": 5, "g": 5, "i10": 0}


async def test_ties_across_the_h_boundary(db: Database) -> None:
    # 4, 3, 3, 3: c_3 = 3 >= 3 but c_4 = 3 < 4, so h = 3 whichever 3 is ranked last; 13 < 16, so g = 3.
    record = await computed(db, await author_with_papers(db, [3, 4, 3, 3]))
    assert figures(record) == {"papers": 4, "citations": 13, "h": 3, "g": 3, "i10": 0}


async def test_classic_example_g_capped_at_paper_count(db: Database) -> None:
    # Sorted 10, 8, 5, 4, 3: c_4 = 4 >= 4 but c_5 = 3 < 5, so h = 4; the top 5 sum to 30 >= 25, so g
    # reaches n = 5 (and cannot exceed it); one paper has 10 or more citations.
    record = await computed(db, await author_with_papers(db, [4, 10, 3, 8, 5]))
    assert figures(record) == {"papers": 5, "citations": 30, "h": 4, "g": 5, "i10": 1}


async def test_g_index_above_h_index(db: Database) -> None:
    # 25, 8, 5, 3, 3: h = 3 (c_4 = 3 < 4); running sums 25, 33, 38, 41, 44 >= 1, 4, 9, 16, 25: g = 5.
    record = await computed(db, await author_with_papers(db, [25, 8, 5, 3, 3]))
    assert figures(record) == {"papers": 5, "citations": 44, "h": 3, "g": 5, "i10": 1}


async def test_g_index_below_paper_count(db: Database) -> None:
    # 6, 1, 1, 1, 0: running sums 6, 7, 8, 9, 9 against 1, 4, 9, 16, 25: g = 2; h = 1.
    record = await computed(db, await author_with_papers(db, [6, 1, 1, 1, 0]))
    assert figures(record) == {"papers": 5, "citations": 9, "h": 1, "g": 2, "i10": 0}


async def test_one_highly_cited_paper(db: Database) -> None:
    record = await computed(db, await author_with_papers(db, [100]))
    assert figures(record) == {"papers": 1, "citations": 100, "h": 1, "g": 1, "i10": 1}


async def test_undated_papers_count_in_totals_never_in_years(db: Database) -> None:
    # Citations 1, 2, 3, 4 in 2019, (undated), 2023, 2015. All: sorted 4, 3, 2, 1: h = 2; sums 4, 7, 9, 10
    # against 1, 4, 9, 16: g = 3. Last 5 years (2022..2026): only the 2023 paper, 3 citations: h 1, g 1.
    author_id = await author_with_papers(db, [1, 2, 3, 4], years=[2019, None, 2023, 2015])
    record = await computed(db, author_id)
    assert figures(record) == {"papers": 4, "citations": 10, "h": 2, "g": 3, "i10": 0}
    assert figures(record.last_5_years) == {"papers": 1, "citations": 3, "h": 1, "g": 1, "i10": 0}
    assert (record.first_year, record.last_year) == (2015, 2023)
    years = as_computed(record, year=2026).counts_by_year
    assert [c.year for c in years] == list(range(2015, 2027))
    assert sum(c.paper_count for c in years) == 3  # the undated paper is in no year
    assert {c.year: c.paper_count for c in years if c.paper_count} == {2015: 1, 2019: 1, 2023: 1}
    assert sum(c.citation_count for c in years) == 0  # the citing pool is undated


async def test_years_unknown_when_no_paper_is_dated(db: Database) -> None:
    record = await computed(db, await author_with_papers(db, [1, 2], years=[None, None]))
    assert (record.first_year, record.last_year) == (None, None)
    assert figures(record) == {"papers": 2, "citations": 3, "h": 1, "g": 1, "i10": 0}
    assert figures(record.last_5_years) == ZEROS
    shown = as_computed(record, year=2026)
    assert (shown.m_quotient, shown.counts_by_year, shown.two_year_mean_citedness) == (None, (), None)


async def test_paper_citation_count_is_the_number_of_stored_citations(db: Database) -> None:
    author_id = await author_with_papers(db, [7, 0, 2])
    rows = await db.fetch(
        """
        SELECT p.title, p.citation_count FROM papers p JOIN authorships s ON s.paper_id = p.id
        WHERE s.author_id = $1 ORDER BY p.title
        """,
        author_id,
    )
    assert [(row["title"], row["citation_count"]) for row in rows] == [
        ("Paper 1", 7),
        ("Paper 2", 0),
        ("Paper 3", 2),
    ]


async def test_refresh_follows_a_new_citation(db: Database) -> None:
    author_id = await author_with_papers(db, [2, 1])
    assert (await computed(db, author_id)).h_index == 1
    async with db.transaction() as c:
        cited: int = await c.fetchval(
            "SELECT p.id FROM papers p JOIN authorships s ON s.paper_id = p.id "
            "WHERE s.author_id = $1 AND p.title = 'Paper 2'",
            author_id,
        )
        await cite(c, [cited], [1])
        await refresh_paper_citation_counts(c, [cited])
        await refresh_computed_metrics(c, [author_id], at=AT)
    assert figures(await computed(db, author_id)) == {"papers": 2, "citations": 4, "h": 2, "g": 2, "i10": 0}


async def test_refresh_without_change_keeps_computed_at(db: Database) -> None:
    author_id = await author_with_papers(db, [3, 1])
    before = await computed(db, author_id)
    async with db.transaction() as c:
        await refresh_computed_metrics(c, [author_id], at=AT + dt.timedelta(hours=1))
        await refresh_computed_metrics(c, [author_id])  # now(): the same figures in the same year
    assert await computed(db, author_id) == before
    assert before.computed_at == AT


async def test_refresh_takes_repeated_and_unknown_ids(db: Database) -> None:
    author_id = await author_with_papers(db, [3, 1])
    async with db.transaction() as c:
        await refresh_computed_metrics(c, [author_id, author_id], at=AT)
        await refresh_computed_metrics(c, [], at=AT)
    assert figures(await computed(db, author_id)) == {"papers": 2, "citations": 4, "h": 1, "g": 2, "i10": 0}


async def test_semantic_scholar_sample(db: Database) -> None:
    document = json.loads(S2_AUTHOR.read_text(encoding="utf-8"))
    papers = document["papers"]
    assert len(papers) == 60
    author_id = await author_with_papers(
        db, [paper["citationCount"] for paper in papers], years=[paper["year"] for paper in papers]
    )
    record = await computed(db, author_id)
    assert record.h_index == 23 == document["hIndex"]
    assert record.citation_count == 12_416  # the API's own total says 12,415: its corpus moved by one
    # The top 60 sum to 12,416 >= 3,600, so g is capped at n = 60; 26 papers have 10 or more citations.
    assert figures(record) == {"papers": 60, "citations": 12_416, "h": 23, "g": 60, "i10": 26}
    assert (record.first_year, record.last_year) == (1937, 2022)
    # Its citing papers have no authors: nothing is a self-citation.
    assert figures(record.without_self_citations) == figures(record)
    # 2022..2026 holds one paper, uncited.
    assert figures(record.last_5_years) == {"papers": 1, "citations": 0, "h": 0, "g": 0, "i10": 0}
    # No paper of 2023 or 2024.
    assert record.two_year_mean_citedness is None
    shown = as_computed(record, year=2026)
    assert shown.m_quotient == 23 / 90  # 1937..2026 is 90 years
    years = shown.counts_by_year
    assert [c.year for c in years] == list(range(1937, 2027))  # 90 entries, zero years included
    per_year = {c.year: c.paper_count for c in years if c.paper_count}
    assert per_year == {
        1937: 3, 1942: 2, 1948: 1, 1950: 2, 1953: 2, 1954: 1, 1979: 1, 1983: 1, 1987: 1, 1989: 4, 1995: 2,
        1996: 1, 2001: 2, 2003: 1, 2004: 7, 2005: 3, 2007: 2, 2010: 1, 2011: 4, 2012: 6, 2014: 2, 2015: 1,
        2016: 1, 2017: 1, 2018: 2, 2019: 3, 2020: 1, 2022: 1,
    }  # fmt: skip
    assert sum(per_year.values()) == 59  # one paper has no year


async def test_semantic_scholar_sample_as_computed_in_2016(db: Database) -> None:
    # Y = 2016: the last five years are 2012..2016, ten papers cited 328, 7, 6, 3, 1, 0, 0, 0, 0, 0 (345 in
    # all): h = 3 (c_3 = 6 >= 3, c_4 = 3 < 4); 345 >= 10^2, so g = n = 10 (uncapped it would be 18:
    # 345 >= 324); one paper has 10 or more. Y-3..Y-2 = 2013..2014: two papers (of 2014), and the pool's
    # citations are undated, so none is dated 2015: 0 / 2.
    document = json.loads(S2_AUTHOR.read_text(encoding="utf-8"))
    papers = document["papers"]
    window = sorted((p["citationCount"] for p in papers if p["year"] and 2012 <= p["year"] <= 2016), reverse=True)
    assert window == [328, 7, 6, 3, 1, 0, 0, 0, 0, 0]
    author_id = await author_with_papers(
        db,
        [paper["citationCount"] for paper in papers],
        years=[paper["year"] for paper in papers],
        at=dt.datetime(2016, 6, 1, tzinfo=dt.UTC),
    )
    record = await computed(db, author_id)
    assert figures(record.last_5_years) == {"papers": 10, "citations": 345, "h": 3, "g": 10, "i10": 1}
    assert record.two_year_mean_citedness == 0.0


async def test_seed_profile(db: Database) -> None:
    seeded = await load_seed_if_empty(db)
    assert seeded is not None
    async with db.transaction() as c:  # the seed was computed at now(): pin Y to 2026
        await refresh_computed_metrics(c, [seeded.owner_id], at=AT)
    record = await computed(db, seeded.owner_id)
    assert figures(record) == {"papers": 18, "citations": 0, "h": 0, "g": 0, "i10": 0}
    assert series(record.counts_by_year) == [
        (2020, 3, 0), (2021, 1, 0), (2022, 3, 0), (2023, 1, 0), (2024, 2, 0), (2025, 5, 0), (2026, 3, 0),
    ]  # fmt: skip
    shown = as_computed(record, year=2026)
    assert [c.year for c in shown.counts_by_year] == list(range(2020, 2027))
    assert shown.m_quotient == 0.0  # h = 0 over 7 years
    # 2022..2026: 3 + 1 + 2 + 5 + 3 papers.
    assert figures(record.last_5_years) == {"papers": 14, "citations": 0, "h": 0, "g": 0, "i10": 0}
    assert figures(record.without_self_citations) == figures(record)
    # Papers of 2023 and 2024 (three), none cited in 2025.
    assert record.two_year_mean_citedness == 0.0


# --- counts by year, two-year mean citedness, m-quotient ----------------------------------------------


async def test_counts_by_year_date_citations_by_the_citing_paper(db: Database) -> None:
    async with db.transaction() as c:
        author = await add_author(c, "Yearly")
        p2018 = await add_paper(c, 2018, [author])
        p2021 = await add_paper(c, 2021, [author])
        undated = await add_paper(c, None, [author])
        await cited_by_papers_of(c, p2018, [2019, 2019, 2021, 2016])  # 2016: dated before the paper
        await cited_by_papers_of(c, p2021, [None])  # in the totals only
        await cited_by_papers_of(c, undated, [2020])  # an undated paper's citation still has a year
        await refresh(c, [author])
    record = await computed(db, author)
    assert figures(record) == {"papers": 3, "citations": 6, "h": 1, "g": 2, "i10": 0}
    assert series(record.counts_by_year) == [(2016, 0, 1), (2018, 1, 0), (2019, 0, 2), (2020, 0, 1), (2021, 1, 1)]
    shown = as_computed(record, year=2026)
    assert series(shown.counts_by_year) == [
        (2016, 0, 1), (2017, 0, 0), (2018, 1, 0), (2019, 0, 2), (2020, 0, 1), (2021, 1, 1),
        (2022, 0, 0), (2023, 0, 0), (2024, 0, 0), (2025, 0, 0), (2026, 0, 0),
    ]  # fmt: skip
    assert record.first_year == 2018  # the first *paper*; m-quotient counts from it: h 1 over 9 years
    assert shown.m_quotient == 1 / 9


async def test_a_citing_papers_new_date_moves_its_citation_to_the_new_year(db: Database) -> None:
    # the refresh reads a citation's year from the citation's copy of its citing paper's date
    # (citing_newest_key), which the papers' trigger keeps when the date changes; both refreshes
    async with db.transaction() as c:
        author = await add_author(c, "Redated")
        paper = await add_paper(c, 2018, [author])
        citing = await add_paper(c, 2019, cites=[paper])
        undated = await add_paper(c, None, cites=[paper])
        await c.execute("UPDATE papers SET published_on = '2022-03-01' WHERE id = $1", citing)
        await c.execute(
            "UPDATE papers SET published_on = '2020-01-01', published_precision = 'day' WHERE id = $1", undated
        )
        await refresh(c, [author])
    assert series((await computed(db, author)).counts_by_year) == [(2018, 1, 0), (2020, 0, 1), (2022, 0, 1)]
    async with db.transaction() as c:
        await c.execute("UPDATE papers SET published_on = NULL, published_precision = NULL WHERE id = $1", citing)
        await c.execute("CREATE TEMPORARY TABLE everyone ON COMMIT DROP AS SELECT $1::bigint AS author_id", author)
        await refresh_all_computed_metrics(c, "everyone", at=AT)
    record = await computed(db, author)
    assert series(record.counts_by_year) == [(2018, 1, 0), (2020, 0, 1)]
    assert record.citation_count == 2  # the undated citation still counts in the total


async def test_two_year_mean_citedness(db: Database) -> None:
    # Y = 2026: papers of 2023 and 2024 (three), citations from papers of 2025 to them (3 + 2).
    async with db.transaction() as c:
        author = await add_author(c, "Impact")
        p2023 = await add_paper(c, 2023, [author])
        p2024a = await add_paper(c, 2024, [author])
        await add_paper(c, 2024, [author])  # uncited: still counts in N
        p2025 = await add_paper(c, 2025, [author])
        p2022 = await add_paper(c, 2022, [author])
        await cited_by_papers_of(c, p2023, [2025, 2025, 2025, 2024, 2026, None])  # 3 in 2025
        await cited_by_papers_of(c, p2024a, [2025, 2025])  # 2 in 2025
        await cited_by_papers_of(c, p2025, [2025] * 4)  # published in Y-1: not in N
        await cited_by_papers_of(c, p2022, [2025] * 5)  # published in Y-4: not in N
        await refresh(c, [author])
    record = await computed(db, author)
    assert record.two_year_mean_citedness == 5 / 3
    # Citations 6, 5, 4, 2, 0: h 3 (c_4 = 2 < 4); sums 6, 11, 15, 17, 17 against 1, 4, 9, 16, 25: g 4.
    assert figures(record) == {"papers": 5, "citations": 17, "h": 3, "g": 4, "i10": 0}
    assert figures(record.last_5_years) == figures(record)  # every paper is of 2022..2026
    assert series(record.counts_by_year) == [(2022, 1, 0), (2023, 1, 0), (2024, 2, 1), (2025, 1, 14), (2026, 0, 1)]
    # In 2027, N is the papers of 2024 and 2025 (three) and C their citations from 2026: none.
    async with db.transaction() as c:
        await refresh_computed_metrics(c, [author], at=AT_2027)
    later = await computed(db, author)
    assert (later.two_year_mean_citedness, later.computed_at) == (0.0, AT_2027)


async def test_two_year_mean_citedness_is_null_without_papers_of_those_years(db: Database) -> None:
    record = await computed(db, await author_with_papers(db, [4, 4], years=[2021, 2025]))
    assert record.two_year_mean_citedness is None


def test_m_quotient() -> None:
    assert m_quotient(23, 1937, 2026) == 23 / 90
    assert m_quotient(4, 2026, 2026) == 4.0  # first paper this year: / 1
    assert m_quotient(2, 2027, 2026) == 2.0  # a first paper dated in the future counts as this year
    assert m_quotient(0, 2020, 2026) == 0.0
    assert m_quotient(5, None, 2026) is None


def test_fill_years() -> None:
    assert fill_years([], 2026) == ()
    assert series(fill_years([YearCount(2024, 1, 0)], 2026)) == [(2024, 1, 0), (2025, 0, 0), (2026, 0, 0)]
    # Counts after the current year (future-dated papers) extend the series.
    assert series(fill_years([YearCount(2025, 1, 2), YearCount(2028, 1, 0)], 2026)) == [
        (2025, 1, 2), (2026, 0, 0), (2027, 0, 0), (2028, 1, 0),
    ]  # fmt: skip


# --- variants -------------------------------------------------------------------------------------------


async def test_last_five_years_window_follows_the_computation_year(db: Database) -> None:
    # Citations 50 (2021), 3 (2022), 3 (2024), 12 (2026), 40 (undated), 1 (2027, after Y).
    author_id = await author_with_papers(db, [50, 3, 3, 12, 40, 1], years=[2021, 2022, 2024, 2026, None, 2027])
    record = await computed(db, author_id)
    # All: 50, 40, 12, 3, 3, 1: h 3 (c_4 = 3 < 4); three papers >= 10; sums reach 109 >= 36: g = n = 6.
    assert figures(record) == {"papers": 6, "citations": 109, "h": 3, "g": 6, "i10": 3}
    # 2022..2026: 12, 3, 3: h 3, g 3 (18 >= 9; uncapped it would be 4, 18 >= 16).
    assert figures(record.last_5_years) == {"papers": 3, "citations": 18, "h": 3, "g": 3, "i10": 1}
    async with db.transaction() as c:
        await refresh_computed_metrics(c, [author_id], at=AT_2027)
    record = await computed(db, author_id)
    # 2023..2027: 12, 3, 1: h 2 (c_3 = 1 < 3), g 3 (16 >= 9).
    assert figures(record.last_5_years) == {"papers": 3, "citations": 16, "h": 2, "g": 3, "i10": 1}
    assert record.computed_at == AT_2027


async def test_self_citations_are_left_out_per_author(db: Database) -> None:
    async with db.transaction() as c:
        a = await add_author(c, "Ada Self")
        b = await add_author(c, "Bo Coauthor")
        p1 = await add_paper(c, 2020, [a, b])
        p2 = await add_paper(c, 2021, [a], cites=[p1])
        await add_paper(c, 2022, [a], cites=[p1, p2])
        await add_paper(c, 2022, [b], cites=[p1])  # W: B's own, without A
        await add_paper(c, 2023, [], cites=[p1, p2])  # X: by nobody
        await refresh(c, [a, b])
    ada, bo = await computed(db, a), await computed(db, b)
    # A: P1 cited by P2, P3, W, X (4), P2 by P3, X (2), P3 by none: h 2; sums 4, 6, 6 vs 1, 4, 9: g 2.
    assert figures(ada) == {"papers": 3, "citations": 6, "h": 2, "g": 2, "i10": 0}
    # Without A's own P2 and P3: P1 by W, X (2), P2 by X (1): h 1; sums 2, 3, 3 vs 1, 4, 9: g 1.
    assert figures(ada.without_self_citations) == {"papers": 3, "citations": 3, "h": 1, "g": 1, "i10": 0}
    # B: P1 (4), W (0): h 1, g 2 (4 >= 4). Without W (B's own): P1 by P2, P3, X: 3, 0: h 1, g 1 (3 < 4).
    assert figures(bo) == {"papers": 2, "citations": 4, "h": 1, "g": 2, "i10": 0}
    assert figures(bo.without_self_citations) == {"papers": 2, "citations": 3, "h": 1, "g": 1, "i10": 0}
    # Per year, self-citations count (the series is the ALL set): P3 and X each cite two of A's papers.
    assert series(ada.counts_by_year) == [(2020, 1, 0), (2021, 1, 1), (2022, 1, 3), (2023, 0, 2)]


async def test_a_refresh_of_all_authors_at_once_stores_what_one_by_one_stores(db: Database) -> None:
    # A graph with every case: undated papers, papers of every year of the windows, coauthors, self-citations,
    # authors without papers; built at random (fixed seed), citing only earlier papers.
    chooser = random.Random(20261207)
    async with db.transaction() as c:
        authors = [await add_author(c, f"Graph author {n}") for n in range(24)]
        papers: list[int] = []
        for _ in range(90):
            year = chooser.choice([None, 2012, 2018, 2021, 2022, 2023, 2024, 2025, 2026])
            cited = chooser.sample(papers, min(len(papers), chooser.randint(0, 9)))
            papers.append(await add_paper(c, year, chooser.sample(authors[:20], chooser.randint(1, 4)), cited))
        await refresh(c, authors)
    one_by_one = await computed_metrics_of_authors(db, authors)
    async with db.transaction() as c:
        await c.execute("DELETE FROM author_computed_metrics")
        await c.execute("CREATE TEMP TABLE all_targets ON COMMIT DROP AS SELECT id AS author_id FROM authors")
        await refresh_all_computed_metrics(c, "all_targets", at=AT)
        # the planner setting it turns off for its last statement is the transaction's own again
        assert await c.fetchval("SELECT current_setting('enable_hashagg')") == "on"
        # and the tables of its steps are gone before the transaction ends
        assert await c.fetchval("SELECT count(*) FROM pg_class WHERE relname LIKE 'refresh\\_%'") == 0
    assert await computed_metrics_of_authors(db, authors) == one_by_one
    assert {record.paper_count for record in one_by_one.values()} != {0}, "the graph has papers"


async def test_migration_backfill_stores_what_refresh_stores(empty_database_url: str) -> None:
    await asyncio.to_thread(migrate.upgrade, empty_database_url, "0001")
    connection = await asyncpg.connect(empty_database_url)
    try:
        await connection.execute(
            """
            INSERT INTO authors (name) VALUES ('Ada'), ('Bo');
            INSERT INTO papers (title, published_on, published_precision) VALUES
                ('P1', '2020-01-01', 'day'), ('P2', '2023-01-01', 'day'), ('X', '2025-01-01', 'day'),
                ('U', NULL, NULL);
            INSERT INTO authorships (paper_id, author_id, position, list_order, name_as_written) VALUES
                (1, 1, 1, 1, 'Ada'), (1, 2, 2, 2, 'Bo'), (2, 1, 1, 1, 'Ada'), (4, 2, 1, 1, 'Bo');
            INSERT INTO citations VALUES (2, 1), (3, 1), (3, 2), (4, 1);
            UPDATE papers SET citation_count = 3 WHERE id = 1;
            UPDATE papers SET citation_count = 1 WHERE id = 2;
            INSERT INTO author_computed_metrics (author_id, paper_count, citation_count, h_index, i10_index, g_index)
            VALUES (1, 2, 4, 1, 0, 2), (2, 2, 3, 1, 0, 1);
            """
        )
    finally:
        await connection.close()
    await migrate.upgrade_async(empty_database_url)
    db = await Database.connect(empty_database_url, min_size=1, max_size=2)
    try:
        backfilled = await computed_metrics_of_authors(db, [1, 2])
        assert series(backfilled[1].counts_by_year) == [(2020, 1, 0), (2023, 1, 1), (2025, 0, 2)]
        assert figures(backfilled[1].without_self_citations) == {"papers": 2, "citations": 3, "h": 1, "g": 1, "i10": 0}
        async with db.transaction() as c:
            await refresh_computed_metrics(c, [1, 2])  # now(), the same year as the migration's
        assert await computed_metrics_of_authors(db, [1, 2]) == backfilled  # nothing to change
    finally:
        await db.close()


# --- reported figures, and which set is shown ---------------------------------------------------------


async def test_reported_metrics_newest_first_and_empty_for_others(db: Database) -> None:
    author_id: int = await db.fetchval("INSERT INTO authors (name) VALUES ('Reported') RETURNING id")
    other: int = await db.fetchval("INSERT INTO authors (name) VALUES ('Quiet') RETURNING id")
    await db.fetch(
        """
        INSERT INTO author_reported_metrics (author_id, source, as_of, h_index)
        VALUES ($1, 'profile-page', '2025-11-27', 30), ($1, 'profile-page', '2026-11-27', 34)
        """,
        author_id,
    )
    reported = await reported_metrics_of_authors(db, [author_id, other])
    assert [(r.as_of, r.h_index) for r in reported[author_id]] == [
        (dt.date(2026, 11, 27), 34),
        (dt.date(2025, 11, 27), 30),
    ]
    assert reported[other] == []


COMPUTED_AT = dt.datetime(2026, 11, 28, 12, 0, tzinfo=dt.UTC)
COMPUTED = ComputedMetricsRecord(
    author_id=1, paper_count=18, citation_count=5, h_index=2, i10_index=0, g_index=2,
    first_year=2020, last_year=2026, computed_at=COMPUTED_AT, two_year_mean_citedness=0.5,
    counts_by_year=(YearCount(2020, 3, 0), YearCount(2023, 1, 4), YearCount(2026, 14, 1)),
    last_5_years=CitationFigures(paper_count=15, citation_count=1, h_index=1, i10_index=0, g_index=1),
    without_self_citations=CitationFigures(paper_count=18, citation_count=2, h_index=1, i10_index=0, g_index=1),
)  # fmt: skip


def reported(as_of: dt.date, **counts: int | None) -> ReportedMetricsRecord:
    values: dict[str, int | None] = {"h_index": 34, "i10_index": 40, "citation_count": 220, "paper_count": 18}
    values.update(counts)
    return ReportedMetricsRecord(
        author_id=1, source="profile-page", as_of=as_of, novelty=Decimal("0.59"), ai_score=Decimal("59"),
        **values,
    )  # fmt: skip


def test_as_computed_over_all_papers() -> None:
    shown = as_computed(COMPUTED, year=2026)
    assert shown.source == COMPUTED_SOURCE == "computed"
    assert (shown.h_index, shown.citation_count, shown.paper_count, shown.i10_index, shown.g_index) == (
        2, 5, 18, 0, 2,
    )  # fmt: skip
    assert shown.m_quotient == 2 / 7
    assert shown.two_year_mean_citedness == 0.5
    assert [c.year for c in shown.counts_by_year] == list(range(2020, 2027))
    assert (shown.as_of, shown.computed_at, shown.novelty, shown.ai_score) == (None, COMPUTED_AT, None, None)
    # Read in a later year, m-quotient and the series follow; the stored figures do not move.
    later = as_computed(COMPUTED, year=2029)
    assert later.m_quotient == 2 / 10
    assert series(later.counts_by_year)[-3:] == [(2027, 0, 0), (2028, 0, 0), (2029, 0, 0)]


def test_as_computed_variants_carry_their_five_figures_only() -> None:
    recent = as_computed(COMPUTED, Variant.LAST_5_YEARS, year=2026)
    assert figures(recent) == {"papers": 15, "citations": 1, "h": 1, "g": 1, "i10": 0}
    unselfish = as_computed(COMPUTED, Variant.WITHOUT_SELF_CITATIONS, year=2026)
    assert figures(unselfish) == {"papers": 18, "citations": 2, "h": 1, "g": 1, "i10": 0}
    for shown in (recent, unselfish):
        assert (shown.m_quotient, shown.two_year_mean_citedness, shown.counts_by_year) == (None, None, ())
        assert (shown.source, shown.computed_at) == (COMPUTED_SOURCE, COMPUTED_AT)


def test_as_reported_lacks_what_the_source_does_not_report() -> None:
    shown = as_reported(reported(dt.date(2026, 11, 27)))
    assert (shown.h_index, shown.i10_index, shown.citation_count, shown.paper_count) == (34, 40, 220, 18)
    assert (shown.g_index, shown.m_quotient, shown.two_year_mean_citedness, shown.counts_by_year) == (
        None, None, None, (),
    )  # fmt: skip
    assert shown.computed_at is None


def test_preferred_without_reported_is_computed() -> None:
    assert preferred([], COMPUTED, year=2026) == as_computed(COMPUTED, year=2026)


def test_preferred_reported_figures_win() -> None:
    shown = preferred([reported(dt.date(2026, 11, 27))], COMPUTED, year=2026)
    assert (shown.source, shown.as_of) == ("profile-page", dt.date(2026, 11, 27))
    assert (shown.h_index, shown.citation_count, shown.paper_count, shown.i10_index) == (34, 220, 18, 40)
    assert (shown.novelty, shown.ai_score) == (Decimal("0.59"), Decimal("59"))
    # What no source reports is filled in from the computed set (with its time): g, m, 2-year, years.
    assert (shown.g_index, shown.m_quotient, shown.two_year_mean_citedness) == (2, 2 / 7, 0.5)
    assert [c.year for c in shown.counts_by_year] == list(range(2020, 2027))
    assert shown.computed_at == COMPUTED_AT


def test_preferred_fills_missing_counts_from_computed() -> None:
    shown = preferred([reported(dt.date(2026, 11, 27), i10_index=None, citation_count=None)], COMPUTED, year=2026)
    assert (shown.h_index, shown.paper_count) == (34, 18)  # reported
    assert (shown.i10_index, shown.citation_count, shown.g_index) == (0, 5, 2)  # computed
    assert shown.computed_at == COMPUTED_AT
    assert (shown.source, shown.as_of) == ("profile-page", dt.date(2026, 11, 27))


def test_preferred_takes_the_first_reported_set() -> None:
    newest, older = reported(dt.date(2026, 11, 27), h_index=34), reported(dt.date(2025, 11, 27), h_index=30)
    shown = preferred([newest, older], COMPUTED, year=2026)
    assert (shown.as_of, shown.h_index) == (dt.date(2026, 11, 27), 34)
