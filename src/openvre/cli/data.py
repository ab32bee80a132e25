"""``vre data``: discover, move and fetch data in the data lake (embedded or a real Rucio)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TransferSpeedColumn
from rich.table import Table

from openvre.cli._common import HomeOption, console, err_console, settings_or_exit, user_errors
from openvre.data import DataLake, connect
from openvre.data._ops import download, files_of, make_available, split_did, upload
from openvre.data._search import search as data_search
from openvre.results import Result

app = typer.Typer(help="Search, upload, download and replicate data in the data lake.", no_args_is_help=True)

STATUS_STYLE = {"ok": "green", "notneeded": "dim", "impossible": "yellow", "error": "red"}


def _lake(home: Path | None) -> DataLake:
    settings = settings_or_exit(home=home)
    with user_errors():
        return connect(settings)


def _render(results: Iterator[Result]) -> None:
    failed = 0
    for result in results:
        style = STATUS_STYLE[result.status]
        console.print(f"[{style}]{result.status:>10}[/] {result.action} {result.target}  {result.message}")
        failed += result.failed
    if failed:
        raise typer.Exit(1)


@app.command("scopes")
def scopes(home: HomeOption = None) -> None:
    """List the scopes."""
    with user_errors(), _lake(home) as lake:
        for scope in lake.client.list_scopes():
            console.print(scope)


@app.command("search")
def search(
    pattern: Annotated[str, typer.Argument(help="scope:name with * wildcards e.g. 'user.alice:run*', or name* alone.")],
    filter_: Annotated[str | None, typer.Option("--filter", help="e.g. 'type=all,length>0;project=demo'.")] = None,
    did_type: Annotated[str, typer.Option("--type", help="all, collection, dataset, container or file.")] = "all",
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
    home: HomeOption = None,
) -> None:
    """Find DIDs by name and metadata; a pattern without a scope looks in every scope."""
    with user_errors(), _lake(home) as lake:
        found = list(data_search(lake, pattern, did_type, filter_ or ""))
    if as_json:
        for did in found:
            typer.echo(json.dumps(did))
        return
    table = Table("DID", "type", "bytes", "files")
    for did in found:
        table.add_row(
            f"{did['scope']}:{did['name']}", did["did_type"], _size(did.get("bytes")), str(did.get("length") or "")
        )
    console.print(table)
    err_console.print(f"{len(found)} found")


@app.command("show")
def show(did: str, home: HomeOption = None) -> None:
    """A DID's metadata, content, replicas and rules."""
    scope, name = split_did(did)
    with user_errors(), _lake(home) as lake:
        meta = lake.client.get_metadata(scope, name)
        content = list(lake.client.list_content(scope, name)) if meta["did_type"] != "FILE" else []
        replicas = list(lake.client.list_replicas([{"scope": scope, "name": name}], all_states=True))
        rules = list(lake.client.list_did_rules(scope, name))
    table = Table(show_header=False, title=did)
    for key, value in meta.items():
        if value is not None and value != "":
            table.add_row(key, str(value))
    console.print(table)
    for child in content:
        console.print(f"  contains {child['scope']}:{child['name']} ({child['type']}, {_size(child.get('bytes'))})")
    for replica in replicas:
        states = ", ".join(f"{rse}: {state}" for rse, state in replica.get("states", {}).items())
        console.print(f"  replica {replica['scope']}:{replica['name']}  {states}")
    for rule in rules:
        console.print(
            f"  rule {rule['id']}  {rule['rse_expression']}  {rule['state']}"
            f"[{rule['locks_ok_cnt']}/{rule['locks_replicating_cnt']}/{rule['locks_stuck_cnt']}]"
        )


