"""An unreachable database is one error, whatever door the data layer meets it at, and one log line.

The tests run against a real PostgreSQL server of this module's own, stopped, killed or crashed for
real: the ways an outage shows up (a refused connection, a socket file gone, a session terminated by a
shutdown, a crash of another backend, a closing pool) are asyncpg's, and only a real server produces them
faithfully. Each test starts it again if an earlier one left it down.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator

import asyncpg
import pytest
from conftest import embedded_server_of_its_own
from outages import kill_postmaster_immediately, wait_until_it_accepts_connections

from api.db.embedded import EmbeddedPostgres
from api.db.outage import OutageTracker, is_unreachable
from api.db.pool import Database
from api.errors import DatabaseNotReadyError


@pytest.fixture(scope="module")
def module_server() -> Iterator[EmbeddedPostgres]:
    with embedded_server_of_its_own("sg-outage-", start=False) as server:
        yield server


@pytest.fixture
def own_server(module_server: EmbeddedPostgres) -> EmbeddedPostgres:
    """The module's server, running (started again after a test that stopped, killed or crashed it)."""
    wait_until_it_accepts_connections(module_server)
    return module_server


@pytest.fixture
async def db(own_server: EmbeddedPostgres) -> AsyncIterator[Database]:
    database = await Database.connect(own_server.url, min_size=0, max_size=4)
    try:
        yield database
    finally:
        await database.close()


async def _use_connection(db: Database) -> None:
    async with db.connection() as connection:
        await connection.fetchval("SELECT 1")


async def _use_transaction(db: Database) -> None:
    async with db.transaction() as connection:
        await connection.execute("SELECT 1")


DOORS: dict[str, Callable[[Database], Awaitable[object]]] = {
    "fetch": lambda db: db.fetch("SELECT 1"),
    "fetchrow": lambda db: db.fetchrow("SELECT 1"),
    "fetchval": lambda db: db.fetchval("SELECT 1"),
    "connection": _use_connection,
    "transaction": _use_transaction,
}


@pytest.mark.parametrize("door", DOORS)
@pytest.mark.parametrize("stop", ["fast", "immediate"])
async def test_a_stopped_database_is_database_not_ready_at_every_door(
    db: Database, own_server: EmbeddedPostgres, door: str, stop: str
) -> None:
    await db.fetchval("SELECT 1")  # a pooled connection, which the stop closes under the pool
    if stop == "fast":
        await asyncio.to_thread(own_server.stop)
    else:
        await asyncio.to_thread(kill_postmaster_immediately, own_server)
    with pytest.raises(DatabaseNotReadyError):
        await DOORS[door](db)
    assert db.outage.down


async def test_a_connection_held_across_a_restart_fails_as_database_not_ready(
    db: Database, own_server: EmbeddedPostgres
) -> None:
    async with db.connection() as connection:
        await connection.fetchval("SELECT 1")
        await asyncio.to_thread(own_server.stop)
        with pytest.raises(DatabaseNotReadyError):
            await connection.fetchval("SELECT 1")


async def test_a_transaction_whose_commit_meets_a_stopped_server_is_database_not_ready(
    db: Database, own_server: EmbeddedPostgres
) -> None:
    async def stopped_before_the_commit() -> None:
        async with db.transaction() as connection:
            await connection.execute("CREATE TEMP TABLE t (x int)")
            await asyncio.to_thread(own_server.stop)

    with pytest.raises(DatabaseNotReadyError):
        await stopped_before_the_commit()


async def test_a_crash_of_another_backend_mid_read_is_retried_or_database_not_ready(
    db: Database, own_server: EmbeddedPostgres
) -> None:
    # A backend killed by the kernel (as the OOM killer does) makes the postmaster end every other session
    # ("terminating connection because of crash of another server process") and run crash recovery.
    bystander = await asyncpg.connect(own_server.url)
    victim_pid = await bystander.fetchval("SELECT pg_backend_pid()")
    read = asyncio.create_task(db.fetchval("SELECT 1 FROM pg_sleep(3)"))
    sleeping = "SELECT count(*) FROM pg_stat_activity WHERE query = 'SELECT 1 FROM pg_sleep(3)'"
    for _ in range(100):  # until the read runs on the server
        if await bystander.fetchval(sleeping):
            break
        await asyncio.sleep(0.05)
    os.kill(victim_pid, signal.SIGKILL)
    try:
        assert await read == 1  # the retry found the server recovered already
    except DatabaseNotReadyError:
        pass  # still recovering at the retry: the one error an outage is, not asyncpg's CrashShutdownError
    finally:
        bystander.terminate()


async def test_a_read_while_the_pool_closes_is_database_not_ready(own_server: EmbeddedPostgres) -> None:
    db = await Database.connect(own_server.url, min_size=0, max_size=2)
    holding = asyncio.create_task(db.fetchval("SELECT 1 FROM pg_sleep(0.5)"))
    await asyncio.sleep(0.1)
    closing = asyncio.create_task(db.close())  # waits for the read above to give its connection back
    await asyncio.sleep(0.05)
    with pytest.raises(DatabaseNotReadyError):
        await db.fetchval("SELECT 1")
    assert await holding == 1
    await closing


