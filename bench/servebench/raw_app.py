"""The raw SQL app: the ceiling the serving benchmark compares against. One SQL statement per request,
which builds the whole answer as JSON; the app passes its text through.

    DATABASE_URL=postgresql://… .venv/bin/python bench/servebench/raw_app.py --port 18703

The same HTTP stack as Scholar Graph (Starlette on uvicorn, asyncpg), so the difference between the two
is what Scholar Graph does beyond one statement: parsing and validating GraphQL, resolving fields,
several statements, building the response in Python. It answers what Scholar Graph answers (orderings,
tie-breaks, the rule for the figures shown: api/db/*.py), in the shape `bench.servebench.queries`
normalises. Unlike Scholar Graph's pool, connections go back to the pool without asyncpg's reset query
(`SELECT pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL`): this app keeps no session state.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

# A paper's authors in byline order, as [{id, name}], for the paper aliased `{p}`.
BYLINE = """(SELECT coalesce(json_agg(json_build_object('id', b.id, 'name', b.name) ORDER BY s2.list_order), '[]')
   FROM authorships s2 JOIN authors b ON b.id = s2.author_id WHERE s2.paper_id = {p}.id)"""

# The shown figures (api.db.metrics.preferred): the newest reported set, what it lacks from the computed set.
PROFILE = f"""
SELECT json_build_object(
  'id', a.id, 'name', a.name,
  'metrics', (
    SELECT json_build_object(
      'h_index', coalesce(r.h_index, c.h_index, 0), 'citation_count', coalesce(r.citation_count, c.citation_count, 0),
      'paper_count', coalesce(r.paper_count, c.paper_count, 0), 'i10_index', coalesce(r.i10_index, c.i10_index, 0),
      'g_index', coalesce(c.g_index, 0), 'source', coalesce(r.source, 'computed'), 'as_of', r.as_of)
    FROM (SELECT 1) AS one
    LEFT JOIN LATERAL (SELECT * FROM author_reported_metrics m WHERE m.author_id = a.id
                       ORDER BY m.as_of DESC, m.recorded_at DESC, m.source LIMIT 1) r ON true
    LEFT JOIN author_computed_metrics c ON c.author_id = a.id),
  'computed', (
    SELECT json_build_object(
      'h_index', coalesce(c.h_index, 0), 'citation_count', coalesce(c.citation_count, 0),
      'paper_count', coalesce(c.paper_count, 0), 'i10_index', coalesce(c.i10_index, 0), 'g_index', coalesce(c.g_index, 0))
    FROM (SELECT 1) AS one LEFT JOIN author_computed_metrics c ON c.author_id = a.id),
  'papers', (
    SELECT coalesce(json_agg(json_build_object('id', p.id, 'title', p.title, 'published_on', p.published_on,
                                               'authors', {BYLINE.format(p="p")}) ORDER BY p.k DESC, p.id DESC), '[]')
    FROM (SELECT p.id, p.title, p.published_on, coalesce(p.published_on, '-infinity'::date) AS k
          FROM authorships s JOIN papers p ON p.id = s.paper_id WHERE s.author_id = a.id
          ORDER BY k DESC, p.id DESC LIMIT 20) p),
  'coauthors', (
    SELECT coalesce(json_agg(json_build_object('id', e.author_id, 'name', e.name, 'shared_paper_count', e.n)
                             ORDER BY e.n DESC, e.name_key, e.author_id), '[]')
    FROM (SELECT co.author_id, ca.name, ca.name_key, count(*)::int AS n
          FROM authorships me
          JOIN authorships co ON co.paper_id = me.paper_id AND co.author_id <> me.author_id
          JOIN authors ca ON ca.id = co.author_id
          WHERE me.author_id = a.id
          GROUP BY co.author_id, ca.name, ca.name_key
          ORDER BY n DESC, ca.name_key, co.author_id LIMIT 10) e)
)::text
FROM authors a WHERE a.id = $1
"""  # noqa: E501

METRICS = """
SELECT coalesce(json_agg(CASE WHEN a.id IS NULL THEN NULL ELSE json_build_object(
         'id', a.id, 'h_index', coalesce(c.h_index, 0), 'citation_count', coalesce(c.citation_count, 0),
         'paper_count', coalesce(c.paper_count, 0)) END ORDER BY x.n), '[]')::text
