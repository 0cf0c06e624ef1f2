"""The benchmark's database: a generated OpenAlex dump imported once into `sg_bench_serve_<papers>`.

The dump comes from `bench/import_benchmark.dump_file` (cached in bench/cache/ by size, seed and generator
version). The database is kept between runs: a marker row in `sg_bench.dataset`, written only after the
import committed and the tables were vacuumed and analysed, names the dump it holds. A database without
that row (an interrupted import) or holding another dump is dropped and imported again; `--fresh` forces it.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg

MARKER_SCHEMA = "sg_bench"

# The generated works carry no reported figures (OpenAlex works name no author metrics): the benchmark adds
# some, deterministically, so that the figures shown (reported, what they lack filled in from the computed
# set) are exercised by Q1 and Q5 and checked like the rest. 1 author in 10 has a reported set without an
# i10-index, 1 in 50 an older second set. Bump the version when this changes.
REPORTED = "reported-v1"
_ADD_REPORTED = """
INSERT INTO author_reported_metrics
    (author_id, source, as_of, h_index, i10_index, citation_count, paper_count, novelty, ai_score)
SELECT m.author_id, 'bench-profile', DATE '2026-01-15', m.h_index + (m.author_id % 5)::int, NULL,
       m.citation_count * 2 + (m.author_id % 7)::int, m.paper_count + 1, (m.author_id % 100) / 100.0,
       (m.author_id % 90)::numeric
FROM author_computed_metrics m WHERE m.author_id % 10 = 3
UNION ALL
SELECT m.author_id, 'bench-older', DATE '2025-06-01', m.h_index, m.i10_index, m.citation_count, NULL, NULL, NULL
FROM author_computed_metrics m WHERE m.author_id % 50 = 3
ON CONFLICT DO NOTHING
"""


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


def database_name(papers: int, seed: int) -> str:
    return f"sg_bench_serve_{papers}" + ("" if seed == 42 else f"_seed{seed}")


async def _admin(server_url: str, sql: str) -> None:
    connection = await asyncpg.connect(server_url, timeout=10)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


async def _marker(url: str) -> str | None:
    """The dump the database holds, or None (no database, or an import that did not finish)."""
    try:
        connection = await asyncpg.connect(url, timeout=10)
    except asyncpg.InvalidCatalogNameError:
        return None
    try:
        return await connection.fetchval(  # type: ignore[no-any-return]
            f"SELECT dump FROM {MARKER_SCHEMA}.dataset"
            f" WHERE EXISTS (SELECT 1 FROM pg_tables WHERE schemaname = '{MARKER_SCHEMA}')"
        )
    except asyncpg.UndefinedTableError:
        return None
    finally:
        await connection.close()


def _run(command: list[str], what: str, timeout: float) -> None:
    """Run a step of the set-up, its output passed through; a clear error when it fails or overruns."""
    print(f"  {what}: {' '.join(command[:3])} …", file=sys.stderr, flush=True)
    started = time.monotonic()
    try:
        done = subprocess.run(command, timeout=timeout, check=False)
    except subprocess.TimeoutExpired as error:
        raise SystemExit(f"error: {what} took longer than {timeout:.0f} s and was stopped") from error
    if done.returncode != 0:
        raise SystemExit(f"error: {what} failed (exit code {done.returncode}): {' '.join(command)}")
    print(f"  {what}: done in {time.monotonic() - started:.0f} s", file=sys.stderr, flush=True)


def ensure_database(
    server_url: str, name: str, dump: Path, scholargraph: str, *, fresh: bool, import_timeout: float
) -> tuple[str, bool]:
    """The URL of a database holding `dump`, imported now if it is not there yet; and whether it was."""
    url = with_database(server_url, name)
    held = None if fresh else asyncio.run(_marker(url))
    if held == f"{dump.name} {REPORTED}":
        return url, False
    if held == dump.name:  # imported by an earlier version of this script: only the reported figures to add
        asyncio.run(_finish(url, dump.name, import_timeout))
        return url, False
    print(f"importing {dump.name} into {name} (not timed)", file=sys.stderr, flush=True)
    asyncio.run(_admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    asyncio.run(_admin(server_url, f'CREATE DATABASE "{name}"'))
    _run([scholargraph, "migrate", "--database-url", url], "migrate", 300)
    _run([scholargraph, "ingest", "openalex", str(dump), "--database-url", url], "import", import_timeout)
    asyncio.run(_finish(url, dump.name, import_timeout))
    return url, True


async def _finish(url: str, dump_name: str, limit_s: float) -> None:
    """Add the reported figures, vacuum and analyse, then mark the database as holding `dump_name`."""
    connection = await asyncpg.connect(url, timeout=10)
    try:
        await connection.execute(_ADD_REPORTED, timeout=limit_s)
        # A steady state every system meets alike: visibility map set, statistics fresh.
        await connection.execute("VACUUM (ANALYZE)", timeout=limit_s)
        await connection.execute(
            f"CREATE SCHEMA IF NOT EXISTS {MARKER_SCHEMA};"
            f" CREATE TABLE IF NOT EXISTS {MARKER_SCHEMA}.dataset (dump text NOT NULL, at timestamptz NOT NULL);"
            f" TRUNCATE {MARKER_SCHEMA}.dataset"
        )
        await connection.execute(f"INSERT INTO {MARKER_SCHEMA}.dataset VALUES ($1, now())", f"{dump_name} {REPORTED}")
    finally:
        await connection.close()
