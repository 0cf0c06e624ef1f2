"""The database roles a request runs as: `scholargraph_read` for reads, `scholargraph_write` for writes.

Migration 0012 makes the two roles (when the migrating user may) and grants them: the first may only
SELECT, the second may also change the data (not the API keys, not the migration state). The service
connects as its configured user; when that user may switch to both roles and this database grants them,
every pooled connection starts as `scholargraph_read` (a startup parameter, which `RESET ALL` and
`RESET ROLE` go back to) and each write transaction switches to `scholargraph_write` for itself alone
(`SET LOCAL ROLE`, undone at commit or rollback). So a read path that tried to write would fail with
`permission denied` instead of writing. Imports and the CLI run as the connecting user, as before.
"""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg

READ_ROLE = "scholargraph_read"
WRITE_ROLE = "scholargraph_write"


@dataclass(frozen=True)
class Roles:
    """The role reads run as and the role write transactions switch to."""

    read: str = READ_ROLE
    write: str = WRITE_ROLE


# Both roles exist, the connecting user may become them, and this database grants them its tables.
_USABLE = """
SELECT to_regclass('public.papers') IS NOT NULL
   AND (SELECT count(*) FROM pg_roles r
        WHERE r.rolname IN ($1, $2) AND pg_has_role(current_user, r.oid, 'MEMBER')) = 2
   AND has_table_privilege($1, 'public.papers', 'SELECT')
   AND has_table_privilege($2, 'public.papers', 'UPDATE')
"""


async def usable_roles(connection: asyncpg.Connection) -> Roles | None:
    """The roles to run requests as on this database, or None when they are missing or not granted (the
    requests then run as the connecting user)."""
    roles = Roles()
    try:
        usable = await connection.fetchval(_USABLE, roles.read, roles.write)
    except asyncpg.PostgresError:  # tables of an older schema, or no right to look: run as the user
        return None
    return roles if usable else None


async def current_role(connection: asyncpg.Connection) -> str:
    role: str = await connection.fetchval("SELECT current_user")
    return role
