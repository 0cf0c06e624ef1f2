"""Idempotency keys: a REST write sent again with the same `Idempotency-Key` is answered with the first
one's outcome instead of being done twice (a client that lost an answer to a timeout retries safely).

The key is claimed in the write's own transaction, before the write, and its outcome (the status and the
resource it made or changed) recorded in it after: the write and its key commit together or not at all.
A second request with the key waits on the first's claim until the first ends; then it finds the
outcome (`Replay`), or, if the first rolled back, claims the key itself. Keys are per client (the API
key's name) and kept for `KEEP_HOURS`; the same key with another method, path or body is refused
(`IdempotencyKeyReusedError`). A replay answers the resource as it is now, with the first status.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass

from api.db.pool import Connection
from api.errors import IdempotencyKeyReusedError, InvalidInputError

KEEP_HOURS = 24
HEADER = "Idempotency-Key"
_KEY = re.compile(r"[\x21-\x7e]{1,255}")


@dataclass(frozen=True)
class Claim:
    """A request's claim on a key: who sends it, the key, and what the request was (its fingerprint)."""

    client: str
    key: str
    fingerprint: str

    @classmethod
    def of(cls, client: str, key: str, method: str, path: str, body: object) -> Claim:
        """The claim of a request; InvalidInputError for a key that is not 1 to 255 visible ASCII characters."""
        if not _KEY.fullmatch(key):
            raise InvalidInputError(f"`{HEADER}` must be 1 to 255 visible ASCII characters (a UUID is a good key)")
        # the standard library's JSON: a body may hold integers beyond 64 bits (refused later, by field)
        request = json.dumps([method, path, body], sort_keys=True, separators=(",", ":"))
        return cls(client, key, hashlib.sha256(request.encode()).hexdigest())


@dataclass(frozen=True)
class Outcome:
    """What a write did: its HTTP status and the resource it answered with (`Paper:12`, `Correction:3`)."""

    status: int
    resource: str
    replayed: bool = False
    """True when an earlier request with the key did the write, and this one only answers its outcome."""


class Replay(Exception):  # a signal rather than an error: the write was done before
    """The key's write was done by an earlier request: roll back this one and answer `outcome`."""

    def __init__(self, outcome: Outcome) -> None:
        self.outcome = outcome
        super().__init__(f"already done: {outcome.resource}")


async def claim(connection: Connection, wanted: Claim | None) -> None:
    """Claim the key for this transaction (waiting on a request holding it); raise Replay when an earlier
    request's write is recorded under it, IdempotencyKeyReusedError when that was another request."""
    if wanted is None:
        return
    # Expired keys go, this client's at once and a few others' each time, so the table stays small.
    await connection.execute(
        f"""
        DELETE FROM idempotency_keys WHERE ctid = ANY(ARRAY(
            SELECT ctid FROM idempotency_keys WHERE made_at < now() - interval '{KEEP_HOURS} hours' LIMIT 100))
           OR (client = $1 AND key = $2 AND made_at < now() - interval '{KEEP_HOURS} hours')
        """,
        wanted.client,
        wanted.key,
    )
    claimed = await connection.fetchval(
        """
        INSERT INTO idempotency_keys (client, key, fingerprint, status, resource) VALUES ($1, $2, $3, 0, '')
        ON CONFLICT (client, key) DO NOTHING RETURNING true
        """,
        wanted.client,
        wanted.key,
        wanted.fingerprint,
    )
    if claimed:
        return
    row = await connection.fetchrow(
        "SELECT fingerprint, status, resource FROM idempotency_keys WHERE client = $1 AND key = $2",
        wanted.client,
        wanted.key,
    )
    if row is None:  # expired and deleted by another request between the two statements: rare; ask again
        raise IdempotencyKeyReusedError(f"`{HEADER}` {wanted.key!r} changed hands meanwhile; send the request again")
    if row["fingerprint"] != wanted.fingerprint:
        raise IdempotencyKeyReusedError(
            f"`{HEADER}` {wanted.key!r} was used for another request (method, path or body) within "
            f"{KEEP_HOURS} hours; use a new key for a new request"
        )
    raise Replay(Outcome(row["status"], row["resource"]))


async def settle(connection: Connection, wanted: Claim | None, outcome: Outcome) -> None:
    """Record the outcome of the write under the claimed key (in the write's transaction)."""
    if wanted is None:
        return
    await connection.execute(
        "UPDATE idempotency_keys SET status = $3, resource = $4 WHERE client = $1 AND key = $2",
        wanted.client,
        wanted.key,
        outcome.status,
        outcome.resource,
    )
