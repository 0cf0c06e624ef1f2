"""examples/python-bulk-metrics: the bulk metrics client against the live service on the seed, over REST
and over GraphQL, and its retries against a service that really answers 429 (a tiny rate, a tiny budget)."""

from __future__ import annotations

import asyncio
import importlib.util
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx2
import pytest
from serving import ThreadedServer

from api.app import create_app
from api.settings import Settings

ROOT = Path(__file__).resolve().parent.parent.parent
EXAMPLE = ROOT / "examples" / "python-bulk-metrics" / "bulk_metrics.py"
UNKNOWN_AUTHOR = "QXV0aG9yOjk5OTk5"  # well formed, names no author of the seed
UNKNOWN_ORCID = "orcid:0000-0002-1825-0097"  # a valid ORCID iD the seed does not hold


def _load_example() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bulk_metrics", EXAMPLE)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


bulk = _load_example()


@contextmanager
def live_service(seeded_url: str, **limits: Any) -> Iterator[str]:
    server = ThreadedServer(create_app(Settings(database_url=seeded_url, load_seed=False, **limits)))
    server.start()
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture(scope="module")
def service(seeded_url: str) -> Iterator[str]:
    """The service on the seed, without a rate or a budget (the suite's default)."""
    with live_service(seeded_url) as url:
        yield url


@pytest.fixture(scope="module")
def seed_ids(service: str) -> list[str]:
    """Every author id of the seed, by name, read page by page over REST."""
    ids: list[str] = []
    after = ""
    with httpx2.Client(base_url=service) as client:
        while True:
            page = client.get("/v1/authors", params={"first": 100, "after": after}).json()
            ids += [item["id"] for item in page["items"]]
            if not page["has_more"]:
                return ids
            after = page["next_cursor"]


def _by_name(authors: list[Any]) -> dict[str, Any]:
    return {author.name: author for author in authors if author is not None}


async def test_rest_and_graphql_give_the_same_figures_in_the_order_asked(service: str, seed_ids: list[str]) -> None:
    assert len(seed_ids) > 30
    asked = [*seed_ids, UNKNOWN_AUTHOR, seed_ids[0], UNKNOWN_ORCID]
    # small chunks: several requests, sent concurrently, joined in order
    rest = await bulk.metrics_over_rest(service, asked, chunk_size=7, concurrency=3)
    graphql = await bulk.metrics_over_graphql(service, asked, chunk_size=7, concurrency=3)
    whole = await bulk.metrics_over_graphql(service, asked)  # one request
    assert rest == graphql == whole
    assert len(rest) == len(asked)
    assert [author.id for author in rest[: len(seed_ids)]] == seed_ids
    assert rest[-3:] == [None, rest[0], None]

    louis = _by_name(rest)["Louis Béthune"]
    assert louis.metrics == bulk.Figures(
        h_index=34, citation_count=220, paper_count=18, i10_index=louis.metrics.i10_index,
        g_index=louis.metrics.g_index, source="profile-page", as_of="2026-11-27",
    )  # fmt: skip
    assert louis.computed.source == "computed"
    assert louis.computed.paper_count == 18
    assert louis.computed.as_of is None


async def test_a_malformed_id_is_an_error_naming_it_over_both_transports(service: str) -> None:
    for fetch in (bulk.metrics_over_rest, bulk.metrics_over_graphql):
        with pytest.raises(bulk.ServiceError) as raised:
            await fetch(service, ["QXV0aG9yOjE", "nope"])
        assert raised.value.code == "invalid_input"
        assert "'nope'" in str(raised.value)


