"""How fast the simplest whole-file design could load a works dump: stage everything, then build in sets.

    .venv/bin/python bench/pipeline_ceiling.py FILE [--embedded | --server-url URL] [--keep]

The importer cuts a file into batches and, per batch, matches, writes and derives. The design its
benchmark findings keep naming instead is: copy every row into unlogged staging tables first, with no
matching; then build each final table once, by set-based statements, on two connections at once; then
indexes, keys and metrics, also split over both. This script is that design with everything an import
must decide left out, so that its time is a ceiling over any importer of that design on this machine:

- identity is the dump's own: a paper is its OpenAlex id, an author their OpenAlex id (else ORCID, else
  the name as written), no matching by DOI, arXiv id, title or name, nothing merged, nothing checked
  against stored rows (the database starts empty);
- references resolve by OpenAlex id only; institutions, affiliations and reported figures are left out;
- an author's name is the least of their spellings, not the best.

What it does compute is what the import stores: every paper with its search vector and terms, its
external ids and citation count, every citation with its newest key, every author, byline and external
id, every author's computed metrics (the importer's own `refresh_all_computed_metrics`), every index and
foreign key of the schema, then ANALYZE. The reading is the importer's own (the OpenAlex reader, the
limits, in a process of its own, as `scholargraph ingest` runs it).

Each step's time is printed as it ends; the last line is JSON. Into a new database (dropped unless
--keep), migrated to head, on the embedded server of bench/cache/ (--embedded) or on --server-url.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import multiprocessing
import os
import resource
import sys
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from multiprocessing.connection import Connection as Pipe
from pathlib import Path
from typing import Any

import asyncpg
import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from api.db.embedded import EmbeddedPostgres  # noqa: E402
from api.db.metrics import refresh_all_computed_metrics  # noqa: E402
from api.db.migrate import upgrade_async  # noqa: E402
from api.ingest.model import Work  # noqa: E402
from api.ingest.reading_process import Reading, ReadJob  # noqa: E402
from api.ingest.rejects import ErrorPolicy  # noqa: E402
from bench.import_benchmark import CACHE, _admin, _with_database  # noqa: E402

STAGING = (
    "CREATE UNLOGGED TABLE s_works (ord bigint, openalex text, doi text, arxiv text, title text, abstract text,"
    " primary_category text, categories text[], published_on date, precision text, code_url text,"
    " reported integer, authors_complete boolean)",
    "CREATE UNLOGGED TABLE s_bylines (ord bigint, list_order integer, position integer, author_key text,"
    " openalex text, orcid text, name text)",
    "CREATE UNLOGGED TABLE s_refs (ord bigint, ref text)",
)
_TABLES = ("s_works", "s_bylines", "s_refs")
_CHUNK = 1 << 22  # bytes of COPY text per message from the reading process


def _text(value: object) -> str:
    if value is None:
        return "\\N"
    text = str(value)
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        text = text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return text


def _array(values: Iterable[str]) -> str:
    quoted = ('"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"' for v in values)
    return "{" + ",".join(quoted) + "}"


def _rows(ordinal: int, work: Work) -> tuple[str, str, str]:
    """The staging rows of one work: its paper row, its bylines, its references (COPY text)."""
    ids = {i.scheme: i.value for i in work.ids}
    paper = "\t".join(
        _text(v)
        for v in (
            ordinal,
            ids.get("openalex"),
            ids.get("doi"),
            ids.get("arxiv"),
            work.title,
            work.abstract,
            work.primary_category,
            _array(work.categories),
            work.published_on,
            work.published_precision,
            work.code_url,
            work.reported_citation_count,
            "t" if work.authors_complete else "f",
        )
    )
    bylines = []
    for order, byline in enumerate(work.authors, start=1):
        author = {i.scheme: i.value for i in byline.ids}
        key = (
            "openalex:" + author["openalex"]
            if "openalex" in author
            else "orcid:" + author["orcid"]
            if "orcid" in author
            else "name:" + byline.name
        )
        row = (ordinal, order, byline.position, key, author.get("openalex"), author.get("orcid"), byline.name)
        bylines.append("\t".join(_text(v) for v in row))
    refs = [
        f"{ordinal}\t{_text(i.value)}" for reference in work.references for i in reference.ids if i.scheme == "openalex"
    ]
    return paper + "\n", "".join(b + "\n" for b in bylines), "".join(r + "\n" for r in refs)


def _read(path: str, pipe: Pipe) -> None:
    """The reading process: every work of the file as staging rows, in chunks of COPY text per table."""
    job = ReadJob("openalex", (path,), ErrorPolicy.SKIP, "/dev/null", dt.date(2026, 1, 1), 5000)
    buffers: list[list[str]] = [[], [], []]
    sizes = [0, 0, 0]
    with Reading(job) as reading:
        for ordinal, record in enumerate((r for r in reading.records() if isinstance(r, Work)), start=1):
            for table, text in enumerate(_rows(ordinal, record)):
                if text:
                    buffers[table].append(text)
                    sizes[table] += len(text)
                    if sizes[table] >= _CHUNK:
                        pipe.send_bytes(bytes([table]) + "".join(buffers[table]).encode())
                        buffers[table], sizes[table] = [], 0
    for table in range(3):
        if buffers[table]:
            pipe.send_bytes(bytes([table]) + "".join(buffers[table]).encode())
    pipe.send_bytes(b"")
    pipe.close()


async def stage(url: str, path: Path) -> None:
    """Stream the reading process's chunks into the three staging tables, one COPY per table at once."""
    connections = [await asyncpg.connect(url) for _ in _TABLES]
    queues: list[asyncio.Queue[bytes | None]] = [asyncio.Queue(maxsize=4) for _ in _TABLES]

    async def chunks(queue: asyncio.Queue[bytes | None]) -> AsyncIterator[bytes]:
        while (chunk := await queue.get()) is not None:
            yield chunk

    copies = [
        asyncio.ensure_future(connection.copy_to_table(table, source=chunks(queue)))
        for connection, table, queue in zip(connections, _TABLES, queues, strict=True)
    ]
    receiver, sender = multiprocessing.Pipe(duplex=False)
    child = multiprocessing.get_context("fork").Process(target=_read, args=(str(path), sender))
    child.start()
    sender.close()
    loop = asyncio.get_running_loop()
    while message := await loop.run_in_executor(None, receiver.recv_bytes):
        await queues[message[0]].put(message[1:])
    for queue in queues:
        await queue.put(None)
    await asyncio.gather(*copies)
    child.join()
    for connection in connections:
        await connection.close()


