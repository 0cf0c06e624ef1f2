"""The least any importer must spend per work of a dump on this machine: a floor under the import's speed.

    .venv/bin/python bench/floor.py FILE [--limit N] [--database-url URL]

Three costs no design of the importer avoids, each timed on one core over the first N works (default
20,000) of an OpenAlex works file (e.g. one bench/import_benchmark.py cached in bench/cache/):

1. decompressing the file and splitting it into lines (zlib, as Python's gzip module);
2. decoding each line's JSON, with the fastest decoders at hand: orjson (the importer's full reader), and
   msgspec decoding only the fields the importer reads into typed structures (as the importer's fast path
   for OpenAlex works does, api/ingest/openalex_typed.py);
3. PostgreSQL computing each paper's full-text vector (`sg_paper_search_vector`: English stemming of the
   folded title and abstract, what search needs), over the works' titles and abstracts as the importer
   reads them, in a scratch database migrated on the server at --server-url (default:
   SCHOLARGRAPH_BENCH_DATABASE_URL, else postgresql://postgres@127.0.0.1:5432/postgres) and dropped after;
   the best of three runs.

The sum is the CPU time per work that any import of that file spends before it writes a row; against it,
`papers_per_second * floor_seconds` is the number of cores a target rate needs for these steps alone.
Prints JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import asyncpg
import orjson

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from api.ingest import openalex  # noqa: E402
from api.ingest.model import Work  # noqa: E402
from api.ingest.openalex_typed import WORK_LINE_DECODER  # noqa: E402
from bench.import_benchmark import _admin, _with_database, shown_command, shown_path  # noqa: E402


def _per_work(seconds: float, works: int) -> float:
    return round(seconds / works * 1e6, 1)


async def _search_vector_seconds(url: str, texts: list[tuple[str, str | None]]) -> float:
    connection = await asyncpg.connect(url)
    try:
        await connection.execute("CREATE TEMP TABLE floor_texts (title text NOT NULL, abstract text)")
        await connection.copy_records_to_table("floor_texts", records=texts)
        await connection.execute("ANALYZE floor_texts")
        best = float("inf")
        for _ in range(3):  # the best of three: the machine's noise only ever adds
            started = time.perf_counter()
            await connection.fetchval("SELECT count(sg_paper_search_vector(title, abstract)) FROM floor_texts")
            best = min(best, time.perf_counter() - started)
        return best
    finally:
        await connection.close()


# The rows any import of the works stores, in tables with only the keys identity and the service's look-ups
# need (no foreign key, no trigger, no secondary index for lists or search): logged, as the real tables.
_TABLES = """
CREATE TABLE floor_papers (id bigint PRIMARY KEY, title text NOT NULL, abstract text);
CREATE TABLE floor_paper_ids (scheme text, value text, paper_id bigint NOT NULL, PRIMARY KEY (scheme, value));
CREATE TABLE floor_author_ids (scheme text, value text, author_id bigint NOT NULL, PRIMARY KEY (scheme, value));
CREATE TABLE floor_authorships (
    paper_id bigint, author_id bigint, position int NOT NULL, name_as_written text NOT NULL,
    PRIMARY KEY (paper_id, author_id));