@app.command("upload")
def upload_(
    paths: Annotated[list[Path], typer.Argument(help="Files to upload.", exists=True, dir_okay=False)],
    rse: Annotated[str, typer.Option(help="Storage element to put them on.")],
    scope: Annotated[str, typer.Option(help="Scope of the new DIDs.")],
    dataset: Annotated[str | None, typer.Option(help="Attach them to this dataset (created if needed).")] = None,
    home: HomeOption = None,
) -> None:
    """Upload files with a progress bar; each is checksummed and verified on the storage element."""
    total = sum(path.stat().st_size for path in paths)
    with user_errors(), _lake(home) as lake, _BytesProgress("uploading", total) as advance:
        results = list(upload(lake, paths, rse, scope, dataset=dataset, progress=advance))
    _render(iter(results))


@app.command("download")
def download_(
    did: str,
    dest: Annotated[Path, typer.Option("--dir", help="Where to put the files.")] = Path("."),
    home: HomeOption = None,
) -> None:
    """Download a file or all files of a collection, verifying checksums."""
    with user_errors(), _lake(home) as lake:
        total = sum(f.expected.bytes for f in files_of(lake, did, dest))
        with _BytesProgress("downloading", total) as advance:
            results = list(download(lake, did, dest, progress=advance))
    _render(iter(results))


@app.command("add-rule")
def add_rule(
    did: str,
    rses: Annotated[str, typer.Option("--rses", help="RSE expression, e.g. LOCAL or 'type=DISK&tier=2'.")],
    copies: Annotated[int, typer.Option(min=1)] = 1,
    lifetime: Annotated[int | None, typer.Option(help="Seconds; none keeps it until removed.")] = None,
    home: HomeOption = None,
) -> None:
    """Ask for copies of a DID on RSEs; the transfer agent makes them."""
    scope, name = split_did(did)
    with user_errors(), _lake(home) as lake:
        if copies == 1:
            rule_id = make_available(lake, did, rses, lifetime)
        else:
            rule_id = lake.client.add_replication_rule(
                [{"scope": scope, "name": name}], copies, rses, lifetime=lifetime
            )[0]
    console.print(rule_id)


@app.command("rules")
def rules(
    did: Annotated[str | None, typer.Argument(help="A DID; default: all your rules.")] = None, home: HomeOption = None
) -> None:
    """List replication rules with their state."""
    with user_errors(), _lake(home) as lake:
        if did:
            scope, name = split_did(did)
            found = list(lake.client.list_did_rules(scope, name))
        else:
            found = list(lake.client.list_account_rules(lake.account))
    table = Table("id", "DID", "RSEs", "copies", "state", "ok/replicating/stuck", "expires", "error")
    for rule in found:
        table.add_row(
            rule["id"],
            f"{rule['scope']}:{rule['name']}",
            rule["rse_expression"],
            str(rule["copies"]),
            rule["state"],
            f"{rule['locks_ok_cnt']}/{rule['locks_replicating_cnt']}/{rule['locks_stuck_cnt']}",
            str(rule.get("expires_at") or ""),
            rule.get("error") or "",
        )
    console.print(table)


@app.command("rses")
def rses(
    expression: Annotated[str | None, typer.Argument(help="Optional RSE expression.")] = None, home: HomeOption = None
) -> None:
    """List storage elements."""
    with user_errors(), _lake(home) as lake:
        for rse in lake.client.list_rses(expression):
            console.print(rse["rse"])


def _size(nbytes: Any) -> str:
    if nbytes is None:
        return ""
    size = float(nbytes)
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if size < 1000 or unit == "TB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    return str(nbytes)


class _BytesProgress:
    def __init__(self, label: str, total: int) -> None:
        self.progress = Progress(
            TextColumn(label), BarColumn(), DownloadColumn(), TransferSpeedColumn(), console=err_console, transient=True
        )
        self.task = self.progress.add_task(label, total=total)

    def __enter__(self) -> Any:
        self.progress.start()
        return lambda n: self.progress.advance(self.task, n)

    def __exit__(self, *_exc: object) -> None:
        self.progress.stop()
