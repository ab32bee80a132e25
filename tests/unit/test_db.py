"""The embedded database must take concurrent writers without 'database is locked'."""

import asyncio
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from openvre import identity
from openvre.db import Database


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'x.db'}")
    with database.engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() == 30000
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_migrations_are_idempotent(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'x.db'}")
    database.migrate()
    database.migrate()
    with database.engine.connect() as connection:
        assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar() is not None


def test_concurrent_writers_on_sqlite_never_see_database_is_locked(tmp_path: Path) -> None:
    # Two engines on one file, like two processes (server and `vre token create`), eight threads each.
    url = f"sqlite:///{tmp_path / 'x.db'}"
    first, second = Database(url), Database(url)
    first.migrate()
    with first.transaction() as session:
        identity.create_account(session, identity.NewAccount("alice"))

    def read_then_write(index: int) -> str:
        database = first if index % 2 else second
        with database.transaction() as session:
            identity.list_tokens(session, "alice")  # a read before the write: the classic upgrade deadlock
            return identity.create_token(session, "alice", f"t{index}", timedelta(days=1)).secret

    with ThreadPoolExecutor(max_workers=16) as pool:
        secrets = list(pool.map(read_then_write, range(200)))
    with first.transaction() as session:
        assert len(identity.list_tokens(session, "alice")) == 200
        assert {identity.authenticate_token(session, s).username for s in secrets} == {"alice"}


def test_a_transaction_on_the_event_loop_is_refused_under_the_tests_guard(tmp_path: Path) -> None:
    """The tests run with the guard on (tests/conftest.py); the same work in a worker thread is allowed."""
    database = Database(f"sqlite:///{tmp_path / 'guard.db'}")

    def query() -> int:
        with database.transaction() as session:
            return int(session.execute(text("SELECT 1")).scalar_one())

    async def on_the_loop() -> int:
        return query()

    async def in_a_thread() -> int:
        return await asyncio.to_thread(query)

    try:
        with pytest.raises(RuntimeError, match="began on the asyncio event loop"):
            asyncio.run(on_the_loop())
        assert asyncio.run(in_a_thread()) == 1
        assert query() == 1
    finally:
        database.dispose()
