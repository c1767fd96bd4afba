"""A throwaway PostgreSQL server for the tests: its own cluster under a temporary folder, on
127.0.0.1 at a free port, started and stopped by the test session itself, so that a clean clone
needs only Debian's `postgresql` package (no service, no configuration) to test on PostgreSQL."""

from __future__ import annotations

import atexit
import json
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

SUPERUSER = "nareis"
# initdb and pg_ctl refuse to run as root; Debian's package creates this system user.
SERVER_USER_WHEN_ROOT = "postgres"
DEBIAN_SERVER_BINARIES = Path("/usr/lib/postgresql")
INSTALL_HINT = (
    "install Debian's PostgreSQL server package: "
    "apt-get install -y --no-install-recommends postgresql"
)
# Test processes each hold a small pool of connections; keep room for many of them at once.
MAX_CONNECTIONS = 300
START_ATTEMPTS = 5
# The cluster lives in memory where it can: on this machine's disk a new database took about 4
# times as long (230 against 60 ms). Docker gives /dev/shm 64 MB, too small for many databases.
MEMORY_FOLDER = Path("/dev/shm")
MEMORY_FOLDER_ROOM_NEEDED = 1 << 30

# Run beside the test process: atexit does not run when that process is killed (a CI time-out,
# kill -9, the OOM killer), but the pipe it holds to the watchdog closes whatever the cause.
WATCHDOG = """
import json, os, shutil, subprocess, sys
stop_server, folder = json.loads(sys.argv[1]), sys.argv[2]
sys.stdin.buffer.read()
if os.path.isdir(folder):
    subprocess.run(stop_server, cwd=folder, capture_output=True)
    shutil.rmtree(folder, ignore_errors=True)
"""


class PostgresServerNotFound(RuntimeError):
    pass


class PostgresServerFailed(RuntimeError):
    pass


def has_server_binaries(bindir: Path) -> bool:
    return all((bindir / name).is_file() for name in ("initdb", "pg_ctl", "postgres"))


def _major_version(bindir: Path) -> tuple[int, ...]:
    """/usr/lib/postgresql/15/bin -> (15,); a folder named otherwise counts as the oldest."""
    try:
        return tuple(int(part) for part in bindir.parent.name.split("."))
    except ValueError:
        return ()


def find_server_binaries() -> Path:
    """The folder with initdb, pg_ctl and postgres: pg_config's bindir (which can name the client
    tools only, when just libpq-dev is installed), else the newest Debian server version."""
    candidates: list[Path] = []
    pg_config = shutil.which("pg_config")
    if pg_config:
        answer = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True)
        if answer.returncode == 0 and answer.stdout.strip():
            candidates.append(Path(answer.stdout.strip()))
    candidates += sorted(DEBIAN_SERVER_BINARIES.glob("*/bin"), key=_major_version, reverse=True)
    for bindir in candidates:
        if has_server_binaries(bindir):
            return bindir
    looked_in = ", ".join(str(path) for path in candidates) or "no pg_config, no folder"
    raise PostgresServerNotFound(
        f"No PostgreSQL server binaries (initdb, pg_ctl, postgres) found (looked in: {looked_in}); "
        f"{INSTALL_HINT}"
    )


def free_local_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def folder_for_clusters() -> Path | None:
    """/dev/shm when it has room, else None: the system's temporary folder."""
    try:
        room = shutil.disk_usage(MEMORY_FOLDER).free
    except OSError:
        return None
    if room >= MEMORY_FOLDER_ROOM_NEEDED and os.access(MEMORY_FOLDER, os.W_OK | os.X_OK):
        return MEMORY_FOLDER
    return None


