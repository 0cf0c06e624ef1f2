"""The ASGI application: `create_app(settings)` wires routes, the database's lifetime and error pages.

Start-up (the lifespan): find the database (the configured URL, or the embedded server started in
`data_dir`, watched by a supervisor that restarts it should it die), migrate it to head, load the bundled
seed into an empty database, open the pool. Shut-down closes the pool and stops the embedded server if
this process started it. `scholargraph serve` opens the runtime itself, before the HTTP server starts,
and hands it to `create_app`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from api.auth import Authenticator
from api.body_limit import BodyLimit
from api.db import migrate
from api.db.embedded import EmbeddedPostgres
from api.db.outage import RETRY_AFTER_SECONDS
from api.db.pool import Database, application_name
from api.db.supervisor import ServerSupervisor
from api.errors import (
    AuthenticationError,
    DatabaseNotReadyError,
    DatabaseUnreachableError,
    EmbeddedServerError,
    IdempotencyKeyReusedError,
    InvalidFieldsError,
    InvalidInputError,
    MovedError,
    NotFoundError,
    OverloadedError,
    PermissionDeniedError,
    RequestTooLargeError,
)
from api.graphql.compiler import Compiler
from api.graphql.context import GraphQLContext
from api.graphql.schema import MAX_TOKENS, schema
from api.graphql.view import GraphQLEndpoint
from api.ingest.seed import load_seed_if_empty
from api.limits.cost import CostCalculator
from api.limits.limiter import Limiter, RateLimitRefusal
from api.request_scope import OneConnectionPerRequest
from api.rest.metering import metered
from api.rest.routes import rest_routes
from api.settings import Settings
from api.web import web_routes

logger = logging.getLogger("scholargraph")

OVERLOAD_RETRY_AFTER_SECONDS = 1
TIMEOUT_CODE = "timeout"
GRAPHIQL_ASSETS = Path(__file__).resolve().parent / "static" / "graphiql"


@dataclass
class Runtime:
    """What the lifespan opened, kept on `app.state.runtime`."""

    db: Database
    embedded: EmbeddedPostgres | None
    stop_embedded_on_exit: bool
    supervisor: ServerSupervisor | None = None


async def open_runtime(settings: Settings) -> Runtime:
    embedded: EmbeddedPostgres | None = None
    started_here = False
    url = settings.database_url
    if not url:
        embedded = EmbeddedPostgres(settings.data_dir)
        started_here = not await asyncio.to_thread(embedded.is_running)
        url = await asyncio.to_thread(embedded.start)
        logger.info("embedded PostgreSQL in %s (%s)", embedded.data_dir, "started" if started_here else "running")
    if settings.migrate_on_start:
        await migrate.upgrade_async(url)
    db = await Database.connect(
        url,
        min_size=settings.pool_min_size,
        max_size=settings.pool_max_size,
        statement_timeout_ms=settings.statement_timeout_ms,
        connect_timeout_ms=settings.connect_timeout_ms,
        statement_cache_size=settings.statement_cache_size,
        acquire_timeout_ms=settings.pool_timeout_ms,
        separate_roles=True,
    )
    if db.roles is None:
        logger.info("requests run as the database user itself: the roles of migration 0012 are not granted here")
    else:
        logger.info("reads run as %s, writes as %s", db.roles.read, db.roles.write)
    try:
        if settings.load_seed and not settings.migrate_on_start and not await _at_head(db):
            logger.warning("the database is not migrated: not loading the seed (run `scholargraph migrate`)")
        elif settings.load_seed:
            loaded = await load_seed_if_empty(db)
            if loaded is not None:
                logger.info("loaded the bundled seed: %d papers", loaded.papers)
    except BaseException:
        await db.close()
        raise
    supervisor = None
    if embedded is not None:
        supervisor = ServerSupervisor(embedded, restart_attempts=settings.embedded_restart_attempts)
        supervisor.start()
    return Runtime(db=db, embedded=embedded, stop_embedded_on_exit=started_here, supervisor=supervisor)


async def _at_head(db: Database) -> bool:
    try:
        async with db.connection() as connection:
            await migrate.ensure_at_head(connection.raw)
    except DatabaseNotReadyError:
        return False
    return True


async def close_runtime(runtime: Runtime) -> None:
    """Close the pool and stop the embedded server this process started; never raises, whatever state the
    database is in (a shutdown that fails half-way would leave the server running for nobody)."""
    if runtime.supervisor is not None:
        await runtime.supervisor.stop()  # first: stopping the server on purpose is not a crash to repair
    stop_embedded = runtime.embedded is not None and runtime.stop_embedded_on_exit
    # Stop the embedded server we started, unless another process (a second `serve`, an import) uses it.
    others = 0
    if stop_embedded:
        try:
            others = await runtime.db.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' "
                "AND pid <> pg_backend_pid() AND application_name <> $1",
                application_name(),
            )
        except DatabaseNotReadyError:
            others = 0
        except asyncpg.PostgresError as error:
            logger.warning("could not ask the embedded PostgreSQL who else uses it (%s); stopping it", error)
    await runtime.db.close()
    if runtime.embedded is not None and stop_embedded:
        if others:
            logger.info("leaving the embedded PostgreSQL running: %d other connection(s) use it", others)
            return
        try:
            await asyncio.to_thread(runtime.embedded.stop)
        except EmbeddedServerError as error:
            logger.error("could not stop the embedded PostgreSQL: %s", error)


def create_app(settings: Settings | None = None, *, runtime: Runtime | None = None) -> Starlette:
    """The service. With `runtime`, the app serves on it (opened by the caller) and closes it at shut-down;
    without, its lifespan opens one from `settings`."""
    settings = settings or Settings()
    opened = runtime
    authenticator = Authenticator(require_key=settings.require_api_key)
    limiter = Limiter(settings)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        runtime = opened or await open_runtime(settings)
        app.state.runtime = runtime
        try:
            yield
        finally:
            await limiter.close()
            await close_runtime(runtime)

    def database(request: Request) -> Database:
        runtime: Runtime = request.app.state.runtime
        return runtime.db

    graphql = GraphQLEndpoint(
        schema,
        context_factory=lambda request: GraphQLContext(request=request, db=database(request), settings=settings),
        graphiql=settings.graphiql,
        compiler=Compiler(schema._schema, max_page_size=settings.max_page_size) if settings.graphql_compiled else None,
        database=database,
        authenticator=authenticator,
        limiter=limiter,
        costs=CostCalculator(schema._schema, max_page_size=settings.max_page_size, max_tokens=MAX_TOKENS),
    )

    async def healthz(request: Request) -> Response:
        runtime: Runtime = request.app.state.runtime
        if runtime.supervisor is not None and runtime.supervisor.failure is not None:
            # The log has the details (paths, the server's own message); the probe gets the gist.
            reason = "the embedded PostgreSQL stopped and could not be restarted; see the service's log"
            return JSONResponse({"status": "failing", "reason": reason}, status_code=503)
        return JSONResponse({"status": "ok"})

    async def readyz(request: Request) -> Response:
        try:
            async with database(request).connection() as connection:
                await migrate.ensure_at_head(connection.raw)
        except DatabaseUnreachableError:  # the data layer logs the outage, once
            return JSONResponse({"status": "not ready", "reason": "the database is unreachable"}, status_code=503)
        except DatabaseNotReadyError as error:
            return JSONResponse({"status": "not ready", "reason": str(error)}, status_code=503)
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, asyncpg.InternalClientError) as error:
            # Starting up, shutting down, restarting: any failure to talk to it means not ready.
            logger.warning("readiness check failed: %s", error)
            return JSONResponse({"status": "not ready", "reason": "the database is unreachable"}, status_code=503)
        return JSONResponse({"status": "ready", "schema_revision": migrate.head_revision()})

    async def not_found(request: Request, exc: Exception) -> Response:
        return JSONResponse({"error": {"code": "not_found", "message": str(exc)}}, status_code=404)

    async def moved(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, MovedError)
        body = {"error": {"code": exc.code, "message": str(exc)}}
        return JSONResponse(body, status_code=301, headers={"Location": exc.location})

    async def no_route(request: Request, exc: Exception) -> Response:
        # a path no route matches (an id holding a line break, say): JSON too, as clients of /v1 expect
        message = f"nothing is served at {request.url.path[:200]!r}"
        return JSONResponse({"error": {"code": "not_found", "message": message}}, status_code=404)

    async def invalid_input(request: Request, exc: Exception) -> Response:
        code = exc.code if isinstance(exc, InvalidInputError) else InvalidInputError.code
        error: dict[str, Any] = {"code": code, "message": str(exc)}
        if isinstance(exc, InvalidFieldsError):
            error["fields"] = exc.fields()
        return JSONResponse({"error": error}, status_code=400)

    async def key_reused(request: Request, exc: Exception) -> Response:
        return JSONResponse({"error": {"code": IdempotencyKeyReusedError.code, "message": str(exc)}}, status_code=422)

    async def unauthenticated(request: Request, exc: Exception) -> Response:
        code = exc.code if isinstance(exc, AuthenticationError) else AuthenticationError.code
        return JSONResponse(
            {"error": {"code": code, "message": str(exc)}}, status_code=401, headers={"WWW-Authenticate": "Bearer"}
        )

    async def forbidden(request: Request, exc: Exception) -> Response:
        return JSONResponse({"error": {"code": PermissionDeniedError.code, "message": str(exc)}}, status_code=403)

    async def rate_limited(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RateLimitRefusal)
        headers = exc.admission.headers()
        body = {"code": exc.code, "message": str(exc), "retry_after": int(headers["Retry-After"])}
        return JSONResponse({"error": body}, status_code=429, headers=headers)

    async def unavailable(request: Request, exc: Exception) -> Response:
        database(request).outage.request_failed()  # the data layer logs the outage, once
        return JSONResponse(
            {"error": {"code": DatabaseNotReadyError.code, "message": "the database is unavailable; retry shortly"}},
            status_code=503,
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )

    async def timed_out(request: Request, exc: Exception) -> Response:
        # a statement ran past statement_timeout_ms: under contention (a lock) it passes on a retry
        message = "the request took longer than the service allows; retry shortly, or ask for less"
        return JSONResponse(
            {"error": {"code": TIMEOUT_CODE, "message": message}},
            status_code=503,
            headers={"Retry-After": str(OVERLOAD_RETRY_AFTER_SECONDS)},
        )

    async def internal(request: Request, exc: Exception) -> Response:
        # Starlette logs the exception (with its traceback) after this answer; the client sees no internals
        message = "internal error: the request could not be completed"
        return JSONResponse({"error": {"code": "internal_error", "message": message}}, status_code=500)

    async def overloaded(request: Request, exc: Exception) -> Response:
        return JSONResponse(
            {"error": {"code": OverloadedError.code, "message": str(exc)}},
            status_code=503,
            headers={"Retry-After": str(OVERLOAD_RETRY_AFTER_SECONDS)},
        )

    async def too_large(request: Request, exc: Exception) -> Response:
        return JSONResponse({"error": {"code": RequestTooLargeError.code, "message": str(exc)}}, status_code=413)

    async def favicon(request: Request) -> Response:
        return Response(status_code=204)  # browsers ask for it; answering keeps their consoles clean

    routes = [
        Route("/graphql", graphql.handle, methods=["GET", "POST"]),
        Route("/favicon.ico", favicon, methods=["GET"]),
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
        *metered(
            rest_routes(settings),
            authenticator=authenticator,
            limiter=limiter,
            database=database,
            max_page_size=settings.max_page_size,
        ),
        Mount("/static/graphiql", app=StaticFiles(directory=GRAPHIQL_ASSETS, check_dir=False), name="graphiql"),
        *web_routes(),
    ]
    return Starlette(
        routes=routes,
        lifespan=lifespan,
        exception_handlers={
            404: no_route,
            NotFoundError: not_found,
            MovedError: moved,
            InvalidInputError: invalid_input,
            IdempotencyKeyReusedError: key_reused,
            DatabaseNotReadyError: unavailable,
            OverloadedError: overloaded,
            asyncpg.QueryCanceledError: timed_out,
            Exception: internal,
            RequestTooLargeError: too_large,
            AuthenticationError: unauthenticated,
            PermissionDeniedError: forbidden,
            RateLimitRefusal: rate_limited,
        },
        middleware=[Middleware(BodyLimit, max_bytes=settings.max_body_bytes), Middleware(OneConnectionPerRequest)],
    )
