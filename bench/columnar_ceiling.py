"""How fast a works dump could load if PostgreSQL only stored it: every computation done in a vectorised engine.

    .venv/bin/python bench/columnar_ceiling.py FILE [--embedded | --server-url URL] [--threads 2] [--keep]

bench/pipeline_ceiling.py measured the staged design, every final table built by set-based statements in
PostgreSQL; its findings (bench/REPORT.md) end on what it lacks: the metrics, the reference resolution and
the reading, each at a fraction of its cost in SQL and in Python. This script is the design that gives all
three: DuckDB (a columnar, vectorised, multi-threaded engine) reads the gzipped JSON lines itself and
computes every row the database will hold (papers, citations resolved and counted, authors, bylines,
external ids, every author's computed metrics), written as CSV files; PostgreSQL then only copies them
in and does what no other engine can do for it: its own search vectors and per-lexeme terms, the keys and
indexes, ANALYZE and the foreign keys. Both phases use both cores, one after the other.

Left out, as in pipeline_ceiling.py, so that its time is a ceiling over any importer of this design here:
identity is the dump's own (OpenAlex ids; an author without one is their ORCID iD, else their name as
written), nothing is matched by DOI, arXiv id, title or name; references resolve by OpenAlex id only;
institutions, affiliations and reported figures are left out; positions are the list order. The metrics
are the importer's definitions (api/db/metrics.py): the five figures over all papers, over the last five
years and without self-citations; counts by year; the two-year mean citedness.

Each phase's wall time and the CPU of both sides are printed as they end; the last line is JSON. Into a
new database (dropped unless --keep), migrated to head, on the embedded server of bench/cache/
(--embedded) or on --server-url.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import asyncpg
import duckdb

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.import_benchmark import CACHE, _admin  # noqa: E402
from bench.pipeline_ceiling import (  # noqa: E402
    Timer,
    _set_aside,
    _split,
    _weight,
    add_foreign_keys,
    add_where_arguments,
    embedded_or,
    new_database,
    run,
    stored_rows,
)

# The fields of a work this design reads; every other member of a line is skipped by the JSON reader.
_AUTHOR = "STRUCT(id VARCHAR, display_name VARCHAR, orcid VARCHAR)"
_AUTHORSHIP = f"STRUCT(author_position VARCHAR, author {_AUTHOR}, raw_author_name VARCHAR)"
_COLUMNS = {
    "id": "VARCHAR",
    "doi": "VARCHAR",
    "title": "VARCHAR",
    "display_name": "VARCHAR",
    "publication_date": "VARCHAR",
    "publication_year": "INTEGER",
    "ids": "STRUCT(doi VARCHAR, arxiv VARCHAR)",
    "abstract_inverted_index": "MAP(VARCHAR, INTEGER[])",
    "authorships": f"{_AUTHORSHIP}[]",
    "referenced_works": "VARCHAR[]",
    "cited_by_count": "INTEGER",
    "primary_location": "STRUCT(landing_page_url VARCHAR, pdf_url VARCHAR)",
}
_OPENALEX = "regexp_extract({}, '([A-Za-z]\\d{{1,15}})$', 1)"


def _compute_statements(path: Path, year: int) -> list[str]:
    """DuckDB statements building every final table of the load as a DuckDB table."""
    columns = "{" + ", ".join(f"'{name}': '{kind}'" for name, kind in _COLUMNS.items()) + "}"
    # the abstract: OpenAlex's inverted index ({word: [positions]}) back into its words in order
    abstract = (
        "array_to_string(list_transform(list_sort(flatten(list_transform(map_entries(abstract_inverted_index),"
        " lambda e: list_transform(e.value, lambda p: struct_pack(p := p, w := e.key))))), lambda x: x.w), ' ')"
    )
    return [
        f"""CREATE TABLE w AS
        SELECT row_number() OVER () AS ord, {_OPENALEX.format("id")} AS openalex,
               nullif(lower(regexp_replace(coalesce(doi, ids.doi), '^https?://(dx\\.)?doi\\.org/', '')), '') AS doi,
               nullif(regexp_extract(primary_location.landing_page_url,
                                     '^https?://(?:www\\.|export\\.)?arxiv\\.org/(?:abs|pdf)/(.+)$', 1), '') AS arxiv,
               coalesce(title, display_name) AS title,
               CASE WHEN abstract_inverted_index IS NOT NULL THEN {abstract} END AS abstract,
               coalesce(try_cast(publication_date AS DATE), make_date(publication_year, 1, 1)) AS published_on,
               CASE WHEN publication_date IS NOT NULL THEN 'day' WHEN publication_year IS NOT NULL THEN 'year' END
                   AS precision,
               cited_by_count AS reported,
               primary_location.landing_page_url AS code_url,
               authorships, referenced_works
        FROM read_json('{path}', format = 'newline_delimited', compression = 'gzip', columns = {columns},
                       maximum_object_size = 16777216)
        WHERE coalesce(title, display_name) IS NOT NULL""",
        # bylines: one row per authorship, keyed as the ceiling's identity says
        f"""CREATE TABLE b AS
        SELECT *, coalesce('openalex:' || openalex, 'orcid:' || orcid, 'name:' || name) AS author_key
        FROM (
            SELECT ord, list_order, coalesce(a.raw_author_name, a.author.display_name) AS name,
                   nullif({_OPENALEX.format("a.author.id")}, '') AS openalex,
                   nullif(regexp_extract(a.author.orcid, '(\\d{{4}}-\\d{{4}}-\\d{{4}}-\\d{{3}}[\\dX])$', 1), '')
                       AS orcid
            FROM (SELECT ord, unnest(authorships) AS a, unnest(range(1, len(authorships) + 1)) AS list_order
                  FROM w WHERE len(authorships) > 0)
        )
        WHERE name IS NOT NULL""",
        """CREATE TABLE author AS
        SELECT row_number() OVER (ORDER BY min(ord), author_key) AS id, author_key,
               min(name) AS name, min(openalex) AS openalex, min(orcid) AS orcid
        FROM b GROUP BY author_key""",
        """CREATE TABLE authorship AS
        SELECT DISTINCT ON (b.ord, a.id) b.ord AS paper_id, a.id AS author_id, b.list_order AS position,
               b.list_order, b.name AS name_as_written
        FROM b JOIN author a USING (author_key)
        ORDER BY b.ord, a.id, b.list_order""",
        # references resolved by OpenAlex id, each citing-cited pair once, no paper citing itself
        f"""CREATE TABLE citation AS
        SELECT DISTINCT r.ord AS citing, w.ord AS cited
        FROM (SELECT ord, {_OPENALEX.format("unnest(referenced_works)")} AS ref FROM w) r
        JOIN w ON w.openalex = r.ref
        WHERE w.ord <> r.ord""",
        "CREATE TABLE cited AS SELECT cited AS paper_id, count(*)::INTEGER AS n FROM citation GROUP BY cited",
        "CREATE TABLE paper_year AS SELECT ord AS paper_id, year(published_on) AS year FROM w",
        # the metrics (api/db/metrics.py's definitions): per authored paper, its citations and those by others
        """CREATE TABLE per_paper AS
        SELECT s.author_id, s.paper_id, y.year, coalesce(r.cited, 0) AS cited, coalesce(r.others, 0) AS others
        FROM authorship s JOIN paper_year y USING (paper_id)
        LEFT JOIN (
            SELECT s.author_id, c.cited AS paper_id, count(*) AS cited,
                   count(*) FILTER (WHERE own.paper_id IS NULL) AS others
            FROM authorship s JOIN citation c ON c.cited = s.paper_id
            LEFT JOIN authorship own ON own.paper_id = c.citing AND own.author_id = s.author_id
            GROUP BY ALL
        ) r USING (author_id, paper_id)""",
        f"""CREATE TABLE figures AS
        WITH scored AS (
            SELECT author_id, 'all' AS variant, paper_id, cited AS c FROM per_paper
            UNION ALL SELECT author_id, 'last5', paper_id, cited FROM per_paper WHERE year BETWEEN {year - 4} AND {year}
            UNION ALL SELECT author_id, 'noself', paper_id, others FROM per_paper
        ), ranked AS (
            SELECT author_id, variant, c, row_number() OVER w AS rank, sum(c) OVER w AS running
            FROM scored WINDOW w AS (PARTITION BY author_id, variant ORDER BY c DESC, paper_id)
        )
        SELECT author_id, variant, count(*)::INTEGER AS papers, sum(c)::INTEGER AS citations,
               count(*) FILTER (WHERE c >= rank)::INTEGER AS h, count(*) FILTER (WHERE c >= 10)::INTEGER AS i10,
               count(*) FILTER (WHERE running >= rank * rank)::INTEGER AS g
        FROM ranked GROUP BY author_id, variant""",
        # per year: the author's papers published in it, and the citations their papers received from it
        """CREATE TABLE yearly AS
        SELECT author_id, year, sum(papers)::INTEGER AS papers, sum(citations)::INTEGER AS citations FROM (
            SELECT author_id, year, count(*) AS papers, 0 AS citations FROM per_paper
            WHERE year IS NOT NULL GROUP BY ALL
            UNION ALL
            SELECT s.author_id, y.year, 0, count(*)
            FROM authorship s JOIN citation c ON c.cited = s.paper_id JOIN paper_year y ON y.paper_id = c.citing
            WHERE y.year IS NOT NULL GROUP BY ALL
        ) GROUP BY ALL""",
        f"""CREATE TABLE computed AS
        SELECT a.id AS author_id, coalesce(f.papers, 0) AS paper_count, coalesce(f.citations, 0) AS citation_count,
               coalesce(f.h, 0) AS h_index, coalesce(f.i10, 0) AS i10_index, coalesce(f.g, 0) AS g_index,
               span.first_year, span.last_year,
               CASE WHEN two.papers > 0 THEN two.cites / two.papers END AS two_year_mean_citedness,
               coalesce(span.counts, '[]') AS counts_by_year,
               coalesce(l.papers, 0) AS last5_paper_count, coalesce(l.citations, 0) AS last5_citation_count,
               coalesce(l.h, 0) AS last5_h_index, coalesce(l.i10, 0) AS last5_i10_index,
               coalesce(l.g, 0) AS last5_g_index,
               coalesce(n.papers, 0) AS noself_paper_count, coalesce(n.citations, 0) AS noself_citation_count,
               coalesce(n.h, 0) AS noself_h_index, coalesce(n.i10, 0) AS noself_i10_index,
               coalesce(n.g, 0) AS noself_g_index
        FROM author a
        LEFT JOIN figures f ON f.author_id = a.id AND f.variant = 'all'
        LEFT JOIN figures l ON l.author_id = a.id AND l.variant = 'last5'
        LEFT JOIN figures n ON n.author_id = a.id AND n.variant = 'noself'
        LEFT JOIN (
            SELECT author_id, min(year) FILTER (WHERE papers > 0) AS first_year,
                   max(year) FILTER (WHERE papers > 0) AS last_year,
                   to_json(list(struct_pack(year := year, papers := papers, citations := citations)
                                ORDER BY year))::VARCHAR AS counts
            FROM yearly GROUP BY author_id
        ) span ON span.author_id = a.id
        LEFT JOIN (
            SELECT p.author_id, count(DISTINCT p.paper_id)::DOUBLE AS papers, count(c.citing)::DOUBLE AS cites
            FROM per_paper p LEFT JOIN citation c ON c.cited = p.paper_id
                 AND c.citing IN (SELECT paper_id FROM paper_year WHERE year = {year - 1})
            WHERE p.year IN ({year - 3}, {year - 2}) GROUP BY p.author_id
        ) two ON two.author_id = a.id""",
    ]


# What is written for PostgreSQL, one CSV file per table: (file, the query, the columns as COPY takes them)
_OUTPUTS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    (
        "s_papers",
        "SELECT w.ord, w.title, w.abstract, w.published_on, w.precision,"
        " w.code_url, w.code_url IS NOT NULL, true, coalesce(c.n, 0), w.reported"
        " FROM w LEFT JOIN cited c ON c.paper_id = w.ord",
        (
            "id",
            "title",
            "abstract",
            "published_on",
            "published_precision",
            "code_url",
            "has_code",
            "authors_complete",
            "citation_count",
            "reported_citation_count",
        ),
    ),
    (
        "paper_external_ids",
        "SELECT scheme, value, ord FROM (SELECT ord, unnest(['openalex', 'doi', 'arxiv']) AS scheme,"
        " unnest([openalex, doi, arxiv]) AS value FROM w) WHERE value IS NOT NULL"
        " QUALIFY row_number() OVER (PARTITION BY scheme, value ORDER BY ord) = 1",
        ("scheme", "value", "paper_id"),
    ),
    (
        "citations",
        "SELECT c.citing, c.cited, coalesce(w.published_on::VARCHAR, '-infinity')"
        " FROM citation c JOIN w ON w.ord = c.citing",
        ("citing_paper_id", "cited_paper_id", "citing_newest_key"),
    ),
    ("authors", "SELECT id, name FROM author", ("id", "name")),
    (
        "authorships",
        "SELECT paper_id, author_id, position, list_order, name_as_written FROM authorship",
        ("paper_id", "author_id", "position", "list_order", "name_as_written"),
    ),
    (
        "author_external_ids",
        "SELECT scheme, value, id FROM (SELECT id, unnest(['openalex', 'orcid']) AS scheme,"
        " unnest([openalex, orcid]) AS value FROM author) WHERE value IS NOT NULL"
        " QUALIFY row_number() OVER (PARTITION BY scheme, value ORDER BY id) = 1",
        ("scheme", "value", "author_id"),
    ),
    (
        "author_computed_metrics",
        "SELECT * FROM computed",
        (
            "author_id",
            "paper_count",
            "citation_count",
            "h_index",
            "i10_index",
            "g_index",
            "first_year",
            "last_year",
            "two_year_mean_citedness",
            "counts_by_year",
            "last5_paper_count",
            "last5_citation_count",
            "last5_h_index",
            "last5_i10_index",
            "last5_g_index",
            "noself_paper_count",
            "noself_citation_count",
            "noself_h_index",
            "noself_i10_index",
            "noself_g_index",
        ),
    ),
)


def compute(path: Path, out: Path, threads: int, memory_limit: str) -> dict[str, Any]:
    """Run every DuckDB statement and write the CSV files into `out`; the seconds of each statement."""
    connection = duckdb.connect(str(out / "work.duckdb"))
    connection.execute(f"SET threads = {threads}")
    connection.execute(f"SET memory_limit = '{memory_limit}'")
    connection.execute(f"SET temp_directory = '{out / 'spill'}'")
    connection.execute("SET preserve_insertion_order = false")
    seconds: dict[str, float] = {}
    year = dt.datetime.now(dt.UTC).year
    for statement in _compute_statements(path.resolve(), year):
        started = time.perf_counter()
        connection.execute(statement)
        table = statement.split()[2]
        seconds[table] = round(time.perf_counter() - started, 1)
        print(f"  {table}: {seconds[table]} s", flush=True)
    for name, query, _ in _OUTPUTS:
        started = time.perf_counter()
        connection.execute(f"COPY ({query}) TO '{out / name}.csv' (FORMAT csv, HEADER false)")
        seconds[f"write {name}"] = round(time.perf_counter() - started, 1)
    connection.close()
    (out / "work.duckdb").unlink()
    return seconds


def _papers_half(half: int) -> tuple[str, str]:
    """Half the papers (by id parity) stored with their search vectors, then their terms: PostgreSQL's own
    text search, the one computation this design leaves to it."""
    return (
        "INSERT INTO papers (id, title, abstract, published_on, published_precision, code_url, has_code,"
        " authors_complete, citation_count, reported_citation_count, search_vector) OVERRIDING SYSTEM VALUE"
        " SELECT id, title, abstract, published_on, published_precision, code_url, has_code, authors_complete,"
        " citation_count, reported_citation_count, sg_paper_search_vector(title, abstract) FROM s_papers"
        f" WHERE id % 2 = {half}",
        "INSERT INTO paper_terms (lexeme, paper_id, score, published_on)"
        " SELECT t.lexeme, p.id, t.score, p.published_on FROM papers p, sg_paper_terms(p.search_vector) t"
        f" WHERE p.id % 2 = {half}",
    )


_STAGING = (
    "CREATE UNLOGGED TABLE s_papers (id bigint, title text, abstract text, published_on date,"
    " published_precision text, code_url text, has_code boolean, authors_complete boolean,"
    " citation_count integer, reported_citation_count integer)"
)


async def copy_in(url: str, out: Path, tables: list[tuple[str, tuple[str, ...]]]) -> None:
    connection = await asyncpg.connect(url)
    try:
        await connection.execute("SET session_replication_role = replica")  # triggers would recompute
        for table, columns in tables:
            await connection.copy_to_table(table, source=out / f"{table}.csv", columns=list(columns), format="csv")
    finally:
        await connection.close()


async def store(server_url: str, out: Path, keep: bool, timer: Timer) -> dict[str, Any]:
    name, url = await new_database(server_url, "sg_bench_columnar")
    try:
        admin = await asyncpg.connect(url)
        async with admin.transaction():
            built, linked, _ = await _set_aside(admin)
            await admin.execute(
                "ALTER TABLE author_computed_metrics DROP CONSTRAINT IF EXISTS author_computed_metrics_pkey"
            )
            built.append("ALTER TABLE author_computed_metrics ADD PRIMARY KEY (author_id)")
            await admin.execute(_STAGING)
        columns = {table: names for table, _, names in _OUTPUTS}
        staged = asyncio.Event()

        async def papers(half: int) -> None:
            if half == 0:
                await copy_in(url, out, [("s_papers", columns["s_papers"])])
                staged.set()
            await staged.wait()
            await run(url, _papers_half(half))
            if half == 1:
                await copy_in(url, out, [("paper_external_ids", columns["paper_external_ids"])])

        rest = ("citations", "authors", "authorships", "author_external_ids", "author_computed_metrics")
        # two connections store the papers, half each; a third copies every other table in meanwhile
        await timer.step(
            "copy in; papers with search vectors and terms, in halves",
            papers(0),
            papers(1),
            copy_in(url, out, [(table, columns[table]) for table in rest]),
        )
        await run(url, ["DROP TABLE s_papers"])
        await timer.step(
            "keys and indexes", *(run(url, share, transaction=False) for share in _split(built, 2, _weight))
        )
        await timer.step("analyze", run(url, ["ANALYZE"], transaction=False))
        await add_foreign_keys(url, linked, timer)
        counts = await stored_rows(admin)
        await admin.close()
    finally:
        if not keep:
            await _admin(server_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    return {"database": name if keep else None, "rows": counts}


async def load(
    server_url: str,
    path: Path,
    keep: bool,
    postmaster: int | None,
    *,
    threads: int = 2,
    memory: str = "900MB",
    work_dir: Path = CACHE,
) -> dict[str, Any]:
    """Compute, then store; the figures of each phase. The CSV files and DuckDB's spill go under `work_dir`."""
    timer = Timer(postmaster)
    await asyncio.to_thread(work_dir.mkdir, parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=work_dir) as scratch:
        out = Path(scratch)

        statements: dict[str, Any] = {}

        async def computing() -> None:
            statements.update(await asyncio.to_thread(compute, path, out, threads, memory))

        await timer.step("compute (DuckDB): read, decode, resolve, count, metrics, CSV", computing())
        stored = await store(server_url, out, keep, timer)
    wall = sum(step["wall"] for step in timer.steps.values())
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        **stored,
        "wall_seconds": round(wall, 1),
        "works_per_second": round(stored["rows"]["papers"] / wall),
        "server_cpu_seconds": round(sum(s["server_cpu"] for s in timer.steps.values()), 1),
        "importer_cpu_seconds": round(sum(s["importer_cpu"] for s in timer.steps.values()), 1),
        "steps": timer.steps,
        "compute_statements_seconds": statements,
        "peak_importer_mb": round(peak_mb),
        "threads": threads,
        "memory_limit": memory,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("file", type=Path)
    add_where_arguments(parser)
    parser.add_argument("--threads", type=int, default=2, help="DuckDB's threads (default 2: both cores)")
    parser.add_argument("--memory-limit", default="900MB", help="DuckDB's memory limit; beyond it, it spills to disk")
    parser.add_argument("--keep", action="store_true", help="keep the database made")
    args = parser.parse_args()
    server_url, postmaster = embedded_or(args.server_url)
    result = asyncio.run(
        load(server_url, args.file, args.keep, postmaster, threads=args.threads, memory=args.memory_limit)
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
