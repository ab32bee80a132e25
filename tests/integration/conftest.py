"""Fixtures for tests that drive real servers and the official clients as subprocesses."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.rucio_server import RucioServer, start_rucio_server


@pytest.fixture(scope="session")
def real_rucio(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RucioServer]:
    """One real Rucio server per session: bring-up takes seconds, and tests use distinct file names."""
    with start_rucio_server(tmp_path_factory.mktemp("rucio-server")) as server:
        yield server
