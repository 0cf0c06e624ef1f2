"""Author metrics: the figures sources report, and the figures computed from the stored graph.

Computed figures are refreshed by the writes that change an author's papers or citations
(`refresh_computed_metrics`), never per request. Definitions, over an author's stored papers with
c_1 >= c_2 >= ... >= c_n their citation counts (citations stored in this database):

- paper_count    n
- citation_count c_1 + ... + c_n
- h_index        the largest h such that c_h >= h (0 when there is no such h)
- i10_index      the number of papers with c_i >= 10
- g_index        the largest g <= n such that c_1 + ... + c_g >= g^2 (0 when there is none)
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from api.db.pool import Connection, Database
from api.db.records import ComputedMetricsRecord, MetricsRecord, ReportedMetricsRecord

COMPUTED_SOURCE = "computed"
_COUNTS = ("h_index", "citation_count", "paper_count", "i10_index", "g_index")


def as_computed(record: ComputedMetricsRecord) -> MetricsRecord:
    return MetricsRecord(
        h_index=record.h_index,
        citation_count=record.citation_count,
        paper_count=record.paper_count,
        i10_index=record.i10_index,
        g_index=record.g_index,
        novelty=None,
        ai_score=None,
        source=COMPUTED_SOURCE,
        as_of=None,
        computed_at=record.computed_at,
    )


def as_reported(record: ReportedMetricsRecord) -> MetricsRecord:
    return MetricsRecord(
        h_index=record.h_index,
        citation_count=record.citation_count,
        paper_count=record.paper_count,
        i10_index=record.i10_index,
        g_index=None,
        novelty=record.novelty,
        ai_score=record.ai_score,
        source=record.source,
        as_of=record.as_of,
        computed_at=None,
    )


def preferred(reported: Sequence[ReportedMetricsRecord], computed: ComputedMetricsRecord) -> MetricsRecord:
    """The figures to show: the newest reported set, each count it lacks filled in from the computed set
    (`computed_at` then tells when those were computed); the computed set when nothing is reported."""
    base = as_computed(computed)
    if not reported:
        return base
    latest = as_reported(reported[0])
    fills: dict[str, object] = {name: getattr(base, name) for name in _COUNTS if getattr(latest, name) is None}
    if fills:
        fills["computed_at"] = base.computed_at
    return dataclasses.replace(latest, **fills)  # type: ignore[arg-type]


async def reported_metrics_of_authors(
    db: Database, author_ids: Sequence[int]
) -> dict[int, list[ReportedMetricsRecord]]:
    """Every reported snapshot of each author, newest first."""
    rows = await db.fetch(
        """
        SELECT author_id, source, as_of, h_index, i10_index, citation_count, paper_count, novelty, ai_score
        FROM author_reported_metrics
        WHERE author_id = ANY($1::bigint[])
        ORDER BY author_id, as_of DESC, recorded_at DESC, source
        """,
        list(author_ids),
    )
    grouped: dict[int, list[ReportedMetricsRecord]] = {author_id: [] for author_id in author_ids}
    for row in rows:
        grouped[row["author_id"]].append(ReportedMetricsRecord(**dict(row)))
    return grouped


async def computed_metrics_of_authors(db: Database, author_ids: Sequence[int]) -> dict[int, ComputedMetricsRecord]:
    """The computed figures of each author; an author never computed (no papers yet) gets zeros."""
    rows = await db.fetch(
        """
        SELECT author_id, paper_count, citation_count, h_index, i10_index, g_index, first_year, last_year,
               computed_at
        FROM author_computed_metrics WHERE author_id = ANY($1::bigint[])
        """,
        list(author_ids),
    )
    found = {row["author_id"]: ComputedMetricsRecord(**dict(row)) for row in rows}
    return {author_id: found.get(author_id) or _zero(author_id) for author_id in author_ids}


def _zero(author_id: int) -> ComputedMetricsRecord:
    return ComputedMetricsRecord(
        author_id=author_id,
        paper_count=0,
        citation_count=0,
        h_index=0,
        i10_index=0,
        g_index=0,
        first_year=None,
        last_year=None,
        computed_at=None,
    )


async def refresh_paper_citation_counts(connection: Connection, paper_ids: Sequence[int]) -> None:
    """Set each paper's citation_count to the number of stored papers citing it (only if it changed)."""
    await connection.execute(
        """
        UPDATE papers p SET citation_count = c.n
        FROM (SELECT x.id, (SELECT count(*) FROM citations WHERE cited_paper_id = x.id)::int AS n
              FROM unnest($1::bigint[]) AS x(id)) c
        WHERE p.id = c.id AND p.citation_count IS DISTINCT FROM c.n
        """,
        list(paper_ids),
    )


async def refresh_computed_metrics(connection: Connection, author_ids: Sequence[int]) -> None:
    """Recompute the metrics of the given authors from their stored papers (one statement)."""
    await connection.execute(
        """
        WITH ranked AS (
            SELECT s.author_id, p.citation_count AS c, p.published_year,
                   row_number() OVER w AS rank, sum(p.citation_count) OVER w AS running
            FROM authorships s JOIN papers p ON p.id = s.paper_id
            WHERE s.author_id = ANY($1::bigint[])
            WINDOW w AS (PARTITION BY s.author_id ORDER BY p.citation_count DESC, p.id
                         ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
        ), figures AS (
            SELECT x.author_id,
                   count(r.rank)::int AS paper_count,
                   coalesce(sum(r.c), 0)::int AS citation_count,
                   count(*) FILTER (WHERE r.c >= r.rank)::int AS h_index,
                   count(*) FILTER (WHERE r.c >= 10)::int AS i10_index,
                   coalesce(max(r.rank) FILTER (WHERE r.running >= r.rank * r.rank), 0)::int AS g_index,
                   min(r.published_year) AS first_year,
                   max(r.published_year) AS last_year
            FROM unnest($1::bigint[]) AS x(author_id)
            LEFT JOIN ranked r ON r.author_id = x.author_id
            GROUP BY x.author_id
        )
        INSERT INTO author_computed_metrics AS m
            (author_id, paper_count, citation_count, h_index, i10_index, g_index, first_year, last_year)
        SELECT * FROM figures
        ON CONFLICT (author_id) DO UPDATE SET
            paper_count = EXCLUDED.paper_count, citation_count = EXCLUDED.citation_count,
            h_index = EXCLUDED.h_index, i10_index = EXCLUDED.i10_index, g_index = EXCLUDED.g_index,
            first_year = EXCLUDED.first_year, last_year = EXCLUDED.last_year, computed_at = now()
        WHERE (m.paper_count, m.citation_count, m.h_index, m.i10_index, m.g_index, m.first_year, m.last_year)
              IS DISTINCT FROM (EXCLUDED.paper_count, EXCLUDED.citation_count, EXCLUDED.h_index,
                                EXCLUDED.i10_index, EXCLUDED.g_index, EXCLUDED.first_year, EXCLUDED.last_year)
        """,
        list(author_ids),
    )