FROM unnest($1::bigint[]) WITH ORDINALITY AS x (id, n)
LEFT JOIN authors a ON a.id = x.id
LEFT JOIN author_computed_metrics c ON c.author_id = a.id
"""

PAPER = f"""
SELECT json_build_object(
  'id', p.id, 'title', p.title, 'abstract', p.abstract, 'published_on', p.published_on,
  'citation_count', p.citation_count,
  'authors', {BYLINE.format(p="p")},
  'citing_count', (SELECT count(*) FROM citations c WHERE c.cited_paper_id = p.id),
  'citing', (
    SELECT coalesce(json_agg(json_build_object('id', q.id, 'title', q.title, 'published_on', q.published_on,
                                               'authors', {BYLINE.format(p="q")}) ORDER BY q.k DESC, q.id DESC), '[]')
    FROM (SELECT cp.id, cp.title, cp.published_on, coalesce(cp.published_on, '-infinity'::date) AS k
          FROM citations c JOIN papers cp ON cp.id = c.citing_paper_id WHERE c.cited_paper_id = p.id
          ORDER BY k DESC, cp.id DESC LIMIT 20) q)
)::text
FROM papers p WHERE p.id = $1
"""

# As Scholar Graph searches all papers (api/db/papers.py, PaperFilter.search_page and search_matches): a query
# of one lexeme reads its page in rank order and counts its matches from the index of paper_terms; any other
# ranks and counts its matches from papers.search_vector.
_Q = "websearch_to_tsquery('english', sg_fold($1))"
SEARCH = f"""
WITH page AS (
  (SELECT t.paper_id AS id, t.score AS rank FROM paper_terms t
   WHERE t.lexeme = sg_query_lexeme({_Q}) AND t.published_on >= $2::date ORDER BY t.score DESC, t.paper_id DESC LIMIT 20)
  UNION ALL
  (SELECT p.id, ts_rank_cd(p.search_vector, {_Q}) FROM papers p
   WHERE sg_query_lexeme({_Q}) IS NULL AND p.search_vector @@ {_Q} AND p.published_on >= $2::date
   ORDER BY 2 DESC, 1 DESC LIMIT 20))
SELECT json_build_object(
  'total', (SELECT count(*) FROM paper_terms t WHERE t.lexeme = sg_query_lexeme({_Q}) AND t.published_on >= $2::date)
         + (SELECT count(*) FROM papers p
            WHERE sg_query_lexeme({_Q}) IS NULL AND p.search_vector @@ {_Q} AND p.published_on >= $2::date),
  'papers', (
    SELECT coalesce(json_agg(json_build_object('id', t.id, 'title', t.title, 'published_on', t.published_on,
                                               'authors', {BYLINE.format(p="t")}) ORDER BY page.rank DESC, t.id DESC), '[]')
    FROM page JOIN papers t ON t.id = page.id)
)::text
"""  # noqa: E501

# GET /v1/authors/{id} as Scholar Graph's REST API answers it (api/rest/metrics.py, api/db/metrics.py): every
# set of figures; m-quotient and the years of counts_by_year (zeros filled in, up to this year) computed here.
_NOTHING_MORE = "'m_quotient', NULL, 'two_year_mean_citedness', NULL, 'counts_by_year', '[]'::json"
_NOT_REPORTED = "'novelty', NULL, 'ai_score', NULL, 'source', 'computed', 'as_of', NULL, 'computed_at', c.computed_at"


def _variant(prefix: str) -> str:
    figures = ", ".join(
        f"'{name}', coalesce(c.{prefix}{name}, 0)"
        for name in ("h_index", "citation_count", "paper_count", "i10_index", "g_index")
    )
    return f"json_build_object({figures}, {_NOTHING_MORE}, {_NOT_REPORTED})"


REST_AUTHOR = f"""
WITH k AS (SELECT extract(year FROM now() AT TIME ZONE 'UTC')::int AS y),
c AS (SELECT m.*, CASE WHEN m.first_year IS NULL THEN NULL
                       ELSE m.h_index::float8 / (greatest(k.y - m.first_year, 0) + 1) END AS m_quotient
      FROM (SELECT 1) AS one CROSS JOIN k LEFT JOIN author_computed_metrics m ON m.author_id = $1),
years AS (
  SELECT coalesce(json_agg(json_build_object('year', g.y, 'paper_count', coalesce((e.v->>'papers')::int, 0),
                                             'citation_count', coalesce((e.v->>'citations')::int, 0))
                           ORDER BY g.y), '[]') AS series
  FROM c CROSS JOIN k
  CROSS JOIN LATERAL generate_series(
    (SELECT min((v->>'year')::int) FROM jsonb_array_elements(c.counts_by_year) AS v),
    greatest((SELECT max((v->>'year')::int) FROM jsonb_array_elements(c.counts_by_year) AS v), k.y)) AS g (y)
  LEFT JOIN LATERAL (SELECT v FROM jsonb_array_elements(c.counts_by_year) AS v WHERE (v->>'year')::int = g.y) e
    ON true),
