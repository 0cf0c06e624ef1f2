"""A real Redis for the limits' tests: a `redis-server` of the session's own, on a Unix socket in a
temporary folder, saving nothing to disk (scripts/install puts Debian's redis-server in place)."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    binary = shutil.which("redis-server")
    assert binary, "redis-server is missing: scripts/install-redis installs it (as root, or with sudo)"
    folder = Path(tempfile.mkdtemp(prefix="scholargraph-redis-"))
    socket = folder / "redis.sock"
    process = subprocess.Popen(
        [binary, "--port", "0", "--unixsocket", str(socket), "--save", "", "--appendonly", "no", "--dir", str(folder)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"unix://{socket}"
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                redis.Redis.from_url(url).ping()
                break
            except (redis.exceptions.ConnectionError, FileNotFoundError):
                assert process.poll() is None, "redis-server exited at start"
                assert time.monotonic() < deadline, "redis-server did not answer within 10 s"
                time.sleep(0.05)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def fresh_redis(redis_url: str) -> str:
    """The session's Redis, emptied for this test."""
    redis.Redis.from_url(redis_url).flushall()
    return redis_url
