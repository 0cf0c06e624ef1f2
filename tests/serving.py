"""The service over real HTTP: uvicorn serving an app from a background thread on a free port of 127.0.0.1.

For what only a real server shows (a browser, sockets that stay open or are reset, concurrent clients,
the process's memory); everything else goes through Starlette's TestClient.
"""

from __future__ import annotations

import socket
import threading
import time
from typing import Any

import pytest
import uvicorn

LOCAL_HOST = "127.0.0.1"


class ThreadedServer:
    """uvicorn serving `app` from a background thread on a socket bound to a free port of 127.0.0.1
    (`config`: more of uvicorn's options)."""

    def __init__(self, app: object, **config: Any) -> None:
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind((LOCAL_HOST, 0))
        self.port: int = self._socket.getsockname()[1]
        options: dict[str, Any] = {"log_level": "warning", "access_log": False, "server_header": False, **config}
        self._server = uvicorn.Server(uvicorn.Config(app, lifespan="on", **options))
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [self._socket]}, daemon=True)

    @property
    def url(self) -> str:
        return f"http://{LOCAL_HOST}:{self.port}"

    def start(self, timeout: float = 60.0) -> None:
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive():
                pytest.fail("the service exited during start-up (see the captured log)")
            if time.monotonic() > deadline:
                self.stop()
                pytest.fail(f"the service did not start within {timeout:.0f} s")
            time.sleep(0.05)

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=30)
        self._socket.close()
        assert not self._thread.is_alive(), "the service did not stop within 30 s"
