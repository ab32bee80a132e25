from pathlib import Path

import pytest

from openvre.errors import InvalidSettings
from openvre.settings import ServiceKind, load_settings


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import os

    for name in list(os.environ):
        if name.startswith("OPENVRE_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(tmp_path / "user"))


def test_defaults_put_everything_under_home(tmp_path: Path) -> None:
    settings = load_settings(home=tmp_path / "vre")
    assert settings.home == (tmp_path / "vre").resolve()
    assert settings.database_url == f"sqlite:///{tmp_path.resolve() / 'vre' / 'openvre.db'}"
    assert (settings.host, settings.port) == ("127.0.0.1", 8000)
    assert {settings.service(n).kind for n in ("datalake", "workflows", "repository")} == {ServiceKind.EMBEDDED}


def test_default_home_is_dot_openvre_in_the_user_home(tmp_path: Path) -> None:
    assert load_settings().home == (tmp_path / "user" / ".openvre").resolve()


def test_environment_variables_override_defaults(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("OPENVRE_HOME", str(tmp_path / "h"))
    monkeypatch.setenv("OPENVRE_PORT", "9123")
    monkeypatch.setenv("OPENVRE_DATALAKE__URL", "https://rucio.example.org")
    monkeypatch.setenv("OPENVRE_DATALAKE__ACCOUNT", "alice")
    settings = load_settings()
    assert settings.port == 9123
    assert settings.datalake.kind is ServiceKind.REMOTE
    assert str(settings.datalake.url) == "https://rucio.example.org/"
    assert settings.datalake.account == "alice"
    assert settings.workflows.kind is ServiceKind.EMBEDDED


def test_postgresql_url_is_accepted(tmp_path: Path) -> None:
    url = "postgresql+psycopg://vre:pw@db.example.org/vre"
    settings = load_settings(home=tmp_path, database_url=url)
    assert settings.database_backend == "postgresql"


def test_toml_file_in_home_is_read(tmp_path: Path) -> None:
    home = tmp_path / "vre"
    home.mkdir()
    (home / "openvre.toml").write_text('port = 8111\n[repository]\nurl = "https://sandbox.zenodo.org"\ntoken = "t0k"\n')
    settings = load_settings(home=home)
    assert settings.port == 8111
    assert settings.repository.kind is ServiceKind.REMOTE
    assert settings.repository.token is not None
    assert settings.repository.token.get_secret_value() == "t0k"


def test_environment_beats_toml(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "custom.toml"
    config.write_text("port = 8111\n")
    monkeypatch.setenv("OPENVRE_PORT", "8222")
    assert load_settings(home=tmp_path, config_file=config).port == 8222


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("OPENVRE_PORT", "eighty", "OPENVRE_PORT: Input should be a valid integer"),
        ("OPENVRE_PORT", "70000", "OPENVRE_PORT: Input should be less than or equal to 65535"),
        ("OPENVRE_DATABASE_URL", "mysql://x/y", "OPENVRE_DATABASE_URL: use sqlite:///PATH or postgresql"),
        ("OPENVRE_WORKFLOWS__URL", "not a url", "OPENVRE_WORKFLOWS__URL: Input should be a valid URL"),
        ("OPENVRE_TOKEN_LIFETIME_DAYS", "0", "OPENVRE_TOKEN_LIFETIME_DAYS: Input should be greater than"),
    ],
)
def test_invalid_settings_name_the_setting(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, variable: str, value: str, expected: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(InvalidSettings) as caught:
        load_settings(home=tmp_path)
    assert expected in caught.value.message
    assert repr(value) in caught.value.message


def test_unknown_key_in_toml_is_refused(tmp_path: Path) -> None:
    (tmp_path / "openvre.toml").write_text("prot = 8000\n")
    with pytest.raises(InvalidSettings, match="OPENVRE_PROT: unknown setting"):
        load_settings(home=tmp_path)


def test_malformed_toml_is_reported(tmp_path: Path) -> None:
    (tmp_path / "openvre.toml").write_text("port = = 1\n")
    with pytest.raises(InvalidSettings, match="configuration file"):
        load_settings(home=tmp_path)


def test_missing_explicit_config_file_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENVRE_CONFIG", str(tmp_path / "nope.toml"))
    with pytest.raises(InvalidSettings, match="OPENVRE_CONFIG: no such file"):
        load_settings(home=tmp_path)


def test_a_misspelt_variable_is_refused_naming_the_one_meant(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENVRE_DATALAKE__URLL", "http://rucio.example.org")
    monkeypatch.setenv("OPENVRE_PROT", "9000")
    with pytest.raises(InvalidSettings) as caught:
        load_settings(home=tmp_path)
    assert "OPENVRE_DATALAKE__URLL: no such setting; did you mean OPENVRE_DATALAKE__URL?" in caught.value.message
    assert "OPENVRE_PROT: no such setting; did you mean OPENVRE_PORT?" in caught.value.message


def test_variables_openvre_reads_outside_the_settings_are_not_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("OPENVRE_TOKEN", "OPENVRE_YADAGE_PYTHON", "OPENVRE_TEST_ANYTHING", "OPENVRE_DATALAKE__LOCAL_RSE"):
        monkeypatch.setenv(name, "x")
    assert load_settings(home=tmp_path).datalake.local_rse == "x"
