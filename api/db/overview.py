"""What an instance holds, for its front page: how many papers, authors and citations, when papers last
changed, and an author to show as the example.

One statement, cheap on a database of any size:
- a table PostgreSQL estimates at up to `EXACT_COUNT_LIMIT` rows is counted exactly; a larger one is given
  by its planner estimate (`pg_class.reltuples`, kept current by autovacuum and by the bulk load's ANALYZE)
  and flagged as such, so a front page never scans 20 million citations. A table never analysed (estimate
  -1) is counted. PostgreSQL runs each count's subquery only when its CASE branch is taken.
- the last change is the latest `papers.updated_at` (an import writing a paper, a correction changing a
  byline), read from its index;
- the example author is the one with the most stored papers (ties by id): on the bundled seed, its profile
  owner; with its computed h-index and paper count, and the h-index its newest source reports (the order
  `Author.reportedMetrics` uses: newest `as_of`, then newest recorded, then source).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from api.db.pool import Database

EXACT_COUNT_LIMIT = 100_000
"""Tables estimated at more rows than this are given by their estimate, not counted."""


@dataclass(frozen=True)
class Tally:
    """A number of rows, exact or the planner's estimate."""

    count: int
    exact: bool


@dataclass(frozen=True)
class ExampleAuthor:
    """The author the front page shows as an example, with the figures of its card."""

    id: int
    name: str
    paper_count: int
    computed_h_index: int
    reported_h_index: int | None
    """None when no source reports an h-index for the author."""
    reported_source: str | None
    reported_as_of: dt.date | None


@dataclass(frozen=True)
class Overview:
    papers: Tally
    authors: Tally
    citations: Tally
    last_change: dt.datetime | None
    """The latest time a paper was stored or changed; None in an empty database."""
    example: ExampleAuthor | None
    """The author with the most papers (ties: lowest id); None when there is none."""


def _tally_sql(table: str) -> str:
    estimate = f"(SELECT reltuples::bigint FROM pg_class WHERE oid = '{table}'::regclass)"
    return f"""
        CASE WHEN {estimate} BETWEEN 0 AND $1 OR {estimate} < 0 THEN (SELECT count(*) FROM {table})
             ELSE {estimate} END AS {table},
        NOT coalesce({estimate} > $1, false) AS {table}_exact"""


_OVERVIEW_SQL = f"""
SELECT {",".join(_tally_sql(table) for table in ("papers", "authors", "citations"))},
    (SELECT max(updated_at) FROM papers) AS last_change,
    example.id AS example_id, example.name AS example_name, example.paper_count, example.h_index,
    reported.h_index AS reported_h_index, reported.source AS reported_source, reported.as_of AS reported_as_of
FROM (SELECT 1) AS one
LEFT JOIN LATERAL (
    SELECT a.id, a.name, top.paper_count, top.h_index
    FROM (  -- the top row first, then its author: no join over every row
        SELECT author_id, paper_count, h_index FROM author_computed_metrics
        ORDER BY paper_count DESC, author_id
        LIMIT 1
    ) AS top
    JOIN authors a ON a.id = top.author_id
) AS example ON true
LEFT JOIN LATERAL (
    SELECT r.h_index, r.source, r.as_of
    FROM author_reported_metrics r
    WHERE r.author_id = example.id AND r.h_index IS NOT NULL
    ORDER BY r.as_of DESC, r.recorded_at DESC, r.source
    LIMIT 1
) AS reported ON true
"""


async def instance_overview(db: Database, *, exact_count_limit: int = EXACT_COUNT_LIMIT) -> Overview:
    """The figures of the front page, in one statement."""
    row = await db.fetchrow(_OVERVIEW_SQL, exact_count_limit)
    assert row is not None  # the statement always answers one row
    return Overview(
        papers=Tally(row["papers"], row["papers_exact"]),
        authors=Tally(row["authors"], row["authors_exact"]),
        citations=Tally(row["citations"], row["citations_exact"]),
        last_change=row["last_change"],
        example=None
        if row["example_id"] is None
        else ExampleAuthor(
            id=row["example_id"],
            name=row["example_name"],
            paper_count=row["paper_count"],
            computed_h_index=row["h_index"],
            reported_h_index=row["reported_h_index"],
            reported_source=row["reported_source"],
            reported_as_of=row["reported_as_of"],
        ),
    )
