"""How `vre up` plans and configures its JupyterLab, before any process starts."""

from __future__ import annotations

import json
from pathlib import Path

from openvre.jupyter.lab_process import LabProcess
from openvre.settings import load_settings


def test_the_lab_is_local_with_its_own_token_and_finds_the_services(tmp_path: Path) -> None:
    settings = load_settings(home=tmp_path / "home")
    lab = LabProcess.plan(settings, openvre_host="127.0.0.1", openvre_port=8123, port=9999)
    other = LabProcess.plan(settings, openvre_host="127.0.0.1", openvre_port=8123)
    assert lab.info.url == "http://127.0.0.1:9999/" and lab.info.root_dir == tmp_path / "home" / "lab"
    assert len(lab.info.token) >= 40 and lab.info.token != other.info.token
    assert other.info.url != lab.info.url  # a free port when none is asked for
    arguments = lab.arguments()
    assert {"--no-browser", "--allow-root", "--ServerApp.ip=127.0.0.1", "--ServerApp.port=9999"} <= set(arguments)
    assert '--VoilaConfiguration.extension_denylist=["openvre"]' in arguments
    assert not any(lab.info.token in argument for argument in arguments)  # never visible in `ps`
    environment = lab.environment()
    assert environment["JUPYTER_TOKEN"] == lab.info.token
    assert (environment["OPENVRE_HOME"], environment["OPENVRE_HOST"], environment["OPENVRE_PORT"]) == (
        str(tmp_path / "home"),
        "127.0.0.1",
        "8123",
    )
    config = Path(environment["JUPYTER_CONFIG_PATH"].split(":")[0])
    overrides = json.loads((config / "labconfig" / "default_setting_overrides.json").read_text())
    assert overrides["@jupyterlab/apputils-extension:notification"]["fetchNews"] == "false"


def test_lab_settings_move_the_root_and_port(tmp_path: Path) -> None:
    settings = load_settings(home=tmp_path / "home", lab_dir=tmp_path / "work", lab_port=8888)
    lab = LabProcess.plan(settings, openvre_host="127.0.0.1", openvre_port=8000)
    assert lab.info.root_dir == tmp_path / "work" and lab.info.url == "http://127.0.0.1:8888/"
