"""The benchmark scripts (bench/) write what anyone can rerun from the repository's root: paths relative to
it, generated dumps in a folder of it that git ignores, never a folder of the machine they ran on."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import urlsplit

import asyncpg
from conftest import _admin, _with_database, fresh_database

from api.db.pool import Database
from api.generate import write_openalex_works
from api.ingest.run import run_import

ROOT = Path(__file__).resolve().parent.parent


def _load(name: str) -> ModuleType:
    """A bench script as a module (bench/ is a folder of scripts, not a package)."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "bench" / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


benchmark = _load("import_benchmark")


def test_a_report_row_names_the_importer_and_the_dump_from_the_repository_root() -> None:
    url = "postgresql://postgres:secret@127.0.0.1:5432/sg_bench_import_0123abcd"
    command = [
        str(ROOT / ".venv" / "bin" / "scholargraph"),
        *("ingest", "openalex", str(ROOT / "bench" / "cache" / "openalex-works-1000-seed42-v1.jsonl.gz")),
        *("--json", "--database-url", url),
    ]
    assert benchmark.report_command(command, url) == (
        ".venv/bin/scholargraph ingest openalex bench/cache/openalex-works-1000-seed42-v1.jsonl.gz --json"
        " --database-url postgresql://postgres:***@127.0.0.1:5432/sg_bench_import_0123abcd"
    )


def test_the_embedded_servers_socket_folder_is_shown_from_the_repository_root() -> None:
    url = f"postgresql://postgres@/sg_bench_import_0123abcd?host={ROOT / 'bench' / 'cache' / 'embedded' / 'run'}"
    command = [".venv/bin/scholargraph", "ingest", "openalex", "works.jsonl.gz", "--database-url", url]
    assert benchmark.report_command(command, url).endswith(
        "--database-url postgresql://postgres@/sg_bench_import_0123abcd?host=bench/cache/embedded/run"
    )


def test_a_path_outside_the_repository_is_shown_as_given() -> None:
    assert benchmark.shown_path("/srv/dumps/works.jsonl.gz") == "/srv/dumps/works.jsonl.gz"


def test_generated_dumps_are_kept_in_a_folder_of_the_repository_that_git_ignores() -> None:
    cache = benchmark.build_parser().parse_args([]).cache_dir
    assert benchmark.shown_path(cache) == "bench/cache"
    ignored = subprocess.run(
        ["git", "check-ignore", "--quiet", "bench/cache/openalex-works-1000-seed42-v1.jsonl.gz"], cwd=ROOT, check=False
    )
    assert ignored.returncode == 0


async def test_the_server_counters_are_read_on_the_server_the_tests_run_against(server_url: str) -> None:
    """PostgreSQL 17 moved the checkpoint and backend-write counters out of pg_stat_bgwriter; the suite runs
    on the embedded server (18) and on the machine's (15) in CI, so both ways are read here."""
    server = await benchmark._server(server_url)
    assert set(server["counters"]) == {
        "wal_records",
        "wal_fpi",
        "wal_bytes",
        "checkpoints_timed",
        "checkpoints_req",
        "buffers_backend",
    }
    assert all(isinstance(value, int) and value >= 0 for value in server["counters"].values())
    assert server["settings"]["server_version"]


growth_floor = _load("growth_floor")
restore_floor = _load("restore_floor")


async def _import(url: str, path: Path) -> None:
    db = await Database.connect(url, min_size=1, max_size=2)
    try:
        await run_import(db, "openalex", [str(path)])
    finally:
        await db.close()


async def _counts(url: str) -> dict[str, int]:
    connection = await asyncpg.connect(url)
    try:
        return {table: await connection.fetchval(f"SELECT count(*) FROM {table}") for table in growth_floor.ADDED}
    finally:
        await connection.close()


