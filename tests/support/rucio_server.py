"""A real Rucio server and the official ``rucio`` CLI, each in its own venv, for integration tests.

The official tools are our test oracles, so they run unmodified: the server is ``rucio`` 41.5.1 under
gunicorn (SQLite, userpass, two posix RSEs in local directories), the client is ``rucio-clients``
41.5.1. They live in ``.venvs/rucio-server`` and ``.venvs/rucio-clients`` (built on first use by
``scripts/ensure-venv.sh``) because the two packages ship the same ``rucio`` module and neither belongs
in openvre's own venv.

Example::

    with start_rucio_server(tmp_path / "rucio") as server:
        env = server.client_env(tmp_path / "client")
        subprocess.run(["rucio", "whoami"], env=env, check=True)

``rucio_client_env`` takes any Rucio-compatible URL, so the same CLI can be pointed at openvre.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.support.vre_server import free_port

REPO_ROOT = Path(__file__).resolve().parents[2]
ENSURE_VENV = REPO_ROOT / "scripts" / "ensure-venv.sh"
VENVS = REPO_ROOT / ".venvs"
SERVER_REQUIREMENTS = ("rucio==41.5.1", "gunicorn==27.0.1")
CLIENT_REQUIREMENTS = ("rucio-clients==41.5.1",)
CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")
RSE_NAMES = ("SITE_A", "SITE_B")

# Read/write/delete on both the wide-area and the local domain, as `rucio rse protocol add --domain-json`.
POSIX_DOMAINS = {
    "wan": {"read": 1, "write": 1, "delete": 1, "third_party_copy_read": 1, "third_party_copy_write": 1},
    "lan": {"read": 1, "write": 1, "delete": 1},
}

BOOTSTRAP_SCRIPT = """
from rucio.db.sqla.util import build_database, create_base_vo, create_root_account
build_database()
create_base_vo()
create_root_account()
"""

# Runs in the server venv with the Python client: one process instead of one CLI start-up per call.
FIXTURES_SCRIPT = """
import json, sys
from rucio.client import Client
spec = json.loads(sys.argv[1])
client = Client()
for rse, prefix in spec["rses"].items():
    client.add_rse(rse, deterministic=True)
    client.add_protocol(rse, {"scheme": "file", "hostname": "localhost", "port": 0, "prefix": prefix,
                              "impl": "rucio.rse.protocols.posix.Default", "domains": spec["domains"]})
    client.set_local_account_limit(spec["account"], rse, -1)
first, *others = spec["rses"]
for other in others:
    client.add_distance(first, other, {"distance": 1}, bidirectional=True)
client.add_scope(spec["account"], spec["scope"])
"""


@dataclass
class RucioServer:
    """A running Rucio server; ``stop()`` (or leaving the ``with`` block) kills its process group."""

    url: str
    account: str
    username: str
    password: str
    scope: str
    rses: dict[str, Path]
    workdir: Path
    log_path: Path
    process: subprocess.Popen[bytes] = field(repr=False)

    def client_env(self, workdir: Path) -> dict[str, str]:
        """Environment for the official ``rucio`` CLI logged in as this server's root account."""
        return rucio_client_env(self.url, self.account, self.username, self.password, workdir)

    def stop(self, timeout: float = 10) -> None:
        """Kill gunicorn's master and workers together: a lone worker would keep the port and the DB."""
        if self.process.returncode is not None:
            return  # already reaped: its group id may name someone else's processes by now
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def __enter__(self) -> RucioServer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def ensure_venv(name: str, requirements: tuple[str, ...]) -> Path:
    """Build ``.venvs/NAME`` on first use (a no-op afterwards) and return its ``bin`` directory."""
    result = subprocess.run([str(ENSURE_VENV), name, *requirements], capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"could not build .venvs/{name}:\n{result.stderr}")
    return VENVS / name / "bin"


def start_rucio_server(
    workdir: Path, *, username: str = "root", password: str | None = None, timeout: float = 60
) -> RucioServer:
    """Start a fresh Rucio server whose database, RSEs and log all live in ``workdir``.

    ``username``/``password`` is root's userpass identity; the password is random unless given.
    """
    password = password or secrets.token_hex(12)
    bindir = ensure_venv("rucio-server", SERVER_REQUIREMENTS)
    workdir = workdir.resolve()  # the configs and gunicorn's cwd need absolute paths
    workdir.mkdir(parents=True, exist_ok=True)
    config = _write_server_config(workdir, username, password)
    env = _clean_env(bindir, config)
    _run_python(bindir, BOOTSTRAP_SCRIPT, env=env)
    log_path = workdir / "server.log"
    port, process = _start_gunicorn(bindir, env, log_path)
    rses = {name: workdir / "rse" / name for name in RSE_NAMES}
    server = RucioServer(
        f"http://127.0.0.1:{port}", "root", username, password, "user.root", rses, workdir, log_path, process
    )
    try:
        _wait_for_ping(server, timeout)
        _add_fixtures(server, bindir)
    except BaseException:
        server.stop()
        raise
    return server


def rucio_client_env(url: str, account: str, username: str, password: str, workdir: Path) -> dict[str, str]:
    """Environment in which ``rucio`` is the official 41.5.1 CLI talking to ``url`` as ``account``.

    Works for any Rucio-compatible endpoint (a real server or openvre's). The token cache goes into
    ``workdir`` so that servers never see each other's tokens.
    """
    bindir = ensure_venv("rucio-clients", CLIENT_REQUIREMENTS)
    config = write_client_config(workdir.resolve(), url, account, username, password)
    return _clean_env(bindir, config)


