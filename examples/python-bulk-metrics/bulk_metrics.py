"""Fetch the figures of many authors from Scholar Graph at once, over REST or over GraphQL.

A reference client for a service that keeps author metrics in step with Scholar Graph: give it ids
(global ids such as `QXV0aG9yOjE`, or external ones such as `orcid:0000-0002-1825-0097`) and it answers,
in the order asked, each author's figures to show (`metrics`: the newest reported set, gaps filled from
the computed one) and the figures computed from the stored papers (`computed`), or None for an id that
names no author.

- REST: `POST /v1/authors/metrics` with up to 1,000 ids a request (httpx2).
- GraphQL: `authorsByIds(ids:)` with up to 1,000 ids a request (gql over its httpx2 transport).

Both go through `RetryAfterTransport`, which retries an answer `429` (too fast, budget spent) or `503`
(overloaded, database unavailable) after the `Retry-After` the service sent, a bounded number of times,
and never waits longer than `max_wait` seconds at once: past that it hands the refusal back.

    python examples/python-bulk-metrics/bulk_metrics.py --endpoint http://127.0.0.1:8000 QXV0aG9yOjE QXV0aG9yOjEz
    python examples/python-bulk-metrics/bulk_metrics.py --transport graphql < ids.txt   # one id a line
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx2
from gql import Client, GraphQLRequest, gql
from gql.transport.exceptions import TransportConnectionFailed, TransportQueryError
from gql.transport.httpx import HTTPXAsyncTransport

log = logging.getLogger("bulk_metrics")

MAX_IDS_PER_REQUEST = 1_000  # the service's limit for POST /v1/authors/metrics and authorsByIds
RETRIED_STATUSES = frozenset({429, 503})


# --- Retries that honour Retry-After ----------------------------------------------------------------------


@dataclass(frozen=True)
class Wait:
    """One refusal that was waited out: its status, its code (`too_fast`, `budget_spent`, `overloaded`, …;
    GraphQL's are lower-cased to match REST's) and the seconds waited."""

    status: int
    code: str | None
    seconds: float


@dataclass
class RetryPolicy:
    """How refusals are retried: at most `max_attempts` sends of one request, waiting what `Retry-After` says
    (or `default_wait` seconds when a 503 has none) but never more than `max_wait` seconds at once."""

    max_attempts: int = 5
    max_wait: float = 60.0
    default_wait: float = 1.0
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    waits: list[Wait] = field(default_factory=list)  # every wait, oldest first, for logs and tests


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """The seconds a `Retry-After` header asks for: a number of seconds or an HTTP date; None if absent or
    unreadable."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def refusal_code(body: bytes) -> str | None:
    """The stable code of a refusal's body, REST's (`error.code`) or GraphQL's (`errors[0].extensions.code`)."""
    try:
        document = json.loads(body)
    except ValueError:
        return None
    if not isinstance(document, dict):
        return None
    error = document.get("error")
    if isinstance(error, dict) and isinstance(error.get("code"), str):
        return str(error["code"])
    errors = document.get("errors")
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        code = (errors[0].get("extensions") or {}).get("code")
        if isinstance(code, str):
            return code.lower()
    return None


