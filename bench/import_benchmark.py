"""Time `scholargraph ingest openalex` on a generated dump: papers/s, authorships/s, peak memory.

    .venv/bin/python bench/import_benchmark.py                      # 1,000,000 papers, seed 42
    .venv/bin/python bench/import_benchmark.py --papers 100000 --py-spy import.svg

Run it from the repository's root: the report names files relative to it.

1. Generates N OpenAlex works (api/generate.py, --seed, default 42) into the cache folder
   (--cache-dir, default bench/cache/, which git ignores), unless that file is there already: the name
   carries N, the seed and the generator's version, so a cached file is always the same bytes.
2. Creates a scratch database on the server (--server-url, default $SCHOLARGRAPH_BENCH_DATABASE_URL,
   else postgresql://postgres@127.0.0.1:5432/postgres) and migrates it (not timed).
3. Brings the server to rest (not timed): with --onto, vacuums and analyses that database (autovacuum would
   otherwise read all of a freshly loaded one during the run), then waits until no autovacuum worker runs.
   Runs `scholargraph ingest openalex FILE --json --database-url URL` as a subprocess and measures its
   wall time (start to exit: reading, writing, the final refresh and commit), its peak RSS (the RSS of
   the importer and its reading process together, sampled every 0.5 s, or the kernel's ru_maxrss from
   wait4 if larger) and CPU time (its reading process's included), and samples the PostgreSQL backends serving
   the scratch database (RSS, CPU time) every 0.5 s, and what they are doing (pg_stat_activity: the
   running statement, or "idle in transaction": waiting for the importer); reads the server's settings
   that shape a large load, and its WAL and checkpoint counters before and after (the difference: WAL
   records, full-page images and bytes, checkpoints, buffers backends wrote themselves; server-wide, so
   the import's own only on an otherwise idle server). --py-spy OUT attaches
   `py-spy record` to the importer (OUT.svg: flame graph, OUT.txt: collapsed stacks, OUT.json:
   speedscope), idle time included so that waiting on the database shows.
4. With --floor, times the floor beside the import on the same server: restoring the database the import
   made from a dump (bench/restore_floor.py), or, with --onto, storing only the rows it added into a copy of
   the database as it was before (bench/growth_floor.py): what PostgreSQL alone must spend on the result,
   with nothing read, matched or computed. The result cell gives the floor in works/s and the run's share.
5. Counts the rows written, drops the database (unless --keep), prints the figures as JSON and appends
   a dated row to bench/REPORT.md (unless --no-report) with the exact command, its paths relative to the
   repository's root (a report names no folder of the machine it ran on).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from api.db.embedded import EmbeddedPostgres  # noqa: E402
from api.generate import GENERATOR_VERSION, GenerateStats, write_openalex_works  # noqa: E402

REPORT = ROOT / "bench" / "REPORT.md"
CACHE = ROOT / "bench" / "cache"
REPORT_HEADER = """# Import benchmark

Rows appended by `bench/import_benchmark.py` (see its docstring): one import of a generated OpenAlex
works file (`api/generate.py`, deterministic by seed) into a fresh, migrated database on the local
PostgreSQL, timed from the start to the exit of `scholargraph ingest openalex FILE --json`. Papers/s and
authorships/s are the file's works and authorships over that wall time; peak RSS is the importing
processes' together (the importer and its reading process); CPU % is CPU time over wall time (100% = one core) for the importer and for the
PostgreSQL backends serving the import. Target (issue 4): 20,000 papers/s with their authorships for a
1M-paper file, under 2 GB, on the 2-core machine. Commands are written as run from the repository's root,
generated files as cached in `bench/cache/`. Notes on a run go above "Runs"; the script appends rows.

## Runs

