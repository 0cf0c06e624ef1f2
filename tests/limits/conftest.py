"""What the limits' tests share: a database holding the seed, and a real Redis (a `redis-server` of the
session's own, on a Unix socket in a temporary folder, saving nothing to disk; scripts/install puts
Debian's redis-server in place)."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest
import redis
from starlette.testclient import TestClient

from api.app import create_app
from api.settings import Settings


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


@pytest.fixture(scope="module")
def seeded_url(server_url: str, template_database: str) -> Iterator[str]:
    """A database holding the seed, shared by this module's apps (they only add keys to it)."""
    name = f"sg_limits_{uuid.uuid4().hex[:8]}"

    async def admin(sql: str) -> None:
        connection = await asyncpg.connect(server_url)
        try:
            await connection.execute(sql)
        finally:
            await connection.close()

    asyncio.run(admin(f'CREATE DATABASE "{name}" TEMPLATE "{template_database}"'))
    parts = urlsplit(server_url)
    url = urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))
    try:
        with TestClient(create_app(Settings(database_url=url, load_seed=True))):
            pass  # the lifespan loads the seed
        yield url
    finally:
        asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
