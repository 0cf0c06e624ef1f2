"""The limits on REST: every /v1 request is charged its cost before its handler runs.

A REST request's cost, read from the request alone (docs/limits.md):
- a list (a path that does not end in an id): 1 + its page size (`first`, or the default page size);
- the bulk metrics look-up: 1 + the number of ids it names;
- anything else (one record): 1.

A request the limits refuse answers 429 (`too_fast`, `budget_spent`) or 401 (a bad key) through the app's
error handlers; every other response carries the cost and what remains in its headers.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from api.auth import Authenticator
from api.db.pool import Database
from api.limits.cost import REQUEST_COST
from api.limits.limiter import Limiter
from api.rest.params import DEFAULT_PAGE_SIZE

Endpoint = Callable[[Request], Awaitable[Response]]


async def rest_cost(request: Request, route: Route, max_page_size: int) -> int:
    """What a REST request costs; a malformed parameter costs as if absent (the handler refuses it)."""
    ids = request.query_params.get("ids")
    if ids is not None:
        return REQUEST_COST + len([part for part in ids.split(",") if part])
    if request.method == "POST":
        try:
            body: Any = json.loads(await request.body())
        except (ValueError, RecursionError):
            return REQUEST_COST
        listed = body.get("ids") if isinstance(body, dict) else None
        return REQUEST_COST + (len(listed) if isinstance(listed, list) else 0)
    if route.path.endswith("}"):
        return REQUEST_COST
    first = request.query_params.get("first", "")
    size = int(first) if first.isascii() and first.isdigit() else min(DEFAULT_PAGE_SIZE, max_page_size)
    return REQUEST_COST + min(size, max_page_size)


def metered(
    routes: list[Route],
    *,
    authenticator: Authenticator,
    limiter: Limiter,
    database: Callable[[Request], Database],
    max_page_size: int,
) -> list[Route]:
    """The routes, each /v1 endpoint charging its request before it runs."""

    def wrap(route: Route) -> Route:
        if not route.path.startswith("/v1"):
            return route
        endpoint: Endpoint = route.endpoint

        @functools.wraps(endpoint)
        async def charged(request: Request) -> Response:
            client = await authenticator.client(request, database(request))
            request.state.client = client
            admission = await limiter.admit(client, await rest_cost(request, route, max_page_size))
            response = await endpoint(request)
            response.headers.update(admission.headers())
            return response

        return Route(route.path, charged, methods=sorted(route.methods or ()), name=route.name)

    return [wrap(route) for route in routes]
