"""Computed metrics: counts by year, two-year mean citedness, and the last-5-years and
without-self-citations variants, beside the figures 0001 stores; existing rows are recomputed.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

from __future__ import annotations

from api.db.migrate import run_sql_script

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# The backfill is a frozen copy of `api.db.metrics.refresh_computed_metrics` as of this revision (a
# migration must not change meaning when the code moves on), over every author computed so far, at
# now(). tests/db/test_metrics.py checks that it stores what the code's refresh stores.
UPGRADE = r"""
ALTER TABLE author_computed_metrics
    ADD COLUMN two_year_mean_citedness double precision,
    ADD COLUMN counts_by_year          jsonb NOT NULL DEFAULT '[]',
    ADD COLUMN last5_paper_count       integer NOT NULL DEFAULT 0,
    ADD COLUMN last5_citation_count    integer NOT NULL DEFAULT 0,
    ADD COLUMN last5_h_index           integer NOT NULL DEFAULT 0,
    ADD COLUMN last5_i10_index         integer NOT NULL DEFAULT 0,
    ADD COLUMN last5_g_index           integer NOT NULL DEFAULT 0,
    ADD COLUMN noself_paper_count      integer NOT NULL DEFAULT 0,
    ADD COLUMN noself_citation_count   integer NOT NULL DEFAULT 0,
    ADD COLUMN noself_h_index          integer NOT NULL DEFAULT 0,
    ADD COLUMN noself_i10_index        integer NOT NULL DEFAULT 0,
    ADD COLUMN noself_g_index          integer NOT NULL DEFAULT 0;

COMMENT ON COLUMN author_computed_metrics.counts_by_year IS
    'Years with a dated paper or a dated citation, ascending: [{"year", "papers", "citations"}]; '
    'readers fill the years in between (and up to the current year) with zeros.';
COMMENT ON COLUMN author_computed_metrics.two_year_mean_citedness IS
    'With Y the UTC year of computed_at: citations dated Y-1 to papers published in Y-3 or Y-2, '
    'divided by the number of those papers; NULL when there are none.';
COMMENT ON COLUMN author_computed_metrics.last5_paper_count IS
    'last5_*: the figures over the papers published in Y-4..Y (Y the UTC year of computed_at).';
COMMENT ON COLUMN author_computed_metrics.noself_paper_count IS
    'noself_*: the figures with citations from papers the author is also on left out.';