def with_database(url: str, database: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{database}", parts.query, parts.fragment))


def database_of(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


class PostgresServer:
    """Fresh databases on a server that `admin_url` (a superuser, or a role with CREATEDB) reaches."""

    def __init__(self, admin_url: str) -> None:
        self._admin_url = admin_url

    @property
    def admin_url(self) -> str:
        return self._admin_url

    def new_database(self, prefix: str = "nareis_test") -> str:
        """Create an empty database with a name no other caller gets; return its URL."""
        name = f"{prefix}_{secrets.token_hex(6)}"
        # template0 and the C locale: the same empty, byte-ordered database on any server.
        statement = sql.SQL(
            "CREATE DATABASE {} TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'"
        ).format(sql.Identifier(name))
        with psycopg.connect(self.admin_url, autocommit=True) as admin:
            admin.execute(statement)
        return with_database(self.admin_url, name)

    def drop_database(self, url: str) -> None:
        # FORCE ends the connections a test left open (a pool not closed), which would block it.
        statement = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
            sql.Identifier(database_of(url))
        )
        with psycopg.connect(self.admin_url, autocommit=True) as admin:
            admin.execute(statement)


class ThrowawayCluster(PostgresServer):
    """A PostgreSQL cluster that lives only between start() and stop() (or the interpreter's exit),
    tuned for speed over durability: a crash loses it, and nothing in it is meant to outlive it."""

    def __init__(self, bindir: Path | None = None) -> None:
        super().__init__(admin_url="")
        self.bindir = bindir if bindir is not None else find_server_binaries()
        self.folder: Path | None = None
        self.port: int | None = None
        self._password = secrets.token_hex(16)
        self._watchdog: subprocess.Popen | None = None

    @property
    def admin_url(self) -> str:
        if self.port is None:
            raise PostgresServerFailed("the throwaway cluster is not running: call start() first")
        return f"postgresql://{SUPERUSER}:{self._password}@127.0.0.1:{self.port}/postgres"

    @property
    def data_dir(self) -> Path:
        assert self.folder is not None
        return self.folder / "data"

    @property
    def log_file(self) -> Path:
        assert self.folder is not None
        return self.folder / "server.log"

    def start(self) -> ThrowawayCluster:
        if self.folder is not None:
            return self
        self.folder = Path(tempfile.mkdtemp(prefix="nareis-pg-", dir=folder_for_clusters()))
        atexit.register(self.stop)
        try:
            self._init_cluster()
            self._start_watchdog()
            self._start_server()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        if self.folder is None:
            return
        if self.port is not None:
            stopped = self._pg_ctl_stop("fast")
            if not stopped:
                self._pg_ctl_stop("immediate")
            self.port = None
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder = None
        self._stop_watchdog()
        atexit.unregister(self.stop)

    def __enter__(self) -> ThrowawayCluster:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _init_cluster(self) -> None:
        assert self.folder is not None
        password_file = self.folder / "superuser-password"
        password_file.write_text(self._password + "\n")
        self._give_folder_to_server_user()
        self._run(
            "initdb",
            "--pgdata", str(self.data_dir),
            "--username", SUPERUSER,
            "--pwfile", str(password_file),
            "--auth", "scram-sha-256",
            "--encoding", "UTF8",
            "--locale", "C",
            "--no-sync",
        )  # fmt: skip
        password_file.unlink()

    def _start_server(self) -> None:
        # Another process can take the free port between the probe and the server's bind: try anew.
        for attempt in range(1, START_ATTEMPTS + 1):
            port = free_local_port()
            log_before = self._log_size()
            answer = self._run(
                "pg_ctl", "start",
                "--pgdata", str(self.data_dir),
                "--log", str(self.log_file),
                "--wait", "--timeout", "60",
                "--options", self._server_options(port),
                check=False,
            )  # fmt: skip
            if answer.returncode == 0:
                self.port = port
                return
            log = self._log_since(log_before)
            if "could not bind" not in log or attempt == START_ATTEMPTS:
                raise PostgresServerFailed(
                    f"pg_ctl start failed ({answer.returncode}): {answer.stderr.strip()}\n"
                    f"server log {self.log_file}:\n{log}"
                )

    def _start_watchdog(self) -> None:
        assert self.folder is not None
        stop_server = self._command(
            "pg_ctl", "stop", "--pgdata", str(self.data_dir), "--mode", "immediate", "--wait"
        )
        self._watchdog = subprocess.Popen(
            [sys.executable, "-c", WATCHDOG, json.dumps(stop_server), str(self.folder)],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            # Out of the test's process group, so that the Ctrl-C that stops the run spares it.
            start_new_session=True,
        )

    def _stop_watchdog(self) -> None:
        if self._watchdog is None:
            return
        assert self._watchdog.stdin is not None
        self._watchdog.stdin.close()
        self._watchdog.wait(timeout=30)
        self._watchdog = None

    def _server_options(self, port: int) -> str:
        assert self.folder is not None
        settings = {
            "listen_addresses": "127.0.0.1",
            "port": str(port),
            "unix_socket_directories": str(self.folder),
            "max_connections": str(MAX_CONNECTIONS),
            # A throwaway cluster: nothing in it has to survive a crash of the machine.
            "fsync": "off",
            "synchronous_commit": "off",
            "full_page_writes": "off",
        }
        return " ".join(f"-c {name}={value}" for name, value in settings.items())

    def _pg_ctl_stop(self, mode: str) -> bool:
        answer = self._run(
            "pg_ctl", "stop", "--pgdata", str(self.data_dir), "--mode", mode, "--wait",
            "--timeout", "30", check=False,
        )  # fmt: skip
        return answer.returncode == 0

    def _log_size(self) -> int:
        return self.log_file.stat().st_size if self.log_file.exists() else 0

    def _log_since(self, offset: int, characters: int = 4000) -> str:
        try:
            with self.log_file.open("rb") as log:
                log.seek(offset)
                return log.read().decode(errors="replace")[-characters:]
        except OSError:
            return "(no server log)"

    @staticmethod
    def _runs_as_root() -> bool:
        return os.geteuid() == 0

    def _give_folder_to_server_user(self) -> None:
        if not self._runs_as_root():
            return
        assert self.folder is not None
        try:
            pwd.getpwnam(SERVER_USER_WHEN_ROOT)
        except KeyError:
            raise PostgresServerNotFound(
                f"running as root, the server needs the system user {SERVER_USER_WHEN_ROOT!r}, "
                f"which Debian's package creates; {INSTALL_HINT}"
            ) from None
        for path in [self.folder, *self.folder.rglob("*")]:
            shutil.chown(path, user=SERVER_USER_WHEN_ROOT, group=SERVER_USER_WHEN_ROOT)

    def _command(self, program: str, *arguments: str) -> list[str]:
        command = [str(self.bindir / program), *arguments]
        if self._runs_as_root():
            return ["runuser", "-u", SERVER_USER_WHEN_ROOT, "--", *command]
        return command

    def _run(
        self, program: str, *arguments: str, check: bool = True
    ) -> subprocess.CompletedProcess:
        answer = subprocess.run(
            self._command(program, *arguments),
            # The server user may not enter the caller's working directory (root's home, say).
            cwd=self.folder,
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
        )
        if check and answer.returncode != 0:
            raise PostgresServerFailed(
                f"{program} failed ({answer.returncode}): {answer.stderr.strip() or answer.stdout}"
            )
        return answer
