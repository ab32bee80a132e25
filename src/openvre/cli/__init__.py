"""The ``vre`` command: a thin layer over openvre's core and clients, one module per group."""

from __future__ import annotations

import typer

from openvre.cli import accounts, data, publish, runs, server, tokens, validate

app = typer.Typer(
    name="vre",
    help="openvre: discover, analyse, reproduce and publish research, from one workspace.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.command("up")(server.up)
app.command("status")(server.status)
app.command("worker")(server.worker)
app.add_typer(tokens.app, name="token")
app.add_typer(accounts.app, name="user")
app.add_typer(data.app, name="data")
app.command("run")(runs.run)
# `vre runs export` shares the publishing path, so the crate exported is the crate a DOI would get.
runs.app.command("export")(publish.export)
app.add_typer(runs.app, name="runs")
app.command("login")(tokens.login)
app.command("validate")(validate.validate)
app.add_typer(publish.app, name="publish")
app.command("reproduce")(publish.reproduce)


def main() -> None:
    app()


__all__ = ["app", "main"]
