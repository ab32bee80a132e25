"""``vre status``: what a running server says about itself, read from its public /health."""

from __future__ import annotations

from typing import Annotated

import httpx
import typer
from rich.table import Table

from openvre.cli._common import HomeOption, console, err_console, settings_or_exit
from openvre.clients.endpoints import server_url


def status(
    url: Annotated[
        str | None,
        typer.Option(help="Server URL (default: from settings, http://127.0.0.1:8000).", show_default=False),
    ] = None,
    home: HomeOption = None,
) -> None:
    """Show a running server's version, database and services."""
    settings = settings_or_exit(home=home)
    base = (url or server_url(settings)).rstrip("/")
    try:
        response = httpx.get(f"{base}/health", timeout=10)
        response.raise_for_status()
    except httpx.HTTPError as error:
        err_console.print(f"[red]error:[/] no openvre server answers at {base} ({error}); start one with `vre up`")
        raise typer.Exit(1) from None
    health = response.json()
    db = health["database"]
    console.print(
        f"openvre {health['version']} at {base}: [bold]{health['status']}[/]; database {db['backend']} {db['status']}"
    )
    table = Table("service", "kind", "protocol", "available", "point the official client at")
    for name, service in health["services"].items():
        table.add_row(
            name,
            service["kind"],
            service["protocol"],
            "yes" if service["available"] else "not yet",
            f"{service['base_url']}  ({service['official_client']})",
        )
    console.print(table)
    workspace = health.get("workspace") or {"status": "unknown", "open_url": None, "hint": None}
    opened = f": open {workspace['open_url']}" if workspace["open_url"] else ""
    hint = f" ({workspace['hint']})" if workspace["hint"] else ""
    console.print(f"JupyterLab workspace [bold]{workspace['status']}[/]{opened}{hint}")
    if health["status"] != "ok":
        raise typer.Exit(1)
