"""read_ahead: items produced in a worker thread, in order, bounded, errors and early stops handed over."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Generator

import pytest

from api.ingest.ahead import read_ahead


def _numbers(count: int, log: list[str] | None = None) -> Generator[int, None, None]:
    try:
        for number in range(count):
            if log is not None:
                log.append(f"made {number}")
            yield number
    finally:
        if log is not None:
            log.append("closed")


def _worker_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "scholargraph-read-ahead"]


async def test_every_item_arrives_in_order() -> None:
    assert [n async for n in read_ahead(_numbers(50))] == list(range(50))
    assert not _worker_threads()


async def test_the_items_are_made_in_another_thread_while_the_consumer_waits() -> None:
    made_second = threading.Event()
    threads: list[int] = []

    def items() -> Generator[str, None, None]:
        threads.append(threading.get_ident())
        yield "first"
        made_second.set()
        yield "second"

    taken = []
    async for item in read_ahead(items()):
        taken.append(item)
        if item == "first":
            # The worker makes the second item while this consumer still holds the first.
            for _ in range(200):
                if made_second.is_set():
                    break
                await asyncio.sleep(0.01)
            assert made_second.is_set(), "the second item was not made while the first was being used"
    assert taken == ["first", "second"]
    assert len(threads) == 1
    assert threads[0] != threading.get_ident()


@pytest.mark.parametrize("ahead", [1, 3])
async def test_the_worker_runs_at_most_ahead_items_in_front(ahead: int) -> None:
    log: list[str] = []
    taken = 0
    async for number in read_ahead(_numbers(20, log), ahead=ahead):
        taken += 1
        await asyncio.sleep(0.01)  # time for the worker to run as far as it may
        made = sum(1 for entry in log if entry.startswith("made"))
        # taken, plus `ahead` waiting, plus one being made when its slot came free
        assert made <= taken + ahead + 1, (number, made, taken)
    assert taken == 20


async def test_an_error_of_the_items_reaches_the_consumer_after_the_items_before_it() -> None:
    def items() -> Generator[int, None, None]:
        yield 1
        yield 2
        raise ValueError("line 3 is not JSON")

    taken: list[int] = []

    async def take_all() -> None:
        async for item in read_ahead(items()):
            taken.append(item)

    with pytest.raises(ValueError, match="line 3 is not JSON"):
        await take_all()
    assert taken == [1, 2]
    assert not _worker_threads()


async def test_a_consumer_stopping_early_closes_the_items_and_ends_the_thread() -> None:
    log: list[str] = []
    batches = read_ahead(_numbers(1_000_000, log))
    async for number in batches:
        if number == 3:
            break
    await batches.aclose()
    assert log[-1] == "closed"
    assert sum(1 for entry in log if entry.startswith("made")) < 10
    assert not _worker_threads()


async def test_ahead_must_be_positive() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        await anext(read_ahead(_numbers(1), ahead=0))
