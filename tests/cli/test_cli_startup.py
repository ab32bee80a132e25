"""`vre` imports a command's module only when that command runs; each command still answers --help."""

from __future__ import annotations

import subprocess
import sys

import pytest

from openvre.cli import COMMANDS, load_command
from tests.support.vre_server import VRE

SERVER_SIDE = ("sqlalchemy", "alembic", "fastapi", "argon2", "uvicorn")


def test_help_lists_every_command_with_its_summary() -> None:
    shown = subprocess.run([str(VRE), "--help"], capture_output=True, text=True, env={"COLUMNS": "200"}, check=True)
    rows = [line.split() for line in shown.stdout.splitlines() if line.startswith("│ ")]
    listed = [row[1] for row in rows if len(row) > 2 and row[1][0].isalpha()]
    assert listed == list(COMMANDS)


@pytest.mark.parametrize("name", list(COMMANDS))
def test_the_listed_summary_is_the_commands_own(name: str) -> None:
    assert COMMANDS[name].summary == load_command(name).get_short_help_str(limit=500)


def test_a_mistyped_command_gets_a_suggestion() -> None:
    typo = subprocess.run([str(VRE), "dat"], capture_output=True, text=True, check=False)
    assert typo.returncode == 2 and "No such command" in typo.stderr and "data" in typo.stderr


@pytest.mark.parametrize("name", list(COMMANDS))
def test_each_command_answers_help(name: str) -> None:
    shown = subprocess.run([str(VRE), name, "--help"], capture_output=True, text=True, check=False)
    assert shown.returncode == 0, shown.stderr
    assert f"Usage: vre {name}" in shown.stdout


@pytest.mark.parametrize("module", ["openvre.cli.data", "openvre.cli.status", "openvre.data"])
def test_clients_load_without_the_server_side(module: str) -> None:
    """Notebooks and `vre data` talk HTTP: the database layer and the web framework stay unloaded."""
    probe = f"import sys, {module}; print(','.join(m for m in {SERVER_SIDE!r} if m in sys.modules))"
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout.strip()
    assert loaded == ""
