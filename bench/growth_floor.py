"""The least PostgreSQL alone spends to add an import's new rows to a loaded database: a floor under growth.

    .venv/bin/python bench/growth_floor.py BASE GROWN --embedded [--runs 2]

BASE is a database as it was before an import (a copy: `CREATE DATABASE base TEMPLATE kept`), GROWN the same
database after it (e.g. `bench/import_benchmark.py --onto kept` of a second file). The rows the import added
are those of GROWN past BASE's largest paper, author and institution ids. This script copies them out of
GROWN (binary COPY to files, not timed), then, --runs times each way, makes a fresh copy of BASE and stores
them into it, timed, in one transaction on one connection (as the importer commits an import whole), and
split over two connections at once (one per core: the most this machine could do). Each is COPY into every
table with all its indexes live, as an import into a loaded database must keep them, but with triggers and
foreign-key checks off (`session_replication_role = replica`) and every derived row (search vectors and
terms, citation counts, metrics) already computed. Rows the import changed rather than added (citation counts
of cited papers, metrics of their authors) are not counted.

Whatever an importer does before, it must at least store these rows into these indexes. The floor is the
best time of two connections, or half the best of one transaction if that is less (both cores busy all along,
the most generous figure): a floor under the import's wall time on this server. Prints JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import asyncpg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.import_benchmark import (  # noqa: E402
    CACHE,
    _admin,
    _with_database,
    add_server_arguments,
    server_url_of,
    shown_command,
)

# Each table's rows an import added, by the ids past the base's largest (the importer issues ids in order).
ADDED = {
    "institutions": "id > $institution",
    "papers": "id > $paper",
    "paper_external_ids": "paper_id > $paper",
    "paper_terms": "paper_id > $paper",
    "paper_institutions": "paper_id > $paper",
    "citations": "citing_paper_id > $paper",
    "authors": "id > $author",
    "author_external_ids": "author_id > $author",
    "authorships": "paper_id > $paper",
    "author_computed_metrics": "author_id > $author",
    "author_reported_metrics": "author_id > $author",
}


async def largest_ids(url: str) -> dict[str, int]:
    connection = await asyncpg.connect(url)
    try:
        row = await connection.fetchrow(
            "SELECT coalesce((SELECT max(id) FROM papers), 0) AS paper,"
            " coalesce((SELECT max(id) FROM authors), 0) AS author,"
            " coalesce((SELECT max(id) FROM institutions), 0) AS institution"
        )
        assert row is not None
        return dict(row)
    finally:
        await connection.close()


async def copy_database(server_url: str, name: str, template: str) -> None:
    """CREATE DATABASE name TEMPLATE template, by copying its files where the server can (PostgreSQL 15 and
    later log a copy block by block otherwise: minutes for a large database)."""
    connection = await asyncpg.connect(server_url)
    try:
        strategy = (
            " STRATEGY = FILE_COPY" if int(await connection.fetchval("SHOW server_version_num")) >= 150000 else ""
        )
        await connection.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"{strategy}')
    finally:
        await connection.close()


def _condition(template: str, largest: dict[str, int]) -> str:
    for name, value in largest.items():
        template = template.replace(f"${name}", str(int(value)))
    return template


_STORED_COLUMNS = """
SELECT array_agg(attname::text ORDER BY attnum) FROM pg_attribute
WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped AND attgenerated = ''
"""


async def copy_out(url: str, largest: dict[str, int], folder: Path) -> tuple[dict[str, int], dict[str, list[str]]]:
    """Each table's added rows into FOLDER/table (binary COPY of its stored columns); their counts, and the
    columns."""
    connection = await asyncpg.connect(url)
    counts: dict[str, int] = {}
    columns: dict[str, list[str]] = {}
    try:
        for table, condition in ADDED.items():
            columns[table] = await connection.fetchval(_STORED_COLUMNS, table)
            query = f"SELECT {', '.join(columns[table])} FROM {table} WHERE {_condition(condition, largest)}"
            await connection.copy_from_query(query, output=str(folder / table), format="binary")
            counts[table] = await connection.fetchval(f"SELECT count(*) FROM ({query}) AS added")
    finally:
        await connection.close()
    return counts, columns


async def store(url: str, folder: Path, columns: dict[str, list[str]], tables: list[str]) -> dict[str, float]:
    """Store the added rows of `tables` into the database at URL in one transaction; the seconds per table."""
    connection = await asyncpg.connect(url)
    seconds: dict[str, float] = {}
    try:
        async with connection.transaction():
            await connection.execute("SET LOCAL session_replication_role = replica")
            for table in tables:
                started = time.perf_counter()
                await connection.copy_to_table(
                    table, source=str(folder / table), columns=columns[table], format="binary"
                )
                seconds[table] = round(time.perf_counter() - started, 2)
            started = time.perf_counter()
        seconds["commit"] = round(time.perf_counter() - started, 2)
    finally:
        await connection.close()
    return seconds


def split_in_two(folder: Path) -> list[list[str]]:
    """The tables in two groups of about equal bytes to store (largest first, each to the lighter group)."""
    groups: list[list[str]] = [[], []]
    weights = [0, 0]
    for table in sorted(ADDED, key=lambda name: -(folder / name).stat().st_size):
        lighter = weights.index(min(weights))
        groups[lighter].append(table)
        weights[lighter] += (folder / table).stat().st_size
    return groups


async def store_in_ways(url: str, folder: Path, columns: dict[str, list[str]], way: str) -> dict[str, Any]:
    """Store the added rows one way: on one connection in one transaction, or split over two connections
    (one transaction each, at once: the most two cores could do)."""
    if way == "one transaction":
        return await store(url, folder, columns, list(ADDED))
    halves = await asyncio.gather(*(store(url, folder, columns, group) for group in split_in_two(folder)))
    return {"connection 1": halves[0], "connection 2": halves[1]}


WAYS = ("one transaction", "two connections")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("base", help="the database before the import (a copy)")
    parser.add_argument("grown", help="the same database after the import")
    add_server_arguments(parser)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--work-dir", type=Path, default=CACHE, help="where the added rows are written (and removed)")
    return parser


def measure(server_url: str, base: str, grown: str, *, runs: int = 2, work_dir: Path = CACHE) -> dict[str, Any]:
    """Store GROWN's added rows into fresh copies of BASE `runs` times; the figures, the floor among them."""
    largest = asyncio.run(largest_ids(_with_database(server_url, base)))
    results: list[dict[str, Any]] = []
    work_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=work_dir) as scratch:
        folder = Path(scratch)
        counts, columns = asyncio.run(copy_out(_with_database(server_url, grown), largest, folder))
        for run in range(runs):
            for way in WAYS:
                trial = f"sg_growth_floor_{run}"
                asyncio.run(_admin(server_url, f'DROP DATABASE IF EXISTS "{trial}" WITH (FORCE)'))
                asyncio.run(copy_database(server_url, trial, base))
                try:
                    started = time.perf_counter()
                    seconds = asyncio.run(store_in_ways(_with_database(server_url, trial), folder, columns, way))
                    total = round(time.perf_counter() - started, 2)
                finally:
                    asyncio.run(_admin(server_url, f'DROP DATABASE IF EXISTS "{trial}" WITH (FORCE)'))
                results.append({"way": way, "total": total, "seconds": seconds})
                print(f"growth floor, {way}, run {run + 1}: {total} s {seconds}", file=sys.stderr, flush=True)
    # the floor: the faster of two connections as measured and one transaction halved (both cores busy all
    # along, which no split of these tables reaches: the most generous figure)
    measured = min(run["total"] for run in results if run["way"] == "two connections")
    halved = min(run["total"] for run in results if run["way"] == "one transaction") / 2
    best = round(min(measured, halved), 2)
    return {
        "base_largest_ids": largest,
        "added_rows": counts,
        "runs": results,
        "floor_seconds": best,
        "floor_works_per_second": round(counts["papers"] / best) if best else None,
    }


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    server_url = server_url_of(args)
    figures = measure(server_url, args.base, args.grown, runs=args.runs, work_dir=args.work_dir)
    command = shown_command(["bench/growth_floor.py", *(argv if argv is not None else sys.argv[1:])])
    print(json.dumps({"command": command, **figures}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
