"""`scholargraph serve` as a user runs it: a real process, its own embedded PostgreSQL, real faults.

- As root (CI runs as root), with the PostgreSQL binaries in a folder closed to other users, as a
  virtualenv under root's home is: the server still starts and the seed is served.
- A start-up failure is one line on stderr and exit status 1, never a traceback.
- The embedded server killed under a running `serve` is restarted by `serve` (crash recovery keeps the
  data); when it cannot be restarted, `/healthz` fails and `serve` exits non-zero.
- `serve --workers 2`: both workers answer on the one port; SIGTERM stops them, then the embedded server.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import asyncpg
import httpx2
import pytest
from outages import kill_postmaster

from api.db.embedded import EmbeddedPostgres

ROOT = Path(__file__).resolve().parent.parent
# uvicorn shuts down gracefully on SIGTERM, then lets the signal end the process, as Unix convention has it.
STOPPED_CLEANLY = (0, -signal.SIGTERM)
SEED_QUERY = '{ authors(search: "louis bethune", first: 1) { nodes { name papers { totalCount } } } }'


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def data_dir() -> Iterator[Path]:
    """A data directory the unprivileged server account can reach (its parent is 0755)."""
    parent = Path(tempfile.mkdtemp(prefix="sg-serve-"))
    parent.chmod(0o755)
    yield parent / "data"
    server = EmbeddedPostgres(parent / "data")
    if server.is_running():
        server.stop()
    shutil.rmtree(parent, ignore_errors=True)


class Serve:
    """One `scholargraph serve` process on a free port, its output collected in a file."""

    def __init__(
        self,
        data_dir: Path,
        *,
        port: int | None = None,
        python_path: Path | None = None,
        env: dict[str, str] | None = None,
    ) -> None:
        self.port = port or _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = data_dir.parent / f"serve-{self.port}-{time.monotonic_ns()}.log"
        environment = {k: v for k, v in os.environ.items() if not k.startswith("SCHOLARGRAPH_")}
        paths = [str(python_path)] if python_path else []
        environment["PYTHONPATH"] = os.pathsep.join([*paths, str(ROOT)])
        environment.update(env or {})
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "api.cli", "serve", "--port", str(self.port), "--data-dir", str(data_dir)],
                cwd=ROOT,
                env=environment,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def get(self, path: str) -> httpx2.Response | None:
        try:
            return httpx2.get(self.base + path, timeout=5)
        except httpx2.TransportError:
            return None

    def wait_until(self, path: str, status: int, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            response = self.get(path)
            if response is not None and response.status_code == status:
                return
            assert self.process.poll() is None, f"serve exited ({self.process.returncode}):\n{self.output()}"
            time.sleep(0.2)
        raise AssertionError(f"{path} did not answer {status} within {timeout} s:\n{self.output()}")

    def seed_paper_count(self) -> int:
        response = httpx2.post(self.base + "/graphql", json={"query": SEED_QUERY}, timeout=10)
        assert response.status_code == 200, response.text
        body = response.json()
        assert "errors" not in body, body
        count: int = body["data"]["authors"]["nodes"][0]["papers"]["totalCount"]
        return count

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait()


def _postmaster_pid(data_dir: Path) -> int:
    pid = EmbeddedPostgres(data_dir).postmaster_pid()
    assert pid is not None, "the embedded server is not running"
    return pid


def test_serves_the_seed_with_the_database_binaries_in_a_closed_folder(
    closed_site_packages: Path, data_dir: Path
) -> None:
    serve = Serve(data_dir, python_path=closed_site_packages)
    try:
        serve.wait_until("/readyz", 200, timeout=180)
        assert serve.seed_paper_count() == 18
        if os.geteuid() == 0:
            # As root the server account cannot enter the closed folder: serve ran a copy of its own.
            copies = list(data_dir.glob("postgresql-*"))
            assert len(copies) == 1, copies
            assert str(copies[0]) in Path(f"/proc/{_postmaster_pid(data_dir)}/exe").resolve().as_posix()
    finally:
        assert serve.stop() in STOPPED_CLEANLY, serve.output()
    assert "Traceback" not in serve.output(), serve.output()


def test_a_start_up_failure_is_one_line_and_exit_status_1(data_dir: Path) -> None:
    closed_port = _free_port()  # nothing listens there
    serve = Serve(data_dir, env={"SCHOLARGRAPH_DATABASE_URL": f"postgresql://postgres@127.0.0.1:{closed_port}/x"})
    assert serve.process.wait(timeout=60) == 1
    lines = serve.output().strip().splitlines()
    assert len(lines) == 1, serve.output()
    assert lines[0].startswith("scholargraph: error: ")
    assert "database" in lines[0]


def test_a_taken_port_is_one_line_and_exit_status_1_before_any_database_work(data_dir: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        serve = Serve(data_dir, port=taken.getsockname()[1])
        assert serve.process.wait(timeout=60) == 1
    assert (
        serve.output().strip()
        == f"scholargraph: error: cannot listen on 127.0.0.1:{serve.port}: Address already in use"
    )
    assert not data_dir.exists()  # refused before the embedded server was set up


def test_a_killed_embedded_server_is_restarted_and_serve_is_ready_again(data_dir: Path) -> None:
    serve = Serve(data_dir)
    try:
        serve.wait_until("/readyz", 200, timeout=180)
        assert serve.seed_paper_count() == 18
        first = kill_postmaster(EmbeddedPostgres(data_dir))
        serve.wait_until("/readyz", 200, timeout=120)
        assert _postmaster_pid(data_dir) != first
        assert serve.seed_paper_count() == 18  # crash recovery kept the data
        assert serve.get("/healthz").status_code == 200  # type: ignore[union-attr]
        # The supervisor logs the restart after the server accepts connections again, so the line may
        # reach the output a moment after /readyz answers.
        deadline = time.monotonic() + 10
        while "restarted" not in serve.output() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert "restarted" in serve.output()
    finally:
        assert serve.stop() in STOPPED_CLEANLY, serve.output()
    assert "Traceback" not in serve.output(), serve.output()


def test_when_the_embedded_server_cannot_be_restarted_serve_fails_health_and_exits_non_zero(data_dir: Path) -> None:
    serve = Serve(data_dir, env={"SCHOLARGRAPH_EMBEDDED_RESTART_ATTEMPTS": "2"})
    try:
        serve.wait_until("/readyz", 200, timeout=180)
        first = _postmaster_pid(data_dir)
        # A setting the server refuses: every restart attempt fails, as a damaged cluster would.
        with (data_dir / "pgdata" / "postgresql.conf").open("a") as conf:
            conf.write("\nshared_buffers = 'plenty'\n")
        os.kill(first, signal.SIGKILL)
        status = serve.process.wait(timeout=120)
    finally:
        serve.stop()
    assert status != 0
    output = serve.output()
    assert "Traceback" not in output
    assert "could not be restarted" in output.splitlines()[-1], output


# --- serve --workers N ----------------------------------------------------------------------------------

_AUTHOR_STATEMENT = "JOIN author_reported_metrics r ON r.author_id = a.id"  # GET /v1/authors/{id}'s statement


def _answered_by(url: str) -> set[int]:
    """The pids of our processes whose connections ran the REST author statement (application_name
    `scholargraph:<pid>`; pg_stat_activity keeps each connection's last statement)."""

    async def ask() -> set[int]:
        connection = await asyncpg.connect(url)
        try:
            rows = await connection.fetch(
                "SELECT application_name FROM pg_stat_activity WHERE application_name LIKE 'scholargraph:%' "
                "AND position($1 IN query) > 0",
                _AUTHOR_STATEMENT,
            )
        finally:
            await connection.close()
        return {int(row["application_name"].split(":")[1]) for row in rows}

    return asyncio.run(ask())


def _children(pid: int) -> set[int]:
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid:
                found.add(int(stat.parent.name))
    return found


def test_two_workers_answer_on_one_port_and_stop_with_the_embedded_server(data_dir: Path) -> None:
    serve = Serve(data_dir, env={"SCHOLARGRAPH_WORKERS": "2"})
    try:
        serve.wait_until("/readyz", 200, timeout=180)
        workers = _children(serve.process.pid)
        assert len(workers) >= 2  # the workers (and multiprocessing's resource tracker)

        def get_author(_: int) -> int:
            with httpx2.Client(timeout=10) as client:  # a connection of its own
                return client.get(f"{serve.base}/v1/authors/QXV0aG9yOjE").status_code

        with ThreadPoolExecutor(8) as pool:
            assert set(pool.map(get_author, range(64))) == {200}
        answered = _answered_by(EmbeddedPostgres(data_dir).url)
        assert len(answered) == 2, (answered, workers)
        assert answered <= workers  # the workers, not the parent, answered
        assert serve.seed_paper_count() == 18  # the parent seeded the embedded server once
    finally:
        status = serve.stop()
    assert status == 0, serve.output()
    assert not EmbeddedPostgres(data_dir).is_running()  # stopped after the workers
    deadline = time.monotonic() + 10  # multiprocessing's resource tracker ends once it sees the parent gone
    while any(Path(f"/proc/{pid}").exists() for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(Path(f"/proc/{pid}").exists() for pid in workers)
    assert "Traceback" not in serve.output(), serve.output()
