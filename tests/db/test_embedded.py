"""The embedded PostgreSQL: initialise, start, reuse, stop; and never open up folders it cannot reach."""

from __future__ import annotations

import asyncio
import os
import pwd
import shutil
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest

from api.cli import main
from api.db.embedded import SERVICE_USER, EmbeddedPostgres
from api.errors import EmbeddedServerError

ROOT = Path(__file__).resolve().parents[2]


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


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_socket_folder_is_closed_to_other_users(reachable_dir: Path) -> None:
    server = EmbeddedPostgres(reachable_dir / "db")
    server.start()
    assert server.socket_dir == reachable_dir / "db" / "run"
    assert (server.socket_dir / ".s.PGSQL.5432").is_socket()
    assert _mode(server.socket_dir) == 0o700


def test_a_socket_folder_left_open_by_an_older_version_is_closed_at_start(reachable_dir: Path) -> None:
    run = reachable_dir / "db" / "run"
    run.mkdir(parents=True)
    run.chmod(0o755)
    server = EmbeddedPostgres(reachable_dir / "db")
    server.start()
    assert server.socket_dir == run
    assert _mode(run) == 0o700


def test_the_short_socket_folder_of_a_deep_data_dir_is_closed_to_other_users(reachable_dir: Path) -> None:
    deep = reachable_dir / ("d" * 60) / ("e" * 60)
    server = EmbeddedPostgres(deep)
    try:
        server.start()
        assert server.socket_dir.parent == Path(tempfile.gettempdir())
        assert (server.socket_dir / ".s.PGSQL.5432").is_socket()
        assert _mode(server.socket_dir) == 0o700
    finally:
        if server.is_running():
            server.stop()
        shutil.rmtree(server.socket_dir, ignore_errors=True)


async def _write_or_read(url: str, *, write: bool) -> list[str]:
    connection = await asyncpg.connect(url)
    try:
        if write:
            await connection.execute("CREATE TABLE kept (v text); INSERT INTO kept VALUES ('moved with me')")
        return [row["v"] for row in await connection.fetch("SELECT v FROM kept")]
    finally:
        await connection.close()


def test_a_stopped_data_dir_moved_elsewhere_starts_and_serves_its_data(reachable_dir: Path) -> None:
    before = EmbeddedPostgres(reachable_dir / "db")
    asyncio.run(_write_or_read(before.start(), write=True))
    before.stop()
    (reachable_dir / "db").rename(reachable_dir / "moved")
    after = EmbeddedPostgres(reachable_dir / "moved")
    try:
        url = after.start()
        assert after.socket_dir == reachable_dir / "moved" / "run"
        assert asyncio.run(_write_or_read(url, write=False)) == ["moved with me"]
    finally:
        if after.is_running():
            after.stop()


def test_the_socket_folder_is_not_written_into_the_cluster_configuration(reachable_dir: Path) -> None:
    server = EmbeddedPostgres(reachable_dir / "db")
    server.start()
    conf = (server.pgdata / "postgresql.conf").read_text()
    assert [line for line in conf.splitlines() if line.strip().startswith("unix_socket_directories")] == []
    assert str(server.data_dir) not in conf


@pytest.mark.skipif(os.geteuid() != 0, reason="the server runs as another user only when we are root")
def test_as_root_the_server_runs_as_the_scholargraph_user(reachable_dir: Path) -> None:
    server = EmbeddedPostgres(reachable_dir / "db")
    server.start()
    account = pwd.getpwnam(SERVICE_USER)
    assert (server.pgdata.stat().st_uid, server.pgdata.stat().st_gid) == (account.pw_uid, account.pw_gid)
    postmaster_pid = int((server.pgdata / "postmaster.pid").read_text().split("\n", 1)[0])
    assert Path(f"/proc/{postmaster_pid}").stat().st_uid == account.pw_uid
    assert account.pw_uid != 0


def test_db_commands_work_when_the_binaries_sit_in_a_closed_folder(
    closed_site_packages: Path, reachable_dir: Path
) -> None:
    """As root, `db stop` (a process other than the one that started the server) must run the private copy
    of the binaries too: root's own copy is out of the server account's reach."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("SCHOLARGRAPH_")}
    environment["PYTHONPATH"] = os.pathsep.join([str(closed_site_packages), str(ROOT)])

    def db(action: str) -> subprocess.CompletedProcess[str]:
        argv = [sys.executable, "-m", "api.cli", "db", action, "--data-dir", str(reachable_dir / "db")]
        return subprocess.run(argv, env=environment, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)

    started = db("start")
    assert started.returncode == 0, started.stderr
    assert db("status").stdout.strip() == "running"
    stopped = db("stop")
    assert (stopped.returncode, stopped.stdout.strip(), stopped.stderr) == (0, "stopped", "")
    assert db("status").stdout.strip() == "not running"
