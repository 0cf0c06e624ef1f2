"""The connection pool and the one door every SQL statement goes through.

`Database` wraps an asyncpg pool. Reads retry once on a connection lost mid-flight (a database restart,
a pooler recycling connections), so the service rides through a restart without being restarted itself.
Every statement is counted in the current context's `StatementCounter`, when one is set: tests and
the resolving notes use it to show that a request's statements do not grow with the result's size.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import os
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import asyncpg

from api.db.records import Row
from api.errors import DatabaseNotReadyError

logger = logging.getLogger(__name__)

# The schema is missing or older than the code: the database cannot serve until it is migrated.
_UNMIGRATED_ERRORS: tuple[type[BaseException], ...] = (
    asyncpg.UndefinedTableError,
    asyncpg.UndefinedColumnError,
    asyncpg.UndefinedFunctionError,
)

_TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    asyncpg.ConnectionDoesNotExistError,
    asyncpg.CannotConnectNowError,
    asyncpg.InterfaceError,
    asyncpg.AdminShutdownError,
    ConnectionError,
    OSError,
)


class _DropPoolFloorFailures(logging.Filter):
    """Drop asyncpg's report of each failed attempt to reopen the pool's idle connections.

    While the database is down asyncpg retries that in the background and logs every failure with a full
    traceback, which floods the log; the outage itself is reported by the requests that meet it.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        return not isinstance(error, _TRANSIENT_ERRORS)


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


class Database:
    """A pool of connections to one PostgreSQL database."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    @classmethod
    async def connect(
        cls,
        url: str,
        *,
        min_size: int = 1,
        max_size: int = 10,
        statement_timeout_ms: int = 10_000,
        statement_cache_size: int = 256,
    ) -> Database:
        server_settings = {"application_name": application_name(), "statement_timeout": str(statement_timeout_ms)}
        try:
            pool = await asyncpg.create_pool(
                url,
                min_size=min_size,
                max_size=max_size,
                server_settings=server_settings,
                # 0 behind a transaction-mode pooler older than PgBouncer 1.21 (no prepared statements).
                statement_cache_size=statement_cache_size,
                max_inactive_connection_lifetime=300,
            )
        except (*_TRANSIENT_ERRORS, asyncpg.PostgresError) as error:
            raise DatabaseNotReadyError(f"cannot connect to the database: {error}") from error
        return cls(pool)

    async def close(self) -> None:
        await self._pool.close()

    async def fetch(self, sql: str, *args: Any) -> list[Record]:
        """Run a read and return its rows; retried once if the connection was lost."""
        for attempt in (1, 2):
            _count(sql)
            try:
                async with self._pool.acquire() as connection:
                    rows: list[Record] = await connection.fetch(sql, *args)
                    return rows
            except _UNMIGRATED_ERRORS as error:
                raise DatabaseNotReadyError(f"the database schema is not migrated: {error}") from error
            except _TRANSIENT_ERRORS as error:
                if attempt == 2:
                    raise DatabaseNotReadyError(f"the database is unreachable: {error}") from error
                logger.warning("connection lost during a read, retrying once: %s", error)
                await asyncio.sleep(0.2)
        raise AssertionError("unreachable")

    async def fetchrow(self, sql: str, *args: Any) -> Record | None:
        rows = await self.fetch(sql, *args)
        return rows[0] if rows else None

    async def fetchval(self, sql: str, *args: Any) -> Any:
        for attempt in (1, 2):
            _count(sql)
            try:
                async with self._pool.acquire() as connection:
                    return await connection.fetchval(sql, *args)
            except _UNMIGRATED_ERRORS as error:
                raise DatabaseNotReadyError(f"the database schema is not migrated: {error}") from error
            except _TRANSIENT_ERRORS as error:
                if attempt == 2:
                    raise DatabaseNotReadyError(f"the database is unreachable: {error}") from error
                logger.warning("connection lost during a read, retrying once: %s", error)
                await asyncio.sleep(0.2)
        raise AssertionError("unreachable")

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Connection]:
        """A connection inside a transaction: committed on success, rolled back on any error."""
        try:
            async with self._pool.acquire() as raw, raw.transaction():
                yield Connection(raw)
        except _TRANSIENT_ERRORS as error:
            raise DatabaseNotReadyError(f"the database connection was lost: {error}") from error

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[Connection]:
        async with self._pool.acquire() as raw:
            yield Connection(raw)


class Connection:
    """One connection (usually inside a transaction), counting its statements like `Database`."""

    def __init__(self, raw: asyncpg.Connection) -> None:
        self.raw = raw

    async def fetch(self, sql: str, *args: Any) -> list[Record]:
        _count(sql)
        rows: list[Record] = await self.raw.fetch(sql, *args)
        return rows

    async def fetchrow(self, sql: str, *args: Any) -> Record | None:
        _count(sql)
        row: Record | None = await self.raw.fetchrow(sql, *args)
        return row

    async def fetchval(self, sql: str, *args: Any) -> Any:
        _count(sql)
        return await self.raw.fetchval(sql, *args)

    async def execute(self, sql: str, *args: Any) -> str:
        _count(sql)
        status: str = await self.raw.execute(sql, *args)
        return status

    async def executemany(self, sql: str, args: Sequence[Sequence[Any]]) -> None:
        _count(sql)
        await self.raw.executemany(sql, args)
