"""One ``Settings`` object for the whole process.

Values come, highest priority first, from keyword arguments, ``OPENVRE_*`` environment variables
(nested with ``__``: ``OPENVRE_DATALAKE__URL``), a TOML file (``OPENVRE_CONFIG``, else
``$OPENVRE_HOME/openvre.toml`` when it exists) and the defaults below. Each service is embedded unless
it is given a ``url``, in which case openvre's front ends speak that service's protocol to the URL.

Example ``openvre.toml``::

    port = 8080
    database_url = "postgresql+psycopg://vre:secret@db.example.org/vre"

    [datalake]
    url = "https://rucio.example.org"
    account = "alice"
    username = "alice"
    password = "..."
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Mapping
from contextvars import ContextVar
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    AnyHttpUrl,
    BaseModel,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from openvre.errors import InvalidSettings

ENV_PREFIX = "OPENVRE_"
NESTED_DELIMITER = "__"
SUPPORTED_DATABASES = ("sqlite", "postgresql")
SERVICE_NAMES = ("datalake", "workflows", "repository")
_requested_config_file: ContextVar[Path | None] = ContextVar("openvre_config_file", default=None)


class ServiceKind(StrEnum):
    EMBEDDED = "embedded"
    REMOTE = "remote"


class ServiceSettings(BaseModel):
    """Where one service lives: embedded in this process (no ``url``) or a remote endpoint."""

    url: AnyHttpUrl | None = Field(
        default=None, description="Base URL of a real remote service; leave empty for the embedded one."
    )
    token: SecretStr | None = Field(default=None, description="API token for the remote service.")
    account: str | None = Field(default=None, description="Account name at the remote service (Rucio).")
    username: str | None = Field(default=None, description="User name for password login (Rucio userpass).")
    password: SecretStr | None = Field(default=None, description="Password for password login.")
    local_rse: str | None = Field(
        default=None,
        description="Data lake only: the RSE whose storage this machine reads directly; data made available "
        "for notebooks goes there (embedded default: LOCAL).",
    )

    @property
    def kind(self) -> ServiceKind:
        return ServiceKind.REMOTE if self.url is not None else ServiceKind.EMBEDDED


def _default_home() -> Path:
    return Path("~/.openvre").expanduser()


class Settings(BaseSettings):
    """Everything configurable about one openvre process."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter=NESTED_DELIMITER,
        extra="forbid",
        validate_default=True,
    )

    home: Path = Field(default_factory=_default_home, description="Where openvre keeps its data.")
    database_url: str = Field(
        default="",
        description="SQLAlchemy URL; empty means SQLite at $OPENVRE_HOME/openvre.db. "
        "PostgreSQL: postgresql+psycopg://user:password@host/dbname",
    )
    host: str = Field(default="127.0.0.1", description="Address `vre up` binds to.")
    port: int = Field(default=8000, ge=0, le=65535, description="Port `vre up` binds to (0: any free port).")
    public_url: AnyHttpUrl | None = Field(
        default=None, description="URL users reach this server at, when behind a proxy."
    )
    admin_password: SecretStr | None = Field(
        default=None, description="Password of the `admin` account created on first start."
    )
    token_lifetime_days: int = Field(default=90, ge=1, le=3650, description="Default API token lifetime.")
    session_lifetime_hours: int = Field(default=12, ge=1, le=24 * 30, description="Portal login lifetime.")
    doi_prefix: str = Field(
        default="10.5072",
        pattern=r"^10\.\d{4,9}$",
        description="DOI prefix the embedded repository mints under; 10.5072 is DataCite's test prefix.",
    )
    embedded_workers: bool = Field(
        default=True,
        description="Run the background workers (transfer agent, workflow scheduler) inside `vre up`; "
        "set false when they run as separate `vre worker` processes.",
    )
    container_runtime: Literal["none", "podman"] = Field(
        default="none",
        description="How workflow steps run: `none` as local processes in the run's workspace; `podman` inside "
        "each step's `environment` image, with only the workspace mounted and no network. Images must be in "
        "podman's local storage (nothing is pulled); see docs/workflows.md, Environments.",
    )
    lab_dir: Path | None = Field(
        default=None,
        description="JupyterLab's root directory, what its file browser shows; empty means $OPENVRE_HOME/lab.",
    )
    lab_port: int = Field(
        default=0, ge=0, le=65535, description="Port of the JupyterLab `vre up` starts (0: any free port)."
    )
    datalake: ServiceSettings = Field(default_factory=ServiceSettings)
    workflows: ServiceSettings = Field(default_factory=ServiceSettings)
    repository: ServiceSettings = Field(default_factory=ServiceSettings)

    @field_validator("home", mode="after")
    @classmethod
    def _absolute_home(cls, home: Path) -> Path:
        return home.expanduser().resolve()

    @field_validator("database_url", mode="after")
    @classmethod
    def _supported_database(cls, url: str) -> str:
        if url and _backend_of(url) not in SUPPORTED_DATABASES:
            raise ValueError(
                f"use sqlite:///PATH or postgresql+psycopg://USER:PASSWORD@HOST/DBNAME, not {_backend_of(url)}://"
            )
        return url

    @model_validator(mode="after")
    def _default_database(self) -> Settings:
        if not self.database_url:
            self.database_url = f"sqlite:///{self.home / 'openvre.db'}"
        return self

    @property
    def database_backend(self) -> str:
        return _backend_of(self.database_url)

    @property
    def lab_root(self) -> Path:
        """JupyterLab's root directory: ``lab_dir``, else ``$OPENVRE_HOME/lab`` (so `--home` moves it too)."""
        return (self.lab_dir or self.home / "lab").expanduser().resolve()

    def service(self, name: str) -> ServiceSettings:
        """The settings of one service by its name in SERVICE_NAMES."""
        if name not in SERVICE_NAMES:
            raise KeyError(name)
        service: ServiceSettings = getattr(self, name)
        return service

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: tuple[PydanticBaseSettingsSource, ...] = (init_settings, env_settings)
        toml_file = _config_file(init_settings(), _requested_config_file.get())
        if toml_file is not None:
            sources += (TomlConfigSettingsSource(settings_cls, toml_file=toml_file),)
        return sources


