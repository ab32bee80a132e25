"""``vre run`` and ``vre runs``: run reana.yaml workflows and look after their runs, over REANA's protocol.

They talk to the configured workflows endpoint: this server's embedded one (``/reana``) with your openvre
token, or a real REANA server when ``[workflows] url`` and ``token`` are set. Runs are named as in REANA:
``hello`` (the latest run), ``hello.2``, ``hello.2.1`` (a restart).

    $ vre run reana.yaml -w hello -p greeting=Hi --follow
    $ vre runs list --status finished
    $ vre runs download hello.1 results/out.txt -o out/
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.live import Live
from rich.table import Table
from rich.text import Text

from openvre.cli._common import HomeOption, console, err_console, settings_or_exit, user_errors
from openvre.clients.endpoints import service_token, service_url
from openvre.clients.reana import ReanaClient
from openvre.data._connection import connect
from openvre.data._ops import upload as upload_to_lake
from openvre.errors import InvalidInput, InvalidToken, OpenVREError
from openvre.results import Result
from openvre.workflows.submit import ENDED, follow, load_submission, submit_run, upload_files

app = typer.Typer(help="List, inspect, stop, restart and compare workflow runs.", no_args_is_help=True)

STATUS_STYLE = {"finished": "green", "failed": "red", "stopped": "yellow", "deleted": "dim", "running": "cyan"}
RESULT_STYLE = {"ok": "green", "notneeded": "dim", "impossible": "yellow", "error": "red"}
DEFAULT_STATUSES = ("created", "queued", "pending", "running", "finished", "failed", "stopped")

RunArgument = Annotated[str, typer.Argument(help="The run: NAME (latest run), NAME.N, NAME.N.M or its id.")]
ParameterOption = Annotated[list[str] | None, typer.Option("--parameter", "-p", help="Input parameter NAME=VALUE.")]
OptionOption = Annotated[
    list[str] | None, typer.Option("--option", "-o", help="Operational option, e.g. TARGET=step or FROM=step.")
]


def _client(home: Path | None) -> ReanaClient:
    settings = settings_or_exit(home=home)
    token = service_token(settings, "workflows")
    if not token:
        raise InvalidToken(
            "not logged in to the workflows service: run `vre login`, or set OPENVRE_TOKEN "
            "(a token from your profile page or `vre token create`)"
        )
    return ReanaClient(service_url(settings, "workflows"), token=token)


def _pairs(values: list[str] | None, what: str) -> dict[str, str]:
    pairs = {}
    for value in values or []:
        key, equals, item = value.partition("=")
        if not equals or not key:
            raise InvalidInput(f"{what} {value!r} is not NAME=VALUE, e.g. -p greeting=Hi")
        pairs[key] = item
    return pairs


def _render(results: Iterator[Result]) -> bool:
    """Print each result as it comes; True when none failed."""
    failed = 0
    for result in results:
        style = RESULT_STYLE[result.status]
        console.print(f"[{style}]{result.status:>10}[/] {result.action} {result.target}  {result.message}")
        failed += result.failed
    return not failed


# -- vre run ----------------------------------------------------------------------------------------
def run(
    spec: Annotated[Path, typer.Argument(help="The REANA specification.")] = Path("reana.yaml"),
    workflow: Annotated[str, typer.Option("--workflow", "-w", help="Workflow name (runs are NAME.N).")] = "workflow",
    parameters: ParameterOption = None,
    options: OptionOption = None,
    follow_: Annotated[bool, typer.Option("--follow", help="Show progress until the run ends.")] = False,
    register_outputs: Annotated[
        str | None,
        typer.Option(
            "--register-outputs", help="Scope: register the declared outputs as DIDs there (implies --follow)."
        ),
    ] = None,
    rse: Annotated[str | None, typer.Option(help="RSE for --register-outputs (default: the local RSE).")] = None,
    home: HomeOption = None,
) -> None:
    """Create a run from reana.yaml, upload its inputs and start it (reana-client run)."""
    with user_errors(), _client(home) as client:
        results = list(
            submit_run(
                client,
                spec,
                name=workflow,
                parameters=_pairs(parameters, "parameter"),
                options=_pairs(options, "option"),
            )
        )
        if not _render(iter(results)):
            raise typer.Exit(1)
        name = results[-1].target
        if not (follow_ or register_outputs):
            console.print(f"{name} is queued; `vre runs status {name}` shows how it goes")
            return
        _follow(client, name)
        if register_outputs:
            _register_outputs(client, name, register_outputs, rse, home)


def _register_outputs(client: ReanaClient, name: str, scope: str, rse: str | None, home: Path | None) -> None:
    """Put a finished run's declared outputs into the data lake, as the dataset ``scope:<run>.outputs``."""
    with tempfile.TemporaryDirectory(prefix="openvre-outputs-") as scratch:
        fetched = list(_downloads(client, name, _outputs(client, name), Path(scratch)))
        if not _render(iter(fetched)):
            raise typer.Exit(1)
        paths = [Path(result.message) for result in fetched]
        with connect(settings_or_exit(home=home)) as lake:
            target = rse or lake.local_rse
            if target is None:
                raise InvalidInput("--register-outputs needs --rse: the data lake has no local RSE configured")
            ok = _render(upload_to_lake(lake, paths, target, scope, dataset=f"{name}.outputs"))
    if not ok:
        raise typer.Exit(1)
    console.print(f"outputs registered as {scope}:{name}.outputs on {target}")


