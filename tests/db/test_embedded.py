"""The embedded PostgreSQL: initialise, start, reuse, stop; and never open up folders it cannot reach."""

from __future__ import annotations

import asyncio
import os
import shutil
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest

from api.cli import main
from api.db.embedded import EmbeddedPostgres
from api.errors import EmbeddedServerError


@pytest.fixture
def reachable_dir() -> Iterator[Path]:
    """A folder the unprivileged server user can enter (tempfile's folders are 0700)."""
    folder = Path(tempfile.mkdtemp(prefix="sg-embedded-"))
    folder.chmod(0o755)
    yield folder
    server = EmbeddedPostgres(folder / "db")
    if server.is_running():
        server.stop()
    shutil.rmtree(folder, ignore_errors=True)


async def _select_one(url: str) -> int:
    connection = await asyncpg.connect(url)
    try:
        value: int = await connection.fetchval("SELECT 1")
        return value
    finally:
        await connection.close()


def test_start_serves_a_database_then_stop_stops_it(reachable_dir: Path) -> None:
    server = EmbeddedPostgres(reachable_dir / "db")
    url = server.start()
    assert server.is_running()
    assert asyncio.run(_select_one(url)) == 1
    assert server.stop() is True
    assert not server.is_running()
    assert server.stop() is False  # stopping a stopped server is not an error


def test_a_second_start_reuses_the_cluster_and_its_data(reachable_dir: Path) -> None:
    server = EmbeddedPostgres(reachable_dir / "db")

    async def write_then_read(url: str, write: bool) -> list[str]:
        connection = await asyncpg.connect(url)
        try:
            if write:
                await connection.execute("CREATE TABLE kept (v text); INSERT INTO kept VALUES ('still here')")
            return [row["v"] for row in await connection.fetch("SELECT v FROM kept")]
        finally:
            await connection.close()

    asyncio.run(write_then_read(server.start(), write=True))
    server.stop()
    assert asyncio.run(write_then_read(EmbeddedPostgres(reachable_dir / "db").start(), write=False)) == ["still here"]


def test_the_server_listens_on_no_tcp_port(reachable_dir: Path) -> None:
    server = EmbeddedPostgres(reachable_dir / "db")
    server.start()
    conf = (server.pgdata / "postgresql.conf").read_text()
    assert "listen_addresses = ''" in conf
    assert str(server.socket_dir) in server.url


@pytest.mark.skipif(os.geteuid() != 0, reason="the unprivileged-user path exists only for root")
def test_as_root_a_data_dir_behind_a_closed_folder_is_refused_and_left_closed(tmp_path: Path) -> None:
    closed = tmp_path / "private"
    closed.mkdir(mode=0o700)
    before = stat.S_IMODE(closed.stat().st_mode)
    with pytest.raises(EmbeddedServerError, match="SCHOLARGRAPH_DATA_DIR"):
        EmbeddedPostgres(closed / "db").start()
    assert stat.S_IMODE(closed.stat().st_mode) == before == 0o700


def test_a_deep_data_dir_gets_a_short_socket_path(reachable_dir: Path) -> None:
    deep = reachable_dir / ("d" * 60) / ("e" * 60)
    server = EmbeddedPostgres(deep)
    assert len(str(server.socket_dir / ".s.PGSQL.5432")) <= 100
    assert server.socket_dir != deep / "run"


def test_cli_db_stop_stops_a_server_left_running(reachable_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    EmbeddedPostgres(reachable_dir / "db").start()
    assert main(["db", "stop", "--data-dir", str(reachable_dir / "db")]) == 0
    assert capsys.readouterr().out.strip() == "stopped"
    assert not EmbeddedPostgres(reachable_dir / "db").is_running()


def test_cli_db_stop_on_a_folder_without_a_database_is_a_clear_error(
    reachable_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["db", "stop", "--data-dir", str(reachable_dir / "nothing-here")]) == 1
    assert "holds no embedded database" in capsys.readouterr().err
