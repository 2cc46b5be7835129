"""A PostgreSQL server for the real-system scenarios: initdb into a fresh directory, start
`postgres` on 127.0.0.1 on a free port (and its Unix socket in the same directory), stop it by
pid, remove the directory. The protected data lives here, written through psycopg (v3).

    with Postgres() as pg:                   # or pg = Postgres(); pg.start(); ...; pg.stop()
        with psycopg.connect(pg.dsn) as conn: ...

The Debian package's binaries are used directly (/usr/lib/postgresql/15/bin); the packaged
service is never touched. When this process runs as root the server runs as the `postgres`
user (PostgreSQL refuses root), so its directory is made under /tmp, owned by that user, not
under a test's tmp_path (pytest's is readable only by root).
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import signal
import subprocess
import tempfile

from examples.realsystems import proc


def pg_bin() -> str:
    """The directory of the newest installed PostgreSQL's server binaries."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"),
                   key=lambda p: int(p.split("/")[-3]) if p.split("/")[-3].isdigit() else 0)
    if not found:
        raise FileNotFoundError("no PostgreSQL server under /usr/lib/postgresql/*/bin (apt-get install postgresql)")
    return os.path.dirname(found[-1])


class Postgres:
    """One PostgreSQL server; `pid` once started, `dsn` to connect (database `postgres`,
    user `postgres`, trust authentication on 127.0.0.1 only)."""

    def __init__(self, log_dir: str | None = None, user: str = "postgres") -> None:
        self.user = user if os.geteuid() == 0 else None
        self.dir = ""
        self.port = 0
        self.proc: subprocess.Popen | None = None
        self.log_dir = log_dir

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    @property
    def dsn(self) -> str:
        return f"host=127.0.0.1 port={self.port} dbname=postgres user=postgres connect_timeout=2"

    def start(self, timeout: float = 30.0) -> "Postgres":
        """initdb and start the server; returns when it accepts connections (TimeoutError if
        it does not within `timeout` s; the server is then stopped)."""
        binary = pg_bin()
        self.dir = tempfile.mkdtemp(prefix="pyspec-pg-")
        data = os.path.join(self.dir, "data")
        log = os.path.join(self.log_dir or self.dir, "postgres.out")
        if self.user:
            pw = pwd.getpwnam(self.user)
            os.chown(self.dir, pw.pw_uid, pw.pw_gid)
        init = proc.start([os.path.join(binary, "initdb"), "-D", data, "-U", "postgres", "--auth=trust",
                           "--no-sync", "-E", "UTF8", "--locale=C"], log, user=self.user)
        if init.wait(timeout=120) != 0:
            raise RuntimeError(f"initdb failed (exit {init.returncode}); see {log}")
        self.port = proc.free_port()
        self.proc = proc.start([os.path.join(binary, "postgres"), "-D", data, "-p", str(self.port),
                                "-c", "listen_addresses=127.0.0.1", "-c", f"unix_socket_directories={self.dir}",
                                "-c", "fsync=off", "-c", "shared_buffers=16MB", "-c", "max_connections=20"],
                               log, user=self.user)
        try:
            proc.wait_until(lambda: self.proc.poll() is not None or self._accepts(), timeout,
                            f"PostgreSQL on 127.0.0.1:{self.port} (see {log})")
            if self.proc.poll() is not None:
                raise RuntimeError(f"postgres exited with {self.proc.returncode}; see {log}")
        except BaseException:
            self.stop()
            raise
        return self

    def _accepts(self) -> bool:
        import psycopg
        try:
            with psycopg.connect(self.dsn):
                return True
        except psycopg.OperationalError:   # not listening yet, or "the database system is starting up"
            return False

    def stop(self) -> None:
        """Fast shutdown (SIGINT: roll back open transactions, disconnect clients), SIGKILL to
        the process group if that takes over 10 s; then remove the data directory."""
        if self.proc is not None:
            proc.stop(self.proc, timeout=10, sig=signal.SIGINT)
        if self.dir:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = ""

    def __enter__(self) -> "Postgres":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
