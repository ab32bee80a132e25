"""Fixtures shared by every level of test: settings in a temporary HOME, databases, an app, accounts."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from openvre import identity
from openvre.app import create_app
from openvre.db import STRICT_EVENT_LOOP_ENV, Database
from openvre.settings import Settings, load_settings
from tests.support.postgres import PostgresUnavailable, fresh_database, postgres_server
from tests.support.rucio_server import RucioServer, start_rucio_server

# Every database the tests open, in this process and in the `vre up` they start, refuses a transaction on
# an event loop (openvre.db): the deadlock it causes only shows under concurrent requests.
os.environ[STRICT_EVENT_LOOP_ENV] = "1"

ADMIN_PASSWORD = "admin-password-for-tests"
USER_PASSWORD = "alice-password-for-tests"


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


@pytest.fixture
def settings(home: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    for name in list(os.environ):
        if name.startswith("OPENVRE_") and not name.startswith("OPENVRE_TEST_"):
            monkeypatch.delenv(name)
    return load_settings(home=home, admin_password=ADMIN_PASSWORD)


@pytest.fixture(scope="session")
def postgres_admin_url() -> Iterator[str]:
    try:
        with postgres_server() as url:
            yield url
    except PostgresUnavailable as error:
        if os.environ.get("OPENVRE_TEST_REQUIRE_POSTGRES") == "1":
            pytest.fail(str(error))
        pytest.skip(str(error))


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A migrated, empty database: SQLite in a temporary file, and a real PostgreSQL."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'test.db'}"
    else:
        url = fresh_database(request.getfixturevalue("postgres_admin_url"))
    db = Database(url)
    db.migrate()
    yield db
    db.dispose()


@pytest.fixture
def app_client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as client:
        yield client


@pytest.fixture
def app_database(app_client: TestClient) -> Database:
    db: Database = app_client.app.state.database  # type: ignore[attr-defined]
    return db


def make_token(db: Database, username: str, lifetime: timedelta = timedelta(days=1)) -> str:
    with db.transaction() as session:
        return identity.create_token(session, username, "tests", lifetime).secret


@pytest.fixture
def alice(app_database: Database) -> str:
    with app_database.transaction() as session:
        identity.create_account(session, identity.NewAccount("alice", USER_PASSWORD, "alice@example.org", "Alice"))
    return "alice"


@pytest.fixture
def alice_token(app_database: Database, alice: str) -> str:
    return make_token(app_database, alice)


@pytest.fixture
def admin_token(app_database: Database) -> str:
    return make_token(app_database, identity.ADMIN_USERNAME)


@pytest.fixture(scope="session")
def real_rucio(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RucioServer]:
    """One real Rucio server per session (browser and integration tests): each test uses its own file names."""
    with start_rucio_server(tmp_path_factory.mktemp("rucio-server")) as server:
        yield server
