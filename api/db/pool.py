"""The connection pool and the one door every SQL statement goes through.

`Database` wraps an asyncpg pool. Reads retry once on a connection lost mid-flight (a database restart,
a pooler recycling connections), so the service rides through a restart without being restarted itself.
Whatever way the database turns out to be unreachable (refused or lost connections, a server shutting
down, restarting or recovering, a closing pool), at whatever step (acquiring a connection, a statement,
beginning or committing a transaction), callers get one error, `DatabaseUnreachableError`, and the
outage is logged once by the pool's `OutageTracker` (`api.db.outage`), never once per failure.

Every statement is counted in the current context's `StatementCounter`, when one is set: tests and
the resolving notes use it to show that a request's statements do not grow with the result's size.

One connection per request: inside `request_scope()` (the app opens one around every HTTP request,
`api.request_scope`), the reads of `Database` take one pool connection on their first statement and keep
it until the scope ends, so that a request costs one acquire and one release however many statements it
runs. Its statements are serialized on that connection (a GraphQL request's DataLoaders run
concurrently; asyncpg allows one statement at a time per connection). A read retried after a lost
connection takes a new connection for the rest of the request. Outside a scope (the CLI, imports, tests)
each read takes a connection of its own, as before.

No reset query on release: the service keeps no session state (its settings and advisory locks are
transaction-scoped: `set_config(..., true)`, `pg_advisory_xact_lock`), so a connection used only through
the reads above goes back to the pool without asyncpg's `SELECT pg_advisory_unlock_all(); CLOSE ALL;
UNLISTEN *; RESET ALL` (one round trip saved per release). A connection handed out whole
(`connection()`, `transaction()`, whose `raw` lets a caller change anything) is still reset, and asyncpg
still rolls back any transaction left open, before the next user gets it.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from functools import partial
from typing import Any, TypeVar

import asyncpg

from api.db.outage import OutageTracker, is_unreachable
from api.db.records import Row
from api.db.roles import Roles, usable_roles
from api.errors import DatabaseNotReadyError, DatabaseUnreachableError, OverloadedError

logger = logging.getLogger(__name__)

T = TypeVar("T")

# The schema is missing or older than the code: the database cannot serve until it is migrated.
_UNMIGRATED_ERRORS: tuple[type[BaseException], ...] = (
    asyncpg.UndefinedTableError,
    asyncpg.UndefinedColumnError,
    asyncpg.UndefinedFunctionError,
)

READ_RETRY_DELAY_S = 0.2
"""How long a read waits before its one retry on another connection."""


class _DropPoolFloorFailures(logging.Filter):
    """Drop asyncpg's report of each failed attempt to reopen the pool's idle connections.

    While the database is down asyncpg retries that in the background and logs every failure with a full
    traceback, which floods the log; the outage itself is reported by the requests that meet it.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        return error is None or not is_unreachable(error, connection_closed=True, pool_closing=False)


logging.getLogger("asyncpg.pool").addFilter(_DropPoolFloorFailures())


@dataclass
class StatementCounter:
    """Counts the SQL statements issued while it is the current context's counter."""

    statements: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.statements)


current_counter: contextvars.ContextVar[StatementCounter | None] = contextvars.ContextVar(
    "scholargraph_statement_counter", default=None
)


def _count(sql: str) -> None:
    counter = current_counter.get()
    if counter is not None:
        counter.statements.append(" ".join(sql.split()))


Record = Row


def application_name() -> str:
    """How this process's connections name themselves to PostgreSQL (pg_stat_activity)."""
    return f"scholargraph:{os.getpid()}"


