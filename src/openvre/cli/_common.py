"""What every ``vre`` command shares: options, settings loading and error display."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

from openvre.errors import InvalidSettings, OpenVREError
from openvre.settings import Settings, load_settings

if TYPE_CHECKING:
    from openvre.db import Database

console = Console()
err_console = Console(stderr=True)

HomeOption = Annotated[
    Path | None,
    typer.Option("--home", help="openvre's data directory (default: $OPENVRE_HOME or ~/.openvre).", show_default=False),
]


def settings_or_exit(**overrides: Any) -> Settings:
    try:
        return load_settings(**overrides)
    except InvalidSettings as error:
        err_console.print(f"[red]error:[/] {error.message}")
        raise typer.Exit(2) from None


@contextmanager
def user_errors() -> Iterator[None]:
    """Show openvre's errors as one red line and exit 1, instead of a traceback."""
    try:
        yield
    except OpenVREError as error:
        err_console.print(f"[red]error:[/] {error.message}")
        raise typer.Exit(1) from None


def open_database(settings: Settings) -> Database:
    from openvre.bootstrap import prepare  # the database layer, only for the commands that use it

    with user_errors():
        return prepare(settings).database