def write_client_config(workdir: Path, url: str, account: str, username: str, password: str) -> Path:
    """Write a ``[client]`` rucio.cfg for userpass login into ``workdir`` and return its path."""
    workdir.mkdir(parents=True, exist_ok=True)
    return _write_ini(
        workdir / "rucio.cfg",
        {
            "client": {
                "rucio_host": url,
                "auth_host": url,
                "auth_type": "userpass",
                "username": username,
                "password": password,
                "account": account,
                "ca_cert": str(CA_BUNDLE),
                "auth_token_file_path": str(workdir / "auth_token"),
                "request_retries": "1",
            },
        },
    )


def _write_server_config(workdir: Path, username: str, password: str) -> Path:
    """rucio.cfg and alembic.ini for a server that needs nothing outside ``workdir``."""
    database = f"sqlite:///{workdir / 'rucio.db'}"
    alembic = _write_ini(
        workdir / "alembic.ini",
        {
            "alembic": {"script_location": "rucio.db.sqla:migrate_repo", "sqlalchemy.url": database},
            # Rucio's migration env calls logging.config.fileConfig on this file: without these, KeyError.
            "loggers": {"keys": "root"},
            "handlers": {"keys": "console"},
            "formatters": {"keys": "generic"},
            "logger_root": {"level": "WARNING", "handlers": "console"},
            "handler_console": {"class": "StreamHandler", "args": "(sys.stderr,)", "formatter": "generic"},
            "formatter_generic": {"format": "%%(levelname)s %%(name)s %%(message)s"},
        },
    )
    return _write_ini(
        workdir / "rucio.cfg",
        {
            "common": {"loglevel": "INFO"},
            "database": {"default": database},
            "alembic": {"cfg": str(alembic)},
            "bootstrap": {"userpass_identity": username, "userpass_pwd": password, "userpass_email": "root@localhost"},
            "policy": {"permission": "generic", "schema": "generic", "lfn2pfn_algorithm_default": "hash"},
            # An unreachable memcached disables caching; a real one on :11211 would be shared between servers.
            "cache": {"url": "127.0.0.1:1"},
            # No FTS3 here: the mock transfertool lets conveyor daemons complete transfers without copying.
            "conveyor": {"transfertool": "mock"},
        },
    )


def _write_ini(path: Path, sections: dict[str, dict[str, str]]) -> Path:
    lines = []
    for section, options in sections.items():
        lines.append(f"[{section}]")
        lines.extend(f"{key} = {value}" for key, value in options.items())
        lines.append("")
    path.write_text("\n".join(lines))
    return path


def _clean_env(bindir: Path, config: Path) -> dict[str, str]:
    """The caller's environment minus anything that would make Rucio read another config or identity."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("RUCIO_", "X509_", "BEARER_TOKEN")) and key not in ("VIRTUAL_ENV", "PYTHONPATH")
    }
    env["RUCIO_CONFIG"] = str(config)
    env["PATH"] = f"{bindir}{os.pathsep}{env.get('PATH', '')}"
    # requests honours *_proxy variables; the servers under test are always local.
    env["NO_PROXY"] = env["no_proxy"] = ",".join(filter(None, [env.get("no_proxy"), "127.0.0.1,localhost"]))
    return env


def _start_gunicorn(bindir: Path, env: dict[str, str], log_path: Path) -> tuple[int, subprocess.Popen[bytes]]:
    """One worker (SQLite has one writer), 127.0.0.1 only, in its own process group so stop() gets all."""
    port = free_port()
    command = [str(bindir / "gunicorn"), "--workers", "1", "--bind", f"127.0.0.1:{port}", "--access-logfile", "-"]
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [*command, "rucio.web.rest.flaskapi.v1.main:application"],
            env=env,
            cwd=log_path.parent,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return port, process


def _wait_for_ping(server: RucioServer, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {server.process.returncode}:\n{server.log_path.read_text()}")
        try:
            if httpx.get(f"{server.url}/ping", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"Rucio did not answer /ping within {timeout} s:\n{server.log_path.read_text()}")


def _add_fixtures(server: RucioServer, bindir: Path) -> None:
    """Two posix RSEs with unlimited quota for root, a distance between them, and root's user scope."""
    for directory in server.rses.values():
        directory.mkdir(parents=True, exist_ok=True)
    spec = {
        "account": server.account,
        "scope": server.scope,
        "domains": POSIX_DOMAINS,
        "rses": {name: f"{directory}/" for name, directory in server.rses.items()},
    }
    config = write_client_config(
        server.workdir / "setup-client", server.url, server.account, server.username, server.password
    )
    _run_python(bindir, FIXTURES_SCRIPT, json.dumps(spec), env=_clean_env(bindir, config))


def _run_python(bindir: Path, script: str, *args: str, env: dict[str, str]) -> None:
    """Run a script in the server venv; on failure raise with its output, which says what went wrong."""
    result = subprocess.run([str(bindir / "python"), "-c", script, *args], env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"Rucio setup script failed ({result.returncode}):\n{result.stdout}{result.stderr}")
