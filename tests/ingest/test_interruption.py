"""An import killed at any moment and run again reaches the same database as an import never interrupted.

One generated OpenAlex dump (api.generate) is imported into database A without interruption, by the real
command in a subprocess (`python -m api ingest openalex FILE --batch-size 200`), while its connection is
watched in pg_stat_activity (it names itself `scholargraph:<pid>`): when its writing transaction begins
(the first time the backend holds a transaction id), and when that transaction is over (committed) while
the process still runs. Then, for each kill moment, the same command is started on a fresh database B,
SIGKILLed at that moment, run again to completion, and every table of B is compared with A.

The kill moments are placed on A's timeline: at 10%, 50% and 90% of the way from its first write to
its end, and as soon as its first writing transaction is over (committed) while the process still runs:
whatever the importer does after its main commit, such as building search vectors in chunks, is killed
there or at 90%, and the rerun must complete it. A moment the importer had already passed (it finished
first) is reported in the failure message; the 10% and 50% moments must be hit.

The comparison covers every table of the public schema, listed from the catalog (new tables are covered
without touching this test), every column except wall-clock timestamps (timestamp columns named `…_at`:
created_at, updated_at, computed_at, recorded_at), rows ordered by primary key; and the next value of
every sequence of the schema. A difference is reported with the rows only A or only B holds.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import pytest
from conftest import _admin, _with_database

from api.generate import write_openalex_works

ROOT = Path(__file__).resolve().parents[2]
PAPERS = 2_000
SEED = 20
BATCH_SIZE = 200
POLL_SECONDS = 0.005
WRITING_FRACTIONS = (0.1, 0.5, 0.9)
MUST_HIT = (0.1, 0.5)  # an import that is over before these was not interrupted at all: the test would be void
WALL_CLOCK_TYPES = ("timestamp with time zone", "timestamp without time zone")


@pytest.fixture(scope="module")
def dump(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("interruption") / "works.jsonl.gz"
    stats = write_openalex_works(path, PAPERS, seed=SEED)
    assert stats.works == PAPERS
    return path


@asynccontextmanager
async def fresh_database(server_url: str, template: str) -> AsyncIterator[str]:
    """A migrated, empty database of its own (as conftest's `database_url`), dropped afterwards."""
    name = f"sg_kill_{uuid.uuid4().hex[:12]}"
    await _admin(server_url, f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    try:
        yield _with_database(server_url, name)
    finally:
        await _admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# --- running the importer, watching it, killing it ----------------------------------------------------


@dataclass
class Run:
    """One importer process as it was watched: times in seconds from its start (None: not seen)."""

    began: float | None = None  # its writing transaction first seen
    committed: float | None = None  # that transaction first seen over, the process alive
    ended: float | None = None  # the process seen exited (or killed)
    killed_at: float | None = None  # when it was SIGKILLed; None if it exited first
    returncode: int | None = None
    stdout: str = ""
    stderr: str = ""

    @property
    def writing_seconds(self) -> float:
        """From the first write to the end of the process: the span kill moments are placed on."""
        assert self.began is not None, "the import's writing transaction was never seen"
        assert self.ended is not None
        return self.ended - self.began

    def describe(self) -> str:
        def at(value: float | None) -> str:
            return "-" if value is None else f"{value:.2f}s"

        return (
            f"began {at(self.began)}, committed {at(self.committed)}, ended {at(self.ended)}, killed "
            f"{at(self.killed_at)}, exit status {self.returncode}"
        )


KillWhen = Callable[[Run, float], bool]


async def run_importer(observer: asyncpg.Connection, dump: Path, url: str, kill_when: KillWhen | None = None) -> Run:
    """Run `scholargraph ingest openalex` on `url` in a subprocess, watching its connection; SIGKILL it the
    first time `kill_when(run, seconds since start)` holds."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("SCHOLARGRAPH_")}
    started = time.monotonic()
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "api", "ingest", "openalex", str(dump), "--database-url", url,
        "--batch-size", str(BATCH_SIZE), "--json",
        cwd=ROOT, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    run = Run()
    name = f"scholargraph:{process.pid}"
    transaction = None
    try:
        while True:
            now = time.monotonic() - started
            if process.returncode is not None:
                run.ended = now
                break
            rows = await observer.fetch(
                "SELECT xact_start, backend_xid IS NOT NULL AS writing FROM pg_stat_activity "
                "WHERE application_name = $1",
                name,
            )
            if transaction is None:
                transaction = next((row["xact_start"] for row in rows if row["writing"]), None)
                if transaction is not None:
                    run.began = now
            elif run.committed is None and all(row["xact_start"] != transaction for row in rows):
                run.committed = now
            if kill_when is not None and kill_when(run, now):
                process.send_signal(signal.SIGKILL)
                run.killed_at = run.ended = now
                break
            await asyncio.sleep(POLL_SECONDS)
    finally:
        if process.returncode is None and run.killed_at is None:
            process.kill()
        out, err = await asyncio.wait_for(process.communicate(), timeout=120)
        run.stdout, run.stderr = out.decode(), err.decode()
        run.returncode = process.returncode
    return run


# --- comparing two databases --------------------------------------------------------------------------


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@dataclass
class TableQuery:
    names: list[str]  # the columns compared
    excluded: list[str]  # wall-clock columns, not compared
    key: list[int]  # positions in `names` of the primary key; empty: the whole row is the key

    @property
    def columns(self) -> str:
        return ", ".join(_quote(name) for name in self.names)

    @property
    def order(self) -> str:
        return ", ".join(_quote(self.names[i]) for i in self.key) if self.key else f"ROW({self.columns})::text"


async def _table_queries(connection: asyncpg.Connection) -> dict[str, TableQuery]:
    """Every table of the public schema (from the catalog) with the columns compared and the row order."""
    tables = await connection.fetch(
        """
        SELECT c.oid, c.relname FROM pg_class c
        WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p') AND NOT c.relispartition
        ORDER BY c.relname
        """
    )
    queries: dict[str, TableQuery] = {}
    for table in tables:
        columns = await connection.fetch(
            """
            SELECT attname, format_type(atttypid, atttypmod) AS type FROM pg_attribute
            WHERE attrelid = $1 AND attnum > 0 AND NOT attisdropped ORDER BY attnum
            """,
            table["oid"],
        )
        key = await connection.fetch(
            """
            SELECT a.attname FROM pg_index i
            CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, n)
            JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
            WHERE i.indrelid = $1 AND i.indisprimary ORDER BY k.n
            """,
            table["oid"],
        )
        excluded = [c["attname"] for c in columns if c["type"] in WALL_CLOCK_TYPES and c["attname"].endswith("_at")]
        names = [c["attname"] for c in columns if c["attname"] not in excluded]
        queries[table["relname"]] = TableQuery(names, excluded, [names.index(k["attname"]) for k in key])
    return queries


async def database_state(url: str) -> dict[str, object]:
    """(rows, md5 of the rows in key order) per table; the next value of each sequence."""
    connection = await asyncpg.connect(url)
    try:
        state: dict[str, object] = {}
        for table, query in (await _table_queries(connection)).items():
            row = f"ROW({query.columns})::text"
            found = await connection.fetchrow(
                f"SELECT count(*) AS n, md5(coalesce(string_agg({row}, E'\\n' ORDER BY {query.order}), '')) AS md5 "
                f"FROM public.{_quote(table)}"
            )
            state[table] = (found["n"], found["md5"])
        sequences = await connection.fetch(
            "SELECT relname FROM pg_class WHERE relkind = 'S' AND relnamespace = 'public'::regnamespace ORDER BY 1"
        )
        for sequence in sequences:
            value = await connection.fetchrow(f"SELECT last_value, is_called FROM public.{_quote(sequence['relname'])}")
            state[f"sequence {sequence['relname']}"] = value["last_value"] + int(value["is_called"])
        return state
    finally:
        await connection.close()


async def differences(url_a: str, url_b: str, state_a: dict[str, object], state_b: dict[str, object]) -> str:
    """What differs, table by table: the counts, then rows by primary key: those only A or only B holds,
    and for rows both hold, the columns that differ (the first few of each)."""
    lines: list[str] = []
    a = await asyncpg.connect(url_a)
    b = await asyncpg.connect(url_b)
    try:
        queries = await _table_queries(a)
        for name in sorted(set(state_a) | set(state_b)):
            if state_a.get(name) == state_b.get(name):
                continue
            lines.append(f"{name}: A {state_a.get(name)} != B {state_b.get(name)}")
            query = queries.get(name)
            if query is None:
                continue
            values = ", ".join(f"{_quote(column)}::text" for column in query.names)
            sql = f"SELECT ARRAY[{values}] AS v FROM public.{_quote(name)}"

            def keyed(rows: list[asyncpg.Record], query: TableQuery = query) -> dict[tuple[str | None, ...], list[str]]:
                positions = query.key or range(len(query.names))
                return {tuple(row["v"][i] for i in positions): row["v"] for row in rows}

            rows_a, rows_b = keyed(await a.fetch(sql)), keyed(await b.fetch(sql))
            only_a = [key for key in rows_a if key not in rows_b]
            only_b = [key for key in rows_b if key not in rows_a]
            changed = [key for key in rows_a if key in rows_b and rows_a[key] != rows_b[key]]
            lines.append(
                f"  {len(only_a)} rows only in A, {len(only_b)} only in B, {len(changed)} differ "
                f"(not compared: {', '.join(query.excluded) or 'nothing'})"
            )
            lines += [f"  only in A: {str(rows_a[key])[:200]}" for key in only_a[:5]]
            lines += [f"  only in B: {str(rows_b[key])[:200]}" for key in only_b[:5]]
            for key in changed[:5]:
                diff = [
                    f"{column}: A {str(x)[:80]!r} B {str(y)[:80]!r}"
                    for column, x, y in zip(query.names, rows_a[key], rows_b[key], strict=True)
                    if x != y
                ]
                lines.append(f"  key {key}: {'; '.join(diff)}")
    finally:
        await a.close()
        await b.close()
    return "\n".join(lines)


# --- the test ----------------------------------------------------------------------------------------


async def test_an_import_killed_at_any_moment_then_run_again_ends_as_an_uninterrupted_one(
    server_url: str, template_database: str, dump: Path
) -> None:
    observer = await asyncpg.connect(server_url)
    try:
        async with fresh_database(server_url, template_database) as url_a:
            whole = await run_importer(observer, dump, url_a)
            assert whole.returncode == 0, whole.stderr
            report = json.loads(whole.stdout.strip().splitlines()[-1])
            assert report["read"] == PAPERS
            assert report["inserted"]["papers"] == PAPERS
            expected = await database_state(url_a)
            assert whole.began is not None, f"the import's writing transaction was never seen: {whole.describe()}"
            length = whole.writing_seconds
            began = whole.began

            moments: list[tuple[str, KillWhen]] = [
                (f"{fraction:.0%} of the way from the first write to the end",
                 lambda run, now, fraction=fraction: run.began is not None and now >= run.began + fraction * length)
                for fraction in WRITING_FRACTIONS
            ]  # fmt: skip
            moments.append(("as soon as the writing transaction is over", lambda run, now: run.committed is not None))

            outcomes: list[str] = []
            killed_runs: list[Run] = []
            failures: list[str] = []
            for label, kill_when in moments:
                async with fresh_database(server_url, template_database) as url_b:
                    killed = await run_importer(observer, dump, url_b, kill_when)
                    rerun = await run_importer(observer, dump, url_b)
                    outcome = f"{label}: killed run {killed.describe()}; rerun {rerun.describe()}"
                    outcomes.append(outcome)
                    killed_runs.append(killed)
                    assert rerun.returncode == 0, f"{outcome}\n{rerun.stderr}"
                    state = await database_state(url_b)
                    if state != expected:
                        failures.append(f"{outcome}\n{await differences(url_a, url_b, expected, state)}")
            timeline = f"uninterrupted: {whole.describe()} (writing for {length:.2f}s from {began:.2f}s)"
            print("\n".join([timeline, *outcomes]))  # shown with -s
            assert failures == [], "\n\n".join([timeline, *failures])
            for (label, _), killed, outcome in zip(moments, killed_runs, outcomes, strict=True):
                if any(label.startswith(f"{fraction:.0%} ") for fraction in MUST_HIT):
                    assert killed.returncode == -signal.SIGKILL, (
                        f"the import ended before its kill: {outcome}\n{timeline}"
                    )
    finally:
        await observer.close()
