"""One database connection per HTTP request: `OneConnectionPerRequest` runs each request inside
`api.db.pool.request_scope()` (`open_request_scope`, `close_request_scope`).

A request takes a pool connection on its first SQL statement (a request that runs none takes none) and
gives it back once its response is finished; its statements, those of a GraphQL request's concurrent
DataLoaders included, run one after another on that connection. What that saves, and what it does not
change (the retry of a read on a lost connection, the outage handling), is said in `api.db.pool`.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from api.db.pool import close_request_scope, open_request_scope


class OneConnectionPerRequest:
    """ASGI middleware: every HTTP request inside a `request_scope()` of its own."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # `request_scope()` spelled out: this runs on every request, and a context manager costs more.
        state = open_request_scope()
        try:
            await self.app(scope, receive, send)
        finally:
            await close_request_scope(state)
