"""A real PostgreSQL for tests: initdb + pg_ctl in a temporary folder, on a unix socket.

Usage::

    from pg import postgres  # the session fixture; import it into the test module

    def test_x(postgres):
        url = postgres.database()  # a new, empty database: postgresql://…?host=/tmp/…

The server listens on a unix socket only (``listen_addresses=''``), so no port is taken
and nothing is reachable from the network.  Binaries come from ``POSTERGEN_PG_BIN`` or
Debian's ``/usr/lib/postgresql/<version>/bin`` (``apt-get install postgresql``).  Run as
root (as in some containers), the cluster runs as the ``postgres`` user.  Missing
binaries skip the tests, except under CI (``CI=true``), where they fail.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path

import pytest


def pg_bin() -> Path | None:
    env = os.environ.get("POSTERGEN_PG_BIN")
    candidates = [env] if env else sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    for folder in candidates:
        if folder and (Path(folder) / "initdb").exists() and (Path(folder) / "pg_ctl").exists():
            return Path(folder)
    return None


class Postgres:
    """One throwaway PostgreSQL cluster."""

    def __init__(self, bin_dir: Path):
        self.bin = bin_dir
        self.root = Path(tempfile.mkdtemp(prefix="pgtest-"))
        self.data = self.root / "data"
        self.socket = self.root / "sock"
        self.user = "postgres"
        self._as = []
        if os.geteuid() == 0:  # initdb refuses to run as root
            import pwd

            ent = pwd.getpwnam("postgres")
            os.chown(self.root, ent.pw_uid, ent.pw_gid)
            self._as = ["setpriv", f"--reuid={ent.pw_uid}", f"--regid={ent.pw_gid}", "--init-groups", "--"]

    def _run(self, *args: str) -> None:
        subprocess.run([*self._as, *args], check=True, capture_output=True, timeout=120, cwd=self.root)

    def start(self) -> "Postgres":
        self._run("mkdir", "-p", str(self.socket))
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-U", self.user, "-A", "trust", "-E", "UTF8",
                  "--locale=C.UTF-8", "--no-sync")
        options = f"-c listen_addresses='' -k {self.socket} -c max_connections=40 -c shared_buffers=16MB"
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-o", options, "-l", str(self.root / "log"), "-w", "-t", "60", "start")
        return self

    def url(self, db: str = "postgres") -> str:
        return f"postgresql://{self.user}@/{db}?host={self.socket}"

    def database(self) -> str:
        """A new empty database; its URL."""
        import psycopg

        name = "t" + uuid.uuid4().hex[:12]
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        try:
            self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")
        except subprocess.CalledProcessError:
            pass
        shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres():
    bin_dir = pg_bin()
    if bin_dir is None:
        from browser import missing

        missing("PostgreSQL is missing (initdb, pg_ctl): apt-get install -y postgresql, or set POSTERGEN_PG_BIN")
    try:
        import psycopg  # noqa: F401
    except ImportError:
        from browser import missing

        missing("psycopg is missing: pip install 'psycopg[binary]'")
    server = Postgres(bin_dir).start()
    try:
        yield server
    finally:
        server.stop()
