"""openvre.data in a notebook's shoes, against the app in-process with the transfer agent driven by hand."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import openvre.data
from openvre.app import create_app
from openvre.clients.rucio import RucioClient
from openvre.data import DataLake, DataNotAvailable
from openvre.data._ops import upload
from openvre.datalake.transfer_agent import AgentSettings, TransferAgent
from openvre.db import Database
from openvre.settings import Settings, load_settings
from tests.conftest import ADMIN_PASSWORD, make_token


@pytest.fixture
def quiet_settings(home: Path, settings: Settings) -> Settings:
    return load_settings(home=home, admin_password=ADMIN_PASSWORD, embedded_workers=False)


@pytest.fixture
def lake(quiet_settings: Settings, tmp_path: Path) -> Iterator[tuple[DataLake, Database]]:
    from openvre.bootstrap import prepare

    prepared = prepare(quiet_settings, demo=True)
    with TestClient(create_app(quiet_settings, prepared.database), base_url="http://testserver/rucio") as http:
        token = make_token(prepared.database, "demo")
        client = RucioClient("http://testserver/rucio", token=token, http=http)
        yield DataLake(client, "demo", "LOCAL", tmp_path / "cache"), prepared.database


def test_get_raises_while_data_is_on_its_way_then_returns_local_paths(lake: tuple[DataLake, Database]) -> None:
    data_lake, database = lake
    with pytest.raises(DataNotAvailable, match=r"0 of 3 files there .*call openvre.data.get"):
        openvre.data.get("user.demo:dimuon-2012", wait=False, lake=data_lake)
    TransferAgent(database, AgentSettings(poll_interval=0)).run_once()
    paths = openvre.data.get("user.demo:dimuon-2012", wait=False, lake=data_lake)
    assert isinstance(paths, list) and [p.name for p in paths] == [f"dimuon_run{i}.csv" for i in (1, 2, 3)]
    assert all("/rse/LOCAL/" in str(p) and p.read_text().startswith("event,mass_gev") for p in paths)
    single = openvre.data.get("user.demo:dimuon_run2.csv", wait=False, lake=data_lake)
    assert isinstance(single, Path) and single.name == "dimuon_run2.csv"
    with openvre.data.open("user.demo:dimuon_run1.csv", lake=data_lake) as handle:
        assert handle.readline() == b"event,mass_gev,pt_gev\n"


def test_upload_then_get_without_local_rse_downloads_into_the_cache(
    lake: tuple[DataLake, Database], tmp_path: Path
) -> None:
    data_lake, _database = lake
    source = tmp_path / "notes.txt"
    source.write_bytes(b"measured at 4.2 K\n" * 1000)
    [result] = list(upload(data_lake, [source], "ARCHIVE", "user.demo"))
    assert result.status == "ok", result.message
    data_lake.local_rse = None
    path = openvre.data.get("user.demo:notes.txt", lake=data_lake)
    assert isinstance(path, Path) and path.is_relative_to(tmp_path / "cache")
    assert path.read_bytes() == source.read_bytes()


def test_malformed_did_says_how_to_write_one(lake: tuple[DataLake, Database]) -> None:
    with pytest.raises(Exception, match="write it as scope:name"):
        openvre.data.get("no-colon-here", lake=lake[0])
