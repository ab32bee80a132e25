"""A throwaway PostgreSQL server for the tests, from the Debian packages ``make test`` installs.

The cluster lives in a temporary directory, listens on 127.0.0.1 only, and each test gets a fresh
database in it. Set ``OPENVRE_TEST_POSTGRES_URL`` to use an existing server instead.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, make_url, text

POSTGRES_ROOTS = sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)


class PostgresUnavailable(RuntimeError):
    pass


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _as_postgres_user(command: list[str]) -> list[str]:
    # initdb and postgres refuse to run as root; Debian's package creates the "postgres" user.
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


@contextmanager
def postgres_server() -> Iterator[str]:
    """Yield the admin URL of a running server (postgresql+psycopg://...)."""
    external = os.environ.get("OPENVRE_TEST_POSTGRES_URL")
    if external:
        yield external
        return
    if not POSTGRES_ROOTS:
        raise PostgresUnavailable("PostgreSQL is not installed; `make test` installs it (Debian package postgresql)")
    bindir = POSTGRES_ROOTS[0]
    workdir = Path(tempfile.mkdtemp(prefix="openvre-pg-"))
    if os.geteuid() == 0:
        shutil.chown(workdir, "postgres", "postgres")
    data, port = workdir / "data", _free_port()
    options = f"-c listen_addresses=127.0.0.1 -p {port} -c unix_socket_directories={workdir} -c fsync=off"
    run = [str(bindir / "pg_ctl"), "-D", str(data), "-l", str(workdir / "server.log")]
    try:
        subprocess.run(
            _as_postgres_user(
                [str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "vre", "-E", "UTF8", "--no-sync"]
            ),
            check=True,
            capture_output=True,
            text=True,
        )
        subprocess.run(_as_postgres_user([*run, "-o", options, "-w", "start"]), check=True, capture_output=True)
        yield f"postgresql+psycopg://vre@127.0.0.1:{port}/postgres"
    except subprocess.CalledProcessError as error:
        raise PostgresUnavailable(f"could not start PostgreSQL: {error.stderr or error.stdout}") from error
    finally:
        subprocess.run(_as_postgres_user([*run, "-m", "immediate", "stop"]), capture_output=True, check=False)
        shutil.rmtree(workdir, ignore_errors=True)


def fresh_database(admin_url: str) -> str:
    """Create an empty database on the server and return its URL."""
    name = f"test_{uuid.uuid4().hex[:12]}"
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)