_PAPER_TABLES = ("papers", "paper_terms", "paper_external_ids")
_AUTHOR_TABLES = ("authors", "authorships", "author_external_ids")
_ALL_TABLES = (*_PAPER_TABLES, "citations", *_AUTHOR_TABLES, "author_computed_metrics")


async def _set_aside(connection: asyncpg.Connection) -> tuple[list[str], list[str], list[str]]:
    """Drop every key and index of the tables built here (the metrics table keeps its primary key, which
    the refresh's ON CONFLICT needs); return the statements re-creating them: keys and indexes, then
    foreign keys."""
    tables = list(_ALL_TABLES)
    foreign = await connection.fetch(
        "SELECT conrelid::regclass::text AS t, conname, pg_get_constraintdef(oid) AS d FROM pg_constraint"
        " WHERE contype = 'f' AND (conrelid::regclass::text = ANY($1) OR confrelid::regclass::text = ANY($1))",
        tables,
    )
    keys = await connection.fetch(
        "SELECT conrelid::regclass::text AS t, conname, pg_get_constraintdef(oid) AS d FROM pg_constraint"
        " WHERE contype IN ('p', 'u') AND conrelid::regclass::text = ANY($1)"
        " AND conrelid::regclass::text <> 'author_computed_metrics'",
        tables,
    )
    indexes = await connection.fetch(
        "SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS d FROM pg_index i"
        " WHERE i.indrelid::regclass::text = ANY($1) AND i.indrelid::regclass::text <> 'author_computed_metrics'"
        " AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)",
        tables,
    )
    for row in foreign:
        await connection.execute(f'ALTER TABLE {row["t"]} DROP CONSTRAINT "{row["conname"]}"')
    for row in keys:
        await connection.execute(f'ALTER TABLE {row["t"]} DROP CONSTRAINT "{row["conname"]}"')
    for row in indexes:
        await connection.execute(f'DROP INDEX "{row["name"]}"')
    built = [f'ALTER TABLE {r["t"]} ADD CONSTRAINT "{r["conname"]}" {r["d"]}' for r in keys]
    built += [r["d"] for r in indexes]
    linked = [f'ALTER TABLE {r["t"]} ADD CONSTRAINT "{r["conname"]}" {r["d"]}' for r in foreign]
    return built, linked, [r["t"] for r in foreign]


