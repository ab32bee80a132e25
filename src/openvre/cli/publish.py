"""``vre publish`` and ``vre reproduce``: preserve a run or files as a record with a DOI; rerun a record.

They talk to the configured repository: this server's own (``/zenodo``) with your openvre token, or any
Zenodo-compatible endpoint, such as Zenodo's sandbox::

    $ vre publish run dimuon.1 --community cms
    $ vre publish files spectra.csv --title "Muon spectra" --creator "Doe, Jane;CERN;0000-0002-1825-0097"
    $ vre reproduce 10.5072/openvre.7
    $ OPENVRE_REPOSITORY__URL=https://sandbox.zenodo.org OPENVRE_REPOSITORY__TOKEN=... vre publish files data.csv ...

Each step prints one line (``ok``, ``notneeded``, ``impossible``, ``error``); uploads, downloads and
waiting for a run show progress bars. Any failure exits 1; ``vre reproduce`` exits 1 when an output differs.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from types import TracebackType
from typing import Annotated, Any

import typer
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
)
from rich.text import Text

from openvre.cli._common import HomeOption, console, err_console, settings_or_exit, user_errors
from openvre.cli.runs import _render as render
from openvre.connections import Connections
from openvre.errors import InvalidInput
from openvre.publish import export_run, files_metadata, parse_creator, publish_files, publish_run
from openvre.repository.dois import doi_url
from openvre.repository.run_package import WORKSPACE
from openvre.reproduce import REPRODUCED
from openvre.reproduce import reproduce as reproduce_record
from openvre.results import Result

app = typer.Typer(help="Publish a finished workflow run, or files, to the repository with a DOI.", no_args_is_help=True)

CommunityOption = Annotated[
    str | None, typer.Option("--community", "-c", help="Ask this community (its id or slug) to include the record.")
]


class _Amount(ProgressColumn):
    """Bytes as a download column shows them; steps and files as ``done/total``."""

    def __init__(self) -> None:
        super().__init__()
        self._bytes = DownloadColumn()

    def render(self, task: Task) -> Text:
        unit = task.fields.get("unit", "bytes")
        if unit == "bytes":
            return self._bytes.render(task)
        return Text(f"{int(task.completed)}/{int(task.total or 0)} {unit}", style="progress.download")


class _Bars:
    """Rich progress bars on stderr, one per long step, gone when the step is done."""

    def __init__(self) -> None:
        self.progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            _Amount(),
            TimeElapsedColumn(),
            console=err_console,
            transient=True,
        )

    def __enter__(self) -> _Bars:
        self.progress.start()
        return self

    def __exit__(self, *_exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.progress.stop()

    def task(self, description: str, total: float | None, unit: str = "bytes") -> Callable[[float], None]:
        task_id = self.progress.add_task(description, total=total, unit=unit)
        done = 0.0

        def advance(amount: float) -> None:
            nonlocal done
            done += amount
            self.progress.update(task_id, completed=done, visible=total is None or done < total)

        return advance


def _connections(home: Path | None) -> Connections:
    return Connections(settings_or_exit(home=home))


def _show(results: Iterator[Result]) -> tuple[bool, list[Result]]:
    """Print each result as it comes (as ``vre runs`` does); whether all succeeded, and the results."""
    seen: list[Result] = []

    def remembered() -> Iterator[Result]:
        for result in results:
            seen.append(result)
            yield result

    return render(remembered()), seen


def _announce(results: list[Result]) -> None:
    """The DOI and landing page of a publication, or exit 1 if it did not happen."""
    final = results[-1] if results else None
    if final is None or final.action != "publish" or final.status != "ok":
        raise typer.Exit(1)
    console.print(f"[bold green]published[/] DOI [bold]{final.target}[/]  {doi_url(final.target)}", highlight=False)
    if final.message:
        console.print(f"landing page {final.message}", highlight=False)


@app.command("run")
def run(
    run_: Annotated[str, typer.Argument(metavar="NAME.N", help="The finished run, e.g. dimuon.1.")],
    community: CommunityOption = None,
    home: HomeOption = None,
) -> None:
    """Publish a finished run: reana.yaml as run, code, inputs, outputs, RO-Crate provenance, README."""
    with user_errors(), _connections(home) as services, _Bars() as bars:
        _ok, results = _show(publish_run(run_, community, connections=services, progress=bars))
    _announce(results)


def export(
    run_: Annotated[str, typer.Argument(metavar="NAME.N", help="The finished run, e.g. dimuon.1.")],
    directory: Annotated[Path, typer.Option("--dir", help="Where to write the crate, README and codemeta.")] = Path(
        "."
    ),
    home: HomeOption = None,
) -> None:
    """Write a finished run as an RO-Crate (Workflow Run Crate profile) with README and codemeta.json."""
    with user_errors(), _connections(home) as services, _Bars() as bars:
        ok, _results = _show(export_run(run_, directory, connections=services, progress=bars))
    if not ok:
        raise typer.Exit(1)


@app.command("files")
def files(
    paths: Annotated[list[Path], typer.Argument(help="The files; each keeps its name in the record.")],
    title: Annotated[str | None, typer.Option(help="The record's title.")] = None,
    creator: Annotated[
        list[str] | None,
        typer.Option("--creator", help='"Family, Given[;affiliation[;ORCID]]"; repeat for several.'),
    ] = None,
    description: Annotated[str | None, typer.Option(help="An abstract (a little HTML allowed).")] = None,
    keyword: Annotated[list[str] | None, typer.Option("--keyword", "-k", help="Repeat for several.")] = None,
    license_: Annotated[
        str | None, typer.Option("--license", help="An SPDX id, e.g. cc-by-4.0 (default) or mit.")
    ] = None,
    community: Annotated[list[str] | None, typer.Option("--community", "-c", help="Repeat for several.")] = None,
    upload_type: Annotated[str | None, typer.Option(help="dataset (default), software, publication...")] = None,
    codemeta: Annotated[
        Path | None, typer.Option(help="A codemeta.json to take title, authors, license... from.", dir_okay=False)
    ] = None,
    home: HomeOption = None,
) -> None:
    """Publish files as one record; options win over what --codemeta says."""
    with user_errors():
        metadata = files_metadata(
            paths,
            title=title,
            creators=[parse_creator(text) for text in creator or []],
            description=description,
            keywords=keyword or [],
            license=license_,
            communities=community or [],
            upload_type=upload_type,
            codemeta=_read_codemeta(codemeta) if codemeta else None,
        )
        with _connections(home) as services, _Bars() as bars:
            _ok, results = _show(publish_files(paths, metadata, connections=services, progress=bars))
    _announce(results)


def _read_codemeta(path: Path) -> dict[str, Any]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise InvalidInput(f"cannot read {path} as codemeta JSON ({error}); give a codemeta.json file") from None
    if not isinstance(document, dict):
        raise InvalidInput(f"{path} is not a codemeta document (a JSON object)")
    return document


def reproduce(
    doi: Annotated[str, typer.Argument(help="The record's DOI (10.x/..., doi:... or https://doi.org/...).")],
    directory: Annotated[
        Path | None, typer.Option("--dir", "-d", help="An empty directory to work in (default: reproduce-<id>).")
    ] = None,
    home: HomeOption = None,
) -> None:
    """Rerun a published run from its DOI and compare each declared output; exit 1 if any differs."""
    with user_errors(), _connections(home) as services, _Bars() as bars:
        ok, results = _show(reproduce_record(doi, directory=directory, connections=services, progress=bars))
    compared = [result for result in results if result.action == "compare" and result.status != "notneeded"]
    restored = next((Path(result.target) for result in results if result.action == "restore"), None)
    differing = [result for result in compared if result.failed]
    if compared and not differing:
        console.print(f"[bold green]reproduced[/]: all {len(compared)} outputs identical to the published ones")
    elif compared:
        console.print(f"[bold red]not reproduced[/]: {len(differing)} of {len(compared)} outputs differ")
    if restored is not None and compared:
        console.print(f"published run in {restored / WORKSPACE}, the rerun's outputs in {restored / REPRODUCED}")
    if not ok:
        raise typer.Exit(1)