| date (UTC) | commit | papers | authorships | file MB | wall s | papers/s | authorships/s | peak RSS MB | importer CPU % | PostgreSQL CPU % | result | command |
|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|
"""  # noqa: E501


DEFAULT_SERVER_URL = os.environ.get("SCHOLARGRAPH_BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def add_server_arguments(parser: argparse.ArgumentParser) -> None:
    """--server-url and --embedded, as every benchmark of imports takes them."""
    parser.add_argument(
        "--server-url",
        default=DEFAULT_SERVER_URL,
        help="PostgreSQL server to make the scratch databases on (default: $SCHOLARGRAPH_BENCH_DATABASE_URL)",
    )
    parser.add_argument(
        "--embedded",
        action="store_true",
        help="use the embedded PostgreSQL (the default a user gets), its data in CACHE_DIR/embedded, instead of"
        " --server-url",
    )


def server_url_of(args: argparse.Namespace, cache_dir: Path = CACHE) -> str:
    """The server the arguments name: the embedded one of `cache_dir` (started if need be), or --server-url."""
    return EmbeddedPostgres(cache_dir / "embedded").start() if args.embedded else str(args.server_url)


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


def _shown_url(url: str) -> str:
    """The URL without its password, for the report."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def shown_path(path: str | Path) -> str:
    """`path` as a report shows it: relative to the repository's root when inside it, so that a row reads
    the same whatever the checkout's folder; as given otherwise."""
    given = Path(path)
    for root in {ROOT, Path(os.path.abspath(__file__)).parent.parent}:
        for form in (Path(os.path.abspath(given)), given.resolve()):
            with contextlib.suppress(ValueError):
                return form.relative_to(root).as_posix()
    return str(path)


def shown_command(words: Sequence[str]) -> str:
    """A command line as a report shows it: its paths as `shown_path` gives them."""
    return " ".join(shown_path(word) if os.sep in word and "://" not in word else word for word in words)


def report_command(command: Sequence[str], url: str) -> str:
    """The importer's command line for the report: paths relative to the root (the embedded server's socket
    folder in its URL too), no password."""
    shown = _shown_url(url)
    query = urlsplit(shown).query
    for part in query.split("&"):
        name, _, value = part.partition("=")
        if name == "host" and value.startswith("/"):
            shown = shown.replace(part, f"host={shown_path(value)}")
    return shown_command(command).replace(url, shown)


def _scholargraph() -> str:
    beside = Path(sys.executable).parent / "scholargraph"
    return str(beside) if beside.exists() else (shutil.which("scholargraph") or "scholargraph")


