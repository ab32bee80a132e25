"""``vre validate``: check a reana.yaml as ``reana-client validate`` does, offline, with line numbers.

    $ vre validate -f reana.yaml --server-capabilities
    reana.yaml:14: warning: unexpected key `kubernetes_uid` ...
        fix: ...
    reana.yaml is valid, with 1 warning

Exit status 1 when REANA would refuse the file, 0 otherwise (warnings included), as reana-client.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text

from openvre.cli._common import HomeOption, console, settings_or_exit
from openvre.workflows.config import WorkflowsConfig
from openvre.workflows.validation import Problem, validate_spec


def validate(
    path: Annotated[Path, typer.Option("--file", "-f", help="The REANA specification to check.")] = Path("reana.yaml"),
    server_capabilities: Annotated[
        bool,
        typer.Option(
            "--server-capabilities",
            help="Also check that this openvre server offers each step's compute_backend.",
        ),
    ] = False,
    files: Annotated[
        bool,
        typer.Option(help="Check that the workflow file and inputs exist next to the specification."),
    ] = True,
    home: HomeOption = None,
) -> None:
    """Check a reana.yaml: REANA's schema, parameters, dangerous commands, and the files it names."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) else "it is not UTF-8 text"
        console.print(Text.assemble(("error: ", "bold red"), f"cannot read {path}: {reason}; give the file with -f"))
        raise typer.Exit(1) from None
    backends = None
    if server_capabilities:
        backends = WorkflowsConfig.from_settings(settings_or_exit(home=home)).compute_backends
    report = validate_spec(text, source=str(path), base_dir=path.parent if files else None, compute_backends=backends)
    for problem in sorted(report.errors, key=_line):
        _show(str(path), problem, "error", "red")
    for problem in sorted(report.warnings, key=_line):
        _show(str(path), problem, "warning", "yellow")
    console.print(_summary(str(path), len(report.errors), len(report.warnings)))
    if report.errors:
        raise typer.Exit(1)


def _line(problem: Problem) -> int:
    return problem.line or 0


def _show(source: str, problem: Problem, severity: str, colour: str) -> None:
    # Text, not markup: messages quote reana.yaml, whose `[...]` and `${...}` Rich would read as markup.
    where = f"{source}:{problem.line}" if problem.line else source
    console.print(Text.assemble((f"{where}: ", "bold"), (f"{severity}: ", f"bold {colour}"), problem.message))
    console.print(Text.assemble(("    fix: ", "dim"), problem.fix))


def _summary(source: str, errors: int, warnings: int) -> Text:
    counted = ", ".join(
        f"{count} {name}{'s' if count > 1 else ''}"
        for count, name in ((errors, "error"), (warnings, "warning"))
        if count
    )
    if errors:
        return Text(f"{source} is not a valid REANA specification: {counted}", style="bold red")
    if warnings:
        return Text(f"{source} is valid, with {counted}", style="yellow")
    return Text(f"{source} is a valid REANA specification", style="green")
