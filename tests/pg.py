"""A real PostgreSQL server for tests: initdb + pg_ctl in a temporary folder, on loopback.

Usage (import the fixture into a test module)::

    from pg import postgres, fresh_database  # noqa: F401 (postgres is a fixture)

    def test_x(postgres):
        url = fresh_database(postgres, "mytest")   # an empty database of its own
        ...

The server binaries are found on PATH or under /usr/lib/postgresql/<version>/bin (Debian's
``postgresql`` package).  When they are missing the test is skipped with the reason — and
fails under CI (``CI=true``), which installs them in .ci/run.  As root (CI runs as root)
the server runs as the ``postgres`` user, which PostgreSQL requires.  It listens on
127.0.0.1 only, with trust authentication, and is stopped (immediate mode) and its folder
removed at the end of the session.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest
from browser import missing

INSTALL = "apt-get install -y postgresql"


def server_bin() -> Path | None:
    """The folder holding initdb and pg_ctl, or None."""
    found = shutil.which("initdb"), shutil.which("pg_ctl")
    if all(found):
        return Path(os.path.realpath(found[0])).parent
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parent.parent.name)
                      if p.parent.parent.name.isdigit() else 0)
    return versions[-1].parent if versions else None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def postgres():
    """The URL of a running PostgreSQL server's ``postgres`` database."""
    try:
        import psycopg  # noqa: F401
    except ImportError:
        missing("psycopg 3 is missing: pip install 'psycopg[binary]'")
    folder = server_bin()
    if folder is None:
        missing(f"PostgreSQL server binaries (initdb, pg_ctl) are missing: {INSTALL}")
    root = Path(tempfile.mkdtemp(prefix="postergen-pg-"))
    data, sock, log = root / "data", root / "sock", root / "server.log"
    sock.mkdir()
    prefix: list[str] = []
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root
        runuser = shutil.which("runuser") or shutil.which("setpriv")
        if runuser is None:
            missing("running PostgreSQL as root needs runuser (util-linux)")
        prefix = [runuser, "-u", "postgres", "--"] if runuser.endswith("runuser") else [
            runuser, "--reuid=postgres", "--regid=postgres", "--init-groups"]
        os.chmod(root, 0o755)
        shutil.chown(root, "postgres", "postgres")
        shutil.chown(sock, "postgres", "postgres")
    port = _free_port()
    env = {**os.environ, "LC_ALL": "C"}

    def run(*args):
        return subprocess.run([*prefix, *args], check=True, capture_output=True, text=True, env=env, timeout=120)

    try:
        run(str(folder / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-locale")
        run(str(folder / "pg_ctl"), "-D", str(data), "-l", str(log), "-w", "-t", "60", "-o",
            f"-p {port} -k {sock} -c listen_addresses=127.0.0.1 -c fsync=off", "start")
    except subprocess.CalledProcessError as exc:
        text = log.read_text() if log.exists() else ""
        shutil.rmtree(root, ignore_errors=True)
        pytest.fail(f"PostgreSQL did not start: {exc.stderr or exc.stdout}\n{text}")
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run([*prefix, str(folder / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
                       capture_output=True, env=env, timeout=60)
        shutil.rmtree(root, ignore_errors=True)


def fresh_database(url: str, name: str) -> str:
    """Create (or re-create) database *name* on the server at *url*; its URL."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as con:
        con.execute(f'DROP DATABASE IF EXISTS "{name}"')
        con.execute(f'CREATE DATABASE "{name}"')
    return url.rsplit("/", 1)[0] + "/" + name
