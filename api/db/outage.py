"""Database outages: which errors mean the database cannot be reached, and the log of an outage.

During a restart, every request that needs the database fails until it is back. Logging each failure as
an unexpected error (a traceback apiece) buries the one fact an operator needs under thousands of lines.
`OutageTracker` says it once when the outage is first met and once when a statement succeeds again,
with how long it lasted and how many requests failed meanwhile: the HTTP layers report each request an
outage failed (`request_failed`), the data layer reports what its statements meet (`lost`, `reached`).
"""

from __future__ import annotations

import logging
import time

import asyncpg

logger = logging.getLogger("scholargraph.db")

RETRY_AFTER_SECONDS = 2
"""How long clients are told to wait (HTTP `Retry-After`) before retrying a request an outage failed:
about what a restart of PostgreSQL takes, and short enough that a client's retry finds it back."""

_UNREACHABLE: tuple[type[BaseException], ...] = (
    OSError,  # refused, reset, socket file gone (stopped embedded server), timed out (TimeoutError)
    asyncpg.PostgresConnectionError,  # class 08: the connection failed, was rejected, or no longer exists
    asyncpg.AdminShutdownError,  # 57P01: the server is shutting down, or the session was terminated
    asyncpg.CrashShutdownError,  # 57P02: a backend crashed; the server ends every session and recovers
    asyncpg.CannotConnectNowError,  # 57P03: starting up, shutting down, or in crash recovery
    asyncpg.TooManyConnectionsError,  # 53300: no connection slot free for now
)


def is_unreachable(error: BaseException, *, connection_closed: bool, pool_closing: bool) -> bool:
    """Whether `error`, met while talking to the database, means it cannot be reached (as opposed to a
    statement or an argument being wrong, which retrying would not fix).

    asyncpg reports a lost connection in two more ways, which only the connection's state tells apart
    from a programming error: an `InterfaceError` (the connection or the pool is closed or closing), and
    an `InternalClientError` when a pooled connection received the server's farewell (FATAL: terminating
    connection) while idle and was handed out before the socket's end was seen: the protocol is then stuck
    waiting for a reply that will never come ("cannot switch to state …; another operation is in progress").
    """
    if isinstance(error, _UNREACHABLE):
        return True
    if isinstance(error, asyncpg.InterfaceError):
        return connection_closed or pool_closing
    # Not its subclasses: OutdatedSchemaCacheError (a schema change) and ProtocolError are no outage.
    return type(error) is asyncpg.InternalClientError


class OutageTracker:
    """Whether the database is reachable, as the last statements found it; logs each change once."""

    def __init__(self) -> None:
        self._down_since: float | None = None
        self._failed_requests = 0

    @property
    def down(self) -> bool:
        return self._down_since is not None

    def lost(self, error: BaseException) -> None:
        """The database could not be reached (after the retry a read gets): the first time, say so."""
        if self._down_since is not None:
            return
        self._down_since = time.monotonic()
        self._failed_requests = 0
        logger.error("the database is unreachable (%s); requests that need it fail until it is back", error)

    def reached(self) -> None:
        """A statement succeeded: if the database was down, say that it is back and what the outage cost."""
        if self._down_since is None:
            return
        lasted = time.monotonic() - self._down_since
        failed = self._failed_requests
        self._down_since = None
        self._failed_requests = 0
        plural = "" if failed == 1 else "s"
        logger.warning(
            "the database is reachable again after %.1f s; %d request%s failed meanwhile", lasted, failed, plural
        )

    def request_failed(self) -> None:
        """A request failed because the database cannot serve. Counted while it is down (the outage's log
        line said it already); otherwise nothing is logged here (a schema behind the code is reported by
        the data layer, and /readyz says why)."""
        if self._down_since is not None:
            self._failed_requests += 1