def test_the_command_line_prints_one_line_per_id(service: str) -> None:
    for transport in ("rest", "graphql"):
        done = subprocess.run(
            [sys.executable, str(EXAMPLE), "--endpoint", service, "--transport", transport],
            input=f"QXV0aG9yOjE\n{UNKNOWN_AUTHOR}\n",
            capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        assert (done.returncode, done.stderr) == (0, "")  # nothing waited, nothing logged
        lines = [json.loads(line) for line in done.stdout.splitlines()]
        assert [line["asked"] for line in lines] == ["QXV0aG9yOjE", UNKNOWN_AUTHOR]
        assert lines[0]["author"]["name"] == "Louis Béthune"
        assert lines[0]["author"]["metrics"]["h_index"] == 34
        assert lines[1]["author"] is None


# Retries, against a service that answers 429 ------------------------------------------------------------


async def test_too_fast_is_waited_out_for_the_retry_after_the_service_sent(
    seeded_url: str, service: str, seed_ids: list[str]
) -> None:
    expected = await bulk.metrics_over_rest(service, seed_ids)
    # 2 requests a second in bursts of 2, and 3 requests of 9 ids, one after another: the third is refused
    with live_service(seeded_url, requests_per_second=2, cost_budget=0) as limited:
        for number, fetch in enumerate((bulk.metrics_over_rest, bulk.metrics_over_graphql)):
            if number:
                await asyncio.sleep(1)  # each transport starts with a full burst
            policy = bulk.RetryPolicy()
            started = time.monotonic()
            answer = await fetch(limited, seed_ids[:27], chunk_size=9, concurrency=1, policy=policy)
            took = time.monotonic() - started
            assert answer == expected[:27]
            assert policy.waits, f"{fetch.__name__}: no request was refused"
            assert {(wait.status, wait.code, wait.seconds) for wait in policy.waits} == {(429, "too_fast", 1.0)}
            assert took >= len(policy.waits) * 1.0  # it really waited


async def test_a_spent_budget_is_waited_out_until_the_next_window(seeded_url: str, seed_ids: list[str]) -> None:
    # a budget of 30 points in windows of 1 s; 7 requests of 9 ids cost 70 points, more than two windows
    # hold, so at least one is refused however the windows fall
    asked = (seed_ids * 2)[:63]
    with live_service(
        seeded_url, cost_budget=30, max_query_cost=30, cost_window_seconds=1, requests_per_second=0
    ) as url:
        for fetch in (bulk.metrics_over_rest, bulk.metrics_over_graphql):
            policy = bulk.RetryPolicy()
            answer = await fetch(url, asked, chunk_size=9, concurrency=1, policy=policy)
            assert [author.id for author in answer] == asked
            assert {(wait.status, wait.code, wait.seconds) for wait in policy.waits} == {(429, "budget_spent", 1.0)}


async def test_a_refusal_is_handed_back_when_it_asks_for_longer_than_the_client_waits(
    seeded_url: str, seed_ids: list[str]
) -> None:
    with live_service(seeded_url, requests_per_second=1, cost_budget=0) as url:
        for number, fetch in enumerate((bulk.metrics_over_rest, bulk.metrics_over_graphql)):
            if number:
                await asyncio.sleep(1)  # each transport starts with a full burst
            policy = bulk.RetryPolicy(max_wait=0.5)
            with pytest.raises(bulk.RefusedError) as raised:
                await fetch(url, seed_ids[:4], chunk_size=2, concurrency=1, policy=policy)
            assert (raised.value.status, raised.value.code, raised.value.retry_after) == (429, "too_fast", 1.0)
            assert policy.waits == []


async def test_attempts_are_bounded(seeded_url: str, seed_ids: list[str]) -> None:
    with live_service(seeded_url, requests_per_second=1, cost_budget=0) as url:
        slept: list[float] = []

        async def no_sleep(seconds: float) -> None:  # the service stays refusing: 1 a second, never waited
            slept.append(seconds)

        policy = bulk.RetryPolicy(max_attempts=3, sleep=no_sleep)
        with pytest.raises(bulk.RefusedError) as raised:
            await bulk.metrics_over_rest(url, seed_ids[:4], chunk_size=2, concurrency=1, policy=policy)
        assert raised.value.code == "too_fast"
        assert slept == [1.0, 1.0]  # three sends of the second request, two waits between them


async def test_a_503_is_retried_after_its_retry_after() -> None:
    """The service sheds load with 503 `overloaded` and `Retry-After: 1` (docs/rest.md), which a test cannot
    bring about on demand: a stand-in answers that once, then the figures."""
    answers = [
        httpx2.Response(503, headers={"Retry-After": "1"}, json={"error": {"code": "overloaded", "message": "busy"}}),
        httpx2.Response(503, json={"error": {"code": "database_unavailable", "message": "down"}}),  # no header
        httpx2.Response(200, json={"items": [None]}),
    ]
    sent: list[bytes] = []

    def answer(request: httpx2.Request) -> httpx2.Response:
        sent.append(request.content)
        return answers[len(sent) - 1]

    slept: list[float] = []

    async def record(seconds: float) -> None:
        slept.append(seconds)

    policy = bulk.RetryPolicy(sleep=record, default_wait=2.0)
    transport = bulk.RetryAfterTransport(policy, inner=httpx2.MockTransport(answer))
    async with httpx2.AsyncClient(transport=transport, base_url="http://service") as client:
        response = await client.post("/v1/authors/metrics", json={"ids": [UNKNOWN_AUTHOR]})
    assert response.json() == {"items": [None]}
    assert slept == [1.0, 2.0]
    assert len(set(sent)) == 1  # the same body each time
    assert [(w.status, w.code) for w in policy.waits] == [(503, "overloaded"), (503, "database_unavailable")]


def test_retry_after_is_read_as_seconds_or_as_a_date() -> None:
    from datetime import UTC, datetime

    now = datetime(2026, 12, 8, 12, 0, 0, tzinfo=UTC)
    assert bulk.retry_after_seconds("7", now) == 7.0
    assert bulk.retry_after_seconds("Tue, 08 Dec 2026 12:00:30 GMT", now) == 30.0
    assert bulk.retry_after_seconds("Tue, 08 Dec 2026 11:00:00 GMT", now) == 0.0
    assert bulk.retry_after_seconds("soon", now) is None
    assert bulk.retry_after_seconds(None, now) is None