async def test_the_growth_floor_stores_exactly_the_rows_an_import_added(
    server_url: str, template_database: str, tmp_path: Path
) -> None:
    write_openalex_works(tmp_path / "first.jsonl.gz", 40, 42)
    write_openalex_works(tmp_path / "second.jsonl.gz", 30, 43)
    async with fresh_database(server_url, template_database) as base_url:
        await _import(base_url, tmp_path / "first.jsonl.gz")
        base = urlsplit(base_url).path.lstrip("/")
        grown = f"{base}_grown"
        await growth_floor.copy_database(server_url, grown, base)
        grown_url = base_url.replace(f"/{base}", f"/{grown}")
        trial = f"{base}_trial"
        try:
            await _import(grown_url, tmp_path / "second.jsonl.gz")
            largest = await growth_floor.largest_ids(base_url)
            counts, columns = await growth_floor.copy_out(grown_url, largest, tmp_path)
            assert counts["papers"] == 30
            assert counts["citations"] > 0
            assert counts["paper_terms"] > 0
            await growth_floor.copy_database(server_url, trial, base)
            trial_url = base_url.replace(f"/{base}", f"/{trial}")
            both = growth_floor.split_in_two(tmp_path)
            assert sorted(both[0] + both[1]) == sorted(growth_floor.ADDED)
            assert all(both)
            for group in both:
                await growth_floor.store(trial_url, tmp_path, columns, group)
            # the copy of the database before, with the rows added, holds what the import left
            assert await _counts(trial_url) == await _counts(grown_url)
        finally:
            await _admin(server_url, f'DROP DATABASE IF EXISTS "{grown}" WITH (FORCE)')
            await _admin(server_url, f'DROP DATABASE IF EXISTS "{trial}" WITH (FORCE)')


async def test_the_restore_floors_computing_runs_the_importers_statements(
    server_url: str, template_database: str, tmp_path: Path
) -> None:
    write_openalex_works(tmp_path / "works.jsonl.gz", 40, 42)
    async with fresh_database(server_url, template_database) as url:
        await _import(url, tmp_path / "works.jsonl.gz")
        before = await _counts(url)
        seconds = await restore_floor.derive(url)
        assert set(seconds) == {"search vectors", "search terms", "citation counts", "computed metrics"}
        assert await _counts(url) == before  # rolled back
        server_major = int(await _fetchval(url, "SHOW server_version_num")) // 10000
        binaries = restore_floor.client_binaries(server_major)
        assert (binaries / "pg_dump").exists()


async def _fetchval(url: str, sql: str) -> Any:
    connection = await asyncpg.connect(url)
    try:
        return await connection.fetchval(sql)
    finally:
        await connection.close()


pipeline_ceiling = _load("pipeline_ceiling")
growth_ceiling = _load("growth_ceiling")

# Per paper (by OpenAlex id): its citation count and how many search terms it has; per author (by OpenAlex
# id): the computed figures. What the ceilings store must be what the importer stores, or their times
# would be of less work.
_PAPER_FIGURES = """
SELECT x.value, p.citation_count, (SELECT count(*) FROM paper_terms t WHERE t.paper_id = p.id) AS terms,
       (SELECT count(*) FROM authorships s WHERE s.paper_id = p.id) AS bylines
FROM papers p JOIN paper_external_ids x ON x.paper_id = p.id AND x.scheme = 'openalex'
"""
_AUTHOR_FIGURES = """
SELECT x.value, m.paper_count, m.citation_count, m.h_index, m.g_index, m.noself_citation_count, m.counts_by_year
FROM author_computed_metrics m JOIN author_external_ids x ON x.author_id = m.author_id AND x.scheme = 'openalex'
WHERE (SELECT count(*) FROM author_external_ids o WHERE o.author_id = m.author_id AND o.scheme = 'openalex') = 1
"""


async def _figures(
    url: str, papers_query: str = _PAPER_FIGURES, authors_query: str = _AUTHOR_FIGURES
) -> tuple[dict[str, tuple[Any, ...]], dict[str, tuple[Any, ...]]]:
    """Per paper and per author, keyed by the first column of each query: the rest of its row."""
    connection = await asyncpg.connect(url)
    try:
        papers = {row[0]: tuple(row[1:]) for row in await connection.fetch(papers_query)}
        authors = {row[0]: tuple(row[1:]) for row in await connection.fetch(authors_query)}
        return papers, authors
    finally:
        await connection.close()


def _agree(ceiling: dict[str, tuple[Any, ...]], imported: dict[str, tuple[Any, ...]]) -> float:
    """The share of the import's keys the ceiling holds with the same figures."""
    same = sum(1 for key, figures in imported.items() if ceiling.get(key) == figures)
    return same / len(imported)


