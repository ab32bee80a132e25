"""The ``vre`` command: a thin layer over openvre's core and clients, one module per group.

A command's module is imported only when that command runs: together they pull in the web app, the
database layer and every client, ~2 s of imports that `vre data search` or `vre token create` would
otherwise pay on each call. ``vre --help`` still lists them all (it imports them to read their help).
"""

from __future__ import annotations

import importlib
from typing import Any

import typer
from typer._click.core import Command, Context  # Typer's own (vendored) Click, which its groups are built on
from typer.core import TyperGroup

# name → (module under openvre.cli, attribute): a Typer app is a group of commands, a function one command.
COMMANDS: dict[str, tuple[str, str]] = {
    "up": ("server", "up"),
    "status": ("status", "status"),
    "worker": ("server", "worker"),
    "run": ("runs", "run"),
    "login": ("tokens", "login"),
    "validate": ("validate", "validate"),
    "reproduce": ("publish", "reproduce"),
    "token": ("tokens", "app"),
    "user": ("accounts", "app"),
    "data": ("data", "app"),
    "runs": ("runs", "app"),
    "publish": ("publish", "app"),
}


def load_command(name: str) -> Command:
    """The Click command ``vre NAME``, its module imported now."""
    module_name, attribute = COMMANDS[name]
    module = importlib.import_module(f"openvre.cli.{module_name}")
    found: Any = getattr(module, attribute)
    if name == "runs":
        # `vre runs export` shares the publishing path, so the crate exported is the crate a DOI would get.
        from openvre.cli.publish import export

        if not any(info.name == "export" for info in found.registered_commands):
            found.command("export")(export)
    if isinstance(found, typer.Typer):
        group = typer.main.get_group(found)
        group.name = name
        return group
    single = typer.Typer()
    single.command(name)(found)
    return typer.main.get_command(single)


class LazyCommands(TyperGroup):
    def list_commands(self, ctx: Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: Context, cmd_name: str) -> Command | None:
        return load_command(cmd_name) if cmd_name in COMMANDS else None


app = typer.Typer(
    name="vre",
    cls=LazyCommands,
    help="openvre: discover, analyse, reproduce and publish research, from one workspace.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def _vre() -> None:
    """openvre: discover, analyse, reproduce and publish research, from one workspace."""


def main() -> None:
    app()


__all__ = ["COMMANDS", "app", "load_command", "main"]
