"""`scholargraph serve`: open the database, serve HTTP with uvicorn, and exit when the database is lost.

The runtime (database, migrations, seed, pool, and the supervisor of an embedded server) is opened
before the HTTP server starts, so that a start-up failure is an error of ours, reported in one line
with exit status 1, rather than a traceback from inside uvicorn's lifespan handling. The app closes the
runtime at shut-down. If the supervisor gives up on the embedded server, the HTTP server is asked to
stop and `serve` fails with the supervisor's reason.

The service runs on uvloop's event loop and httptools' HTTP parser when they import (both are
dependencies; without them, asyncio's own loop and h11).

With `workers` > 1 (`serve --workers N`), this process is the parent of N worker processes that accept
connections on one listening socket it opens, each with the app, an event loop and a pool of its own.
The parent does what must happen once: it opens the database (starting, migrating and seeding the
embedded server when no URL is configured, and supervising it), then starts the workers, which connect
to it by URL and neither migrate nor seed. A worker that dies is replaced. SIGINT or SIGTERM to the
parent stops the workers (each finishes its requests under way), then the database it started.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import importlib.util
import logging
import multiprocessing
import multiprocessing.process
import os
import signal
import socket
import time
from collections.abc import Callable, Coroutine
from typing import Any

import uvicorn

from api.app import close_runtime, create_app, open_runtime
from api.db.supervisor import ServerSupervisor
from api.errors import EmbeddedServerError, ServeError
from api.settings import Settings

logger = logging.getLogger("scholargraph")

WORKER_STOP_TIMEOUT_S = 30.0
"""How long a stopping worker may take to finish its requests before it is killed."""
WORKER_QUICK_DEATHS = 5
"""Workers dying this many times in a row within `WORKER_QUICK_DEATH_S` of their start stop `serve`."""
WORKER_QUICK_DEATH_S = 10.0


def run(settings: Settings) -> None:
    """`scholargraph serve`: one process, or a parent and `settings.workers` workers."""
    if settings.workers > 1:
        _run_loop(serve_workers(settings))
    else:
        _run_loop(serve(settings))


def _run_loop(main: Coroutine[Any, Any, None]) -> None:
    with asyncio.Runner(loop_factory=_loop_factory()) as runner:
        runner.run(main)


def _loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop's event loop when it imports, else None (asyncio's)."""
    try:
        import uvloop
    except ImportError:
        return None
    factory: Callable[[], asyncio.AbstractEventLoop] = uvloop.new_event_loop
    return factory


def _http_protocol() -> str:
    return "httptools" if importlib.util.find_spec("httptools") is not None else "h11"


def _config(settings: Settings, app: Any) -> uvicorn.Config:
    return uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        http=_http_protocol(),
        log_level=settings.log_level,
        # Off unless info or debug is logged: uvicorn then formats no access line per request.
        access_log=settings.log_level in {"debug", "info"},
        proxy_headers=True,
        server_header=False,
        lifespan="on",
    )


async def serve(settings: Settings, *, sockets: list[socket.socket] | None = None) -> None:
    """Run the service until a signal stops it; raise if it cannot start or loses its embedded server.
    With `sockets`, serve on them (a worker) instead of listening on the settings' address."""
    if sockets is None:
        _check_address(settings.host, settings.port)  # before the database work, which takes seconds
    runtime = await open_runtime(settings)
    server = uvicorn.Server(_config(settings, create_app(settings, runtime=runtime)))
    _freeze_startup_objects()
    watch = asyncio.create_task(_stop_when_given_up(runtime.supervisor, server))
    try:
        await server.serve(sockets=sockets)
    except SystemExit as exit_request:
        # uvicorn exits this way when it cannot listen; it has logged why and shut the app down.
        raise ServeError(f"cannot listen on {settings.host}:{settings.port}") from exit_request
    finally:
        watch.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watch
    if runtime.supervisor is not None and runtime.supervisor.failure is not None:
        raise EmbeddedServerError(runtime.supervisor.failure)


def _freeze_startup_objects() -> None:
    """Keep what start-up made (the schema, the app, about 100,000 objects that live as long as the process)
    out of the collector's full passes. Each full pass walked them all, 50 ms of a stopped event loop,
    about once a second under load: the p99 of a busy service was those pauses (Q2 of the serving
    benchmark: 80-86 ms, 45-49 with this)."""
    gc.collect()
    gc.freeze()


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


# --- several workers ---------------------------------------------------------------------------------


def _listen(host: str, port: int, *, reuse_port: bool) -> socket.socket:
    """A listening socket on the address; ServeError saying why when there can be none. With `reuse_port`,
    one of several (SO_REUSEPORT: one per worker, the kernel spreading connections among them)."""
    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
        sock = socket.create_server((host, port), family=family, backlog=2048, reuse_port=reuse_port)
    except OSError as error:
        reason = os.strerror(error.errno) if error.errno else str(error)
        raise ServeError(f"cannot listen on {host}:{port}: {reason}") from error
    sock.set_inheritable(True)
    return sock


# Where the kernel can spread connections among several listening sockets, each worker listens on its
# own; elsewhere they share the parent's, and the one that wakes first accepts what is waiting.
_REUSE_PORT = hasattr(socket, "SO_REUSEPORT")


