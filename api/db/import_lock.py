"""The import lock: imports (dumps, profile pages, the seed at start-up) take turns.

    await take_import_lock(connection, on_wait=show)   # inside the import's transaction, held until it ends

Two importers resolving the same names at once could each create the same author, so every writer of
papers and authors first takes one advisory transaction lock (per database). It is free almost always;
when another session holds it, `on_wait` is told who (`ImportLockHolder`) before the lock is waited for,
so that a waiting import can say what it waits for instead of showing nothing.

Who holds it is read from pg_locks and pg_stat_activity. Our connections name themselves
`scholargraph:<pid>` (api/db/pool.py), which gives the holding import's process id; a session of another
client (psql) is named by its backend's process id and its application name.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass

from api.db.pool import Connection

IMPORT_LOCK_KEY = 0x5C401A4
"""The advisory lock's key (a bigint: pg_locks shows it as classid, the high half, and objid)."""

_OUR_APPLICATION_NAME = re.compile(r"scholargraph:(\d+)")

_HOLDER = """
SELECT a.pid, a.application_name, a.xact_start, clock_timestamp() - a.xact_start AS held_for
FROM pg_locks l
JOIN pg_stat_activity a ON a.pid = l.pid
WHERE l.locktype = 'advisory' AND l.granted
  AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
  AND l.classid::bigint = $1 AND l.objid::bigint = $2 AND l.objsubid = 1
LIMIT 1
"""


@dataclass(frozen=True)
class ImportLockHolder:
    """The session holding the import lock, as the server shows it (times are None when it hides them)."""

    backend_pid: int
    application_name: str
    since: dt.datetime | None  # when its transaction began
    held_for: dt.timedelta | None

    @property
    def client_pid(self) -> int | None:
        """The process id of the holding import, when it is one of ours (`scholargraph:<pid>`)."""
        match = _OUR_APPLICATION_NAME.fullmatch(self.application_name)
        return int(match[1]) if match else None


LockWait = Callable[[ImportLockHolder], None]


async def take_import_lock(connection: Connection, *, on_wait: LockWait | None = None) -> None:
    """Take the import lock for the connection's transaction; when another session holds it, tell
    `on_wait` who, then wait for it."""
    if await connection.fetchval("SELECT pg_try_advisory_xact_lock($1)", IMPORT_LOCK_KEY):
        return
    holder = await import_lock_holder(connection)
    if holder is not None and on_wait is not None:
        on_wait(holder)
    await connection.execute("SELECT pg_advisory_xact_lock($1)", IMPORT_LOCK_KEY)


async def import_lock_holder(connection: Connection) -> ImportLockHolder | None:
    """The session holding the import lock in this database; None when it is free."""
    row = await connection.fetchrow(_HOLDER, IMPORT_LOCK_KEY >> 32, IMPORT_LOCK_KEY & 0xFFFFFFFF)
    if row is None:
        return None
    return ImportLockHolder(
        backend_pid=row["pid"],
        application_name=row["application_name"] or "",
        since=row["xact_start"],
        held_for=row["held_for"],
    )