async def test_a_server_refusing_connections_is_database_not_ready() -> None:
    with socket.socket() as closed:  # a port nobody listens on: the connection is refused
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    db = await Database.connect(f"postgresql://postgres@127.0.0.1:{port}/postgres", min_size=0, max_size=1)
    try:
        with pytest.raises(DatabaseNotReadyError):
            await db.fetchval("SELECT 1")
        assert db.outage.down
    finally:
        await db.close()


async def test_a_server_that_accepts_and_never_answers_is_database_not_ready_within_the_connect_timeout() -> None:
    # The kernel completes the handshake of a listening socket nobody reads: like a host behind a
    # firewall that drops packets, the client waits for a greeting that never comes.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        url = f"postgresql://postgres@127.0.0.1:{silent.getsockname()[1]}/postgres"
        started = time.monotonic()
        with pytest.raises(DatabaseNotReadyError):
            await Database.connect(url, min_size=1, max_size=1, connect_timeout_ms=300)
        db = await Database.connect(url, min_size=0, max_size=1, connect_timeout_ms=300)
        try:
            with pytest.raises(DatabaseNotReadyError):
                await db.fetchval("SELECT 1")
        finally:
            await db.close()
        assert time.monotonic() - started < 5


@pytest.mark.parametrize(
    ("error", "unreachable"),
    [
        (ConnectionRefusedError(111, "Connect call failed"), True),
        (TimeoutError(), True),  # connecting, or waiting for a connection of the pool, timed out
        (asyncpg.CannotConnectNowError("the database system is starting up"), True),
        (asyncpg.CrashShutdownError("terminating connection because of crash of another server process"), True),
        (asyncpg.TooManyConnectionsError("sorry, too many clients already"), True),
        (asyncpg.InternalClientError("cannot switch to state 12; another operation (2) is in progress"), True),
        (asyncpg.OutdatedSchemaCacheError("cached statement plan is invalid"), False),
        (asyncpg.QueryCanceledError("canceling statement due to statement timeout"), False),
        (asyncpg.DataError("invalid input for query argument $1"), False),
        (ValueError("a bug of ours"), False),
    ],
)
def test_which_errors_mean_the_database_cannot_be_reached(error: BaseException, unreachable: bool) -> None:
    assert is_unreachable(error, connection_closed=False, pool_closing=False) is unreachable


def test_an_interface_error_means_unreachable_only_on_a_closed_connection_or_pool() -> None:
    error = asyncpg.InterfaceError("cannot perform operation: connection is closed")
    assert is_unreachable(error, connection_closed=True, pool_closing=False)
    assert is_unreachable(error, connection_closed=False, pool_closing=True)
    assert not is_unreachable(error, connection_closed=False, pool_closing=False)  # a misuse: a bug


async def test_a_wrong_statement_is_no_outage(db: Database) -> None:
    with pytest.raises(asyncpg.DivisionByZeroError):
        await db.fetchval("SELECT 1 / 0")
    with pytest.raises(asyncpg.DataError):  # an argument out of bigint's range: the caller's mistake
        await db.fetchval("SELECT $1::bigint", 2**70)
    assert not db.outage.down


async def test_an_error_of_the_callers_own_inside_a_transaction_is_not_taken_for_an_outage(db: Database) -> None:
    # An importer reads its input file inside the import's transaction: a file error is not the database's.
    async def import_a_missing_file() -> None:
        async with db.transaction() as connection:
            await connection.execute("CREATE TEMP TABLE t (x int)")
            raise FileNotFoundError("works.jsonl.gz")

    with pytest.raises(FileNotFoundError):
        await import_a_missing_file()
    assert not db.outage.down
    assert await db.fetchval("SELECT 1") == 1


async def test_the_database_is_back_after_a_restart_and_the_tracker_says_so(
    db: Database, own_server: EmbeddedPostgres, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    await asyncio.to_thread(own_server.stop)
    for _ in range(5):
        with pytest.raises(DatabaseNotReadyError):
            await db.fetchval("SELECT 1")
        db.outage.request_failed()
    await asyncio.to_thread(own_server.start)
    assert await db.fetchval("SELECT 1") == 1
    assert not db.outage.down
    said = [record.getMessage() for record in caplog.records if record.levelno >= logging.WARNING]
    assert len(said) == 2, said
    assert said[0].startswith("the database is unreachable (")
    assert said[1].startswith("the database is reachable again after ")
    assert said[1].endswith("; 5 requests failed meanwhile")
    assert not [r for r in caplog.records if r.exc_info]


def test_the_tracker_logs_an_outage_once_and_its_end_once(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    tracker = OutageTracker()
    tracker.reached()  # up all along: nothing to say
    tracker.request_failed()  # failed while up (say, an unmigrated schema): not an outage's
    for _ in range(1000):
        tracker.lost(ConnectionRefusedError(111, "Connect call failed"))
        tracker.request_failed()
    tracker.reached()
    tracker.reached()
    messages = [record.getMessage() for record in caplog.records]
    assert len(messages) == 2, messages
    assert messages[0].startswith("the database is unreachable (")
    assert "Connect call failed" in messages[0]
    assert messages[1].startswith("the database is reachable again after ")
    assert messages[1].endswith("; 1000 requests failed meanwhile")
