"""The limits every API request passes before it runs, and what each response tells of them.

`Limiter.admit(client, cost)` refuses a request whose cost is above `max_query_cost` (QueryTooCostlyError,
a 400: the same request will never pass) or whose client is over a limit (RateLimitedError, a 429:
`too_fast` or `budget_spent`, with Retry-After), and otherwise spends the cost. Either way the response
carries the figures (`Admission.headers`):

    Request-Cost: 232
    RateLimit-Policy: "budget";q=1000000;w=3600, "requests";q=50;w=1
    RateLimit: "budget";r=999768;t=1832, "requests";r=49;t=1

(the IETF draft "RateLimit header fields for HTTP": `q` quota, `w` window in seconds, `r` remaining, `t`
seconds until the quota is whole again), and a GraphQL response has the same in `extensions.rateLimit`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from api.auth import Client
from api.errors import QueryTooCostlyError, RateLimitedError
from api.limits.budget import Counter, MemoryCounter, Policy, RedisCounter, Verdict, seconds_header
from api.settings import Settings

logger = logging.getLogger("scholargraph.limits")

COST_HEADER = "Request-Cost"


@dataclass(frozen=True)
class Admission:
    """What a request was charged and what its client has left."""

    cost: int
    policy: Policy
    verdict: Verdict

    def headers(self) -> dict[str, str]:
        policy, verdict = self.policy, self.verdict
        policies, states = [], []
        if policy.budget:
            policies.append(f'"budget";q={policy.budget};w={policy.window_seconds}')
            states.append(f'"budget";r={verdict.budget_remaining};t={seconds_header(verdict.window_reset)}')
        if policy.requests_per_second:
            policies.append(f'"requests";q={policy.requests_per_second};w=1')
            states.append(f'"requests";r={verdict.requests_remaining};t=1')
        headers = {COST_HEADER: str(self.cost)}
        if policies:
            headers["RateLimit-Policy"] = ", ".join(policies)
            headers["RateLimit"] = ", ".join(states)
        if verdict.refused:
            headers["Retry-After"] = seconds_header(verdict.retry_after)
        return headers

    def extension(self) -> dict[str, Any]:
        """The figures as a GraphQL response's `extensions.rateLimit`."""
        figures: dict[str, Any] = {"cost": self.cost}
        if self.policy.budget:
            figures |= {
                "limit": self.policy.budget,
                "remaining": self.verdict.budget_remaining,
                "resetInSeconds": int(seconds_header(self.verdict.window_reset)),
            }
        return figures


class RateLimitRefusal(RateLimitedError):
    """A RateLimitedError that carries the admission's figures, for the response's headers."""

    def __init__(self, admission: Admission) -> None:
        verdict = admission.verdict
        assert verdict.refused is not None
        wait = seconds_header(verdict.retry_after)
        if verdict.refused == RateLimitedError.TOO_FAST:
            message = f"too many requests: at most {admission.policy.requests_per_second} a second; retry in {wait} s"
        else:
            message = (
                f"the cost budget of {admission.policy.budget:,} points per {admission.policy.window_seconds} s is "
                f"spent ({verdict.budget_remaining:,} left, this request costs {admission.cost:,}); "
                f"it renews in {wait} s"
            )
        super().__init__(verdict.refused, verdict.retry_after, message)
        self.admission = admission


def budget_of(settings: Settings, client: Client | None) -> int:
    """The cost budget per window of a client: its key's own, else the one for keys, else the anonymous one."""
    key = client.key if client is not None else None
    if key is None:
        return settings.cost_budget
    return key.cost_budget if key.cost_budget is not None else settings.key_cost_budget


class Limiter:
    """The limits of one service: its settings, and where the counts live (Redis or this process)."""

    def __init__(self, settings: Settings, counter: Counter | None = None) -> None:
        self.settings = settings
        if counter is None:
            counter = RedisCounter(settings.redis_url) if settings.redis_url else MemoryCounter()
        self.counter = counter

    def policy(self, client: Client) -> Policy:
        settings = self.settings
        return Policy(
            budget=budget_of(settings, client),
            window_seconds=settings.cost_window_seconds,
            requests_per_second=settings.requests_per_second,
        )

    async def admit(self, client: Client, cost: int) -> Admission:
        """Charge `cost` to `client`; QueryTooCostlyError or RateLimitRefusal when it may not run."""
        if self.settings.max_query_cost and cost > self.settings.max_query_cost:
            raise QueryTooCostlyError(cost, self.settings.max_query_cost)
        policy = self.policy(client)
        verdict = await self.counter.spend(client.identity, cost, policy)
        admission = Admission(cost, policy, verdict)
        if client.key is not None:
            logger.info("key %s: cost %d, %s", client.key.name, cost, verdict.refused or "admitted")
        if verdict.refused:
            raise RateLimitRefusal(admission)
        return admission

    async def close(self) -> None:
        await self.counter.close()