_VECTORS = "CREATE UNLOGGED TABLE s_vectors AS SELECT ord, sg_paper_search_vector(title, abstract) AS v FROM s_works"
_CITES = (
    "CREATE UNLOGGED TABLE s_cites AS SELECT DISTINCT r.ord AS citing, w.ord AS cited"
    " FROM s_refs r JOIN s_works w ON w.openalex = r.ref WHERE w.ord <> r.ord",
    "CREATE UNLOGGED TABLE s_counts AS SELECT cited, count(*)::int AS n FROM s_cites GROUP BY cited",
)
_PAPERS = (
    "TRUNCATE papers, paper_terms, paper_external_ids",
    "INSERT INTO papers (id, title, abstract, primary_category, categories, published_on, published_precision,"
    " code_url, has_code, authors_complete, citation_count, reported_citation_count, search_vector)"
    " OVERRIDING SYSTEM VALUE"
    " SELECT w.ord, w.title, w.abstract, w.primary_category, w.categories, w.published_on, w.precision,"
    " w.code_url, w.code_url IS NOT NULL, w.authors_complete, coalesce(c.n, 0), w.reported, v.v"
    " FROM s_works w JOIN s_vectors v USING (ord) LEFT JOIN s_counts c ON c.cited = w.ord",
    "INSERT INTO paper_terms (lexeme, paper_id, score, published_on)"
    " SELECT t.lexeme, w.ord, t.score, w.published_on FROM s_works w JOIN s_vectors v USING (ord),"
    " sg_paper_terms(v.v || ''::tsvector) t",
    "INSERT INTO paper_external_ids (scheme, value, paper_id)"
    " SELECT x.scheme, x.value, w.ord FROM s_works w,"
    " LATERAL (VALUES ('openalex', w.openalex), ('doi', w.doi), ('arxiv', w.arxiv)) AS x (scheme, value)"
    " WHERE x.value IS NOT NULL",
)
_CITATIONS = (
    "TRUNCATE citations",
    "INSERT INTO citations (citing_paper_id, cited_paper_id, citing_newest_key)"
    " SELECT c.citing, c.cited, coalesce(w.published_on, '-infinity')"
    " FROM s_cites c JOIN s_works w ON w.ord = c.citing",
)
_DROP = "DROP TABLE s_works, s_bylines, s_refs, s_vectors, s_cites, s_counts, s_authors"
_AUTHORS = (
    "CREATE UNLOGGED TABLE s_authors AS SELECT row_number() OVER (ORDER BY min(ord), author_key) AS id, author_key,"
    " min(name) AS name, min(openalex) AS openalex, min(orcid) AS orcid FROM s_bylines GROUP BY author_key",
    "TRUNCATE authors, authorships, author_external_ids, author_computed_metrics",
    "INSERT INTO authors (id, name) OVERRIDING SYSTEM VALUE SELECT id, name FROM s_authors",
    "INSERT INTO authorships (paper_id, author_id, position, list_order, name_as_written)"
    " SELECT DISTINCT ON (b.ord, a.id) b.ord, a.id, b.position, b.list_order, b.name"
    " FROM s_bylines b JOIN s_authors a USING (author_key) ORDER BY b.ord, a.id, b.list_order",
    "INSERT INTO author_external_ids (scheme, value, author_id)"
    " SELECT DISTINCT ON (x.scheme, x.value) x.scheme, x.value, a.id FROM s_authors a,"
    " LATERAL (VALUES ('openalex', a.openalex), ('orcid', a.orcid)) AS x (scheme, value)"
    " WHERE x.value IS NOT NULL ORDER BY x.scheme, x.value, a.id",
)


