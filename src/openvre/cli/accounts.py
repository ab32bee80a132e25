"""``vre user``: manage accounts on this instance (the admin's tool before any web login exists)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from openvre import identity
from openvre.cli._common import HomeOption, console, open_database, settings_or_exit, user_errors

app = typer.Typer(help="Add and list accounts, set passwords.", no_args_is_help=True)


def _read_password(password_stdin: bool) -> str:
    if password_stdin:
        return typer.get_text_stream("stdin").readline().rstrip("\n")
    password: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return password


@app.command("add")
def add(
    username: Annotated[str, typer.Argument(help="1 to 25 lowercase letters, digits, '-' or '_'.")],
    email: Annotated[str, typer.Option(help="E-mail address.")] = "",
    display_name: Annotated[str, typer.Option(help="Name shown in the portal.")] = "",
    admin: Annotated[bool, typer.Option("--admin", help="Make the account an administrator.")] = False,
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read the password from stdin.")] = False,
    no_password: Annotated[bool, typer.Option("--no-password", help="Token-only account, no portal login.")] = False,
    home: HomeOption = None,
) -> None:
    """Create an account."""
    database = open_database(settings_or_exit(home=home))
    password = None if no_password else _read_password(password_stdin)
    new = identity.NewAccount(username, password, email, display_name, is_admin=admin)
    with user_errors(), database.transaction() as session:
        account = identity.create_account(session, new)
    console.print(f"created {'administrator' if account.is_admin else 'account'} {account.username!r}")


@app.command("list")
def list_(home: HomeOption = None) -> None:
    """List the accounts."""
    database = open_database(settings_or_exit(home=home))
    with database.transaction() as session:
        accounts = identity.list_accounts(session)
    table = Table("user name", "display name", "e-mail", "role", "created")
    for account in accounts:
        role = "admin" if account.is_admin else "researcher"
        table.add_row(account.username, account.display_name, account.email, role, f"{account.created_at:%Y-%m-%d}")
    console.print(table)


@app.command("passwd")
def passwd(
    username: str,
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read the password from stdin.")] = False,
    home: HomeOption = None,
) -> None:
    """Set an account's password."""
    database = open_database(settings_or_exit(home=home))
    password = _read_password(password_stdin)
    with user_errors(), database.transaction() as session:
        identity.set_password(session, username, password)
    console.print(f"password of {username!r} changed")
