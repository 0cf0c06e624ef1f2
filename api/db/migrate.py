"""Schema migrations: alembic, driven from code so that `serve` and `migrate` share one path.

The migration scripts live in the repository's top-level `migrations/`; a built wheel carries a copy
inside the package (`api/_bundled/migrations`), which is preferred when present.
"""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
from alembic import command, op
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy.util import await_

from api.errors import ConfigurationError, DatabaseNotReadyError

_PACKAGE_DIR = Path(__file__).resolve().parent.parent


def run_sql_script(sql: str) -> None:
    """Run a multi-statement SQL script inside a migration.

    SQLAlchemy's asyncpg adapter prepares every statement, and a prepared statement holds one command;
    asyncpg's own `execute` without arguments takes a whole script, in the migration's transaction.
    """
    driver_connection = op.get_bind().connection.driver_connection
    assert driver_connection is not None, "migrations run on a live connection"
    await_(driver_connection.execute(sql))


def migrations_dir() -> Path:
    for candidate in (_PACKAGE_DIR / "_bundled" / "migrations", _PACKAGE_DIR.parent / "migrations"):
        if (candidate / "env.py").exists():
            return candidate
    raise ConfigurationError("the migration scripts are missing: neither api/_bundled/migrations nor migrations/")


def sqlalchemy_url(url: str) -> str:
    """The same database as a SQLAlchemy URL over the asyncpg dialect."""
    parts = urlsplit(url)
    if parts.scheme not in {"postgres", "postgresql", "postgresql+asyncpg"}:
        raise ConfigurationError(f"database URL must start with postgresql:// (got {parts.scheme}://)")
    return urlunsplit(("postgresql+asyncpg", *parts[1:]))


def _config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    # ConfigParser interpolation would read a '%' in a password as a placeholder.
    config.set_main_option("sqlalchemy.url", sqlalchemy_url(url).replace("%", "%%"))
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(_config("postgresql://unused/unused")).get_current_head()
    if head is None:
        raise ConfigurationError("the migration scripts define no revision")
    return head


# alembic keeps its running context in module globals: one migration at a time per process.
_ALEMBIC = threading.Lock()


def upgrade(url: str, revision: str = "head") -> None:
    """Migrate the database at `url` to `revision`. Blocking: call it from a thread inside a loop."""
    with _ALEMBIC:
        command.upgrade(_config(url), revision)


def downgrade(url: str, revision: str) -> None:
    with _ALEMBIC:
        command.downgrade(_config(url), revision)


async def upgrade_async(url: str) -> None:
    await asyncio.to_thread(upgrade, url)


def revision_of(url: str) -> str | None:
    """The revision the database at `url` is at; None before its first migration. Blocking: call it where
    no event loop runs (the CLI), or from a thread."""

    async def read() -> str | None:
        # asyncpg takes the plain scheme; sqlalchemy_url() checks the others.
        connection = await asyncpg.connect(sqlalchemy_url(url).replace("postgresql+asyncpg://", "postgresql://", 1))
        try:
            return await current_revision(connection)
        finally:
            await connection.close()

    return asyncio.run(read())


def describe_upgrade(before: str | None, after: str | None) -> str:
    """One line saying what an upgrade did, for `scholargraph migrate`."""
    head = head_revision()
    where = f"{after} (head)" if after == head else f"{after} (head is {head})"
    if before == after:
        return f"already at {where}: nothing to do"
    return f"migrated from {before or 'no revision'} to {where}"


async def current_revision(connection: asyncpg.Connection) -> str | None:
    exists = await connection.fetchval("SELECT to_regclass('alembic_version') IS NOT NULL")
    if not exists:
        return None
    revision: str | None = await connection.fetchval("SELECT version_num FROM alembic_version")
    return revision


async def ensure_at_head(connection: asyncpg.Connection) -> None:
    """Raise DatabaseNotReadyError unless the schema is at the code's head revision."""
    current = await current_revision(connection)
    head = head_revision()
    if current != head:
        raise DatabaseNotReadyError(
            f"the database schema is at revision {current or 'none'}, the code needs {head}: run `scholargraph migrate`"
        )
