"""How fast the simplest set-based design could add a works dump to a loaded database: a ceiling.

    .venv/bin/python bench/growth_ceiling.py FILE BASE [--embedded | --server-url URL]

The growth counterpart of bench/pipeline_ceiling.py. A copy of the database BASE (e.g. one that script
kept with --keep, or one bench/import_benchmark.py kept) receives the works of FILE the same way: every row
copied into unlogged staging tables by the importer's own reader in a process of its own, then stored by
set-based statements on two connections at once, into the live tables with their indexes. Left out, so
that the time is a ceiling over any importer of this design:

- identity is the OpenAlex id alone (a work or author found by it is taken as known, with nothing merged
  or updated; everything else is new), and nothing is checked for conflicts;
- references resolve by OpenAlex id only, unresolved ones are dropped (not kept pending);
- institutions, affiliations and reported figures are left out; foreign keys and triggers are not run
  (`session_replication_role = replica`: the statements supply what the triggers would compute).

Stored: the new papers with search vectors, terms and external ids; their citations, with the counts of
every paper cited; the new authors, their bylines and ids; the computed metrics of every author touched
(the new papers' authors, and the authors of every paper a new citation points to), by the importer's
own refresh split over both connections. The copy is dropped at the end unless --keep. The last line is JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import uuid
from pathlib import Path
from typing import Any

import asyncpg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.growth_floor import copy_database  # noqa: E402
from bench.import_benchmark import _admin, _with_database  # noqa: E402
from bench.pipeline_ceiling import (  # noqa: E402
    STAGING,
    Timer,
    add_where_arguments,
    embedded_or,
    metrics,
    run,
    stage,
)

# {p} and {a}: the largest paper and author ids of the copy before the import; a new work's id is {p} + its
# ordinal in the file, a new author's {a} + a row number.
_NEW_PAPERS = (
    "CREATE UNLOGGED TABLE s_new AS SELECT w.*, {p} + w.ord AS id FROM s_works w"
    " WHERE NOT EXISTS (SELECT 1 FROM paper_external_ids x WHERE x.scheme = 'openalex' AND x.value = w.openalex)",
    "ANALYZE s_new",
)
_PAPERS = (
    # citations among the new works themselves, counted at the insert (the others are counted by B)
    "CREATE UNLOGGED TABLE s_inner_counts AS SELECT n.id, count(DISTINCT r.ord)::int AS n"
    " FROM s_refs r JOIN s_new n ON n.openalex = r.ref WHERE r.ord <> n.ord GROUP BY n.id",
    "INSERT INTO papers (id, title, abstract, primary_category, categories, published_on, published_precision,"
    " code_url, has_code, authors_complete, citation_count, reported_citation_count, search_vector)"
    " OVERRIDING SYSTEM VALUE"
    " SELECT n.id, n.title, n.abstract, n.primary_category, n.categories, n.published_on, n.precision,"
    " n.code_url, n.code_url IS NOT NULL, n.authors_complete, coalesce(c.n, 0), n.reported,"
    " sg_paper_search_vector(n.title, n.abstract)"
    " FROM s_new n LEFT JOIN s_inner_counts c USING (id)",
    "INSERT INTO paper_terms (lexeme, paper_id, score, published_on)"
    " SELECT t.lexeme, p.id, t.score, p.published_on FROM papers p,"
    " sg_paper_terms(p.search_vector || ''::tsvector) t WHERE p.id > {p}",
    "INSERT INTO paper_external_ids (scheme, value, paper_id)"
    " SELECT x.scheme, x.value, n.id FROM s_new n,"
    " LATERAL (VALUES ('openalex', n.openalex), ('doi', n.doi), ('arxiv', n.arxiv)) AS x (scheme, value)"
    " WHERE x.value IS NOT NULL ON CONFLICT DO NOTHING",
)
_CITATIONS = (
    "CREATE UNLOGGED TABLE s_cites AS SELECT DISTINCT n.id AS citing, coalesce(m.id, x.paper_id) AS cited,"
    " coalesce(n.published_on, '-infinity') AS newest"
    " FROM s_refs r JOIN s_new n ON n.ord = r.ord"
    " LEFT JOIN s_new m ON m.openalex = r.ref"
    " LEFT JOIN paper_external_ids x ON m.id IS NULL AND x.scheme = 'openalex' AND x.value = r.ref"
    " WHERE coalesce(m.id, x.paper_id) IS NOT NULL AND coalesce(m.id, x.paper_id) <> n.id",
    "INSERT INTO citations (citing_paper_id, cited_paper_id, citing_newest_key)"
    " SELECT citing, cited, newest FROM s_cites ON CONFLICT DO NOTHING",
    "UPDATE papers p SET citation_count = p.citation_count + c.n"
    " FROM (SELECT cited, count(*)::int AS n FROM s_cites WHERE cited <= {p} GROUP BY cited) AS c"
    " WHERE p.id = c.cited",
)
_AUTHORS = (
    "CREATE UNLOGGED TABLE s_known AS SELECT DISTINCT ON (b.author_key) b.author_key, x.author_id AS id"
    " FROM s_bylines b JOIN author_external_ids x ON x.scheme = 'openalex' AND x.value = b.openalex"
    " ORDER BY b.author_key, x.author_id",
    "CREATE UNLOGGED TABLE s_authors AS"
    " SELECT {a} + row_number() OVER (ORDER BY min(b.ord), b.author_key) AS id, b.author_key, min(b.name) AS name,"
    " min(b.openalex) AS openalex, min(b.orcid) AS orcid"
    " FROM s_bylines b WHERE NOT EXISTS (SELECT 1 FROM s_known k WHERE k.author_key = b.author_key)"
    " GROUP BY b.author_key",
    "INSERT INTO authors (id, name) OVERRIDING SYSTEM VALUE SELECT id, name FROM s_authors",
    "INSERT INTO author_external_ids (scheme, value, author_id)"
    " SELECT DISTINCT ON (x.scheme, x.value) x.scheme, x.value, a.id FROM s_authors a,"
    " LATERAL (VALUES ('openalex', a.openalex), ('orcid', a.orcid)) AS x (scheme, value)"
    " WHERE x.value IS NOT NULL ORDER BY x.scheme, x.value, a.id ON CONFLICT DO NOTHING",
    "INSERT INTO authorships (paper_id, author_id, position, list_order, name_as_written)"
    " SELECT DISTINCT ON (n.id, a.id) n.id, a.id, b.position, b.list_order, b.name"
    " FROM s_bylines b JOIN s_new n ON n.ord = b.ord"
    " JOIN (SELECT author_key, id FROM s_known UNION ALL SELECT author_key, id FROM s_authors) AS a"
    " ON a.author_key = b.author_key"
    " ORDER BY n.id, a.id, b.list_order",
)
# every author whose figures the import changes
_TOUCHED = (
    "SELECT DISTINCT s.author_id FROM authorships s WHERE s.paper_id > {p}"
    " OR s.paper_id IN (SELECT cited FROM s_cites WHERE cited <= {p})"
)
_DROP = "DROP TABLE s_works, s_bylines, s_refs, s_new, s_inner_counts, s_cites, s_known, s_authors"


async def grow(server_url: str, path: Path, base: str, postmaster: int | None, *, keep: bool = False) -> dict[str, Any]:
    """Grow a copy of `base` by the works of `path`; the figures, and the copy's name if kept (--keep)."""
    name = f"sg_bench_growth_ceiling_{uuid.uuid4().hex[:8]}"
    await copy_database(server_url, name, base)
    url = _with_database(server_url, name)
    try:
        admin = await asyncpg.connect(url)
        await admin.execute("VACUUM (ANALYZE) papers, citations, authorships, paper_external_ids, author_external_ids")
        largest = await admin.fetchrow("SELECT (SELECT max(id) FROM papers) AS p, (SELECT max(id) FROM authors) AS a")
        assert largest is not None
        sizes = {"p": int(largest["p"]), "a": int(largest["a"])}
        for statement in STAGING:
            await admin.execute(statement)
        timer = Timer(postmaster)

        def sql(statements: tuple[str, ...]) -> list[str]:
            return [s.format(**sizes) for s in statements]

        await timer.step("staging: read, decode, COPY", stage(url, path))
        await timer.step("analyze staging", run(url, ["ANALYZE s_works, s_bylines, s_refs", *sql(_NEW_PAPERS)]))
        await timer.step("papers, terms, ids | citations, counts", run(url, sql(_PAPERS)), run(url, sql(_CITATIONS)))
        await timer.step("authors, bylines, ids", run(url, sql(_AUTHORS)))
        touched = _TOUCHED.format(**sizes)
        await timer.step("computed metrics", metrics(url, touched, 0, 2), metrics(url, touched, 1, 2))
        wall = sum(step["wall"] for step in timer.steps.values())
        added = await admin.fetchrow(
            "SELECT (SELECT count(*) FROM papers WHERE id > $1) AS papers,"
            " (SELECT count(*) FROM paper_terms WHERE paper_id > $1) AS terms,"
            " (SELECT count(*) FROM s_cites) AS citations,"
            " (SELECT count(*) FROM authors WHERE id > $2) AS authors,"
            " (SELECT count(*) FROM authorships WHERE paper_id > $1) AS authorships,"
            f" (SELECT count(*) FROM ({touched}) AS t) AS touched_authors",
            sizes["p"],
            sizes["a"],
        )
        assert added is not None
        await admin.execute(_DROP)
        await admin.close()
    finally:
        if not keep:
            await _admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return {
        "database": name if keep else None,
        "wall_seconds": round(wall, 1),
        "works_per_second": round(int(added["papers"]) / wall),
        "server_cpu_seconds": round(sum(s["server_cpu"] for s in timer.steps.values()), 1),
        "importer_cpu_seconds": round(sum(s["importer_cpu"] for s in timer.steps.values()), 1),
        "steps": timer.steps,
        "added": dict(added),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("file", type=Path)
    parser.add_argument("base", help="the loaded database to copy and grow")
    add_where_arguments(parser)
    parser.add_argument("--keep", action="store_true", help="keep the grown copy")
    args = parser.parse_args()
    server_url, postmaster = embedded_or(args.server_url)
    print(json.dumps(asyncio.run(grow(server_url, args.file, args.base, postmaster, keep=args.keep))))


if __name__ == "__main__":
    main()
