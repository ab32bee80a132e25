"""``vre token``: API tokens for scripts, clients and tests, straight from the database."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

import typer
from rich.table import Table

from openvre import identity
from openvre.cli._common import HomeOption, console, err_console, open_database, settings_or_exit, user_errors
from openvre.credentials import save_token

app = typer.Typer(help="Create, list and revoke API tokens.", no_args_is_help=True)

UserOption = Annotated[str, typer.Option("--user", "-u", help="Account the token acts as.")]


@app.command("create")
def create(
    user: UserOption,
    name: Annotated[str, typer.Option(help="Where the token will be used.")] = "command line",
    days: Annotated[int | None, typer.Option(min=1, max=3650, help="Lifetime in days.")] = None,
    home: HomeOption = None,
) -> None:
    """Print a new token on stdout (and nothing else), e.g. TOKEN=$(vre token create --user alice)."""
    settings = settings_or_exit(home=home)
    database = open_database(settings)
    lifetime = timedelta(days=days or settings.token_lifetime_days)
    with user_errors(), database.transaction() as session:
        created = identity.create_token(session, user, name, lifetime)
    err_console.print(
        f"token {created.token.name!r} for {user!r}, expires {created.token.expires_at:%Y-%m-%d}; it is shown only now"
    )
    typer.echo(created.secret)


@app.command("list")
def list_(user: UserOption, home: HomeOption = None) -> None:
    """List a user's tokens (never their secrets)."""
    database = open_database(settings_or_exit(home=home))
    with user_errors(), database.transaction() as session:
        tokens = identity.list_tokens(session, user)
    table = Table("id", "name", "starts with", "expires", "last used", "state")
    for token in tokens:
        state = "revoked" if token.revoked_at else "active" if token.is_active else "expired"
        last_used = f"{token.last_used_at:%Y-%m-%d %H:%M}" if token.last_used_at else "never"
        table.add_row(str(token.id), token.name, token.prefix, f"{token.expires_at:%Y-%m-%d}", last_used, state)
    console.print(table)


@app.command("revoke")
def revoke(
    user: UserOption,
    token_id: Annotated[int, typer.Argument(help="Id from `vre token list`.")],
    home: HomeOption = None,
) -> None:
    """Revoke a token at once; clients using it get 401 from then on."""
    database = open_database(settings_or_exit(home=home))
    with user_errors(), database.transaction() as session:
        token = identity.revoke_token(session, user, token_id)
    console.print(f"revoked token {token.id} ({token.name!r})")


def login(
    user: UserOption,
    days: Annotated[int, typer.Option(min=1, max=365, help="Lifetime of the saved token in days.")] = 30,
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read the password from stdin.")] = False,
    home: HomeOption = None,
) -> None:
    """Check your password and save a token (mode 0600 in HOME) for `vre data` and notebooks."""
    settings = settings_or_exit(home=home)
    database = open_database(settings)
    if password_stdin:
        password = typer.get_text_stream("stdin").readline().rstrip("\n")
    else:
        password = typer.prompt("Password", hide_input=True)
    with user_errors(), database.transaction() as session:
        identity.authenticate_password(session, user, password)
        created = identity.create_token(session, user, "vre login", timedelta(days=days))
    path = save_token(settings, created.secret)
    console.print(f"logged in as {user}; token saved in {path} until {created.token.expires_at:%Y-%m-%d}")