CREATE INDEX ON floor_authorships (author_id, paper_id);
CREATE TABLE floor_citations (citing bigint, cited bigint, PRIMARY KEY (citing, cited));
CREATE INDEX ON floor_citations (cited);
"""


def _rows(works: list[Work]) -> dict[str, list[tuple[Any, ...]]]:
    """The works as rows: papers and authors numbered by their first id, references to any work."""
    papers: dict[str, int] = {}
    authors: dict[str, int] = {}
    tables = ("floor_papers", "floor_paper_ids", "floor_author_ids", "floor_authorships", "floor_citations")
    rows: dict[str, list[tuple[Any, ...]]] = {name: [] for name in tables}
    for work in works:
        paper = papers.setdefault(work.ids[0].value, len(papers) + 1)
        rows["floor_papers"].append((paper, work.title, work.abstract))
        rows["floor_paper_ids"] += [(i.scheme, i.value, paper) for i in work.ids]
        seen: set[int] = set()
        for byline in work.authors:
            key = byline.ids[0].value if byline.ids else f"{paper}:{byline.position}"
            known = key in authors
            author = authors.setdefault(key, len(authors) + 1)
            if author in seen:
                continue
            seen.add(author)
            if not known:
                rows["floor_author_ids"] += [(i.scheme, i.value, author) for i in byline.ids]
            rows["floor_authorships"].append((paper, author, byline.position or 1, byline.name))
        cited = {papers.setdefault(r.ids[0].value, len(papers) + 1) for r in work.references if r.ids}
        rows["floor_citations"] += [(paper, c) for c in sorted(cited - {paper})]
    rows["floor_author_ids"] = list({(r[0], r[1]): r for r in rows["floor_author_ids"]}.values())
    rows["floor_paper_ids"] = list({(r[0], r[1]): r for r in rows["floor_paper_ids"]}.values())
    return rows


async def _store_seconds(url: str, rows: dict[str, list[tuple[Any, ...]]]) -> float:
    """COPY every row into fresh tables, in one transaction that commits (WAL flushed, as an import's)."""
    connection = await asyncpg.connect(url)
    try:
        await connection.execute(_TABLES)
        started = time.perf_counter()
        async with connection.transaction():
            for table, records in rows.items():
                await connection.copy_records_to_table(table, records=records)
        return time.perf_counter() - started
    finally:
        await connection.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("file", type=Path)
    parser.add_argument("--limit", type=int, default=20_000, help="works to read (default 20,000)")
    parser.add_argument(
        "--server-url",
        default=os.environ.get("SCHOLARGRAPH_BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"),
        help="the PostgreSQL server to time the full-text vectors on (a scratch database is made there)",
    )
    args = parser.parse_args(argv)

    started = time.perf_counter()
    with gzip.open(args.file, "rb") if args.file.suffix == ".gz" else args.file.open("rb") as stream:
        lines = []
        for line in stream:
            if line.strip():
                lines.append(line)
                if len(lines) >= args.limit:
                    break
    decompress = time.perf_counter() - started
    works = len(lines)

    started = time.perf_counter()
    values = [orjson.loads(line) for line in lines]
    decode_orjson = time.perf_counter() - started

    started = time.perf_counter()  # the importer's own typed decoder (api/ingest/openalex_typed.py)
    for line in lines:
        WORK_LINE_DECODER.decode(line)
    decode_msgspec = time.perf_counter() - started

    records = [record for value in values for record in openalex.read_openalex(value) if isinstance(record, Work)]
    texts = [(record.title, record.abstract) for record in records]
    rows = _rows(records)
    name = f"sg_bench_floor_{uuid.uuid4().hex[:8]}"
    url = _with_database(args.server_url, name)
    asyncio.run(_admin(args.server_url, f'CREATE DATABASE "{name}"'))
    try:
        subprocess.run(
            [str(Path(sys.executable).parent / "scholargraph"), "migrate", "--database-url", url],
            check=True,
            capture_output=True,
        )
        search_vectors = asyncio.run(_search_vector_seconds(url, texts))
        store = asyncio.run(_store_seconds(url, rows))
    finally:
        asyncio.run(_admin(args.server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    fastest_decode = min(decode_orjson, decode_msgspec)
    floor = (decompress + fastest_decode + search_vectors + store) / works
    report = {
        "file": shown_path(args.file),
        "works": works,
        "bytes_per_work": round(sum(len(line) for line in lines) / works),
        "microseconds_per_work": {
            "decompress_and_split": _per_work(decompress, works),
            "json_decode_orjson": _per_work(decode_orjson, works),
            "json_decode_msgspec_typed": _per_work(decode_msgspec, works),
            "postgres_search_vector": _per_work(search_vectors, works),
            "postgres_copy_rows": _per_work(store, works),
        },
        "rows_per_work": {table: round(len(records) / works, 2) for table, records in rows.items()},
        "floor_microseconds_per_work": round(floor * 1e6, 1),
        "cores_needed_at_20000_per_second": round(floor * 20_000, 2),
        "ceiling_papers_per_second_on_2_cores": round(2 / floor),
        "command": shown_command([".venv/bin/python", "bench/floor.py", *(argv if argv is not None else sys.argv[1:])]),
    }
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
