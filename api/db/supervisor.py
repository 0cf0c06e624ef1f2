"""Keeps the embedded PostgreSQL of a running service alive: notices when it dies and restarts it.

`scholargraph serve` owns the embedded server it uses. Should the server die (killed, out of memory),
the supervisor starts it again; PostgreSQL's crash recovery keeps every committed transaction, and the
pool reconnects by itself. If the server cannot be started again after a few attempts, the supervisor
gives up and says why: the service then reports itself unhealthy and `serve` exits non-zero, so that
whatever supervises the process (systemd, Docker, Kubernetes) can step in.
"""

from __future__ import annotations

import asyncio
import logging

from api.db.embedded import EmbeddedPostgres
from api.errors import EmbeddedServerError

logger = logging.getLogger(__name__)


class ServerSupervisor:
    """Watches one embedded server from a task of the service's event loop."""

    def __init__(
        self,
        server: EmbeddedPostgres,
        *,
        check_interval: float = 1.0,
        restart_attempts: int = 5,
        retry_delay: float = 2.0,
    ) -> None:
        self.server = server
        self.check_interval = check_interval
        self.restart_attempts = restart_attempts
        self.retry_delay = retry_delay
        self.restarts = 0
        self.failure: str | None = None
        self.gave_up = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._watch(), name="embedded-postgres-supervisor")

    async def stop(self) -> None:
        """Stop watching (before the server is stopped on purpose, so that it is not restarted)."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    @property
    def healthy(self) -> bool:
        return self.failure is None

    async def _watch(self) -> None:
        while True:
            await asyncio.sleep(self.check_interval)
            if await asyncio.to_thread(self.server.is_running):
                continue
            logger.error("the embedded PostgreSQL in %s stopped; restarting it", self.server.data_dir)
            if not await self._restart():
                self.gave_up.set()
                return

    async def _restart(self) -> bool:
        last_error = "no attempt made"
        for attempt in range(1, self.restart_attempts + 1):
            try:
                await asyncio.to_thread(self.server.restart)
            except EmbeddedServerError as error:
                last_error = str(error)
                logger.warning("restart %d of %d failed: %s", attempt, self.restart_attempts, last_error)
                if attempt < self.restart_attempts:
                    await asyncio.sleep(self.retry_delay * attempt)
                continue
            self.restarts += 1
            logger.warning("the embedded PostgreSQL restarted (crash recovery done) after %d attempt(s)", attempt)
            return True
        self.failure = (
            f"the embedded PostgreSQL in {self.server.data_dir} stopped and could not be restarted "
            f"({self.restart_attempts} attempts): {last_error}"
        )
        logger.error("%s", self.failure)
        return False
