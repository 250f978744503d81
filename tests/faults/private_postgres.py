"""A private, throwaway PostgreSQL server, for tests that stop or restart the server itself.

The `private_postgres` fixture runs `initdb` into a temporary folder and starts a server of
its own on a free port, with the binaries of the PostgreSQL installed on the machine; restarting
it touches nobody else's tests, unlike restarting the shared server. PostgreSQL refuses to run
as root, so under root the server runs as the `postgres` user. The fixture skips, saying why,
only when there are no PostgreSQL binaries or no user other than root to run them; the server
is stopped and its folder removed even when the test fails.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

DATABASE = "likewatch"
# A client-only install (libpq, psql) has pg_config but not these.
SERVER_PROGRAMS = ("initdb", "pg_ctl", "postgres")


def server_binaries() -> Path | None:
    """The folder holding the server programs, or None when no PostgreSQL server is installed."""
    candidates = []
    if shutil.which("pg_config"):
        found = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True)
        candidates.append(found.stdout.strip())
    # Debian keeps one folder per major version; try the newest first.
    versions = [p for p in glob.glob("/usr/lib/postgresql/*/bin") if Path(p).parent.name.isdigit()]
    candidates += sorted(versions, key=lambda p: int(Path(p).parent.name), reverse=True)
    if shutil.which("initdb"):
        candidates.append(str(Path(shutil.which("initdb")).parent))
    for folder in candidates:
        if folder and all((Path(folder) / name).is_file() for name in SERVER_PROGRAMS):
            return Path(folder)
    return None


def _server_user() -> pwd.struct_passwd | None:
    """Who runs the server: ourselves, or `postgres` when we are root (as PostgreSQL insists)."""
    if os.geteuid() != 0:
        return pwd.getpwuid(os.geteuid())
    try:
        return pwd.getpwnam("postgres")
    except KeyError:
        return None


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on at the moment."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PrivatePostgres:
    """One PostgreSQL server in its own folder, listening on 127.0.0.1 at a port of its own."""

    def __init__(self, binaries: Path, user: pwd.struct_passwd) -> None:
        self.binaries = binaries
        self.user = user
        # Not under pytest's tmp_path: that is private to root, and the server may not be root.
        self.folder = Path(tempfile.mkdtemp(prefix="likewatch-pg-"))
        os.chown(self.folder, user.pw_uid, user.pw_gid)
        self.data = self.folder / "data"
        self.port = free_port()

    @property
    def url(self) -> str:
        """The DATABASE_URL of the test's database on this server."""
        return f"postgres://postgres@127.0.0.1:{self.port}/{DATABASE}"

    def _run(self, program: str, *args: str) -> None:
        # PG* variables from the caller (PGDATA, PGPORT…) would point the tools elsewhere.
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        env["HOME"] = str(self.folder)
        as_other = self.user.pw_uid != os.geteuid()
        done = subprocess.run(
            [str(self.binaries / program), *args],
            env=env,
            cwd=self.folder,
            user=self.user.pw_uid if as_other else None,
            group=self.user.pw_gid if as_other else None,
            extra_groups=[] if as_other else None,
            capture_output=True,
            text=True,
            timeout=60,
        )
        if done.returncode:
            raise RuntimeError(f"{program} {' '.join(args)} failed:\n{done.stderr}{self.log()}")

    def _pg_ctl(self, *args: str) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.folder / "log"), "-w", *args)

    def start(self) -> None:
        """Create the cluster, start the server and create the (empty) database."""
        # Trust is safe here: the server listens on 127.0.0.1 only, for the test's few seconds.
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "--no-sync")
        options = (
            f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1"
            # A crash of the machine would lose the whole folder anyway: don't wait for disks.
            " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        self._pg_ctl("-o", options, "start")
        with psycopg.connect(self.url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as db:
            db.execute(f"CREATE DATABASE {DATABASE}")

    def restart(self) -> None:
        """Restart the server as an operator would: disconnect every client, then start again."""
        self._pg_ctl("-m", "fast", "restart")

    def stop(self) -> None:
        """Stop the server (if it runs) and remove its folder."""
        try:
            if (self.data / "postmaster.pid").exists():
                self._pg_ctl("-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)

    def log(self) -> str:
        """The server's own log, to show when a test fails."""
        path = self.folder / "log"
        return path.read_text(errors="replace") if path.exists() else ""


@pytest.fixture
def private_postgres() -> Iterator[PrivatePostgres]:
    """A running private PostgreSQL server with an empty `likewatch` database on it."""
    binaries = server_binaries()
    if binaries is None:
        pytest.skip("needs PostgreSQL's server binaries (initdb, pg_ctl): none installed")
    user = _server_user()
    if user is None:
        pytest.skip("PostgreSQL won't run as root, and there is no `postgres` user to run it")
    server = PrivatePostgres(binaries, user)
    try:
        server.start()
        yield server
    finally:
        print(server.log())  # pytest shows it only when the test fails
        server.stop()