def server_cpu(postmaster: int | None) -> float:
    """CPU seconds the server's processes have used: the postmaster's own and its reaped children's (the
    backends and workers that exited), and those of its children still running. 0 when not local."""
    if postmaster is None:
        return 0.0
    try:
        server = psutil.Process(postmaster)
        times = server.cpu_times()
        total = times.user + times.system + times.children_user + times.children_system
        for child in server.children():
            with contextlib.suppress(psutil.Error):  # exited meanwhile: in the parent's children_* next time
                child_times = child.cpu_times()
                total += child_times.user + child_times.system
    except psutil.Error:
        return 0.0
    return total


def add_where_arguments(parser: argparse.ArgumentParser) -> None:
    """--embedded or --server-url, one of them required, as every ceiling takes them (see `embedded_or`)."""
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--embedded", action="store_true", help="the embedded server of bench/cache/")
    where.add_argument("--server-url", help="a PostgreSQL server URL (any database; a new one is made)")


def embedded_or(server_url: str | None) -> tuple[str, int | None]:
    """The server to use: --server-url, else the embedded one of bench/cache/ (started if need be); and its
    postmaster's pid when it is the embedded one (its CPU is then counted)."""
    if server_url is not None:
        return server_url, None
    embedded = EmbeddedPostgres(CACHE / "embedded")
    url = embedded.start()
    return url, embedded.postmaster_pid()


def own_cpu() -> float:
    """CPU seconds of this process and its reaped children (the reading process)."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


class Timer:
    def __init__(self, postmaster: int | None) -> None:
        self.postmaster = postmaster
        self.start = time.monotonic()
        self.steps: dict[str, dict[str, float]] = {}

    async def step(self, name: str, *work: Awaitable[Any]) -> None:
        began, server, own = time.monotonic(), server_cpu(self.postmaster), own_cpu()
        await asyncio.gather(*work)
        wall = time.monotonic() - began
        await asyncio.sleep(0.5)  # for the postmaster to reap the step's closed backends (their CPU then counts)
        figures = {
            "wall": round(wall, 1),
            "server_cpu": round(server_cpu(self.postmaster) - server, 1),
            "importer_cpu": round(own_cpu() - own, 1),
        }
        self.steps[name] = figures
        print(f"{name}: {figures} (at {time.monotonic() - self.start:.1f} s)", flush=True)


async def run(url: str, statements: Iterable[str], *, transaction: bool = True) -> None:
    connection = await asyncpg.connect(url)
    try:
        # the staging rows are read from the dump; triggers would recompute what is supplied here
        await connection.execute("SET session_replication_role = replica")
        if transaction:
            async with connection.transaction():
                for statement in statements:
                    await connection.execute(statement)
        else:
            for statement in statements:
                await connection.execute(statement)
    finally:
        await connection.close()


async def metrics(url: str, targets: str, part: int, parts: int) -> None:
    """The computed metrics of the authors `targets` (a query of `author_id`s) with id % parts = part, in a
    schema of its own for the refresh's working tables (their names are fixed)."""
    connection = await asyncpg.connect(url)
    try:
        async with connection.transaction():
            await connection.execute(f"CREATE SCHEMA work_{part}")
            await connection.execute(f"SET LOCAL search_path = work_{part}, public")
            await connection.execute(
                f"CREATE UNLOGGED TABLE work_{part}.targets AS"
                f" SELECT author_id FROM ({targets}) AS t WHERE author_id % {parts} = {part}"
            )
            await connection.execute(f"ANALYZE work_{part}.targets")  # as the importer does its own
            await refresh_all_computed_metrics(connection, f"work_{part}.targets")
            await connection.execute(f"DROP SCHEMA work_{part} CASCADE")
    finally:
        await connection.close()


