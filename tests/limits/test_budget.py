"""The counters (api/limits/budget.py): the process's own, on a clock the test moves, and Redis's, on a
real redis-server (its own clock), shared by two counters as by two workers."""

from __future__ import annotations

import asyncio
import logging

import pytest

from api.limits.budget import MemoryCounter, Policy, RedisCounter


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


HOUR = 3_600
START = 1_000 * HOUR + 600.0  # ten minutes into a window


async def test_a_client_may_send_its_rate_at_once_then_one_per_interval() -> None:
    clock = Clock(START)
    counter = MemoryCounter(clock)
    policy = Policy(budget=0, window_seconds=HOUR, requests_per_second=5)
    verdicts = [await counter.spend("ip:a", 1, policy) for _ in range(5)]
    assert [v.refused for v in verdicts] == [None] * 5
    assert [v.requests_remaining for v in verdicts] == [4, 3, 2, 1, 0]
    refused = await counter.spend("ip:a", 1, policy)
    assert refused.refused == "too_fast"
    assert refused.retry_after == pytest.approx(0.2)
    assert (await counter.spend("ip:b", 1, policy)).refused is None  # another client counts apart
    clock.now += 0.2
    assert (await counter.spend("ip:a", 1, policy)).refused is None
    assert (await counter.spend("ip:a", 1, policy)).refused == "too_fast"


async def test_a_budget_refuses_what_would_pass_it_and_spends_nothing_then() -> None:
    clock = Clock(START)
    counter = MemoryCounter(clock)
    policy = Policy(budget=100, window_seconds=HOUR, requests_per_second=0)
    first = await counter.spend("key:k", 60, policy)
    assert (first.refused, first.budget_remaining) == (None, 40)
    assert first.window_reset == pytest.approx(HOUR - 600)
    refused = await counter.spend("key:k", 50, policy)
    assert (refused.refused, refused.budget_remaining) == ("budget_spent", 40)
    assert refused.retry_after == pytest.approx(HOUR - 600)
    assert (await counter.spend("key:k", 40, policy)).budget_remaining == 0
    clock.now += HOUR - 600  # the next window, at the same instant for every client
    renewed = await counter.spend("key:k", 50, policy)
    assert (renewed.refused, renewed.budget_remaining) == (None, 50)
    assert renewed.window_reset == pytest.approx(HOUR)


async def test_a_request_refused_as_too_fast_spends_no_budget() -> None:
    counter = MemoryCounter(Clock(START))
    policy = Policy(budget=10, window_seconds=HOUR, requests_per_second=1)
    assert (await counter.spend("ip:a", 3, policy)).budget_remaining == 7
    assert (await counter.spend("ip:a", 3, policy)).refused == "too_fast"
    assert (await counter.spend("ip:b", 0, policy)).budget_remaining == 10


async def test_redis_counts_the_budget_once_for_every_worker(fresh_redis: str) -> None:
    workers = [RedisCounter(fresh_redis), RedisCounter(fresh_redis)]
    policy = Policy(budget=100, window_seconds=HOUR, requests_per_second=0)
    try:
        assert (await workers[0].spend("key:k", 60, policy)).budget_remaining == 40
        refused = await workers[1].spend("key:k", 50, policy)
        assert (refused.refused, refused.budget_remaining) == ("budget_spent", 40)
        assert 0 < refused.retry_after <= HOUR
        assert (await workers[1].spend("key:k", 40, policy)).budget_remaining == 0
        assert (await workers[0].spend("key:other", 1, policy)).budget_remaining == 99
    finally:
        for worker in workers:
            await worker.close()


async def test_redis_counts_the_rate_once_for_every_worker(fresh_redis: str) -> None:
    workers = [RedisCounter(fresh_redis), RedisCounter(fresh_redis)]
    policy = Policy(budget=0, window_seconds=HOUR, requests_per_second=4)
    try:
        verdicts = [await workers[i % 2].spend("ip:a", 1, policy) for i in range(6)]
        # Four at once, then refused (a burst spreads over the interval, so one may pass on a slow machine).
        assert [v.refused for v in verdicts[:4]] == [None] * 4
        assert "too_fast" in [v.refused for v in verdicts[4:]]
        refused = next(v for v in verdicts[4:] if v.refused)
        assert 0 < refused.retry_after <= 0.25
        await asyncio.sleep(1.0)
        assert (await workers[0].spend("ip:a", 1, policy)).refused is None
    finally:
        for worker in workers:
            await worker.close()


async def test_without_redis_each_process_counts_alone_and_says_so_once(caplog: pytest.LogCaptureFixture) -> None:
    counter = RedisCounter("redis://127.0.0.1:1/0", timeout_seconds=0.2)  # nothing listens on port 1
    policy = Policy(budget=100, window_seconds=HOUR, requests_per_second=0)
    try:
        with caplog.at_level(logging.WARNING, logger="scholargraph.limits"):
            spent = [await counter.spend("ip:a", 30, policy) for _ in range(4)]
        assert [v.refused for v in spent] == [None, None, None, "budget_spent"]
        assert [r.message for r in caplog.records].count(
            next(r.message for r in caplog.records if "Redis is unreachable" in r.message)
        ) == 1
    finally:
        await counter.close()
