"""Alembic environment: runs migrations over SQLAlchemy's asyncpg dialect (no second driver needed).

The URL comes from the caller (`api.db.migrate`) through the config's `sqlalchemy.url` main option.
Migrations are plain SQL (`op.execute`): the schema reads the same here as in psql.
"""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

# Serialises concurrent migrators (several replicas starting at once): the second waits, then finds
# the schema at head and does nothing. A transaction-scoped lock: it is released only when the
# migrations commit, so the next migrator never sees a half-made schema.
MIGRATION_LOCK_KEY = 0x5C401A5


def _migrate(connection: Connection) -> None:
    connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK_KEY})")
    context.configure(connection=connection, target_metadata=None)
    with context.begin_transaction():
        context.run_migrations()


async def _run_online() -> None:
    engine = create_async_engine(context.config.get_main_option("sqlalchemy.url") or "", poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_migrate)
            await connection.commit()
    finally:
        await engine.dispose()


if context.is_offline_mode():
    context.configure(url=context.config.get_main_option("sqlalchemy.url"), literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    asyncio.run(_run_online())