class _ResettableConnection(asyncpg.Connection):  # type: ignore[misc]
    """A pool connection that skips asyncpg's reset query on release unless it was handed out whole."""

    __slots__ = ("_sg_reset",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._sg_reset = False

    def sg_needs_reset(self) -> None:
        """Reset this connection's session when it is next released (its user could have changed it)."""
        self._sg_reset = True

    def get_reset_query(self) -> str:
        if not self._sg_reset:
            return ""
        self._sg_reset = False
        query: str = super().get_reset_query()
        return query


class _Scope:
    """The state of one `request_scope()`: its connection once a read took one, and the lock that serializes
    its statements."""

    __slots__ = ("closed", "db", "lock", "raw", "token")

    def __init__(self) -> None:
        self.db: Database | None = None  # the Database whose reads use this scope (the first one to read)
        self.raw: asyncpg.Connection | None = None
        self.lock = asyncio.Lock()
        self.closed = False
        self.token: contextvars.Token[_Scope | None] | None = None


_scope: contextvars.ContextVar[_Scope | None] = contextvars.ContextVar("scholargraph_request_scope", default=None)


@asynccontextmanager
async def request_scope() -> AsyncIterator[None]:
    """Within the block, the reads of a `Database` share one connection, taken on the first of them and
    given back when the block ends (after any statement still running on it). Tasks started inside the
    block (DataLoaders) share it too."""
    scope = open_request_scope()
    try:
        yield
    finally:
        await close_request_scope(scope)


def open_request_scope() -> _Scope:
    """`request_scope()` in two calls, for a caller on the hot path (the app's middleware): a scope made
    current in this context until `close_request_scope` (in the same context) ends it."""
    scope = _Scope()
    scope.token = _scope.set(scope)
    return scope


async def close_request_scope(scope: _Scope) -> None:
    if scope.token is not None:
        _scope.reset(scope.token)
        scope.token = None
    if scope.db is not None:
        await scope.db._end_scope(scope)


class Database:
    """A pool of connections to one PostgreSQL database."""

    def __init__(self, pool: asyncpg.Pool, max_size: int = 10) -> None:
        self._pool = pool
        self.outage = OutageTracker()
        # First come, first served: asyncpg's pool hands a released connection to whoever asks first, a
        # new request included, and a waiter woken too late queues again at the back. Under load (requests
        # holding their connection while more arrive) that starved some requests for tens of ms (the p99
        # of the serving benchmark). Waiting here, in order, leaves the pool a free connection for each.
        self._turns = asyncio.Semaphore(max_size)
        self.acquire_timeout: float | None = None
        """Longest a request waits for a connection, in seconds (None: as long as it takes)."""
        self.roles: Roles | None = None
        """The roles reads run as and write transactions switch to (`api.db.roles`); None: the user's own."""

    @classmethod
    async def connect(
        cls,
        url: str,
        *,
        min_size: int = 1,
        max_size: int = 10,
        statement_timeout_ms: int = 10_000,
        statement_cache_size: int = 256,
        connect_timeout_ms: int = 5_000,
        acquire_timeout_ms: int = 0,
        separate_roles: bool = False,
    ) -> Database:
        """A pool on `url`. With `separate_roles`, where the database has the roles of `api.db.roles`,
        its connections read as `scholargraph_read` and its transactions write as `scholargraph_write`."""
        server_settings = {"application_name": application_name(), "statement_timeout": str(statement_timeout_ms)}
        roles = await _probe_roles(url, connect_timeout_ms) if separate_roles else None
        if roles is not None:
            server_settings["role"] = roles.read  # the session's role: RESET ROLE and RESET ALL come back to it
        try:
            pool = await asyncpg.create_pool(
                url,
                min_size=min_size,
                max_size=max_size,
                server_settings=server_settings,
                # 0 behind a transaction-mode pooler older than PgBouncer 1.21 (no prepared statements).
                statement_cache_size=statement_cache_size,
                max_inactive_connection_lifetime=300,
                timeout=connect_timeout_ms / 1000,  # for each new connection, the pool's first ones included
                connection_class=_ResettableConnection,
            )
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
            raise DatabaseNotReadyError(f"cannot connect to the database: {error}") from error
        database = cls(pool, max_size)
        database.roles = roles
        database.acquire_timeout = acquire_timeout_ms / 1000 if acquire_timeout_ms else None
        return database

    async def close(self) -> None:
        await self._pool.close()

    async def fetch(self, sql: str, *args: Any) -> list[Record]:
        """Run a read and return its rows; retried once if the connection was lost."""
        rows: list[Record] = await self._read(sql, lambda raw: raw.fetch(sql, *args))
        return rows

    async def fetchrow(self, sql: str, *args: Any) -> Record | None:
        rows = await self.fetch(sql, *args)
        return rows[0] if rows else None

    async def fetchval(self, sql: str, *args: Any) -> Any:
        """Run a read and return the first column of its first row; retried once if the connection was lost."""
        return await self._read(sql, lambda raw: raw.fetchval(sql, *args))

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Connection]:
        """A connection inside a transaction: committed on success, rolled back on any error; as the write
        role when the pool has roles (`api.db.roles`)."""
        try:
            async with self._acquired() as raw:
                raw.sg_needs_reset()
                transaction = raw.transaction()
                await self._call(raw, transaction.start)
                try:
                    if self.roles is not None:
                        await self._call(raw, partial(raw.execute, f"SET LOCAL ROLE {self.roles.write}"))
                    yield Connection(raw, self)
                except BaseException:
                    # A rollback that fails too (the connection is gone) must not hide why we roll back;
                    # the pool discards a connection it cannot reset.
                    with suppress(Exception):
                        await transaction.rollback()
                    raise
                await self._call(raw, transaction.commit)
        except DatabaseUnreachableError as error:
            self.outage.lost(error)
            raise

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[Connection]:
        """A connection of the pool for several statements (no transaction unless the caller opens one)."""
        try:
            async with self._acquired() as raw:
                raw.sg_needs_reset()
                yield Connection(raw, self)
        except DatabaseUnreachableError as error:
            self.outage.lost(error)
            raise

    async def _read(self, sql: str, run: Callable[[asyncpg.Connection], Awaitable[T]]) -> T:
        scope = _scope.get()
        if scope is not None and not scope.closed and (scope.db is None or scope.db is self):
            scope.db = self
            return await self._read_in_scope(scope, sql, run)
        for attempt in (1, 2):
            _count(sql)
            try:
                async with self._acquired() as raw:
                    return await self._call(raw, lambda: run(raw))
            except DatabaseUnreachableError as error:
                if attempt == 2:
                    self.outage.lost(error)
                    raise
                # A pooled connection the server closed (a restart, a pooler): another may well work.
                logger.debug("connection lost during a read, retrying once: %s", error)
                await asyncio.sleep(READ_RETRY_DELAY_S)
        raise AssertionError("unreachable")

    async def _read_in_scope(self, scope: _Scope, sql: str, run: Callable[[asyncpg.Connection], Awaitable[T]]) -> T:
        """A read on the scope's connection (taken now if it has none), one statement at a time."""
        async with scope.lock:
            if scope.closed:  # the scope ended while this read waited (a task outliving its request)
                return await self._read(sql, run)
            for attempt in (1, 2):
                _count(sql)
                try:
                    if scope.raw is None:
                        scope.raw = await self._acquire()
                    return await self._call(scope.raw, partial(run, scope.raw))
                except asyncpg.PostgresError:
                    raise  # the server answered: the connection is fine for the request's next statement
                except DatabaseUnreachableError as error:
                    await self._drop(scope)
                    if attempt == 2:
                        self.outage.lost(error)
                        raise
                    logger.debug("connection lost during a read, retrying once on another: %s", error)
                    await asyncio.sleep(READ_RETRY_DELAY_S)
                except BaseException:
                    # Cancelled, or a failure of the client library: the pool knows how to clean that up.
                    await self._drop(scope)
                    raise
            raise AssertionError("unreachable")

    async def _drop(self, scope: _Scope) -> None:
        """Give the scope's connection back (the next read of the scope takes another)."""
        raw, scope.raw = scope.raw, None
        if raw is not None:
            await self._release(raw)

    async def _end_scope(self, scope: _Scope) -> None:
        async with scope.lock:  # never release a connection a statement still runs on
            scope.closed = True
            await self._drop(scope)

    async def _acquire(self) -> asyncpg.Connection:
        """A connection of the pool, in the order asked; DatabaseUnreachableError if none can be had;
        OverloadedError when none came free within `acquire_timeout` (the request is shed, not queued on)."""
        if self.acquire_timeout is None:
            await self._turns.acquire()
        else:
            try:
                async with asyncio.timeout(self.acquire_timeout):
                    await self._turns.acquire()
            except TimeoutError:
                raise OverloadedError(
                    f"every database connection stayed busy for {self.acquire_timeout:g} s; retry shortly"
                ) from None
        try:
            return await self._pool.acquire()
        except BaseException as error:
            self._turns.release()
            if isinstance(error, Exception) and is_unreachable(
                error, connection_closed=False, pool_closing=self._pool.is_closing()
            ):
                raise _unreachable(error) from error
            raise

    async def _release(self, raw: asyncpg.Connection) -> None:
        try:
            await self._pool.release(raw)
        except Exception as error:
            # Resetting it for the next user failed (it was lost meanwhile): asyncpg terminated it and
            # the pool opens another when needed. What was done on it stands, or failed on its own.
            logger.debug("a connection could not be reset for reuse and was closed: %s", error)
        finally:
            self._turns.release()

    @asynccontextmanager
    async def _acquired(self) -> AsyncIterator[asyncpg.Connection]:
        """A connection of the pool, released afterwards; DatabaseUnreachableError if none can be had."""
        raw = await self._acquire()
        try:
            yield raw
        finally:
            await self._release(raw)

    async def _call(self, raw: asyncpg.Connection, operation: Callable[[], Awaitable[T]]) -> T:
        """One exchange with the server on `raw`, translating what its failure means. `operation` is called
        here, not by the caller: asyncpg refuses a connection it has closed when the call is made."""
        try:
            result = await operation()
        except _UNMIGRATED_ERRORS as error:
            logger.error("the database schema is not migrated to the code's head: %s", error)
            raise DatabaseNotReadyError(f"the database schema is not migrated: {error}") from error
        except Exception as error:
            closed = _is_closed(raw)
            if is_unreachable(error, connection_closed=closed, pool_closing=self._pool.is_closing()):
                raise _unreachable(error) from error
            raise
        self.outage.reached()
        return result


