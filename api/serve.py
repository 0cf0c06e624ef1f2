"""`scholargraph serve`: open the database, serve HTTP with uvicorn, and exit when the database is lost.

The runtime (database, migrations, seed, pool, and the supervisor of an embedded server) is opened
before the HTTP server starts, so that a start-up failure is an error of ours, reported in one line
with exit status 1, rather than a traceback from inside uvicorn's lifespan handling. The app closes the
runtime at shut-down. If the supervisor gives up on the embedded server, the HTTP server is asked to
stop and `serve` fails with the supervisor's reason.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket

import uvicorn

from api.app import create_app, open_runtime
from api.db.supervisor import ServerSupervisor
from api.errors import EmbeddedServerError, ServeError
from api.settings import Settings


async def serve(settings: Settings) -> None:
    """Run the service until a signal stops it; raise if it cannot start or loses its embedded server."""
    _check_address(settings.host, settings.port)  # before the database work, which takes seconds
    runtime = await open_runtime(settings)
    config = uvicorn.Config(
        create_app(settings, runtime=runtime),
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level,
        proxy_headers=True,
        server_header=False,
        lifespan="on",
    )
    server = uvicorn.Server(config)
    watch = asyncio.create_task(_stop_when_given_up(runtime.supervisor, server))
    try:
        await server.serve()
    except SystemExit as exit_request:
        # uvicorn exits this way when it cannot listen; it has logged why and shut the app down.
        raise ServeError(f"cannot listen on {settings.host}:{settings.port}") from exit_request
    finally:
        watch.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watch
    if runtime.supervisor is not None and runtime.supervisor.failure is not None:
        raise EmbeddedServerError(runtime.supervisor.failure)


def _check_address(host: str, port: int) -> None:
    """Fail early, and say why, when the address cannot be listened on (taken, or not this machine's)."""
    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
        with socket.create_server((host, port), family=family):
            pass
    except OSError as error:
        reason = os.strerror(error.errno) if error.errno else str(error)
        raise ServeError(f"cannot listen on {host}:{port}: {reason}") from error


async def _stop_when_given_up(supervisor: ServerSupervisor | None, server: uvicorn.Server) -> None:
    if supervisor is None:
        return
    await supervisor.gave_up.wait()
    server.should_exit = True