WITH targets AS (
    SELECT author_id FROM author_computed_metrics
), computation AS (
    SELECT now() AS at, extract(year FROM now() AT TIME ZONE 'UTC')::int AS y
), authored AS (
    SELECT s.author_id, p.id AS paper_id, p.published_year AS year
    FROM authorships s JOIN papers p ON p.id = s.paper_id
    WHERE s.author_id IN (SELECT author_id FROM targets)
), received AS (
    SELECT a.author_id, a.paper_id, a.year, citing.published_year AS citing_year,
           EXISTS (SELECT 1 FROM authorships own
                   WHERE own.paper_id = c.citing_paper_id AND own.author_id = a.author_id) AS self
    FROM authored a
    JOIN citations c ON c.cited_paper_id = a.paper_id
    JOIN papers citing ON citing.id = c.citing_paper_id
), per_paper AS (
    SELECT a.author_id, a.paper_id, a.year,
           count(r.paper_id)::int AS cited,
           (count(r.paper_id) FILTER (WHERE NOT r.self))::int AS cited_by_others
    FROM authored a
    LEFT JOIN received r ON r.author_id = a.author_id AND r.paper_id = a.paper_id
    GROUP BY a.author_id, a.paper_id, a.year
), scored AS (
    SELECT pp.author_id, v.variant, pp.paper_id, v.c
    FROM per_paper pp
    CROSS JOIN computation k
    CROSS JOIN LATERAL (VALUES ('all', pp.cited, true),
                               ('last5', pp.cited, pp.year BETWEEN k.y - 4 AND k.y),
                               ('noself', pp.cited_by_others, true)) AS v (variant, c, counted)
    WHERE v.counted
), ranked AS (
    SELECT author_id, variant, c, row_number() OVER w AS rank, sum(c) OVER w AS running
    FROM scored
    WINDOW w AS (PARTITION BY author_id, variant ORDER BY c DESC, paper_id
                 ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
), figures AS (
    SELECT author_id, variant,
           count(*)::int AS paper_count,
           sum(c)::int AS citation_count,
           (count(*) FILTER (WHERE c >= rank))::int AS h_index,
           (count(*) FILTER (WHERE c >= 10))::int AS i10_index,
           coalesce(max(rank) FILTER (WHERE running >= rank * rank), 0)::int AS g_index
    FROM ranked
    GROUP BY author_id, variant
), yearly AS (
    SELECT author_id, year, sum(papers)::int AS papers, sum(citations)::int AS citations
    FROM (SELECT author_id, year, 1 AS papers, 0 AS citations FROM authored WHERE year IS NOT NULL
          UNION ALL
          SELECT author_id, citing_year, 0, 1 FROM received WHERE citing_year IS NOT NULL) AS counted
    GROUP BY author_id, year
), two_years AS (
    SELECT a.author_id,
           count(DISTINCT a.paper_id) AS works,
           count(r.paper_id) FILTER (WHERE r.citing_year = k.y - 1) AS citations
    FROM authored a
    CROSS JOIN computation k
    LEFT JOIN received r ON r.author_id = a.author_id AND r.paper_id = a.paper_id
    WHERE a.year BETWEEN k.y - 3 AND k.y - 2
    GROUP BY a.author_id
), fresh AS (
    SELECT t.author_id,
           coalesce(f.paper_count, 0) AS paper_count, coalesce(f.citation_count, 0) AS citation_count,
           coalesce(f.h_index, 0) AS h_index, coalesce(f.i10_index, 0) AS i10_index,
           coalesce(f.g_index, 0) AS g_index,
           span.first_year, span.last_year,
           ty.citations::float8 / nullif(ty.works, 0) AS two_year_mean_citedness,
           coalesce(series.counts, '[]'::jsonb) AS counts_by_year,
           coalesce(f5.paper_count, 0) AS last5_paper_count,
           coalesce(f5.citation_count, 0) AS last5_citation_count,
           coalesce(f5.h_index, 0) AS last5_h_index, coalesce(f5.i10_index, 0) AS last5_i10_index,
           coalesce(f5.g_index, 0) AS last5_g_index,
           coalesce(fs.paper_count, 0) AS noself_paper_count,
           coalesce(fs.citation_count, 0) AS noself_citation_count,
           coalesce(fs.h_index, 0) AS noself_h_index, coalesce(fs.i10_index, 0) AS noself_i10_index,
           coalesce(fs.g_index, 0) AS noself_g_index,
           k.at AS computed_at
    FROM targets t
    CROSS JOIN computation k
    LEFT JOIN figures f ON f.author_id = t.author_id AND f.variant = 'all'
    LEFT JOIN figures f5 ON f5.author_id = t.author_id AND f5.variant = 'last5'
    LEFT JOIN figures fs ON fs.author_id = t.author_id AND fs.variant = 'noself'
    LEFT JOIN two_years ty ON ty.author_id = t.author_id
    LEFT JOIN LATERAL (SELECT min(a.year) AS first_year, max(a.year) AS last_year
                       FROM authored a WHERE a.author_id = t.author_id) AS span ON true
    LEFT JOIN LATERAL (SELECT jsonb_agg(jsonb_build_object('year', y.year, 'papers', y.papers,
                                                           'citations', y.citations) ORDER BY y.year) AS counts
                       FROM yearly y WHERE y.author_id = t.author_id) AS series ON true
)
UPDATE author_computed_metrics m SET
    paper_count = r.paper_count, citation_count = r.citation_count, h_index = r.h_index,
    i10_index = r.i10_index, g_index = r.g_index, first_year = r.first_year, last_year = r.last_year,
    two_year_mean_citedness = r.two_year_mean_citedness, counts_by_year = r.counts_by_year,
    last5_paper_count = r.last5_paper_count, last5_citation_count = r.last5_citation_count,
    last5_h_index = r.last5_h_index, last5_i10_index = r.last5_i10_index, last5_g_index = r.last5_g_index,
    noself_paper_count = r.noself_paper_count, noself_citation_count = r.noself_citation_count,
    noself_h_index = r.noself_h_index, noself_i10_index = r.noself_i10_index, noself_g_index = r.noself_g_index,
    computed_at = r.computed_at
FROM fresh r
WHERE m.author_id = r.author_id;
"""

DOWNGRADE = """
ALTER TABLE author_computed_metrics
    DROP COLUMN IF EXISTS two_year_mean_citedness,
    DROP COLUMN IF EXISTS counts_by_year,
    DROP COLUMN IF EXISTS last5_paper_count,
    DROP COLUMN IF EXISTS last5_citation_count,
    DROP COLUMN IF EXISTS last5_h_index,
    DROP COLUMN IF EXISTS last5_i10_index,
    DROP COLUMN IF EXISTS last5_g_index,
    DROP COLUMN IF EXISTS noself_paper_count,
    DROP COLUMN IF EXISTS noself_citation_count,
    DROP COLUMN IF EXISTS noself_h_index,
    DROP COLUMN IF EXISTS noself_i10_index,
    DROP COLUMN IF EXISTS noself_g_index;
"""


def upgrade() -> None:
    run_sql_script(UPGRADE)


def downgrade() -> None:
    run_sql_script(DOWNGRADE)
