from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from openvre.workflows.errors import InvalidWorkspacePath, WorkspaceFileNotFound
from openvre.workflows.workspace import (
    check_spec_paths,
    checksum_files,
    delete_files,
    list_files,
    read_file,
    safe_path,
    write_file,
)


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    root.mkdir()
    return root


@pytest.mark.parametrize(
    ("path", "problem"),
    [
        ("/etc/passwd", "it is absolute"),
        ("../outside", "'..' segments are not allowed"),
        ("data/../../outside", "'..' segments are not allowed"),
        ("", "it is empty"),
        ("a\0b", "NUL"),
        ("a\\b", "backslash"),
    ],
)
def test_safe_path_refuses_paths_that_leave_the_workspace(workspace: Path, path: str, problem: str) -> None:
    with pytest.raises(InvalidWorkspacePath, match=problem):
        safe_path(workspace, path)


def test_safe_path_refuses_symlinks_pointing_out_but_follows_those_inside(workspace: Path, tmp_path: Path) -> None:
    (tmp_path / "secret").mkdir()
    os.symlink(tmp_path / "secret", workspace / "escape")
    (workspace / "data").mkdir()
    os.symlink("data", workspace / "alias")

    with pytest.raises(InvalidWorkspacePath, match="outside the workspace through a symbolic link"):
        safe_path(workspace, "escape/key.pem")
    assert safe_path(workspace, "./alias/x.txt") == workspace.resolve() / "alias" / "x.txt"


def test_write_list_read_checksum_and_delete(workspace: Path) -> None:
    write_file(workspace, "data/names.txt", b"hello world")
    write_file(workspace, "code/run.sh", io.BytesIO(b"echo hi\n"))
    (workspace / ".openvre/logs").mkdir(parents=True)
    (workspace / ".openvre/logs/001-step.log").write_text("internal")

    assert [(f.name, f.size) for f in list_files(workspace)] == [("code/run.sh", 8), ("data/names.txt", 11)]
    assert read_file(workspace, "data/names.txt") == b"hello world"
    sums = checksum_files(workspace, ["data/names.txt"])["data/names.txt"]
    assert (sums.bytes, sums.adler32, sums.md5) == (11, "1a0b045d", "5eb63bbbe01eeed093cb22bb8f5acdc3")

    assert delete_files(workspace, ["data/*.txt", "nothing/*", "code"]) == ["data/names.txt", "code"]
    assert list_files(workspace) == []
    assert (workspace / ".openvre/logs/001-step.log").exists()


def test_users_cannot_write_or_delete_openvre_files_nor_read_missing_ones(workspace: Path) -> None:
    with pytest.raises(InvalidWorkspacePath, match="reserved"):
        write_file(workspace, ".openvre/logs/x.log", b"forged")
    (workspace / ".openvre").mkdir()
    assert delete_files(workspace, ["*", ".openvre"]) == []
    with pytest.raises(WorkspaceFileNotFound):
        read_file(workspace, "missing.txt")
    with pytest.raises(InvalidWorkspacePath):
        delete_files(workspace, ["../*"])


def test_listing_skips_symlinks_to_files_outside(workspace: Path, tmp_path: Path) -> None:
    (tmp_path / "outside.txt").write_text("not yours")
    os.symlink(tmp_path / "outside.txt", workspace / "link.txt")

    assert list_files(workspace) == []
    assert delete_files(workspace, ["link.txt"]) == ["link.txt"]
    assert (tmp_path / "outside.txt").exists()


def test_spec_paths_are_checked_naming_the_entry(workspace: Path) -> None:
    spec = {
        "inputs": {"files": ["data/names.txt"], "parameters": {"input": "../job.yml"}},
        "workflow": {"type": "cwl", "file": "workflow/hello.cwl"},
        "outputs": {"files": ["results/ok.txt", "/etc/shadow"]},
    }
    with pytest.raises(InvalidWorkspacePath, match=r"outputs.files\[1\]: refusing path '/etc/shadow'") as caught:
        check_spec_paths(workspace, spec)
    assert caught.value.field == "outputs.files[1]"

    spec["outputs"]["files"] = ["results/ok.txt"]
    with pytest.raises(InvalidWorkspacePath, match=r"inputs\.parameters\.input"):
        check_spec_paths(workspace, spec)

    spec["workflow"]["type"] = "serial"  # for serial workflows `input` is an ordinary parameter
    check_spec_paths(workspace, spec)