async def test_the_ceilings_store_what_the_importer_stores(
    server_url: str, template_database: str, tmp_path: Path
) -> None:
    write_openalex_works(tmp_path / "first.jsonl.gz", 300, 42)
    write_openalex_works(tmp_path / "second.jsonl.gz", 200, 43)
    async with fresh_database(server_url, template_database) as base_url:
        await _import(base_url, tmp_path / "first.jsonl.gz")
        loaded = await pipeline_ceiling.load(server_url, tmp_path / "first.jsonl.gz", True, None)
        loaded_url = base_url.replace(urlsplit(base_url).path, "/" + loaded["database"])
        grown: dict[str, Any] = {}
        try:
            assert loaded["rows"]["papers"] == 300
            assert set(loaded["steps"]) >= {"staging: read, decode, COPY", "computed metrics", "foreign keys"}
            papers, authors = await _figures(loaded_url)
            imported_papers, imported_authors = await _figures(base_url)
            assert papers == imported_papers
            # the ceiling's identity is the OpenAlex id alone; the importer's also joins by ORCID and name
            assert _agree(authors, imported_authors) > 0.9
            grown = await growth_ceiling.grow(
                server_url, tmp_path / "second.jsonl.gz", urlsplit(base_url).path.lstrip("/"), None, keep=True
            )
            await _import(base_url, tmp_path / "second.jsonl.gz")
            grown_url = base_url.replace(urlsplit(base_url).path, "/" + grown["database"])
            assert grown["added"]["papers"] == 200
            assert grown["added"]["citations"] > 0
            papers, authors = await _figures(grown_url)
            imported_papers, imported_authors = await _figures(base_url)
            assert papers == imported_papers  # the first file's papers cited by the second's counted too
            assert _agree(authors, imported_authors) > 0.9
        finally:
            await _admin(server_url, f'DROP DATABASE IF EXISTS "{loaded["database"]}" WITH (FORCE)')
            if grown:
                await _admin(server_url, f'DROP DATABASE IF EXISTS "{grown["database"]}" WITH (FORCE)')


columnar_ceiling = _load("columnar_ceiling")

# Every figure the two ceilings store, per paper and per author (by OpenAlex id): the columnar one computes
# outside PostgreSQL what the staged one computes with the importer's own statements.
_EVERY_PAPER_FIGURE = """
SELECT x.value, p.title, p.abstract, p.published_on, p.published_precision, p.citation_count,
       p.search_vector::text, (SELECT count(*) FROM paper_terms t WHERE t.paper_id = p.id) AS terms,
       (SELECT array_agg(c.citing_newest_key ORDER BY c.citing_newest_key) FROM citations c
        WHERE c.cited_paper_id = p.id) AS citing_keys
FROM papers p JOIN paper_external_ids x ON x.paper_id = p.id AND x.scheme = 'openalex'
"""
_EVERY_AUTHOR_FIGURE = """
SELECT x.value, m.paper_count, m.citation_count, m.h_index, m.i10_index, m.g_index, m.first_year, m.last_year,
       round(m.two_year_mean_citedness::numeric, 9), m.counts_by_year, m.last5_paper_count, m.last5_citation_count,
       m.last5_h_index, m.last5_i10_index, m.last5_g_index, m.noself_paper_count, m.noself_citation_count,
       m.noself_h_index, m.noself_i10_index, m.noself_g_index,
       (SELECT array_agg(s.list_order ORDER BY s.paper_id) FROM authorships s WHERE s.author_id = m.author_id)
FROM author_computed_metrics m JOIN author_external_ids x ON x.author_id = m.author_id AND x.scheme = 'openalex'
"""


async def test_the_columnar_ceiling_stores_what_the_staged_ceiling_computes_in_sql(
    server_url: str, tmp_path: Path
) -> None:
    write_openalex_works(tmp_path / "works.jsonl.gz", 400, 44)
    staged = await pipeline_ceiling.load(server_url, tmp_path / "works.jsonl.gz", True, None)
    columnar: dict[str, Any] = {}
    try:
        columnar = await columnar_ceiling.load(
            server_url, tmp_path / "works.jsonl.gz", True, None, threads=2, memory="200MB", work_dir=tmp_path
        )
        assert columnar["rows"] == staged["rows"]
        assert columnar["rows"]["papers"] == 400
        assert columnar["rows"]["citations"] > 0
        staged_url = _with_database(server_url, staged["database"])
        columnar_url = _with_database(server_url, columnar["database"])
        staged_papers, staged_authors = await _figures(staged_url, _EVERY_PAPER_FIGURE, _EVERY_AUTHOR_FIGURE)
        columnar_papers, columnar_authors = await _figures(columnar_url, _EVERY_PAPER_FIGURE, _EVERY_AUTHOR_FIGURE)
        assert len(staged_authors) > 500
        assert columnar_papers == staged_papers
        assert columnar_authors == staged_authors
    finally:
        await _admin(server_url, f'DROP DATABASE IF EXISTS "{staged["database"]}" WITH (FORCE)')
        if columnar:
            await _admin(server_url, f'DROP DATABASE IF EXISTS "{columnar["database"]}" WITH (FORCE)')
