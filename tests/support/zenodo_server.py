"""openvre's Zenodo API over real HTTP, for the Zenodo clients' acceptance tests.

When ``vre up`` mounts the repository (``"repository"`` in ``openvre.app.MOUNTED_SERVICES``), this is
``vre up`` itself. Until then it is the same application, ``create_app``, with the Zenodo app mounted at
``/zenodo`` exactly as ``vre up`` will mount it, served by uvicorn in its own process.

Example::

    server = start_zenodo_server(tmp_path / "home")
    token = create_user(server.home, "alice")
    ZenodoInteractor(token=token, zenodo_domain=f"{server.url}/zenodo")
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import httpx
from fastapi import FastAPI

from openvre import identity
from openvre.app import MOUNTED_SERVICES, create_app
from openvre.bootstrap import prepare
from openvre.db import Database
from openvre.errors import AccountNotFound
from openvre.repository.zenodo_api import create_zenodo_app
from openvre.services import service_mount
from openvre.settings import load_settings
from tests.support.vre_server import VreServer, free_port, start_vre

REPO_ROOT = Path(__file__).resolve().parents[2]
ADMIN_PASSWORD = "admin-password-for-zenodo-clients"


def start_zenodo_server(home: Path, timeout: float = 30) -> VreServer:
    """A running server whose Zenodo API is at ``<url>/zenodo``; stop it with ``.stop()``."""
    env = {"OPENVRE_ADMIN_PASSWORD": ADMIN_PASSWORD}
    if "repository" in MOUNTED_SERVICES:
        return start_vre(home, "--no-demo", env=env, timeout=timeout)
    home.mkdir(parents=True, exist_ok=True)
    port = free_port()
    log = home.parent / f"zenodo-server-{port}.log"
    command = [sys.executable, "-m", "uvicorn", "--factory", f"{__name__}:create_test_app", "--port", str(port)]
    environment = {**os.environ, **env, "OPENVRE_HOME": str(home), "OPENVRE_EMBEDDED_WORKERS": "false"}
    with log.open("w") as sink:
        process = subprocess.Popen(
            command, cwd=REPO_ROOT, env=environment, stdout=sink, stderr=subprocess.STDOUT, text=True
        )
    server = VreServer(f"http://127.0.0.1:{port}", home, process, log)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the Zenodo test server exited with {process.returncode}:\n{server.output()}")
        try:
            if httpx.get(f"{server.url}/health", timeout=1).status_code == 200:
                return server
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    server.stop()
    raise TimeoutError(f"the Zenodo test server did not answer within {timeout} s:\n{server.output()}")


def create_test_app() -> FastAPI:
    """``vre up``'s application with the repository mounted where ``vre up`` mounts it (uvicorn factory)."""
    settings = load_settings()
    database = prepare(settings).database
    app = create_app(settings, database)
    app.mount(service_mount("repository"), create_zenodo_app(settings, database))
    return app


def create_user(home: Path, username: str) -> str:
    """An account (created if new) and a fresh API token for it, written straight to the server's database."""
    database = Database(f"sqlite:///{home / 'openvre.db'}")
    try:
        with database.transaction() as session:
            try:
                identity.get_account(session, username)
            except AccountNotFound:
                identity.create_account(session, identity.NewAccount(username))
            return identity.create_token(session, username, "zenodo clients", timedelta(days=1)).secret
    finally:
        database.dispose()
