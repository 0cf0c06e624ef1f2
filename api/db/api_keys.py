"""API keys: made, listed, revoked and looked up by their digest.

A key reads `sg_` followed by 43 characters of URL-safe base64 (256 random bits). Only its SHA-256
digest is stored; the key itself is returned once, by `create_key`, and never again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

import asyncpg

from api.db.pool import Database
from api.errors import InvalidInputError, NotFoundError

KEY_PREFIX = "sg_"
SCOPES = ("read", "write", "admin")
"""Each scope includes the ones before it: a write key reads, an admin key writes."""


@dataclass(frozen=True)
class ApiKey:
    name: str
    scopes: tuple[str, ...]
    cost_budget: int | None
    """Cost points per window for this key; None: the service's `key_cost_budget`."""
    created_at: dt.datetime
    revoked_at: dt.datetime | None

    def allows(self, scope: str) -> bool:
        return any(SCOPES.index(held) >= SCOPES.index(scope) for held in self.scopes)


def digest(key: str) -> bytes:
    return hashlib.sha256(key.encode()).digest()


def _key(record: asyncpg.Record) -> ApiKey:
    return ApiKey(
        name=record["name"],
        scopes=tuple(record["scopes"]),
        cost_budget=record["cost_budget"],
        created_at=record["created_at"],
        revoked_at=record["revoked_at"],
    )


_COLUMNS = "name, scopes, cost_budget, created_at, revoked_at"


async def create_key(db: Database, name: str, scope: str, *, cost_budget: int | None = None) -> tuple[ApiKey, str]:
    """A new key named `name` with `scope`: the key's record and the key itself (shown only now)."""
    if scope not in SCOPES:
        raise InvalidInputError(f"unknown scope {scope!r}: one of {', '.join(SCOPES)}")
    secret = KEY_PREFIX + secrets.token_urlsafe(32)
    try:
        async with db.transaction() as connection:  # a write: never retried as the pool retries reads
            record = await connection.fetchrow(
                f"INSERT INTO api_keys (name, digest, scopes, cost_budget) VALUES ($1, $2, $3, $4) "
                f"RETURNING {_COLUMNS}",
                name,
                digest(secret),
                [scope],
                cost_budget,
            )
    except asyncpg.UniqueViolationError as error:
        raise InvalidInputError(f"a key named {name!r} exists already (names are never reused)") from error
    except asyncpg.CheckViolationError as error:
        raise InvalidInputError(
            f"a key's name is 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit (got {name!r})"
            if "name" in str(error)
            else f"a key's cost budget is 0 or more (got {cost_budget})"
        ) from error
    assert record is not None
    return _key(record), secret


async def list_keys(db: Database) -> list[ApiKey]:
    return [_key(r) for r in await db.fetch(f"SELECT {_COLUMNS} FROM api_keys ORDER BY created_at, id")]


async def revoke_key(db: Database, name: str) -> ApiKey:
    """Revoke the key named `name` (a revoked key stays revoked); NotFoundError when there is none."""
    async with db.transaction() as connection:
        record = await connection.fetchrow(
            f"UPDATE api_keys SET revoked_at = coalesce(revoked_at, now()) WHERE name = $1 RETURNING {_COLUMNS}",
            name,
        )
    if record is None:
        raise NotFoundError(f"no key is named {name!r}")
    return _key(record)


async def key_of(db: Database, secret: str) -> ApiKey | None:
    """The key `secret` is, revoked or not; None when it is no key of ours."""
    if not secret.startswith(KEY_PREFIX):
        return None
    record = await db.fetchrow(f"SELECT {_COLUMNS} FROM api_keys WHERE digest = $1", digest(secret))
    return _key(record) if record else None