def _commit() -> str:
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
        dirty = subprocess.run(["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True)
    except OSError:
        return "?"
    return head.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "")


# --- the input -----------------------------------------------------------------------------------------


def dump_file(papers: int, seed: int, cache_dir: Path) -> tuple[Path, dict[str, Any], bool]:
    """The generated file (made if not cached), its generation figures, and whether it was made now."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    path = cache_dir / f"openalex-works-{papers}-seed{seed}-v{GENERATOR_VERSION}.jsonl.gz"
    sidecar = path.with_name(path.name + ".json")
    if path.exists() and sidecar.exists():
        return path, json.loads(sidecar.read_text()), False
    print(f"generating {papers:,} works (seed {seed}) into {path}", file=sys.stderr, flush=True)
    last = [0.0]

    def progress(stats: GenerateStats) -> None:
        if stats.seconds - last[0] >= 10:
            last[0] = stats.seconds
            print(f"  {stats.works:,} works, {stats.works_per_second:,.0f}/s", file=sys.stderr, flush=True)

    stats = write_openalex_works(path, papers, seed, on_progress=progress)
    figures = {
        "works": stats.works,
        "authorships": stats.authorships,
        "references": stats.references,
        "with_doi": stats.with_doi,
        "with_arxiv": stats.with_arxiv,
        "bytes": stats.bytes_written,
        "seconds": round(stats.seconds, 1),
        "works_per_second": round(stats.works_per_second),
        "generator_version": GENERATOR_VERSION,
    }
    sidecar.write_text(json.dumps(figures, indent=2) + "\n")
    return path, figures, True


# --- watching the import -------------------------------------------------------------------------------


@dataclass
class Watch:
    """What the sampler saw of the importer and of the PostgreSQL backends of the scratch database."""

    database: str
    importer_peak_rss: int = 0
    backend_peak_rss: int = 0
    backend_cpu: dict[int, float] = field(default_factory=dict)
    samples: int = 0
    backends: dict[int, psutil.Process] = field(default_factory=dict)
    statements: Counter[str] = field(default_factory=Counter)
    input_path: str = ""
    input_read: int = 0  # bytes of the input file the importer has read (its file offset)

    def find_backends(self) -> None:
        """The PostgreSQL processes serving the scratch database (their title names it): a scan of /proc,
        done every few seconds only, so that the watching costs the machine next to nothing."""
        for process in psutil.process_iter(["cmdline"]):
            title = " ".join(process.info["cmdline"] or ())
            if title.startswith("postgres:") and f" {self.database} " in title:
                self.backends.setdefault(process.pid, process)

    def sample(self, importer: psutil.Process) -> None:
        with contextlib.suppress(psutil.Error):
            # the importer and its reading process, together (api/ingest/reading_process.py)
            tree = [importer, *importer.children(recursive=True)]
            rss = 0
            for process in tree:
                with contextlib.suppress(psutil.Error):
                    rss += process.memory_info().rss
            self.importer_peak_rss = max(self.importer_peak_rss, rss)
            for opened in importer.open_files():
                if opened.path == self.input_path:
                    self.input_read = max(self.input_read, opened.position)
        total = 0
        for pid, process in list(self.backends.items()):
            try:
                total += process.memory_info().rss
                times = process.cpu_times()
                self.backend_cpu[pid] = times.user + times.system
            except psutil.Error:
                del self.backends[pid]
        self.backend_peak_rss = max(self.backend_peak_rss, total)
        self.samples += 1


def _statement(state: str | None, query: str | None) -> str:
    """What a backend is doing, as tallied: the start of its running statement, or its state."""
    if state == "active":
        return "active: " + " ".join((query or "").split())[:100]
    return f"({state})"


async def _watch_statements(server_url: str, watch: Watch, stop: threading.Event) -> None:
    """Every 0.5 s, what each backend serving the scratch database is doing (pg_stat_activity): the share
    of samples per statement tells where the database spends the import, and `idle in transaction` the
    time it waits for the importer."""
    connection = await asyncpg.connect(server_url)
    try:
        while not stop.is_set():
            rows = await connection.fetch(
                "SELECT state, query FROM pg_stat_activity WHERE datname = $1 AND backend_type = 'client backend'",
                watch.database,
            )
            for row in rows:
                watch.statements[_statement(row["state"], row["query"])] += 1
            await asyncio.sleep(0.5)
    finally:
        await connection.close()


def run_import(
    command: list[str], server_url: str, database: str, input_path: Path, py_spy: str | None, timeout: float | None
) -> dict[str, Any]:
    """Run the importer, sampling it; its exit code, output, wall time, peak RSS and CPU times. After
    `timeout` seconds it is interrupted (SIGINT: its transaction rolls back) and reported as timed out."""
    watch = Watch(database, input_path=str(input_path))
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=out, stderr=err)
        spy = None
        if py_spy:
            form = {".svg": "flamegraph", ".txt": "raw", ".json": "speedscope"}.get(Path(py_spy).suffix, "flamegraph")
            spy = subprocess.Popen(
                [shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy"), "record", "--pid",
                 str(process.pid), "--output", py_spy, "--format", form, "--rate", "50", "--idle", "--nonblocking"],
                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            )  # fmt: skip
        stop = threading.Event()
        watched = psutil.Process(process.pid)

        def sampler() -> None:
            ticks = 0
            while not stop.wait(0.5):
                if ticks % 10 == 0:
                    watch.find_backends()
                watch.sample(watched)
                ticks += 1

        thread = threading.Thread(target=sampler, daemon=True)
        thread.start()
        statements = threading.Thread(
            target=lambda: asyncio.run(_watch_statements(server_url, watch, stop)), daemon=True
        )
        statements.start()
        fired = threading.Event()

        def interrupt() -> None:
            # SIGINT first (the importer rolls back); if it is stuck awaiting a statement, SIGKILL after 30 s:
            # the server rolls the transaction back, and DROP DATABASE ... WITH (FORCE) ends its backend.
            fired.set()
            process.send_signal(signal.SIGINT)
            killer = threading.Timer(30, process.kill)  # after wait4 has reaped it: a no-op
            killer.daemon = True
            killer.start()

        timer = threading.Timer(timeout, interrupt) if timeout else None
        if timer:
            timer.start()
        _, status, usage = os.wait4(process.pid, 0)
        if timer:
            timer.cancel()
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        stop.set()
        thread.join()
        statements.join()
        if spy is not None:
            spy.wait(timeout=120)
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode(errors="replace")
        stderr = err.read().decode(errors="replace")
    return {
        "exit_code": process.returncode,
        "stdout": stdout,
        "stderr": stderr,
        "wall_seconds": wall,
        # the sampled peak of the importer's processes together; the kernel's, of the largest one alone
        "peak_rss_bytes": max(usage.ru_maxrss * 1024, watch.importer_peak_rss),
        "importer_cpu_seconds": usage.ru_utime + usage.ru_stime,
        "backend_cpu_seconds": sum(watch.backend_cpu.values()),
        "backend_peak_rss_bytes": watch.backend_peak_rss,
        "samples": watch.samples,
        "statements": watch.statements,
        "timed_out": fired.is_set(),
        "input_read_bytes": watch.input_read,
    }


# --- the database --------------------------------------------------------------------------------------


async def _admin(server_url: str, sql: str) -> None:
    connection = await asyncpg.connect(server_url)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


async def _settle(url: str, vacuum: bool) -> float:
    """Bring the server to rest before a timed run; the seconds it took. With `vacuum`, the database the
    import goes into is vacuumed and analysed first: a database a bulk load just made is read by
    autovacuum from end to end (every table, 15.7 GB at 1M works), which, left to run during the import
    on a 2-core machine, made a 100k growth run 425 s against 247. Then waits until no autovacuum worker
    runs on the server."""
    started = time.perf_counter()
    connection = await asyncpg.connect(url)
    try:
        if vacuum:
            await connection.execute("VACUUM (ANALYZE)")
        busy = "SELECT count(*) > 0 FROM pg_stat_activity WHERE backend_type = 'autovacuum worker'"
        for _ in range(3600):  # polled each second, for an hour at most
            if not await connection.fetchval(busy):
                break
            await asyncio.sleep(1.0)
    finally:
        await connection.close()
    return time.perf_counter() - started


async def _counts(url: str) -> dict[str, int]:
    connection = await asyncpg.connect(url)
    try:
        counts = {}
        for table in ("papers", "authors", "authorships", "citations", "pending_references", "institutions"):
            try:
                counts[table] = await connection.fetchval(f"SELECT count(*) FROM {table}")
            except asyncpg.UndefinedTableError:
                continue
        counts["database_bytes"] = await connection.fetchval("SELECT pg_database_size(current_database())")
        return counts
    finally:
        await connection.close()


_SETTINGS = ("server_version", "shared_buffers", "max_wal_size", "checkpoint_timeout", "wal_buffers", "work_mem")


# Checkpoints, and buffers that backends had to write themselves; PostgreSQL 17 moved these counters out of
# pg_stat_bgwriter (checkpoints to pg_stat_checkpointer, backend writes to pg_stat_io, there since 16).
_WRITER_COUNTERS = "SELECT checkpoints_timed, checkpoints_req, buffers_backend FROM pg_stat_bgwriter"
_WRITER_COUNTERS_17 = """
SELECT c.num_timed AS checkpoints_timed, c.num_requested AS checkpoints_req,
       (SELECT coalesce(sum(writes), 0)::bigint FROM pg_stat_io WHERE backend_type = 'client backend')
           AS buffers_backend
FROM pg_stat_checkpointer c
"""


async def _server(server_url: str) -> dict[str, Any]:
    """The server settings that shape a large load, and its WAL and checkpoint counters (server-wide: the
    difference over a run is that run's only when nothing else writes)."""
    connection = await asyncpg.connect(server_url)
    try:
        settings = {name: await connection.fetchval(f"SHOW {name}") for name in _SETTINGS}
        wal = await connection.fetchrow("SELECT wal_records, wal_fpi, wal_bytes::bigint AS wal_bytes FROM pg_stat_wal")
        writer = await connection.fetchrow(
            _WRITER_COUNTERS_17 if connection.get_server_version().major >= 17 else _WRITER_COUNTERS
        )
    finally:
        await connection.close()
    return {"settings": settings, "counters": {**dict(wal or {}), **dict(writer or {})}}


def _difference(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    return {name: int(after[name]) - int(before[name]) for name in after}


# --- the report ----------------------------------------------------------------------------------------


def _where(embedded: bool, before: dict[str, int]) -> str:
    """What the result cell adds about the target: the embedded server, a database that held papers."""
    notes = ["embedded PostgreSQL"] if embedded else []
    if before:
        notes.append(f"into a database of {before.get('papers', 0):,} papers")
    return f" ({'; '.join(notes)})" if notes else ""


def _beside(floor: dict[str, Any] | None, works_per_second: float) -> str:
    """The floor beside the result: the least PostgreSQL alone spent storing what the import made."""
    if floor is None or not floor["floor_works_per_second"]:
        return ""
    kind = "restoring what it made" if floor["kind"] == "restore" else "storing the rows it added"
    share = works_per_second / floor["floor_works_per_second"]
    return f"; floor {floor['floor_works_per_second']:,} works/s ({kind}), this run at {share:.0%} of it"


def append_report(row: dict[str, Any]) -> None:
    if not REPORT.exists():
        REPORT.write_text(REPORT_HEADER)
    cells = [
        row["date"],
        row["commit"],
        f"{row['papers']:,}",
        f"{row['authorships']:,}",
        f"{row['file_mb']:,.0f}",
        f"{row['wall_seconds']:,.1f}",
        f"{row['papers_per_second']:,.0f}",
        f"{row['authorships_per_second']:,.0f}",
        f"{row['peak_rss_mb']:,.0f}",
        f"{row['importer_cpu_percent']:.0f}",
        f"{row['postgres_cpu_percent']:.0f}",
        row["result"].replace("|", "\\|"),
        f"`{row['command']}` (via `{row['bench_command']}`)",
    ]
    with REPORT.open("a") as report:
        report.write("| " + " | ".join(cells) + " |\n")


# --- main ----------------------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--papers", type=int, default=1_000_000, help="works in the generated file (default 1M)")
    parser.add_argument("--seed", type=int, default=42, help="generator seed (default 42)")
    parser.add_argument(
        "--cache-dir", type=Path, default=CACHE, help="where generated files are kept between runs (bench/cache/)"
    )
    add_server_arguments(parser)
    parser.add_argument(
        "--onto",
        metavar="DATABASE",
        help="import into this existing database (one a run left with --keep) instead of a fresh one; it is kept",
    )
    parser.add_argument("--batch-size", type=int, help="passed to the importer's --batch-size")
    parser.add_argument(
        "--no-bulk-load", action="store_true", help="passed to the importer: write row by row into the empty database"
    )
    parser.add_argument("--py-spy", metavar="OUT", help="profile the importer with py-spy into OUT (.svg/.txt/.json)")
    parser.add_argument("--timeout", type=float, help="interrupt the import after this many seconds (reported)")
    parser.add_argument(
        "--floor",
        action="store_true",
        help="also time the floor beside the import: restoring what it made (bench/restore_floor.py), or with"
        " --onto storing the rows it added into a copy of the database as it was (bench/growth_floor.py)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument("--no-report", action="store_true", help="do not append to bench/REPORT.md")
    return parser


def main(argv: list[str] | None = None) -> int:
    from bench import growth_floor, restore_floor  # here: they import this module's helpers

    args = build_parser().parse_args(argv)
    bench_command = shown_command(
        [".venv/bin/python", "bench/import_benchmark.py", *(argv if argv is not None else sys.argv[1:])]
    )

    commit = _commit()  # now: the code the import runs, whatever is committed while it does
    path, generated, made_now = dump_file(args.papers, args.seed, args.cache_dir)
    server_url = server_url_of(args, args.cache_dir)
    name = args.onto or f"sg_bench_import_{uuid.uuid4().hex[:8]}"
    url = _with_database(server_url, name)
    before: dict[str, int] = asyncio.run(_counts(url)) if args.onto else {}
    command = [_scholargraph(), "ingest", "openalex", str(path), "--json", "--database-url", url]
    if args.batch_size:
        command += ["--batch-size", str(args.batch_size)]
    if args.no_bulk_load:
        command += ["--no-bulk-load"]
    if not args.onto:
        asyncio.run(_admin(server_url, f'CREATE DATABASE "{name}"'))
    base = f"{name}_floor_base"
    if args.floor and args.onto:
        asyncio.run(growth_floor.copy_database(server_url, base, name))
    floor: dict[str, Any] | None = None
    try:
        migrated = subprocess.run(
            [_scholargraph(), "migrate", "--database-url", url], capture_output=True, text=True, check=False
        )
        if migrated.returncode != 0:
            print(migrated.stderr, file=sys.stderr)
            return 1
        settled = asyncio.run(_settle(url, vacuum=bool(args.onto)))
        print(f"importing {path.name} into {name}", file=sys.stderr, flush=True)
        server_before = asyncio.run(_server(server_url))
        done = run_import(command, server_url, name, path, args.py_spy, args.timeout)
        server_after = asyncio.run(_server(server_url))
        counts = asyncio.run(_counts(url)) if done["exit_code"] == 0 else {}
        if args.floor and done["exit_code"] == 0:
            if args.onto:
                floor = {"kind": "growth", **growth_floor.measure(server_url, base, name, work_dir=args.cache_dir)}
            else:
                floor = {"kind": "restore", **restore_floor.measure(server_url, name, work_dir=args.cache_dir)}
    finally:
        if args.floor and args.onto:
            asyncio.run(_admin(server_url, f'DROP DATABASE IF EXISTS "{base}" WITH (FORCE)'))
        if not args.keep and not args.onto:
            asyncio.run(_admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    summary: dict[str, Any] = {}
    for line in reversed(done["stdout"].splitlines()):
        try:
            summary = json.loads(line)
            break
        except json.JSONDecodeError:
            continue
    wall = done["wall_seconds"]
    ok = done["exit_code"] == 0
    error = (done["stderr"].strip().splitlines() or [f"exit code {done['exit_code']}"])[-1]
    if done["timed_out"]:
        read = done["input_read_bytes"] / generated["bytes"]
        error = (
            f"timed out: interrupted after {wall / 60:.0f} min, {read:.0%} of the file read "
            f"(at most {read * args.papers / wall:,.0f} papers/s)"
        )
    result = {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M"),
        "commit": commit,
        "papers": args.papers,
        "seed": args.seed,
        "authorships": generated["authorships"],
        "file": shown_path(path),
        "file_mb": generated["bytes"] / 1e6,
        "generated_now": made_now,
        "generation": generated,
        "wall_seconds": round(wall, 2),
        "papers_per_second": round(args.papers / wall) if ok else 0,
        "authorships_per_second": round(generated["authorships"] / wall) if ok else 0,
        "peak_rss_mb": round(done["peak_rss_bytes"] / 2**20),
        "importer_cpu_percent": round(100 * done["importer_cpu_seconds"] / wall),
        "postgres_cpu_percent": round(100 * done["backend_cpu_seconds"] / wall),
        "postgres_peak_rss_mb": round(done["backend_peak_rss_bytes"] / 2**20),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "exit_code": done["exit_code"],
        "input_read_percent": round(100 * done["input_read_bytes"] / generated["bytes"], 1),
        "result": ("ok" if ok else error[:200] if done["timed_out"] else f"failed: {error[:200]}")
        + _where(args.embedded, before) + _beside(floor, args.papers / wall),
        "floor": floor,
        "summary": summary,
        "postgres_samples": {
            label: f"{count / total:.0%}"
            for total in [sum(done["statements"].values()) or 1]
            for label, count in done["statements"].most_common(8)
        },
        "database": name if args.keep or args.onto else None,
        "server": "embedded" if args.embedded else _shown_url(server_url),
        "rows_before": before,
        "settle_seconds": round(settled, 1),
        "rows": counts,
        "server_settings": server_before["settings"],
        "server_during_import": _difference(server_before["counters"], server_after["counters"]),
        "command": report_command(command, url),
        "bench_command": bench_command,
        "py_spy": args.py_spy,
    }  # fmt: skip
    if not ok:
        result["stderr_tail"] = done["stderr"][-4000:]
    print(json.dumps(result, indent=2))
    if not args.no_report:
        append_report(result)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
