"""The pool against a real PostgreSQL: no reset round trip after a read, one connection per request scope,
statements of a scope serialized on it, and the retry of a read on a lost connection kept.

What the server is sent is counted on the wire (bench/servebench/wire.py, a protocol proxy): asyncpg's
reset query (`SELECT pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL`) is tallied as `reset`.
"""

from __future__ import annotations

import asyncio
import sys
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit, urlunsplit

import asyncpg
import pytest
from starlette.testclient import TestClient

from api.app import create_app
from api.db.pool import Database, StatementCounter, current_counter, request_scope
from api.ids import encode_id
from api.settings import Settings

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from servebench.wire import WireProxy

PID = "SELECT pg_backend_pid()"


def _through(url: str, port: int) -> str:
    """`url` with its host and port replaced by the proxy's (a socket folder given as `?host=` dropped)."""
    parts = urlsplit(url)
    netloc = (parts.netloc.rsplit("@", 1)[0] + "@" if "@" in parts.netloc else "") + f"127.0.0.1:{port}"
    query = "&".join(pair for pair in parts.query.split("&") if pair and not pair.startswith("host="))
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


@pytest.fixture
def proxy(database_url: str) -> Iterator[WireProxy]:
    """A statement-counting proxy to the test's server, over TCP or (the embedded server) its Unix socket."""
    parts = urlsplit(database_url)
    folder = dict(parse_qsl(parts.query)).get("host")
    port = parts.port or 5432
    unix_socket = f"{folder}/.s.PGSQL.{port}" if folder else None
    with WireProxy(parts.hostname or "127.0.0.1", port, unix_socket=unix_socket) as wire:
        yield wire


@pytest.fixture
async def counted_db(database_url: str, proxy: WireProxy) -> AsyncIterator[Database]:
    """A pool whose every byte to the server goes through `proxy`."""
    database = await Database.connect(_through(database_url, proxy.port), min_size=1, max_size=4)
    try:
        yield database
    finally:
        await database.close()


def _sent(proxy: WireProxy, before: Counter[str]) -> Counter[str]:
    after = proxy.counts()
    after.subtract(before)
    return +after


async def _settled(proxy: WireProxy) -> Counter[str]:
    """The proxy's counts once what was sent has passed through it."""
    await asyncio.sleep(0.1)
    return proxy.counts()


async def test_a_read_is_released_without_the_reset_query(counted_db: Database, proxy: WireProxy) -> None:
    before = await _settled(proxy)
    for n in range(5):
        assert await counted_db.fetchval("SELECT $1::int", n) == n
    await asyncio.gather(*(counted_db.fetch("SELECT pg_sleep(0.01)") for _ in range(4)))
    await _settled(proxy)
    sent = _sent(proxy, before)
    assert sent["query"] == 9
    assert sent["reset"] == 0


async def test_a_connection_handed_out_whole_is_still_reset(counted_db: Database, proxy: WireProxy) -> None:
    """`connection()` and `transaction()` give the caller `raw`, which can change the session: it is reset."""
    async with counted_db.connection() as connection:
        await connection.execute("SET work_mem = '7MB'")
        pid = await connection.fetchval(PID)
    # every connection of the pool is reset or new: none of them keeps the setting
    async with counted_db.connection() as a, counted_db.connection() as b:
        seen = {await connection.fetchval(PID): await connection.fetchval("SHOW work_mem") for connection in (a, b)}
    assert pid in seen
    assert seen[pid] != "7MB"
    before = await _settled(proxy)
    async with counted_db.transaction() as connection:
        await connection.fetchval("SELECT 1")
    await _settled(proxy)
    assert _sent(proxy, before)["reset"] == 4  # the four statements of asyncpg's reset


async def test_a_scope_runs_its_statements_on_one_connection(db: Database) -> None:
    async with request_scope():
        first = await db.fetchval(PID)
        concurrent = await asyncio.gather(*(db.fetchval(PID) for _ in range(8)))
        rows = await db.fetch("SELECT pg_backend_pid() AS pid, n FROM generate_series(1, 3) AS n")
    assert set(concurrent) == {first}
    assert {row["pid"] for row in rows} == {first}


async def test_concurrent_scopes_each_have_their_own_connection(db: Database) -> None:
    async def request() -> set[int]:
        async with request_scope():
            statements = (db.fetchval("SELECT pg_backend_pid() FROM pg_sleep(0.02)") for _ in range(3))
            return set(await asyncio.gather(*statements))

    seen = await asyncio.gather(*(request() for _ in range(3)))
    assert all(len(pids) == 1 for pids in seen)
    assert len(set.union(*seen)) == 3  # the pool has 4: three requests at once hold three


async def test_a_scope_serializes_concurrent_statements(db: Database) -> None:
    """asyncpg refuses a second statement on a connection while one runs; a scope's loaders never try."""
    async with request_scope():
        results = await asyncio.gather(
            *(db.fetchval("SELECT $1::int FROM pg_sleep(0.005)", n) for n in range(20)),
            *(db.fetchrow("SELECT $1::int AS n", n) for n in range(20)),
        )
    assert results[:20] == list(range(20))
    assert [row["n"] for row in results[20:] if row is not None] == list(range(20))