def _split(statements: list[str], parts: int, weight: Callable[[str], int]) -> list[list[str]]:
    """Statements dealt out to `parts` connections, heaviest first, each to the lightest connection so far."""
    shares: list[list[str]] = [[] for _ in range(parts)]
    loads = [0] * parts
    for statement in sorted(statements, key=weight, reverse=True):
        lightest = loads.index(min(loads))
        shares[lightest].append(statement)
        loads[lightest] += weight(statement)
    return shares


_SIZES = {"paper_terms": 45, "citations": 20, "authorships": 6, "author_external_ids": 4, "paper_external_ids": 2}


def _weight(statement: str) -> int:
    return next((size for table, size in _SIZES.items() if f" {table} " in statement + " "), 1)


async def new_database(server_url: str, prefix: str) -> tuple[str, str]:
    """A new database named `prefix` and a random suffix, migrated to head: its name and URL."""
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    await _admin(server_url, f"CREATE DATABASE {name}")
    url = _with_database(server_url, name)
    await upgrade_async(url)
    return name, url


async def add_foreign_keys(url: str, linked: list[str], timer: Timer) -> None:
    """The foreign keys `_set_aside` dropped, re-added on two connections, a table's all on one."""
    by_table: dict[str, list[str]] = {}
    for statement in linked:
        by_table.setdefault(statement.split()[2], []).append(statement)
    shares = _split([";".join(group) for group in by_table.values()], 2, _weight)
    await timer.step(
        "foreign keys",
        *(run(url, [s for joined in share for s in joined.split(";")], transaction=False) for share in shares),
    )


STORED = ("papers", "paper_terms", "citations", "authors", "authorships", "author_computed_metrics")


async def stored_rows(connection: asyncpg.Connection) -> dict[str, int]:
    return {table: await connection.fetchval(f"SELECT count(*) FROM {table}") for table in STORED}


async def load(server_url: str, path: Path, keep: bool, postmaster: int | None) -> dict[str, Any]:
    name, url = await new_database(server_url, "sg_bench_ceiling")
    try:
        admin = await asyncpg.connect(url)
        async with admin.transaction():
            built, linked, _ = await _set_aside(admin)
            for statement in STAGING:
                await admin.execute(statement)
        timer = Timer(postmaster)
        await timer.step("staging: read, decode, COPY", stage(url, path))
        await timer.step("analyze staging", run(url, ["ANALYZE s_works, s_bylines, s_refs"], transaction=False))
        await timer.step("search vectors | citations resolved", run(url, [_VECTORS]), run(url, _CITES))
        await timer.step(
            "papers, terms, ids | citations, authors", run(url, _PAPERS), run(url, (*_CITATIONS, *_AUTHORS))
        )
        indexes = _split(built, 2, _weight)
        await timer.step("keys and indexes", *(run(url, share, transaction=False) for share in indexes))
        await timer.step("analyze", run(url, ["ANALYZE"], transaction=False))
        everyone = "SELECT id AS author_id FROM authors"
        await timer.step("computed metrics", metrics(url, everyone, 0, 2), metrics(url, everyone, 1, 2))
        await add_foreign_keys(url, linked, timer)
        await timer.step("drop staging", run(url, [_DROP]))
        wall = sum(step["wall"] for step in timer.steps.values())
        counts = await stored_rows(admin)
        await admin.close()
    finally:
        if not keep:
            await _admin(server_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    peak_mb = max(resource.getrusage(who).ru_maxrss for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)) / 1024
    return {
        "database": name if keep else None,
        "wall_seconds": round(wall, 1),
        "works_per_second": round(counts["papers"] / wall),
        "server_cpu_seconds": round(sum(s["server_cpu"] for s in timer.steps.values()), 1),
        "importer_cpu_seconds": round(sum(s["importer_cpu"] for s in timer.steps.values()), 1),
        "steps": timer.steps,
        "rows": counts,
        "peak_importer_mb": round(peak_mb),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("file", type=Path)
    add_where_arguments(parser)
    parser.add_argument("--keep", action="store_true", help="keep the database made")
    args = parser.parse_args()
    server_url, postmaster = embedded_or(args.server_url)
    print(json.dumps(asyncio.run(load(server_url, args.file, args.keep, postmaster))))


if __name__ == "__main__":
    main()
