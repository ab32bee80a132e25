"""The ``vre`` command: a thin layer over openvre's core and clients, one module per group.

A command's module is imported only when that command runs: together they pull in the web app, the
database layer and every client, ~2 s of imports that `vre data search` or `vre token create` would
otherwise pay on each call. ``vre --help`` lists them from their summaries here.
"""

from __future__ import annotations

import difflib
import importlib
from typing import Any, NamedTuple

import typer
from typer._click.core import Command, Context  # Typer's own (vendored) Click, which its groups are built on
from typer.core import TyperCommand, TyperGroup


class Entry(NamedTuple):
    module: str  # under openvre.cli
    attribute: str  # a Typer app is a group of commands, a function one command
    summary: str  # what `vre --help` lists, without importing the module (a test keeps it the docstring's)


COMMANDS: dict[str, Entry] = {
    "up": Entry("server", "up", "Start the portal and every service in one process, and JupyterLab beside it."),
    "status": Entry("status", "status", "Show a running server's version, database and services."),
    "worker": Entry(
        "server", "worker", "Run the background workers alone (with OPENVRE_EMBEDDED_WORKERS=false on the servers)."
    ),
    "run": Entry("runs", "run", "Create a run from reana.yaml, upload its inputs and start it (reana-client run)."),
    "login": Entry(
        "tokens", "login", "Check your password and save a token (mode 0600 in HOME) for `vre data` and notebooks."
    ),
    "validate": Entry(
        "validate",
        "validate",
        "Check a reana.yaml: REANA's schema, parameters, dangerous commands, and the files it names.",
    ),
    "reproduce": Entry(
        "publish",
        "reproduce",
        "Rerun a published run from its DOI and compare each declared output; exit 1 if any differs.",
    ),
    "token": Entry("tokens", "app", "Create, list and revoke API tokens."),
    "user": Entry("accounts", "app", "Add and list accounts, set passwords."),
    "data": Entry("data", "app", "Search, upload, download and replicate data in the data lake."),
    "runs": Entry("runs", "app", "List, inspect, stop, restart and compare workflow runs."),
    "publish": Entry("publish", "app", "Publish a finished workflow run, or files, to the repository with a DOI."),
}


def load_command(name: str) -> Command:
    """The Click command ``vre NAME``, its module imported now."""
    entry = COMMANDS[name]
    module = importlib.import_module(f"openvre.cli.{entry.module}")
    found: Any = getattr(module, entry.attribute)
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
    listing = False

    def list_commands(self, ctx: Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: Context, cmd_name: str) -> Command | None:
        if cmd_name not in COMMANDS:
            return None
        if self.listing:  # `vre --help` shows each command's summary only: a stand-in spares the imports
            return TyperCommand(cmd_name, help=COMMANDS[cmd_name].summary)
        return load_command(cmd_name)

    def resolve_command(self, ctx: Context, args: list[str]) -> Any:
        name = args[0] if args else ""
        close = difflib.get_close_matches(name, COMMANDS, n=2) if name and name not in COMMANDS else []
        if close:
            ctx.fail(f"No such command {name!r}. Did you mean {' or '.join(repr(c) for c in close)}?")
        return super().resolve_command(ctx, args)

    def format_help(self, ctx: Context, formatter: Any) -> None:
        self.listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self.listing = False


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