async def _probe_roles(url: str, connect_timeout_ms: int) -> Roles | None:
    try:
        probe = await asyncpg.connect(url, timeout=connect_timeout_ms / 1000)
    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
        raise DatabaseNotReadyError(f"cannot connect to the database: {error}") from error
    try:
        return await usable_roles(probe)
    finally:
        await probe.close()


def _is_closed(raw: asyncpg.Connection) -> bool:
    """Whether the connection is closed. The pool takes back a connection the server closed, and asyncpg
    then refuses every call on it, `is_closed()` included."""
    try:
        return bool(raw.is_closed())
    except asyncpg.InterfaceError:
        return True


def _unreachable(error: BaseException) -> DatabaseUnreachableError:
    return DatabaseUnreachableError(f"the database cannot be reached: {type(error).__name__}: {error}")


class Connection:
    """One connection (usually inside a transaction), counting its statements like `Database`.

    Its statements are not retried (a transaction cannot move to another connection): a lost connection
    is DatabaseUnreachableError at once. `raw` is the asyncpg connection, for what only it offers (COPY,
    savepoints); errors met through it are asyncpg's own.
    """

    def __init__(self, raw: asyncpg.Connection, db: Database) -> None:
        self.raw = raw
        self._db = db

    async def fetch(self, sql: str, *args: Any) -> list[Record]:
        _count(sql)
        rows: list[Record] = await self._db._call(self.raw, lambda: self.raw.fetch(sql, *args))
        return rows

    async def fetchrow(self, sql: str, *args: Any) -> Record | None:
        _count(sql)
        row: Record | None = await self._db._call(self.raw, lambda: self.raw.fetchrow(sql, *args))
        return row

    async def fetchval(self, sql: str, *args: Any) -> Any:
        _count(sql)
        return await self._db._call(self.raw, lambda: self.raw.fetchval(sql, *args))

    async def execute(self, sql: str, *args: Any) -> str:
        _count(sql)
        status: str = await self._db._call(self.raw, lambda: self.raw.execute(sql, *args))
        return status

    async def executemany(self, sql: str, args: Sequence[Sequence[Any]]) -> None:
        _count(sql)
        await self._db._call(self.raw, lambda: self.raw.executemany(sql, args))