async def serve_workers(settings: Settings) -> None:
    """The parent of `settings.workers` workers: open the database once, run the workers until a signal,
    then stop them and the database; raise if it cannot start or loses its embedded server."""
    # Before the database work, which takes seconds: fail now if the address cannot be listened on.
    _check_address(settings.host, settings.port)
    listener = None if _REUSE_PORT else _listen(settings.host, settings.port, reuse_port=False)
    try:
        # The parent's own pool serves only start-up (seed) and shut-down: it keeps no connection idle.
        runtime = await open_runtime(settings.model_copy(update={"pool_min_size": 0, "pool_max_size": 2}))
        try:
            url = settings.database_url or (runtime.embedded.url if runtime.embedded is not None else None)
            assert url is not None
            worker_settings = settings.model_copy(
                update={"database_url": url, "migrate_on_start": False, "load_seed": False, "workers": 1}
            )
            await _Workers(worker_settings, settings.workers, listener, runtime.supervisor).run()
        finally:
            await close_runtime(runtime)
    finally:
        if listener is not None:
            listener.close()
    if runtime.supervisor is not None and runtime.supervisor.failure is not None:
        raise EmbeddedServerError(runtime.supervisor.failure)


class _Workers:
    """Starts the workers, replaces those that die, and stops them all on SIGINT/SIGTERM."""

    def __init__(
        self, settings: Settings, count: int, listener: socket.socket | None, supervisor: ServerSupervisor | None
    ) -> None:
        self.settings = settings
        self.count = count
        self.listener = listener
        self.supervisor = supervisor
        self.context = multiprocessing.get_context("spawn")
        self.processes: list[multiprocessing.process.BaseProcess] = []
        self.started_at: dict[int, float] = {}
        self.quick_deaths = 0
        self.stop = asyncio.Event()

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, self.stop.set)
        try:
            for index in range(self.count):
                self.processes.append(self._start(index))
            logger.info(
                "serving on http://%s:%d with %d workers (pids %s)",
                self.settings.host,
                self.settings.port,
                len(self.processes),
                ", ".join(str(p.pid) for p in self.processes),
            )
            await self._watch()
        finally:
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.remove_signal_handler(sig)
            await asyncio.to_thread(self._stop_all)

    def _start(self, index: int) -> multiprocessing.process.BaseProcess:
        process = self.context.Process(
            target=_worker_main,
            args=(self.settings, self.listener, os.getpid()),
            name=f"scholargraph-worker-{index}",
        )
        process.start()
        assert process.pid is not None
        self.started_at[process.pid] = time.monotonic()
        return process

    async def _watch(self) -> None:
        gave_up = self.supervisor.gave_up if self.supervisor is not None else asyncio.Event()
        while not self.stop.is_set() and not gave_up.is_set():
            for index, process in enumerate(self.processes):
                if process.is_alive():
                    continue
                assert process.pid is not None
                lived = time.monotonic() - self.started_at.pop(process.pid, 0.0)
                self.quick_deaths = self.quick_deaths + 1 if lived < WORKER_QUICK_DEATH_S else 0
                if self.quick_deaths >= WORKER_QUICK_DEATHS:
                    raise ServeError(
                        f"the workers keep exiting at start (the last with status {process.exitcode}); see the log"
                    )
                logger.error(
                    "worker %d (pid %s) exited with status %s; starting another", index, process.pid, process.exitcode
                )
                self.processes[index] = self._start(index)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stop.wait(), timeout=0.5)

    def _stop_all(self) -> None:
        """SIGTERM to every worker (each finishes its requests under way), SIGKILL to one still running
        after `WORKER_STOP_TIMEOUT_S`."""
        for process in self.processes:
            if process.is_alive() and process.pid is not None:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + WORKER_STOP_TIMEOUT_S
        for process in self.processes:
            process.join(max(0.0, deadline - time.monotonic()))
            if process.is_alive():
                logger.warning(
                    "worker pid %s did not stop within %.0f s; killing it", process.pid, WORKER_STOP_TIMEOUT_S
                )
                process.kill()
                process.join()


def _worker_main(settings: Settings, listener: socket.socket | None, parent: int) -> None:
    """A worker process: the app on `listener` (or a socket of its own on the settings' address, sharing the
    port), until a signal (or the parent's death) stops it."""
    logging.basicConfig(level=settings.log_level.upper(), format="%(levelname)s %(name)s: %(message)s")
    with contextlib.suppress(KeyboardInterrupt):
        _run_loop(_worker(settings, listener, parent))


async def _worker(settings: Settings, listener: socket.socket | None, parent: int) -> None:
    if listener is None:
        listener = _listen(settings.host, settings.port, reuse_port=True)
    orphaned = asyncio.create_task(_exit_when_orphaned(parent))
    try:
        await serve(settings, sockets=[listener])
    finally:
        orphaned.cancel()


async def _exit_when_orphaned(parent: int) -> None:
    """Stop this worker should its parent die without stopping it (SIGKILL): SIGTERM to itself."""
    while True:
        await asyncio.sleep(1.0)
        if os.getppid() != parent:
            break
    logger.error("the parent process %d is gone; stopping", parent)
    os.kill(os.getpid(), signal.SIGTERM)