class ServiceError(Exception):
    """An answer other than 200: its status, its stable code (`invalid_input`, …) and its message."""

    def __init__(self, status: int, code: str | None, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code


class RefusedError(ServiceError):
    """A 429 or 503 still there after the retries the policy allows, or asking for a longer wait than it
    allows: `retry_after` says when the service expects the request again."""

    def __init__(self, status: int, code: str | None, message: str, retry_after: float | None) -> None:
        super().__init__(status, code, message)
        self.retry_after = retry_after


def service_error(status: int, body: bytes, retry_after: float | None = None) -> ServiceError:
    """The error an answer's body describes (REST's `error` or GraphQL's first `errors` entry)."""
    code = refusal_code(body)
    try:
        document = json.loads(body)
        error = document.get("error") or document["errors"][0]
        message = str(error["message"])
    except (ValueError, KeyError, IndexError, TypeError, AttributeError):
        message = body[:200].decode(errors="replace")
    if status in RETRIED_STATUSES:
        return RefusedError(status, code, message, retry_after)
    return ServiceError(status, code, message)


class RetryAfterTransport(httpx2.AsyncBaseTransport):
    """An httpx2 transport that sends each request through `inner` and, while the answer is a 429 or a 503
    and attempts remain, waits the `Retry-After` it carries and sends the request again; a refusal it gives
    up on raises RefusedError. Every request this client makes is a read, so sending it twice is safe."""

    def __init__(self, policy: RetryPolicy | None = None, inner: httpx2.AsyncBaseTransport | None = None) -> None:
        self.policy = policy or RetryPolicy()
        self._inner = inner or httpx2.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        policy = self.policy
        attempt = 1
        while True:
            response = await self._inner.handle_async_request(request)
            if response.status_code not in RETRIED_STATUSES:
                return response
            body = await response.aread()
            await response.aclose()
            asked = retry_after_seconds(response.headers.get("Retry-After"))
            wait = policy.default_wait if asked is None and response.status_code == 503 else asked
            if attempt >= policy.max_attempts or wait is None or wait > policy.max_wait:
                raise service_error(response.status_code, body, asked)
            code = refusal_code(body)
            log.info("%s %s: %d %s, retrying in %g s", request.method, request.url.path, response.status_code,
                     code, wait)  # fmt: skip
            policy.waits.append(Wait(response.status_code, code, wait))
            await policy.sleep(wait)
            attempt += 1

    async def aclose(self) -> None:
        await self._inner.aclose()


# --- The figures --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figures:
    """One set of an author's figures and where it comes from (`computed`, or the reporting source)."""

    h_index: int | None
    citation_count: int | None
    paper_count: int | None
    i10_index: int | None
    g_index: int | None
    source: str
    as_of: str | None  # the date a source reported the figures (None for computed ones)


@dataclass(frozen=True)
class AuthorFigures:
    id: str
    name: str
    metrics: Figures  # the figures to show
    computed: Figures  # computed from the papers and citations stored in the service


def _chunks(ids: Sequence[str], size: int) -> list[Sequence[str]]:
    if not 1 <= size <= MAX_IDS_PER_REQUEST:
        raise ValueError(f"chunk_size must be between 1 and {MAX_IDS_PER_REQUEST}")
    return [ids[start : start + size] for start in range(0, len(ids), size)]


async def _gather_in_order(
    chunks: list[Sequence[str]],
    fetch: Callable[[Sequence[str]], Awaitable[list[AuthorFigures | None]]],
    concurrency: int,
) -> list[AuthorFigures | None]:
    """Fetch the chunks, at most `concurrency` at once, and join the answers in the order of the ids."""
    gate = asyncio.Semaphore(concurrency)

    async def one(chunk: Sequence[str]) -> list[AuthorFigures | None]:
        async with gate:
            return await fetch(chunk)

    answers = await asyncio.gather(*(one(chunk) for chunk in chunks))
    return [author for answer in answers for author in answer]


def _headers(api_key: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_key}"} if api_key else {}


# --- REST ---------------------------------------------------------------------------------------------------


def _rest_figures(figures: dict[str, Any]) -> Figures:
    return Figures(
        h_index=figures["h_index"],
        citation_count=figures["citation_count"],
        paper_count=figures["paper_count"],
        i10_index=figures["i10_index"],
        g_index=figures["g_index"],
        source=figures["source"],
        as_of=figures["as_of"],
    )


async def metrics_over_rest(
    endpoint: str,
    ids: Sequence[str],
    *,
    chunk_size: int = MAX_IDS_PER_REQUEST,
    concurrency: int = 4,
    policy: RetryPolicy | None = None,
    api_key: str | None = None,
) -> list[AuthorFigures | None]:
    """The figures of `ids`, in their order, from `POST {endpoint}/v1/authors/metrics`."""
    transport = RetryAfterTransport(policy)
    async with httpx2.AsyncClient(
        base_url=endpoint, transport=transport, headers=_headers(api_key), timeout=30.0
    ) as client:

        async def fetch(chunk: Sequence[str]) -> list[AuthorFigures | None]:
            response = await client.post("/v1/authors/metrics", json={"ids": list(chunk)})
            if response.status_code != 200:
                raise service_error(response.status_code, response.content)
            return [
                None
                if item is None
                else AuthorFigures(
                    id=item["id"],
                    name=item["name"],
                    metrics=_rest_figures(item["metrics"]),
                    computed=_rest_figures(item["computed_metrics"]),
                )
                for item in response.json()["items"]
            ]

        return await _gather_in_order(_chunks(ids, chunk_size), fetch, concurrency)


# --- GraphQL ------------------------------------------------------------------------------------------------

BULK_METRICS = gql(
    """
    query BulkMetrics($ids: [ID!]!) {
      authorsByIds(ids: $ids) {
        id
        name
        metrics { ...Figures }
        computedMetrics { ...Figures }
      }
    }

    fragment Figures on AuthorMetrics {
      hIndex citationCount paperCount i10Index gIndex source asOf
    }
    """
)


def _graphql_figures(figures: dict[str, Any]) -> Figures:
    return Figures(
        h_index=figures["hIndex"],
        citation_count=figures["citationCount"],
        paper_count=figures["paperCount"],
        i10_index=figures["i10Index"],
        g_index=figures["gIndex"],
        source=figures["source"],
        as_of=figures["asOf"],
    )


async def metrics_over_graphql(
    endpoint: str,
    ids: Sequence[str],
    *,
    chunk_size: int = MAX_IDS_PER_REQUEST,
    concurrency: int = 4,
    policy: RetryPolicy | None = None,
    api_key: str | None = None,
) -> list[AuthorFigures | None]:
    """The figures of `ids`, in their order, from `authorsByIds` at `{endpoint}/graphql`."""
    transport = HTTPXAsyncTransport(
        url=f"{endpoint.rstrip('/')}/graphql",
        transport=RetryAfterTransport(policy),
        headers={"Accept": "application/graphql-response+json", **_headers(api_key)},
        timeout=30.0,
    )
    async with Client(transport=transport) as session:

        async def fetch(chunk: Sequence[str]) -> list[AuthorFigures | None]:
            request = GraphQLRequest(BULK_METRICS, variable_values={"ids": list(chunk)})
            try:
                result = await session.execute(request)
            except TransportConnectionFailed as failed:
                if isinstance(failed.__cause__, ServiceError):  # a refusal RetryAfterTransport gave up on
                    raise failed.__cause__ from None
                raise
            except TransportQueryError as failed:  # an answer with errors (a malformed id: INVALID_INPUT)
                raise service_error(400, json.dumps({"errors": failed.errors}).encode()) from None
            return [
                None
                if author is None
                else AuthorFigures(
                    id=author["id"],
                    name=author["name"],
                    metrics=_graphql_figures(author["metrics"]),
                    computed=_graphql_figures(author["computedMetrics"]),
                )
                for author in result["authorsByIds"]
            ]

        return await _gather_in_order(_chunks(ids, chunk_size), fetch, concurrency)


# --- Command line -------------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Print the figures of many authors, one JSON object a line.")
    parser.add_argument("ids", nargs="*", help="author ids (global or external); read from stdin when none")
    parser.add_argument("--endpoint", default="http://127.0.0.1:8000", help="the service's base URL")
    parser.add_argument("--transport", choices=("rest", "graphql"), default="rest")
    parser.add_argument("--chunk-size", type=int, default=MAX_IDS_PER_REQUEST, help="ids per request")
    parser.add_argument("--max-wait", type=float, default=60.0, help="longest Retry-After to wait, in seconds")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(message)s", stream=sys.stderr)
    log.setLevel(logging.INFO)  # the waits, on standard error
    ids = args.ids or [line.strip() for line in sys.stdin if line.strip()]
    fetch = metrics_over_rest if args.transport == "rest" else metrics_over_graphql
    policy = RetryPolicy(max_wait=args.max_wait)
    api_key = os.environ.get("SCHOLARGRAPH_API_KEY")  # sent as `Authorization: Bearer …` when set
    try:
        authors = asyncio.run(fetch(args.endpoint, ids, chunk_size=args.chunk_size, policy=policy, api_key=api_key))
    except ServiceError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    for asked, author in zip(ids, authors, strict=True):
        print(json.dumps({"asked": asked, "author": None if author is None else asdict(author)}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