def _follow(client: ReanaClient, name: str) -> None:
    """A live line of progress until the run ends (one line per change when not on a terminal)."""
    status: dict[str, Any] = {}
    if console.is_terminal:
        with Live(console=console, refresh_per_second=4) as live:
            for status in follow(client, name):
                live.update(_progress_line(status))
    else:
        shown = Text()
        for status in follow(client, name):
            line = _progress_line(status)
            if line.plain != shown.plain:
                console.print(line)
                shown = line
    if status["status"] != "finished":
        reason = status.get("logs") or f"see `vre runs logs {name}`"
        err_console.print(f"[red]{name} {status['status']}[/]: {reason}")
        raise typer.Exit(1)
    files = client.get_files(name)
    console.print(f"{name} finished; its workspace holds {len(files)} file(s): `vre runs ls {name}`")


def _progress_line(status: dict[str, Any]) -> Text:
    progress = status.get("progress") or {}
    total = (progress.get("total") or {}).get("total") or 0
    done = (progress.get("finished") or {}).get("total") or 0
    text = Text.assemble((status["name"], "bold"), " ", (status["status"], STATUS_STYLE.get(status["status"], "")))
    if total:
        text.append(f"  {done}/{total} steps")
    if status["status"] not in ENDED and progress.get("current_step_name"):
        text.append(f"  step {progress['current_step_name']}: {progress.get('current_command') or ''}", "dim")
    return text