async def test_a_scope_without_statements_takes_no_connection(db: Database) -> None:
    acquired = db._pool._queue.qsize()
    async with request_scope():
        assert db._pool._queue.qsize() == acquired
    async with request_scope():
        await db.fetchval("SELECT 1")
        assert db._pool._queue.qsize() == acquired - 1  # held until the scope ends
    assert db._pool._queue.qsize() == acquired


async def test_a_statement_error_keeps_the_scope_connection(db: Database) -> None:
    async with request_scope():
        pid = await db.fetchval(PID)
        with pytest.raises(asyncpg.DivisionByZeroError):
            await db.fetchval("SELECT 1 / 0")
        assert await db.fetchval(PID) == pid


async def test_a_read_in_a_scope_retries_once_on_a_new_connection_when_its_connection_is_lost(
    db: Database, database_url: str
) -> None:
    admin = await asyncpg.connect(database_url)
    try:
        async with request_scope():
            lost = await db.fetchval(PID)
            assert await admin.fetchval("SELECT pg_terminate_backend($1)", lost)
            counter = StatementCounter()
            token = current_counter.set(counter)
            try:
                again = await db.fetchval(PID)  # the first try meets the closed connection, the retry works
            finally:
                current_counter.reset(token)
            assert again != lost
            assert counter.count == 2
            assert await db.fetchval(PID) == again  # the rest of the request stays on the new connection
    finally:
        await admin.close()
    assert not db.outage.down


async def test_connections_are_handed_out_first_come_first_served(database_url: str) -> None:
    """A request arriving while others wait for a connection queues behind them. asyncpg's pool alone hands
    a connection given back to whoever asks before the first waiter wakes up (and the waiter queues again
    at the back): under load some requests waited tens of ms. The newcomer here asks at exactly that
    moment, as soon as the pool holds a free connection."""
    db = await Database.connect(database_url, min_size=1, max_size=1)
    served: list[str] = []

    async def use(name: str) -> None:
        async with db.connection():
            served.append(name)
            await asyncio.sleep(0)

    async def newcomer() -> None:
        while db._pool._queue.empty():  # noqa: ASYNC110 (polls asyncpg's free connections, the moment it has one)
            await asyncio.sleep(0)
        await use("newcomer")

    try:
        for _ in range(10):
            served.clear()
            async with db.connection():  # the one connection is taken: the waiters below queue in order
                waiters = []
                for i in range(3):
                    waiters.append(asyncio.create_task(use(f"waiter {i}")))
                    await asyncio.sleep(0.005)
                arriving = asyncio.create_task(newcomer())
                await asyncio.sleep(0.005)
            await asyncio.gather(*waiters, arriving)
            assert served == ["waiter 0", "waiter 1", "waiter 2", "newcomer"]
    finally:
        await db.close()


async def test_a_transaction_inside_a_scope_has_a_connection_of_its_own(db: Database) -> None:
    async with request_scope():
        pid = await db.fetchval(PID)
        async with db.transaction() as connection:
            assert await connection.fetchval(PID) != pid
        assert await db.fetchval(PID) == pid


async def test_a_read_from_a_task_outliving_its_scope_takes_a_connection_of_its_own(db: Database) -> None:
    started = asyncio.Event()

    async def late() -> int:
        started.set()
        await asyncio.sleep(0.05)
        pid: int = await db.fetchval(PID)
        return pid

    async with request_scope():
        await db.fetchval(PID)
        task = asyncio.create_task(late())
        await started.wait()
    assert isinstance(await task, int)
    assert db._pool._queue.qsize() == db._pool._maxsize  # nothing left held


@pytest.mark.parametrize("compiled", [False, True], ids=["resolver-path", "compiled-path"])
def test_a_request_takes_one_connection_and_sends_no_reset(database_url: str, proxy: WireProxy, compiled: bool) -> None:
    """A GraphQL profile (on the resolver path: several DataLoaders at once; on the compiled path: one
    statement) and a REST author, through the whole app."""
    settings = Settings(
        database_url=_through(database_url, proxy.port), pool_min_size=1, pool_max_size=4, graphql_compiled=compiled
    )
    with TestClient(create_app(settings)) as client:
        db: Database = client.app.state.runtime.db  # type: ignore[attr-defined]
        acquisitions = 0
        acquire = db._acquire

        async def counting_acquire() -> asyncpg.Connection:
            nonlocal acquisitions
            acquisitions += 1
            return await acquire()

        db._acquire = counting_acquire  # type: ignore[method-assign]
        before = proxy.counts()
        query = (
            '{ authors(search: "louis bethune", first: 2) { nodes { name computedMetrics { hIndex } '
            "papers(first: 3) { totalCount nodes { title authors { name } } } "
            "coauthors(first: 2) { nodes { author { name } } } } } }"
        )
        response = client.post("/graphql", json={"query": query})
        assert response.status_code == 200, response.text
        assert "errors" not in response.json()
        assert acquisitions == 1
        response = client.get(f"/v1/authors/{encode_id('Author', 1)}")
        assert response.status_code == 200, response.text
        assert acquisitions == 2
        assert client.get("/healthz").status_code == 200
        assert acquisitions == 2
    sent = _sent(proxy, before)
    assert sent["query"] == 2 if compiled else sent["query"] >= 4  # one statement each compiled and REST
    assert sent["reset"] == 0