def _backend_of(url: str) -> str:
    return url.split(":", 1)[0].split("+", 1)[0]


def _config_file(init_values: dict[str, Any], requested: Path | None) -> Path | None:
    explicit = requested or os.environ.get(f"{ENV_PREFIX}CONFIG")
    if explicit:
        path = Path(explicit).expanduser()
        if not path.is_file():
            raise InvalidSettings(f"{ENV_PREFIX}CONFIG: no such file {path}; create it or unset the variable")
        return path
    home = init_values.get("home") or os.environ.get(f"{ENV_PREFIX}HOME")
    candidate = (Path(home) if home else _default_home()).expanduser() / "openvre.toml"
    return candidate if candidate.is_file() else None


def load_settings(**overrides: Any) -> Settings:
    """Build the settings, turning validation errors into one message that names each bad setting."""
    overrides = {key: value for key, value in overrides.items() if value is not None}
    config_file = overrides.pop("config_file", None)
    reset = _requested_config_file.set(Path(config_file) if config_file else None)
    try:
        settings = Settings(**overrides)
    except ValidationError as error:
        raise InvalidSettings(describe_settings_errors(error)) from None
    except ValueError as error:  # a malformed TOML file
        raise InvalidSettings(f"cannot read the configuration file: {error}") from None
    finally:
        _requested_config_file.reset(reset)
    misspelled = unknown_variables(os.environ)
    if misspelled:
        raise InvalidSettings("unknown settings in the environment:\n  " + "\n  ".join(misspelled))
    return settings


# OPENVRE_ variables openvre reads that are not fields of Settings; OPENVRE_TEST_* belong to its test suite.
OTHER_VARIABLES = (f"{ENV_PREFIX}CONFIG", f"{ENV_PREFIX}TOKEN", f"{ENV_PREFIX}YADAGE_PYTHON")
OTHER_PREFIXES = (f"{ENV_PREFIX}TEST_",)


def setting_variables() -> list[str]:
    """Every environment variable that sets something, nested ones included (OPENVRE_DATALAKE__URL)."""
    names = list(OTHER_VARIABLES)
    for field_name, field in Settings.model_fields.items():
        nested = (
            field.annotation if isinstance(field.annotation, type) and issubclass(field.annotation, BaseModel) else None
        )
        if nested is None:
            names.append(f"{ENV_PREFIX}{field_name.upper()}")
        else:
            names += [f"{ENV_PREFIX}{field_name.upper()}{NESTED_DELIMITER}{sub.upper()}" for sub in nested.model_fields]
    return names


def unknown_variables(environ: Mapping[str, str]) -> list[str]:
    """A line for each OPENVRE_ variable that sets nothing, with the setting it was probably meant to be.

    pydantic-settings ignores environment variables it has no field for, so a misspelt one would
    silently leave its setting at the default, which is hard to notice.
    """
    known = setting_variables()
    lines = []
    for name in sorted(environ):
        upper = name.upper()
        if not upper.startswith(ENV_PREFIX) or upper in known or upper.startswith(OTHER_PREFIXES):
            continue
        close = difflib.get_close_matches(upper, known, n=1, cutoff=0.75)
        hint = f"did you mean {close[0]}?" if close else "see the settings table in the README"
        lines.append(f"{name}: no such setting; {hint} (unset it, or fix its name)")
    return lines


def describe_settings_errors(error: ValidationError) -> str:
    """One line per bad value, naming it as the user would set it (environment variable)."""
    lines = []
    for problem in error.errors():
        location = [str(part) for part in problem["loc"]]
        name = ENV_PREFIX + NESTED_DELIMITER.join(part.upper() for part in location) if location else "settings"
        given = problem.get("input")
        shown = "" if isinstance(given, dict) or location == [] else f" (got {given!r})"
        if problem["type"] == "extra_forbidden":
            lines.append(f"{name}: unknown setting{shown}; check its spelling against `vre --help` or the docs")
        else:
            message = problem["msg"].removeprefix("Value error, ")
            lines.append(f"{name}: {message}{shown}")
    return "invalid settings:\n  " + "\n  ".join(lines)