# -- vre runs ---------------------------------------------------------------------------------------
@app.command("list")
def list_(
    status: Annotated[list[str] | None, typer.Option("--status", "-s", help="Only runs in this state.")] = None,
    name: Annotated[str | None, typer.Option("--name", "-n", help="Only workflows whose name contains this.")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Include deleted runs.")] = False,
    home: HomeOption = None,
) -> None:
    """Your runs, newest first, with their progress."""
    statuses = status or [*DEFAULT_STATUSES, *(["deleted"] if all_ else [])]
    with user_errors(), _client(home) as client:
        found = client.get_workflows(statuses=statuses, name=name, include_progress=True)
    table = Table("run", "created", "started", "ended", "status", "steps")
    for item in found["items"]:
        progress = item.get("progress") or {}
        steps = f"{(progress.get('finished') or {}).get('total', 0)}/{(progress.get('total') or {}).get('total', 0)}"
        table.add_row(
            item["name"],
            item["created"],
            progress.get("run_started_at") or "-",
            progress.get("run_finished_at") or progress.get("run_stopped_at") or "-",
            Text(item["status"], STATUS_STYLE.get(item["status"], "")),
            steps,
        )
    console.print(table)
    err_console.print(f"{found['total']} run(s)")


@app.command("status")
def status_(run_: RunArgument, home: HomeOption = None) -> None:
    """A run's state, progress and the reason it ended."""
    with user_errors(), _client(home) as client:
        status = client.get_workflow_status(run_)
    console.print(_progress_line(status))
    progress = status.get("progress") or {}
    for label, key in (("created", None), ("started", "run_started_at"), ("ended", "run_finished_at")):
        value = status["created"] if key is None else progress.get(key) or progress.get("run_stopped_at")
        console.print(f"  {label:8} {value or '-'}")
    if status.get("logs"):
        console.print(f"  {status['logs']}")
    if status["status"] == "failed":
        raise typer.Exit(1)


@app.command("logs")
def logs(
    run_: RunArgument,
    step: Annotated[list[str] | None, typer.Option("--step", help="Only this step's log (repeatable).")] = None,
    home: HomeOption = None,
) -> None:
    """The engine's log and each step's output."""
    with user_errors(), _client(home) as client:
        found = client.get_workflow_logs(run_, step)
    if found.get("workflow_logs") and not step:
        console.rule("workflow engine")
        console.print(found["workflow_logs"], markup=False, end="")
    for job in found["job_logs"].values():
        console.rule(f"step {job['job_name']} ({job['status']})")
        console.print(f"$ {job['cmd']}", style="dim", markup=False)
        console.print(job["logs"], markup=False, end="")


@app.command("ls")
def ls(
    run_: RunArgument,
    pattern: Annotated[str | None, typer.Argument(help="Only files matching this glob.")] = None,
    home: HomeOption = None,
) -> None:
    """The files in a run's workspace."""
    with user_errors(), _client(home) as client:
        files = client.get_files(run_, pattern)
    table = Table("name", "size", "modified")
    for file in files:
        table.add_row(file["name"], file["size"]["human_readable"], file["last-modified"])
    console.print(table)


@app.command("download")
def download(
    run_: RunArgument,
    files: Annotated[
        list[str] | None, typer.Argument(help="Files, directories or globs; default: the outputs.")
    ] = None,
    directory: Annotated[Path, typer.Option("--output-directory", "-o", help="Where to save them.")] = Path("."),
    home: HomeOption = None,
) -> None:
    """Download workspace files (the declared outputs by default; directories and globs as a zip)."""
    with user_errors(), _client(home) as client:
        wanted = files or _outputs(client, run_)
        if not wanted:
            console.print(f"{run_} declares no outputs; name the files to download")
            return
        ok = _render(_downloads(client, run_, wanted, directory))
    if not ok:
        raise typer.Exit(1)


def _outputs(client: ReanaClient, run_: str) -> list[str]:
    outputs = client.get_workflow_specification(run_)["specification"].get("outputs") or {}
    return [*(outputs.get("files") or []), *(outputs.get("directories") or [])]


def _downloads(client: ReanaClient, run_: str, names: list[str], directory: Path) -> Iterator[Result]:
    for name in names:
        try:
            saved = client.download_file(run_, name, directory)
        except OpenVREError as error:  # one missing file must not hide the others
            yield Result("download", name, "error", error.message)
        else:
            yield Result("download", name, "ok", str(saved))


@app.command("upload")
def upload(
    run_: RunArgument,
    files: Annotated[list[Path], typer.Argument(help="Files, relative to the current directory.")],
    home: HomeOption = None,
) -> None:
    """Put files into a run's workspace under the same relative names."""
    with user_errors(), _client(home) as client:
        ok = _render(upload_files(client, run_, Path("."), [path.as_posix() for path in files]))
    if not ok:
        raise typer.Exit(1)


@app.command("stop")
def stop(run_: RunArgument, home: HomeOption = None) -> None:
    """Stop a queued or running run; its current step is killed."""
    with user_errors(), _client(home) as client:
        answer = client.stop_workflow(run_)
    console.print(f"{run_} is {answer['status']}")


@app.command("delete")
def delete(
    run_: RunArgument,
    all_runs: Annotated[bool, typer.Option("--all-runs", help="Every run of this workflow name.")] = False,
    home: HomeOption = None,
) -> None:
    """Delete a run (or all runs of its name) and the workspace no remaining run uses."""
    with user_errors(), _client(home) as client:
        client.delete_workflow(run_, all_runs=all_runs)
    console.print(f"all runs of {run_.split('.')[0]} deleted" if all_runs else f"{run_} deleted")


@app.command("restart")
def restart(
    run_: RunArgument,
    parameters: ParameterOption = None,
    options: OptionOption = None,
    spec: Annotated[Path | None, typer.Option("--file", "-f", help="A changed reana.yaml to run instead.")] = None,
    home: HomeOption = None,
) -> None:
    """Run an ended run again in its workspace as NAME.N.M, e.g. with -o FROM=step or a new reana.yaml."""
    with user_errors(), _client(home) as client:
        document = load_submission(spec) if spec is not None else None
        if spec is not None and not _render(upload_files(client, run_, spec.parent, [spec.name])):
            raise typer.Exit(1)
        answer = client.restart_workflow(
            run_,
            parameters=_pairs(parameters, "parameter"),
            options=_pairs(options, "option"),
            specification=document,
        )
    console.print(f"{answer['workflow_name']}.{answer['run_number']} is {answer['status']}")


@app.command("diff")
def diff(
    run_a: RunArgument,
    run_b: RunArgument,
    brief: Annotated[bool, typer.Option("--brief", "-q", help="Only name the files that differ.")] = False,
    home: HomeOption = None,
) -> None:
    """What differs between two runs: specification, parameters and workspace files."""
    with user_errors(), _client(home) as client:
        found = client.get_workflow_diff(run_a, run_b, brief=brief)
    if not found["specification"]:
        console.print("no differences in the specifications", style="dim")
    for section, lines in found["specification"].items():
        console.rule(f"specification: {section}")
        _print_diff(lines)
    console.rule("workspace")
    _print_diff(found["workspace"].splitlines() or ["no differences in the workspaces"])


def _print_diff(lines: list[str]) -> None:
    for line in lines:
        style = {"+": "green", "-": "red", "@": "cyan"}.get(line[:1], "")
        console.print(Text(line, style))
