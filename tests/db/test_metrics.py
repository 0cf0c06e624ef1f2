"""Author metrics: computed figures pinned against hand-computed values, and which figures are shown.

Each graph is built with plain SQL on a fresh database: an author, their papers, and citations from a
pool of citing papers nobody in the test authors (paper i with c_i citations is cited by the first c_i
papers of the pool). Then `refresh_paper_citation_counts` and `refresh_computed_metrics` run in one
transaction, as a writer would, and the stored figures are read back with `computed_metrics_of_authors`.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

from api.db.metrics import (
    COMPUTED_SOURCE,
    computed_metrics_of_authors,
    preferred,
    refresh_computed_metrics,
    refresh_paper_citation_counts,
    reported_metrics_of_authors,
)
from api.db.pool import Connection, Database
from api.db.records import ComputedMetricsRecord, ReportedMetricsRecord

S2_AUTHOR = Path(__file__).resolve().parents[1] / "fixtures" / "semanticscholar-author.json"


async def author_with_papers(
    db: Database, citation_counts: Sequence[int], years: Sequence[int | None] | None = None
) -> int:
    """An author of one paper per citation count (published in `years`, default 2020), refreshed."""
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
        await refresh_computed_metrics(c, [author_id])
    return author_id


async def cite(c: Connection, paper_ids: Sequence[int], citation_counts: Sequence[int]) -> None:
    """Give paper i citation_counts[i] citations from a pool of fresh citing papers (set-based)."""
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


async def computed(db: Database, author_id: int) -> ComputedMetricsRecord:
    return (await computed_metrics_of_authors(db, [author_id]))[author_id]


def figures(record: ComputedMetricsRecord) -> dict[str, int]:
    return {
        "papers": record.paper_count,
        "citations": record.citation_count,
        "h": record.h_index,
        "g": record.g_index,
        "i10": record.i10_index,
    }


# --- computed figures ---------------------------------------------------------------------------------


async def test_author_without_papers_gets_zeros(db: Database) -> None:
    author_id = await author_with_papers(db, [])
    record = await computed(db, author_id)
    assert figures(record) == {"papers": 0, "citations": 0, "h": 0, "g": 0, "i10": 0}
    assert (record.first_year, record.last_year) == (None, None)
    assert record.computed_at is not None  # refreshed, and stored


async def test_never_computed_author_reads_as_zeros(db: Database) -> None:
    author_id: int = await db.fetchval("INSERT INTO authors (name) VALUES ('Nobody') RETURNING id")
    record = await computed(db, author_id)
    assert figures(record) == {"papers": 0, "citations": 0, "h": 0, "g": 0, "i10": 0}
    assert record.computed_at is None


async def test_uncited_papers(db: Database) -> None:
    record = await computed(db, await author_with_papers(db, [0, 0, 0]))
    assert figures(record) == {"papers": 3, "citations": 0, "h": 0, "g": 0, "i10": 0}


async def test_ties_three_papers_of_three(db: Database) -> None:
    record = await computed(db, await author_with_papers(db, [3, 3, 3]))
    assert figures(record) == {"papers": 3, "citations": 9, "h": 3, "g": 3, "i10": 0}


async def test_ties_five_papers_of_five(db: Database) -> None:
    record = await computed(db, await author_with_papers(db, [5, 5, 5, 5, 5]))
    assert figures(record) == {"papers": 5, "citations": 25, "h": 5, "g": 5, "i10": 0}


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


async def test_years_ignore_undated_papers(db: Database) -> None:
    author_id = await author_with_papers(db, [1, 2, 3, 4], years=[2019, None, 2021, 2015])
    record = await computed(db, author_id)
    assert (record.first_year, record.last_year) == (2015, 2021)
    assert record.paper_count == 4


async def test_years_unknown_when_no_paper_is_dated(db: Database) -> None:
    record = await computed(db, await author_with_papers(db, [1, 2], years=[None, None]))
    assert (record.first_year, record.last_year) == (None, None)


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
        await refresh_computed_metrics(c, [author_id])
    assert figures(await computed(db, author_id)) == {"papers": 2, "citations": 4, "h": 2, "g": 2, "i10": 0}


async def test_refresh_without_change_keeps_computed_at(db: Database) -> None:
    author_id = await author_with_papers(db, [3, 1])
    before = await computed(db, author_id)
    async with db.transaction() as c:
        await refresh_computed_metrics(c, [author_id])
    assert await computed(db, author_id) == before


async def test_semantic_scholar_sample_h_index_23(db: Database) -> None:
    document = json.loads(S2_AUTHOR.read_text(encoding="utf-8"))
    papers = document["papers"]
    assert len(papers) == 60
    author_id = await author_with_papers(
        db, [paper["citationCount"] for paper in papers], years=[paper["year"] for paper in papers]
    )
    record = await computed(db, author_id)
    assert record.h_index == 23 == document["hIndex"]
    assert record.citation_count == 12_416  # the API's own total says 12,415: its corpus moved by one
    assert figures(record) == {"papers": 60, "citations": 12_416, "h": 23, "g": 60, "i10": 26}
    assert (record.first_year, record.last_year) == (1937, 2022)


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
    author_id=1, paper_count=18, citation_count=0, h_index=0, i10_index=0, g_index=0,
    first_year=2020, last_year=2026, computed_at=COMPUTED_AT,
)  # fmt: skip


def reported(as_of: dt.date, **counts: int | None) -> ReportedMetricsRecord:
    values: dict[str, int | None] = {"h_index": 34, "i10_index": 40, "citation_count": 220, "paper_count": 18}
    values.update(counts)
    return ReportedMetricsRecord(
        author_id=1, source="profile-page", as_of=as_of, novelty=Decimal("0.59"), ai_score=Decimal("59"),
        **values,
    )  # fmt: skip


def test_preferred_without_reported_is_computed() -> None:
    shown = preferred([], COMPUTED)
    assert shown.source == COMPUTED_SOURCE == "computed"
    assert (shown.h_index, shown.citation_count, shown.paper_count, shown.i10_index, shown.g_index) == (
        0, 0, 18, 0, 0,
    )  # fmt: skip
    assert (shown.as_of, shown.computed_at) == (None, COMPUTED_AT)
    assert (shown.novelty, shown.ai_score) == (None, None)


def test_preferred_reported_figures_win() -> None:
    shown = preferred([reported(dt.date(2026, 11, 27))], COMPUTED)
    assert (shown.source, shown.as_of) == ("profile-page", dt.date(2026, 11, 27))
    assert (shown.h_index, shown.citation_count, shown.paper_count, shown.i10_index) == (34, 220, 18, 40)
    assert (shown.novelty, shown.ai_score) == (Decimal("0.59"), Decimal("59"))


def test_preferred_fills_missing_counts_from_computed() -> None:
    shown = preferred([reported(dt.date(2026, 11, 27), i10_index=None, citation_count=None)], COMPUTED)
    assert (shown.h_index, shown.paper_count) == (34, 18)  # reported
    assert (shown.i10_index, shown.citation_count, shown.g_index) == (0, 0, 0)  # computed
    assert shown.computed_at == COMPUTED_AT
    assert (shown.source, shown.as_of) == ("profile-page", dt.date(2026, 11, 27))


def test_preferred_takes_the_first_reported_set() -> None:
    newest, older = reported(dt.date(2026, 11, 27), h_index=34), reported(dt.date(2025, 11, 27), h_index=30)
    shown = preferred([newest, older], COMPUTED)
    assert (shown.as_of, shown.h_index) == (dt.date(2026, 11, 27), 34)
