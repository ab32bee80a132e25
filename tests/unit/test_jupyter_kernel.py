"""The kernel extension's pieces that need no kernel: placeholders, messages, attachments, the notebook path."""

from __future__ import annotations

import json
import os
import pickle
from pathlib import Path

import pytest

from openvre.data import DataNotAvailable
from openvre.jupyter.kernel import DataState, PendingData, _is_file, explain, notebook_path, read_attachments

DID = "user.demo:dimuon-2012"


def placeholder(state: str = "replicating", detail: str = "2/3 files on LOCAL") -> PendingData:
    return PendingData(DID, DataState(state, [], detail), is_file=False)


@pytest.mark.parametrize(
    "use",
    [
        iter,
        len,
        os.fspath,
        str,
        bool,
        lambda data: data[0],
        lambda data: open(data),  # noqa: SIM115
        lambda data: Path(data),
        lambda data: data.exists(),
        lambda data: f"{data}",
        lambda data: pickle.dumps(data),
    ],
)
def test_every_use_of_a_placeholder_raises_with_the_state_and_the_fix(use: object) -> None:
    with pytest.raises(DataNotAvailable) as raised:
        use(placeholder())  # type: ignore[operator]
    assert DID in raised.value.message and "2/3 files on LOCAL" in raised.value.message
    assert "openvre.data.get('user.demo:dimuon-2012')" in raised.value.message


def test_repr_says_the_same_without_raising_and_probes_see_no_attributes() -> None:
    data = placeholder()
    assert repr(data) == f"<{explain(DID, DataState('replicating', [], '2/3 files on LOCAL'))}>"
    assert not hasattr(data, "_repr_html_") and not hasattr(data, "__array__")
    assert "openvre_message" in dir(data)  # completion still works


def test_messages_name_the_state_and_what_to_do() -> None:
    assert "being made available here: 2/3 files on LOCAL" in explain(
        DID, DataState("replicating", [], "2/3 files on LOCAL")
    )
    stuck = explain(DID, DataState("stuck", [], "rule 7: no space left"))
    assert "stuck: rule 7: no space left" in stuck and "Make available" in stuck
    missing = explain(DID, DataState("not_available", [], "0/3 files on LOCAL"))
    assert 'Click "Make available"' in missing and f"openvre.data.get({DID!r})" in missing
    unknown = explain(DID, DataState("unknown", [], "not logged in to the data lake: run `vre login`"))
    assert "could not be checked" in unknown and "vre login" in unknown


def test_attachments_keep_valid_entries_only(tmp_path: Path) -> None:
    notebook = tmp_path / "a.ipynb"
    entries = [
        {"did": DID, "variable": "events", "type": "dataset"},
        {"did": "user.demo:dimuon_run1.csv", "variable": "run1", "type": "FILE"},
        {"did": "no-scope", "variable": "bad_did", "type": "file"},
        {"did": DID, "variable": "class", "type": "dataset"},
        {"did": DID, "variable": "not valid", "type": "dataset"},
        "not an entry",
    ]
    notebook.write_text(json.dumps({"cells": [], "metadata": {"openvre": {"attachments": entries}}}))
    found = read_attachments(notebook)
    assert [(a.variable, a.is_file) for a in found] == [("events", False), ("run1", True)]
    notebook.write_text(json.dumps({"cells": [], "metadata": {}}))
    assert read_attachments(notebook) == []


def test_the_notebook_path_is_absolute_or_next_to_the_kernel(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    notebook = tmp_path / "sub" / "a.ipynb"
    notebook.parent.mkdir()
    notebook.write_text("{}")
    assert notebook_path({"JPY_SESSION_NAME": str(notebook)}) == notebook
    monkeypatch.chdir(notebook.parent)
    assert notebook_path({"JPY_SESSION_NAME": "sub/a.ipynb"}) == Path.cwd() / "a.ipynb"
    assert notebook_path({"JPY_SESSION_NAME": "console-1"}) is None
    assert notebook_path({}) is None


def test_one_path_for_a_file_a_list_for_a_collection() -> None:
    one = [Path("/rse/user/demo/ab/cd/dimuon_run1.csv")]
    assert _is_file("user.demo:dimuon_run1.csv", one, None)
    assert not _is_file(DID, one, None)
    assert not _is_file("user.demo:dimuon_run1.csv", one, "dataset")
    assert _is_file(DID, one, "file")
