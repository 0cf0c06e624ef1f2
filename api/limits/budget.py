"""What each client may spend: a request rate ("too fast") and a cost budget per window ("budget spent").

Two limits, checked together for every API request, before it runs:
- **requests per second**, a rate with a burst of the same size (GCRA: a client may send `rate` requests
  at once, then one every 1/`rate` seconds); refused as `too_fast`;
- **a cost budget per window**: windows are fixed, aligned on multiples of their length since the Unix
  epoch (so every client and every worker agrees when one ends); a request whose cost would take the
  window's spending past the budget is refused as `budget_spent` and spends nothing.

The counts live in Redis when one is configured, shared by every worker process (one Lua script does
the whole check, atomically, on Redis's clock), otherwise in the process. Should Redis fail, the process
counts on its own until Redis answers again (logged once), so the service keeps answering.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass
from typing import Any, Protocol

logger = logging.getLogger("scholargraph.limits")


@dataclass(frozen=True)
class Policy:
    """The limits one client is held to."""

    budget: int
    """Cost points per window (0: no budget)."""
    window_seconds: int
    requests_per_second: int
    """0: no rate limit."""


@dataclass(frozen=True)
class Verdict:
    """A check's outcome: refused with a code, or allowed; what remains either way."""

    refused: str | None
    """None, `too_fast` or `budget_spent`."""
    retry_after: float
    """Seconds until the same request could pass (0 when allowed)."""
    budget_remaining: int
    window_reset: float
    """Seconds until the budget's window ends."""
    requests_remaining: int


class Counter(Protocol):
    async def spend(self, client: str, cost: int, policy: Policy) -> Verdict: ...

    async def close(self) -> None: ...


class MemoryCounter:
    """The counts in this process: exact for one worker; with several, each counts its own requests."""

    PRUNE_AT = 100_000
    """Clients remembered before forgotten ones (past their window and burst) are dropped."""

    def __init__(self, clock: Any = time.time) -> None:
        self.clock = clock
        self._arrival: dict[str, float] = {}  # GCRA's theoretical arrival time, per client
        self._spent: dict[str, tuple[int, int]] = {}  # (window start, points spent), per client

    async def spend(self, client: str, cost: int, policy: Policy) -> Verdict:
        now = self.clock()
        window = policy.window_seconds
        window_start = int(now // window) * window
        reset = window_start + window - now
        started, spent = self._spent.get(client, (window_start, 0))
        if started != window_start:
            spent = 0
        requests_remaining = 0
        if policy.requests_per_second:
            interval = 1.0 / policy.requests_per_second
            arrival = max(self._arrival.get(client, now), now) + interval
            allowed_at = arrival - policy.requests_per_second * interval
            if now + 1e-6 < allowed_at:  # the tolerance: sums of 1/rate are not exact in floating point
                return Verdict("too_fast", allowed_at - now, _left(policy, spent), reset, 0)
            self._arrival[client] = arrival
            requests_remaining = int((now - allowed_at) / interval + 1e-6)
        if policy.budget and spent + cost > policy.budget:
            return Verdict("budget_spent", reset, _left(policy, spent), reset, requests_remaining)
        self._spent[client] = (window_start, spent + cost)
        if len(self._spent) > self.PRUNE_AT:
            self._prune(now, window_start)
        return Verdict(None, 0.0, _left(policy, spent + cost), reset, requests_remaining)

    def _prune(self, now: float, window_start: int) -> None:
        self._spent = {c: v for c, v in self._spent.items() if v[0] == window_start}
        self._arrival = {c: t for c, t in self._arrival.items() if t > now}

    async def close(self) -> None:
        return None


def _left(policy: Policy, spent: int) -> int:
    return max(0, policy.budget - spent) if policy.budget else 0


# KEYS: the client's arrival-time key, its budget key (the window start is appended).
# ARGV: cost, budget, window (ms), requests per second. Returns {refusal 0/1/2, retry ms, budget left,
# window reset ms, requests left}. Times in ms on Redis's own clock, which every worker shares.
_SPEND_SCRIPT = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local cost = tonumber(ARGV[1])
local budget = tonumber(ARGV[2])
local window = tonumber(ARGV[3])
local rate = tonumber(ARGV[4])
local window_start = now - (now % window)
local reset = window_start + window - now
local budget_key = KEYS[2] .. ':' .. window_start
local spent = tonumber(redis.call('GET', budget_key) or '0')
local requests_left = 0
if rate > 0 then
  local interval = 1000 / rate
  local arrival = tonumber(redis.call('GET', KEYS[1]) or '0')
  if arrival < now then arrival = now end
  arrival = arrival + interval
  local allowed_at = arrival - rate * interval
  if now + 0.001 < allowed_at then
    return {1, math.ceil(allowed_at - now), budget - spent, reset, 0}
  end
  redis.call('SET', KEYS[1], tostring(arrival), 'PX', math.ceil(rate * interval) + 1000)
  requests_left = math.floor((now - allowed_at) / interval + 0.001)
end
if budget > 0 and spent + cost > budget then
  return {2, reset, budget - spent, reset, requests_left}
end
spent = redis.call('INCRBY', budget_key, cost)
redis.call('PEXPIRE', budget_key, window + 1000)
return {0, 0, budget - spent, reset, requests_left}
"""

_REFUSALS = {0: None, 1: "too_fast", 2: "budget_spent"}


class RedisCounter:
    """The counts in Redis, shared by every worker; the process's own counts while Redis is unreachable."""

    KEY_PREFIX = "scholargraph:limits:"

    def __init__(self, url: str, *, timeout_seconds: float = 0.5) -> None:
        import redis.asyncio as redis  # imported here: only a service configured with Redis needs it

        self._redis: Any = redis.Redis.from_url(
            url, socket_timeout=timeout_seconds, socket_connect_timeout=timeout_seconds
        )
        self._script: Any = self._redis.register_script(_SPEND_SCRIPT)
        self.fallback = MemoryCounter()
        self._failing = False

    async def spend(self, client: str, cost: int, policy: Policy) -> Verdict:
        import redis.exceptions

        keys = [f"{self.KEY_PREFIX}rate:{client}", f"{self.KEY_PREFIX}budget:{client}"]
        args = [cost, policy.budget, policy.window_seconds * 1000, policy.requests_per_second]
        try:
            result = await self._script(keys=keys, args=args)
        except (redis.exceptions.RedisError, OSError) as error:
            if not self._failing:
                logger.warning("Redis is unreachable (%s): counting limits in this process until it answers", error)
                self._failing = True
            return await self.fallback.spend(client, cost, policy)
        if self._failing:
            logger.info("Redis answers again: limits are shared by every worker again")
            self._failing = False
        code, retry_ms, budget_left, reset_ms, requests_left = (int(value) for value in result)
        return Verdict(
            _REFUSALS[code],
            retry_ms / 1000,
            max(0, budget_left) if policy.budget else 0,
            reset_ms / 1000,
            max(0, requests_left),
        )

    async def close(self) -> None:
        await self._redis.aclose()


def seconds_header(seconds: float) -> str:
    """Seconds as HTTP headers give them: whole, rounded up (never 0 for a wait that is not over)."""
    return str(max(0, math.ceil(seconds)))
