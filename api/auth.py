"""Who is asking: the API key a request carries, or its address when it carries none.

A key is sent as `Authorization: Bearer sg_…` (or `X-API-Key: sg_…`). An unknown or revoked key is a 401,
never a silent fall-back to anonymous, so a client learns at once that its key is wrong. With
`require_api_key`, a request without a key is a 401 too. Keys are looked up by digest and remembered for
KEY_CACHE_SECONDS, so a revoked key stops working within that time, and a busy client costs no lookup
per request.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from starlette.requests import Request

from api.db import api_keys
from api.db.api_keys import ApiKey
from api.db.pool import Database
from api.errors import AuthenticationError, KeyRequiredError, PermissionDeniedError

logger = logging.getLogger("scholargraph.auth")

KEY_CACHE_SECONDS = 10.0
KEY_CACHE_SIZE = 10_000


@dataclass(frozen=True)
class Client:
    """Whom limits count against: `key:<name>` for a key, `ip:<address>` for an anonymous client."""

    identity: str
    key: ApiKey | None

    @property
    def key_name(self) -> str | None:
        return self.key.name if self.key else None


def writer_name(client: Client | None) -> str:
    """The name of the client's key, which must hold the `write` scope; PermissionDeniedError otherwise."""
    if client is None or client.key is None or not client.key.allows("write"):
        raise PermissionDeniedError("writes need an API key with the write scope (Authorization: Bearer <key>)")
    return client.key.name


def presented_key(request: Request) -> str | None:
    """The key a request carries, if any."""
    header = request.headers.get("authorization")
    if header:
        scheme, _, value = header.partition(" ")
        if scheme.lower() == "bearer" and value.strip():
            return value.strip()
        raise AuthenticationError("send the key as `Authorization: Bearer <key>` (or `X-API-Key: <key>`)")
    value = request.headers.get("x-api-key", "").strip()
    return value or None


class Authenticator:
    """Tells each request's client; remembers the keys it looked up for a few seconds."""

    def __init__(self, *, require_key: bool, clock: Callable[[], float] = time.monotonic) -> None:
        self.require_key = require_key
        self._clock = clock
        self._known: dict[bytes, tuple[float, ApiKey | None]] = {}

    async def client(self, request: Request, db: Database) -> Client:
        secret = presented_key(request)
        if secret is None:
            if self.require_key:
                raise KeyRequiredError(
                    "this service answers only requests with an API key: send `Authorization: Bearer <key>`"
                )
            address = request.client.host if request.client else "unknown"
            return Client(f"ip:{address}", None)
        key = await self._lookup(db, secret)
        if key is None or key.revoked_at is not None:
            logger.info("refused a request with an %s key", "unknown" if key is None else f"revoked ({key.name})")
            raise AuthenticationError("the API key is unknown or revoked")
        return Client(f"key:{key.name}", key)

    async def _lookup(self, db: Database, secret: str) -> ApiKey | None:
        digest = api_keys.digest(secret)
        now = self._clock()
        known = self._known.get(digest)
        if known is not None and now - known[0] < KEY_CACHE_SECONDS:
            return known[1]
        key = await api_keys.key_of(db, secret)
        if len(self._known) >= KEY_CACHE_SIZE:
            self._known.clear()
        self._known[digest] = (now, key)
        return key
