-- What PostGraphile cannot answer from the tables alone, as SQL functions in a schema of their own
-- (bench/serve_benchmark.py creates it in the benchmark's database before PostGraphile starts, and
-- docs/benchmarks.md lists these functions). Each one states the same rule as Scholar Graph's resolvers:
-- the orderings and their tie-breaks are those of api/db/papers.py, api/db/coauthors.py and
-- api/db/metrics.py. STABLE LANGUAGE sql functions of one SELECT, so PostgreSQL can inline them.
DROP SCHEMA IF EXISTS sg_postgraphile CASCADE;
CREATE SCHEMA sg_postgraphile;

-- The figures to show (api.db.metrics.preferred): the newest reported set, each figure it lacks filled in
-- from the computed set (g-index is never reported); the computed set when none is reported.
CREATE TYPE sg_postgraphile.shown_metrics AS (
    h_index integer, citation_count integer, paper_count integer, i10_index integer, g_index integer,
    source text, as_of date
);
CREATE FUNCTION sg_postgraphile.authors_metrics(a public.authors) RETURNS sg_postgraphile.shown_metrics
    LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT coalesce(r.h_index, c.h_index, 0), coalesce(r.citation_count, c.citation_count, 0),
           coalesce(r.paper_count, c.paper_count, 0), coalesce(r.i10_index, c.i10_index, 0),
           coalesce(c.g_index, 0), coalesce(r.source, 'computed'), r.as_of
    FROM (SELECT a.id) AS me (id)
    LEFT JOIN LATERAL (
        SELECT * FROM public.author_reported_metrics m
        WHERE m.author_id = me.id ORDER BY m.as_of DESC, m.recorded_at DESC, m.source LIMIT 1
    ) AS r ON true
    LEFT JOIN public.author_computed_metrics c ON c.author_id = me.id
$$;

-- An author's papers, newest first, undated last, ties by id, highest first (PaperOrder.NEWEST).
CREATE FUNCTION sg_postgraphile.authors_newest_papers(a public.authors) RETURNS SETOF public.papers
    LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT p.* FROM public.authorships s JOIN public.papers p ON p.id = s.paper_id
    WHERE s.author_id = a.id
    ORDER BY coalesce(p.published_on, '-infinity'::date) DESC, p.id DESC
$$;

-- An author's coauthors: most shared papers first, then by folded name, then by id (CoauthorOrder.SHARED_PAPERS).
CREATE TYPE sg_postgraphile.coauthor AS (author_id bigint, name text, shared_paper_count integer);
CREATE FUNCTION sg_postgraphile.authors_top_coauthors(a public.authors) RETURNS SETOF sg_postgraphile.coauthor
    LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT co.author_id, ca.name, count(*)::integer
    FROM public.authorships me
    JOIN public.authorships co ON co.paper_id = me.paper_id AND co.author_id <> me.author_id
    JOIN public.authors ca ON ca.id = co.author_id
    WHERE me.author_id = a.id
    GROUP BY co.author_id, ca.name, ca.name_key
    ORDER BY count(*) DESC, ca.name_key, co.author_id
$$;

-- The papers citing a paper, newest first (PaperOrder.NEWEST).
CREATE FUNCTION sg_postgraphile.papers_newest_citing(p public.papers) RETURNS SETOF public.papers
    LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT citing.* FROM public.citations c JOIN public.papers citing ON citing.id = c.citing_paper_id
    WHERE c.cited_paper_id = p.id
    ORDER BY coalesce(citing.published_on, '-infinity'::date) DESC, citing.id DESC
$$;

-- Full-text search as `papers(search:, filter: {publishedFrom:})` does it: web-search syntax over the folded
-- text, English configuration, ranked by ts_rank_cd, ties by id, highest first (PaperOrder.RELEVANCE).
CREATE FUNCTION sg_postgraphile.search_papers(query text, published_from date) RETURNS SETOF public.papers
    LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT p.* FROM public.papers p, websearch_to_tsquery('english', public.sg_fold(query)) AS q
    WHERE p.search_vector @@ q AND p.published_on >= published_from
    ORDER BY ts_rank_cd(p.search_vector, q)::float8 DESC, p.id DESC
$$;

-- Authors by id, in the order asked (`authorsByIds`; the benchmark asks only for stored authors).
CREATE FUNCTION sg_postgraphile.authors_by_ids(ids bigint[]) RETURNS SETOF public.authors
    LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT a.* FROM unnest(ids) WITH ORDINALITY AS x (id, n) JOIN public.authors a ON a.id = x.id ORDER BY x.n
$$;
