"""Load and fault runs: the service under 64 connections, through a database stop, a pool kept busy, and
writes among the reads. Each run says what every request answered, second by second.

    .venv/bin/python bench/load_faults.py [--works 3000] [--connections 64] [--steady 60]

What it does, on a PostgreSQL of its own (the embedded one, in bench/cache/faults/, removed afterwards):
1. loads the seed and a generated OpenAlex dump (`--works`), makes an API key of the write scope;
2. starts `scholargraph serve` on that database (limits off: this is about faults, not budgets);
3. runs four scenarios, each with `--connections` clients sending a mix of requests (a GraphQL profile, a
   REST author with figures, a REST bulk metrics look-up of 20 authors) back to back:
   - steady: `--steady` seconds; the service's memory sampled every second;
   - database down: the database stopped at 10 s and started again at 20 s (10 s down), 40 s in all;
   - pool busy: a transaction holds a lock on `authors` from 5 s to 13 s, so every connection of the pool
     waits on it, 25 s in all;
   - writes under load: two clients merge and unmerge authors (REST corrections) and two create papers
     on the readers' authors, change them and retract them (REST writes, with idempotency keys) while the
     others read, 30 s;
4. prints a summary and writes every figure to bench/results/faults-<date>.json.

Needs nothing but the project (`scripts/install`); the clients are Python (httpx), on the same machine.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx2
import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from api.db import api_keys, migrate  # noqa: E402
from api.db.embedded import EmbeddedPostgres  # noqa: E402
from api.db.pool import Database  # noqa: E402
from api.ids import encode_id  # noqa: E402
from api.ingest.seed import load_seed_if_empty  # noqa: E402

RESULTS = ROOT / "bench" / "results"
PROFILE = """
query Profile($id: ID!) {
  author(id: $id) {
    name metrics { hIndex citationCount }
    papers(first: 10) { totalCount nodes { title publishedOn citationCount authors { name } } }
    coauthors(first: 5) { nodes { sharedPaperCount author { name } } }
  }
}
"""


@dataclass
class Outcome:
    at: float  # seconds since the scenario started, when the request was sent
    seconds: float
    status: int  # 0: no HTTP answer (the exception's name in `error`)
    error: str | None = None
    retry_after: str | None = None


@dataclass
class Scenario:
    name: str
    outcomes: list[Outcome] = field(default_factory=list)
    rss_mb: list[float] = field(default_factory=list)
    events: list[tuple[float, str]] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        statuses = Counter(
            f"{o.status} with errors" if o.error and o.status == 200 else o.status for o in self.outcomes
        )
        errors = Counter(o.error for o in self.outcomes if o.error)
        by_second: dict[int, Counter[str]] = defaultdict(Counter)
        for outcome in self.outcomes:
            by_second[int(outcome.at)]["failed" if outcome.error else "ok"] += 1
        latencies = sorted(o.seconds for o in self.outcomes)
        # 301: an author merged meanwhile; a 200 with GraphQL errors failed too
        failed = [o for o in self.outcomes if o.status not in (200, 201, 301) or o.error]
        return {
            "requests": len(self.outcomes),
            "statuses": dict(sorted(statuses.items(), key=str)),
            "error_codes": dict(errors.most_common()),
            "failed_without_retry_after": sum(1 for o in failed if not o.retry_after),
            "failed_window_seconds": [min(o.at for o in failed), max(o.at for o in failed)] if failed else None,
            "p50_ms": round(1000 * latencies[len(latencies) // 2], 1) if latencies else None,
            "p99_ms": round(1000 * latencies[int(len(latencies) * 0.99)], 1) if latencies else None,
            "max_ms": round(1000 * latencies[-1], 1) if latencies else None,
            "rss_mb": {"first": self.rss_mb[0], "last": self.rss_mb[-1], "max": max(self.rss_mb)}
            if self.rss_mb
            else None,
            "events": self.events,
            "per_second": {str(s): dict(sorted(c.items())) for s, c in sorted(by_second.items())},
        }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


async def prepare(url: str, works: int, folder: Path) -> tuple[list[str], list[tuple[int, int]], str]:
    """Load the data; the ids clients ask for, author pairs the writers merge, and a write key."""
    await migrate.upgrade_async(url)
    db = await Database.connect(url, min_size=1, max_size=2, statement_timeout_ms=0)
    try:
        await load_seed_if_empty(db)
        dump = folder / "works.jsonl.gz"
        scholargraph = str(Path(sys.executable).parent / "scholargraph")
        generate = [scholargraph, "generate", "openalex", "--papers", str(works), "--seed", "11", "--out", str(dump)]
        await asyncio.to_thread(subprocess.run, generate, check=True, capture_output=True)
        ingest = [scholargraph, "ingest", "openalex", str(dump), "--database-url", url]
        await asyncio.to_thread(subprocess.run, ingest, check=True, capture_output=True)
        rows = await db.fetch(
            "SELECT author_id FROM authorships GROUP BY author_id HAVING count(*) >= 2 ORDER BY random() LIMIT 400"
        )
        authors = [encode_id("Author", row["author_id"]) for row in rows]
        pairs = await db.fetch(
            "SELECT a.id AS x, b.id AS y FROM authors a JOIN authors b ON b.id = a.id + 1 "
            "WHERE a.id % 7 = 0 ORDER BY a.id DESC LIMIT 40"
        )
        _, secret = await api_keys.create_key(db, "faults-writer", "write")
    finally:
        await db.close()
    return authors, [(row["x"], row["y"]) for row in pairs], secret


@contextlib.contextmanager
def service(url: str, port: int) -> Iterator[subprocess.Popen[bytes]]:
    env = {
        **os.environ,
        "SCHOLARGRAPH_DATABASE_URL": url,
        "SCHOLARGRAPH_LOAD_SEED": "false",
        "SCHOLARGRAPH_LOG_LEVEL": "warning",
        "SCHOLARGRAPH_REQUESTS_PER_SECOND": "0",
        "SCHOLARGRAPH_COST_BUDGET": "0",
        "SCHOLARGRAPH_KEY_COST_BUDGET": "0",
    }
    scholargraph = str(Path(sys.executable).parent / "scholargraph")
    process = subprocess.Popen([scholargraph, "serve", "--port", str(port)], env=env, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            with contextlib.suppress(httpx2.HTTPError):
                if httpx2.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200:
                    break
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("the service did not start")
            time.sleep(0.2)
        yield process
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


CHOOSE = random.Random(7)  # noqa: S311 - the mix of requests, the same every run; not a secret


def reader_request(authors: list[str]) -> tuple[str, str, dict[str, Any]]:
    pick = CHOOSE.random()
    if pick < 0.5:
        return "POST", "/graphql", {"json": {"query": PROFILE, "variables": {"id": CHOOSE.choice(authors)}}}
    if pick < 0.8:
        return "GET", f"/v1/authors/{CHOOSE.choice(authors)}", {}
    return "GET", "/v1/authors/metrics", {"params": {"ids": ",".join(CHOOSE.sample(authors, 20))}}


async def run(
    scenario: Scenario,
    base: str,
    connections: int,
    seconds: float,
    authors: list[str],
    process: subprocess.Popen[bytes],
    faults: Callable[[float], Awaitable[None]] | None = None,
    writers: Callable[[httpx2.AsyncClient, float], Awaitable[None]] | None = None,
) -> None:
    start = time.monotonic()
    limits = httpx2.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx2.AsyncClient(base_url=base, limits=limits, timeout=30) as client:

        async def reader() -> None:
            while (now := time.monotonic() - start) < seconds:
                method, path, options = reader_request(authors)
                sent = time.monotonic()
                try:
                    response = await client.request(method, path, **options)
                    error = None
                    if path == "/graphql" and response.status_code == 200 and b'"errors"' in response.content:
                        # field errors are answered with 200, as GraphQL over HTTP has it
                        error = response.json()["errors"][0].get("extensions", {}).get("code", "GRAPHQL_ERROR")
                    elif response.status_code >= 400:
                        try:
                            body = response.json()
                            error = (
                                body["error"]["code"] if "error" in body else body["errors"][0]["extensions"]["code"]
                            )
                        except (ValueError, KeyError, IndexError):
                            error = f"{response.status_code}: {response.text[:80]}"
                    scenario.outcomes.append(Outcome(now, time.monotonic() - sent, response.status_code, error,
                                                     response.headers.get("retry-after")))  # fmt: skip
                except httpx2.HTTPError as failure:
                    scenario.outcomes.append(Outcome(now, time.monotonic() - sent, 0, type(failure).__name__))

        async def memory() -> None:
            watched = psutil.Process(process.pid)
            while time.monotonic() - start < seconds:
                scenario.rss_mb.append(round(watched.memory_info().rss / 2**20, 1))
                await asyncio.sleep(1)

        tasks = [reader() for _ in range(connections - (4 if writers else 0))]
        tasks.append(memory())
        if faults is not None:
            tasks.append(faults(start))
        if writers is not None:
            tasks += [writers(client, start) for _ in range(4)]
        await asyncio.gather(*tasks)


def print_summary(name: str, summary: dict[str, Any]) -> None:
    print(
        f"\n== {name}: {summary['requests']} requests; statuses {summary['statuses']}; codes {summary['error_codes']}"
    )
    print(f"   latency p50 {summary['p50_ms']} ms, p99 {summary['p99_ms']} ms, max {summary['max_ms']} ms; "
          f"rss {summary['rss_mb']}; failures in {summary['failed_window_seconds']}; "
          f"503 without Retry-After: {summary['failed_without_retry_after']}")  # fmt: skip
    for at, what in summary["events"]:
        print(f"   {at:6.1f} s  {what}")


async def main_async(args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    server = EmbeddedPostgres(folder / "db")
    results: dict[str, Any] = {}
    try:
        url = server.start()  # its own cluster, with a database of its own
        authors, pairs, secret = await prepare(url, args.works, folder)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        with service(url, port) as process:
            steady = Scenario("steady")
            await run(steady, base, args.connections, args.steady, authors, process)
            results["steady"] = steady.summary()

            down = Scenario("database down 10 s")

            async def stop_and_start(start: float) -> None:
                await asyncio.sleep(10)
                down.events.append((time.monotonic() - start, "database stopped (fast shutdown)"))
                await asyncio.to_thread(server.stop)
                await asyncio.sleep(10)
                down.events.append((time.monotonic() - start, "database starting"))
                await asyncio.to_thread(server.start)
                down.events.append((time.monotonic() - start, "database accepting connections"))

            await run(down, base, args.connections, 40, authors, process, faults=stop_and_start)
            results["database_down"] = down.summary()

            busy = Scenario("pool busy 8 s")

            async def hold_a_lock(start: float) -> None:
                await asyncio.sleep(5)
                holder = await asyncpg.connect(url)
                try:
                    await holder.execute("BEGIN; LOCK TABLE authors IN ACCESS EXCLUSIVE MODE")
                    busy.events.append((time.monotonic() - start, "lock on authors taken"))
                    await asyncio.sleep(8)  # under the statement timeout (10 s): the waiting statements then pass
                    await holder.execute("COMMIT")
                    busy.events.append((time.monotonic() - start, "lock released"))
                finally:
                    await holder.close()

            await run(busy, base, args.connections, 25, authors, process, faults=hold_a_lock)
            results["pool_busy"] = busy.summary()

            writes = Scenario("writes under load")
            pending = list(pairs)
            written: Counter[str] = Counter()

            roles = ["corrections", "corrections", "papers", "papers"]

            async def writer(client: httpx2.AsyncClient, start: float) -> None:
                if roles.pop() == "papers":
                    await paper_writer(client, start)
                    return
                headers = {"Authorization": f"Bearer {secret}"}
                while time.monotonic() - start < 30 and pending:
                    x, y = pending.pop()
                    body = {"survivor": encode_id("Author", x), "absorbed": encode_id("Author", y), "reason": "load"}
                    merged = await client.post("/v1/corrections/merges", headers=headers, json=body)
                    written[f"merge {merged.status_code}"] += 1
                    if merged.status_code == 201:
                        undone = await client.post(f"/v1/corrections/{merged.json()['id']}/undo", headers=headers,
                                                   json={"reason": "load"})  # fmt: skip
                        written[f"unmerge {undone.status_code}"] += 1
                    pending.insert(0, (x, y))

            async def paper_writer(client: httpx2.AsyncClient, start: float) -> None:
                headers = {"Authorization": f"Bearer {secret}"}
                rng = random.Random(len(roles))  # noqa: S311 - a mix of bylines, not a secret
                while time.monotonic() - start < 30:
                    byline = [{"author": author} for author in rng.sample(authors, 3)]
                    body = {"title": f"Written under load {rng.random()}", "published": "2025-05", "authors": byline}
                    key = {"Idempotency-Key": f"load-{rng.random()}"}
                    made = await client.post("/v1/papers", headers=headers | key, json=body)
                    written[f"create paper {made.status_code}"] += 1
                    if made.status_code != 201:
                        continue
                    path = made.headers["location"]
                    changed = await client.patch(path, headers=headers, json={"published": "2024"})
                    written[f"change paper {changed.status_code}"] += 1
                    retracted = await client.post(f"{path}/retraction", headers=headers, json={"reason": "load"})
                    written[f"retract paper {retracted.status_code}"] += 1

            await run(writes, base, args.connections, 30, authors, process, writers=writer)
            results["writes_under_load"] = writes.summary() | {"writes": dict(written)}
            results["service_alive"] = process.poll() is None
    finally:
        with contextlib.suppress(Exception):
            server.stop()
        shutil.rmtree(folder, ignore_errors=True)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--works", type=int, default=3000, help="generated OpenAlex works loaded (default 3000)")
    parser.add_argument("--connections", type=int, default=64, help="concurrent clients (default 64)")
    parser.add_argument("--steady", type=float, default=60, help="seconds of the steady run (default 60)")
    args = parser.parse_args()
    started = dt.datetime.now(dt.UTC)
    folder = Path(tempfile.mkdtemp(prefix="faults-"))
    folder.chmod(0o755)  # as root the server runs as an unprivileged user, which must enter the folder
    results = asyncio.run(main_async(args, folder))
    for name in ("steady", "database_down", "pool_busy", "writes_under_load"):
        print_summary(name, results[name])
    print(f"\nwrites: {results['writes_under_load']['writes']}; service alive at the end: {results['service_alive']}")
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"faults-{started:%Y-%m-%d-%H%M}.json"
    command = " ".join([".venv/bin/python", "bench/load_faults.py", *sys.argv[1:]])
    load = os.getloadavg()
    out.write_text(json.dumps({"command": command, "started": started.isoformat(), "load_after": load,
                               "cores": os.cpu_count(), **results}, indent=1) + "\n")  # fmt: skip
    print(f"wrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