reported AS (
  SELECT r.*, row_number() OVER (ORDER BY r.as_of DESC, r.recorded_at DESC, r.source) AS n
  FROM author_reported_metrics r WHERE r.author_id = $1),
latest AS (SELECT * FROM (SELECT 1) AS one LEFT JOIN reported ON reported.n = 1)
SELECT json_build_object(
  'id', a.id, 'name', a.name, 'primary_category', a.primary_category,
  'metrics', json_build_object(
    'h_index', coalesce(l.h_index, c.h_index, 0), 'citation_count', coalesce(l.citation_count, c.citation_count, 0),
    'paper_count', coalesce(l.paper_count, c.paper_count, 0), 'i10_index', coalesce(l.i10_index, c.i10_index, 0),
    'g_index', coalesce(c.g_index, 0), 'm_quotient', c.m_quotient,
    'two_year_mean_citedness', c.two_year_mean_citedness, 'counts_by_year', years.series,
    'novelty', l.novelty, 'ai_score', l.ai_score, 'source', coalesce(l.source, 'computed'), 'as_of', l.as_of,
    'computed_at', c.computed_at),
  'computed_metrics', json_build_object(
    'h_index', coalesce(c.h_index, 0), 'citation_count', coalesce(c.citation_count, 0),
    'paper_count', coalesce(c.paper_count, 0), 'i10_index', coalesce(c.i10_index, 0), 'g_index', coalesce(c.g_index, 0),
    'm_quotient', c.m_quotient, 'two_year_mean_citedness', c.two_year_mean_citedness,
    'counts_by_year', years.series, {_NOT_REPORTED}),
  'computed_metrics_last_5_years', {_variant("last5_")},
  'computed_metrics_without_self_citations', {_variant("noself_")},
  'reported_metrics', (
    SELECT coalesce(json_agg(json_build_object(
      'h_index', r.h_index, 'citation_count', r.citation_count, 'paper_count', r.paper_count,
      'i10_index', r.i10_index, 'g_index', NULL, {_NOTHING_MORE},
      'novelty', r.novelty, 'ai_score', r.ai_score, 'source', r.source, 'as_of', r.as_of, 'computed_at', NULL)
      ORDER BY r.n), '[]')
    FROM reported r),
  'updated_at', a.updated_at
)::text
FROM authors a, c, years, latest l
WHERE a.id = $1
"""


def create_app(url: str, pool_size: int) -> Starlette:
    state: dict[str, Any] = {}

    async def keep(connection: asyncpg.Connection) -> None:
        """No reset query on release: this app changes no session state."""

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        state["pool"] = await asyncpg.create_pool(
            url, min_size=1, max_size=pool_size, reset=keep, server_settings={"application_name": "sg_bench_raw"}
        )
        try:
            yield
        finally:
            await state["pool"].close()

    async def answer(sql: str, *args: Any) -> Response:
        text = await state["pool"].fetchval(sql, *args)
        return Response(text if text is not None else "null", media_type="application/json")

    def row(text: str | None) -> int:
        if text is None or not text.isdigit():
            raise ValueError(f"not a row number: {text!r}")
        return int(text)

    async def profile(request: Request) -> Response:
        return await answer(PROFILE, row(request.query_params.get("id")))

    async def metrics(request: Request) -> Response:
        return await answer(METRICS, [row(text) for text in request.query_params.get("ids", "").split(",")])

    async def paper(request: Request) -> Response:
        return await answer(PAPER, row(request.query_params.get("id")))

    async def search(request: Request) -> Response:
        since = dt.date.fromisoformat(request.query_params.get("from", ""))
        return await answer(SEARCH, request.query_params.get("q", ""), since)

    async def rest_author(request: Request) -> Response:
        return await answer(REST_AUTHOR, row(request.path_params["author_id"]))

    async def health(request: Request) -> Response:
        return Response('{"status":"ok"}', media_type="application/json")

    async def bad_input(request: Request, error: Exception) -> Response:
        return Response(f'{{"error":"{type(error).__name__}"}}', status_code=400, media_type="application/json")

    return Starlette(
        routes=[
            Route("/q1", profile),
            Route("/q2", metrics),
            Route("/q3", paper),
            Route("/q4", search),
            Route("/v1/authors/{author_id}", rest_author),
            Route("/healthz", health),
        ],
        lifespan=lifespan,
        exception_handlers={ValueError: bad_input},
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=18703)
    parser.add_argument("--pool-size", type=int, default=10, help="most connections (Scholar Graph's default: 10)")
    args = parser.parse_args()
    app = create_app(os.environ["DATABASE_URL"], args.pool_size)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning", server_header=False)


if __name__ == "__main__":
    main()
