"""Ways to take a real PostgreSQL server away under the service, as operators and kernels do."""

from __future__ import annotations

import asyncio
import os
import signal
import time

import asyncpg

from api.db.embedded import EmbeddedPostgres


def kill_postmaster_immediately(server: EmbeddedPostgres) -> None:
    """What `pg_ctl stop -m immediate` does (SIGQUIT to the postmaster): sessions end at once, with no
    farewell to a client mid-statement; the next start runs crash recovery. Waits until the server is gone."""
    postmaster = int((server.pgdata / "postmaster.pid").read_text().split()[0])
    os.kill(postmaster, signal.SIGQUIT)
    deadline = time.monotonic() + 30
    while server.is_running():
        assert time.monotonic() < deadline, "the server did not stop within 30 s"
        time.sleep(0.05)


def kill_postmaster(server: EmbeddedPostgres) -> int:
    """SIGKILL the postmaster, as `kill -9` or the OOM killer would: its lock files stay behind and its
    backends end on their own. Waits until it is gone (a zombie counts as gone); returns its pid."""
    pid = server.postmaster_pid()
    assert pid is not None, "the server is not running"
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while server.is_running():
        assert time.monotonic() < deadline, "the postmaster outlived SIGKILL by 10 s"
        time.sleep(0.05)
    return pid


def crash_a_backend(server: EmbeddedPostgres) -> None:
    """SIGKILL one backend, as the OOM killer would: the postmaster ends every other session and runs
    crash recovery, refusing connections meanwhile ("the database system is in recovery mode")."""
    asyncio.run(_kill_own_backend(server.url))


async def _kill_own_backend(url: str) -> None:
    connection = await asyncpg.connect(url)
    try:
        os.kill(await connection.fetchval("SELECT pg_backend_pid()"), signal.SIGKILL)
    finally:
        connection.terminate()


async def _connects(url: str) -> None:
    connection = await asyncpg.connect(url)
    await connection.close()


def wait_until_it_accepts_connections(server: EmbeddedPostgres, timeout: float = 60) -> None:
    """Start the server if it is down, and wait until it accepts connections (crash recovery included)."""
    deadline = time.monotonic() + timeout
    while True:
        if not server.is_running():
            server.start()
        try:
            asyncio.run(_connects(server.url))
            return
        except (OSError, asyncpg.PostgresError):  # still in crash recovery
            assert time.monotonic() < deadline, f"the server did not come back within {timeout:.0f} s"
            time.sleep(0.1)
