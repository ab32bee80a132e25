"""IPython extension: a notebook's attached data lake data as variables, with no setup in the notebook.

"Add to notebook" stores ``metadata.openvre.attachments = [{"did", "variable", "type"}]`` in the
notebook. When a kernel starts for that notebook (Jupyter Server names it in ``JPY_SESSION_NAME``), this
extension defines each ``variable``: a file DID becomes one :class:`pathlib.Path`, a dataset or container
a list of them, read where the session's RSE keeps them (``LOCAL`` on the embedded lake). Data that is
not there yet becomes a :class:`PendingData` placeholder: printing it says what state the data is in,
using it raises :class:`openvre.data.DataNotAvailable` saying what to do. Before each cell the
placeholders are checked again, so the variable turns into paths as soon as the data arrives, with no
kernel restart.

    import openvre.jupyter.kernel as _ovre
    _ovre.inject("events", "user.demo:dimuon-2012", ["/home/me/.openvre/rse/LOCAL/..."], "available")

:func:`inject` is what the JupyterLab extension runs silently after "Add to notebook", with the paths the
server found (no token goes into the kernel that way). Reading the lake at kernel start uses
:mod:`openvre.data` with the token the kernel inherits (``OPENVRE_TOKEN``, which the Jupyter server
extension sets at login) or the one `vre login` saved.

openvre's install enables the extension for every IPython kernel through a startup file in
``sys.prefix/etc/ipython/startup`` (see ``jupyter-config/ipython``): no kernel configuration by hand.
Nothing here may break a kernel: any failure becomes one warning, shown in the first cell's output.
"""

from __future__ import annotations

import json
import keyword
import os
import sys
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

from openvre.errors import InvalidToken

SESSION_ENV = "JPY_SESSION_NAME"
VOILA_PAGE_ENV = "SCRIPT_NAME"  # Voilà's CGI-style request variables, set for the kernels it starts
RETRY_AFTER_ERROR_SECONDS = 10.0
FILE_TYPES = ("file",)
RELOGIN = "after logging in, run `vre login` in a terminal or restart the kernel"


@dataclass(frozen=True)
class Attachment:
    """One entry of ``metadata.openvre.attachments``: which DID, under which variable name."""

    did: str
    variable: str
    is_file: bool


@dataclass(frozen=True)
class DataState:
    """Where the data is for this kernel: ``state`` as the workspace API says it, and local paths."""

    state: str  # available | replicating | stuck | not_available | unknown
    paths: list[Path]
    detail: str = ""


class PendingData:
    """Stands for data that is not readable here yet; every use says why and what to do."""

    __slots__ = ("_did", "_is_file", "_state")

    def __init__(self, did: str, state: DataState, is_file: bool) -> None:
        object.__setattr__(self, "_did", did)
        object.__setattr__(self, "_state", state)
        object.__setattr__(self, "_is_file", is_file)

    @property
    def openvre_message(self) -> str:
        """What ``repr`` shows and the error says: the DID, its state and the fix."""
        return explain(self._did, self._state)

    def _refuse(self, *_args: Any, **_kwargs: Any) -> NoReturn:
        # Imported here: openvre.data takes about a second to import, and kernels must start fast.
        from openvre.data import DataNotAvailable

        raise DataNotAvailable(self.openvre_message)

    __iter__ = __len__ = __getitem__ = __fspath__ = __str__ = __format__ = __call__ = _refuse

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            # Display and copy machinery probe dunder/private names and expect AttributeError.
            raise AttributeError(name)
        self._refuse()

    def __setattr__(self, name: str, value: object) -> None:
        self._refuse()

    def __repr__(self) -> str:
        return f"<{self.openvre_message}>"

    def __reduce__(self) -> NoReturn:
        self._refuse()


def explain(did: str, state: DataState) -> str:
    """The message for data in ``state``: what is happening and what the user can do about it."""
    get = f"openvre.data.get({did!r})"
    if state.state == "replicating":
        return (
            f"{did} is being made available here: {state.detail}. "
            f"Run the cell again in a moment, or call {get} to wait for it"
        )
    if state.state == "stuck":
        return (
            f"{did} is stuck: {state.detail}. Check the rule in the Data Lake panel (or `vre data rules`), "
            f'fix or delete it, then click "Make available" again'
        )
    if state.state == "unknown":
        return f"{did} could not be checked: {state.detail}. It is checked again before the next cell"
    return (
        f"{did} is not available here: {state.detail or 'no file of it is on this machine'}. "
        f'Click "Make available" in the Data Lake panel, or call {get} to bring it here and wait'
    )


def read_attachments(notebook: Path) -> list[Attachment]:
    """The valid attachments of a notebook file; entries that are not usable are skipped."""
    content = json.loads(notebook.read_text(encoding="utf-8"))
    entries = content.get("metadata", {}).get("openvre", {}).get("attachments", [])
    found = []
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, dict):
            continue
        did, variable = entry.get("did"), entry.get("variable")
        if isinstance(did, str) and ":" in did and _is_identifier(variable):
            found.append(Attachment(did, str(variable), str(entry.get("type", "")).lower() in FILE_TYPES))
    return found


def notebook_path(environ: dict[str, str] | os._Environ[str] = os.environ) -> Path | None:
    """The notebook this kernel was started for, from Jupyter Server's ``JPY_SESSION_NAME``.

    Jupyter Server gives an absolute path when the session names the file (JupyterLab does); otherwise
    the path is relative to the server's root, and the kernel runs in the notebook's folder. Voilà starts
    kernels without a session: it names the page it renders in ``SCRIPT_NAME`` (``…/voila/render/<path>``)
    and also runs the kernel in the notebook's folder, so dashboards get their attachments too.
    """
    named = environ.get(SESSION_ENV) or _voila_notebook(environ.get(VOILA_PAGE_ENV, ""))
    if not named or not named.endswith(".ipynb"):
        return None
    candidates = [Path(named), Path.cwd() / Path(named).name]
    return next((path for path in candidates if path.is_file()), None)


def _voila_notebook(page: str) -> str | None:
    _, marker, path = page.partition("/voila/render/")
    return urllib.parse.unquote(path) if marker and path.endswith(".ipynb") else None


class _Injector:
    """The extension's state in one kernel: the placeholders it still watches, one lake connection."""

    def __init__(self, shell: Any) -> None:
        self.shell = shell
        self.pending: dict[str, PendingData] = {}
        self.warning: str | None = None
        self.warned = False
        self._lake: Any = None
        self._retry_at = 0.0
        self._shown: set[str] = set()

    # -- at kernel start --------------------------------------------------------------------------
    def inject_attachments(self) -> None:
        path = notebook_path()
        attachments = read_attachments(path) if path else []
        for attachment in attachments:
            self.assign(attachment.variable, attachment.did, self.check(attachment.did), attachment.is_file)

    # -- variables --------------------------------------------------------------------------------
    def assign(self, variable: str, did: str, state: DataState, is_file: bool) -> None:
        if state.state == "available" and state.paths:
            value: object = state.paths[0] if is_file and len(state.paths) == 1 else list(state.paths)
            self.pending.pop(variable, None)
        else:
            value = PendingData(did, state, is_file)
            self.pending[variable] = value
        self.shell.user_ns[variable] = value
        self._shown.add(variable)

    def refresh(self) -> None:
        """Turn placeholders whose data arrived into paths; placeholders the user replaced are dropped."""
        for variable, placeholder in list(self.pending.items()):
            if self.shell.user_ns.get(variable) is not placeholder:
                del self.pending[variable]
                continue
            did, is_file = placeholder._did, placeholder._is_file
            state = self.check(did)
            if state.state != "unknown" or placeholder._state.state == "unknown":
                self.assign(variable, did, state, is_file)

    # -- the lake ---------------------------------------------------------------------------------
    def check(self, did: str) -> DataState:
        """The DID's state on this machine's RSE; errors become state ``unknown`` (retried later)."""
        if time.monotonic() < self._retry_at:
            return DataState("unknown", [], "the data lake did not answer; retrying in a few seconds")
        try:
            return lake_state(self.lake(), did)
        except InvalidToken as error:
            self._lake = None
            return DataState("unknown", [], f"{error.message} (a kernel keeps the token it started with: {RELOGIN})")
        except Exception as error:
            self._retry_at = time.monotonic() + RETRY_AFTER_ERROR_SECONDS
            self._lake = None
            return DataState("unknown", [], _describe(error))

    def lake(self) -> Any:
        if self._lake is None:
            from openvre.data import connect  # the lake is reached only when a notebook has attachments

            self._lake = connect()
        return self._lake

    # -- IPython hooks ----------------------------------------------------------------------------
    def pre_run_cell(self, *_info: object) -> None:
        try:
            self._unhide()
            if self.warning and not self.warned:
                self.warned = True
                print(f"openvre: {self.warning}", file=sys.stderr)
            if self.pending:
                self.refresh()
        except Exception as error:  # a hook that raises would be unregistered noisily by IPython
            self.fail(error)

    def _unhide(self) -> None:
        # Variables defined while the kernel starts are hidden from %who and variable inspectors
        # (IPython's hide_initial_ns); attached data is the user's, so show it.
        for variable in self._shown:
            self.shell.user_ns_hidden.pop(variable, None)
        self._shown.clear()

    def fail(self, error: BaseException) -> None:
        if self.warning is None:
            self.warning = f"attached data could not be set up ({_describe(error)}); the notebook runs without it"


def lake_state(lake: Any, did: str) -> DataState:
    """Available (with local paths), replicating, stuck or not available, on the lake's local RSE."""
    from openvre.data._ops import local_state

    rse = lake.local_rse
    if rse is None:
        return DataState("not_available", [], "this machine reads no RSE directly, so openvre.data.get() downloads it")
    found = local_state(lake, did, rse)
    return DataState(found.state, found.paths, found.message)


_injector: _Injector | None = None


def load_ipython_extension(ipython: Any) -> None:
    """IPython's entry point: hook the cell runs, then define the notebook's attached variables."""
    if _injector is not None and _injector.shell is ipython:
        return
    injector = _hook(ipython)
    try:
        injector.inject_attachments()
    except Exception as error:
        injector.fail(error)


def _hook(ipython: Any) -> _Injector:
    """This kernel's injector, with its check before every cell, without reading the notebook's attachments."""
    global _injector
    if _injector is None or _injector.shell is not ipython:
        _injector = _Injector(ipython)
        ipython.events.register("pre_run_cell", _injector.pre_run_cell)
        loaded = getattr(getattr(ipython, "extension_manager", None), "loaded", None)
        if isinstance(loaded, set):  # as if loaded by %load_ext, so %unload_ext and %reload_ext work on it
            loaded.add(__name__)
    return _injector


def unload_ipython_extension(ipython: Any) -> None:
    global _injector
    if _injector is not None and _injector.shell is ipython:
        ipython.events.unregister("pre_run_cell", _injector.pre_run_cell)
        _injector = None


def inject(
    variable: str,
    did: str,
    paths: list[str] | str,
    state: str = "available",
    *,
    did_type: str | None = None,
    message: str | None = None,
) -> None:
    """Define ``variable`` as ``did``'s local path(s), or a placeholder while ``state`` is not available.

    ``did_type`` ("file", "dataset", "container") decides one path or a list; without it a single path
    whose name is the DID's name is taken for a file. A placeholder is re-checked before every cell when
    this kernel can reach the lake.
    """
    if not _is_identifier(variable):
        raise ValueError(f"{variable!r} is not a Python variable name; choose one like {_suggest(did)!r}")
    # A kernel that started without attachments is hooked now. The notebook's other attachments are not
    # read again: the front end injects each one it adds, and reading them would ask the lake about each.
    injector = _hook(_current_shell())
    found = [Path(p) for p in ([paths] if isinstance(paths, str) else paths)]
    is_file = _is_file(did, found, did_type)
    injector.assign(variable, did, DataState(state, found, message or ""), is_file)


def _is_file(did: str, paths: list[Path], did_type: str | None) -> bool:
    if did_type:
        return did_type.lower() in FILE_TYPES
    return len(paths) == 1 and paths[0].name == did.partition(":")[2].rsplit("/", 1)[-1]


def _current_shell() -> Any:
    from IPython import get_ipython

    shell = get_ipython()
    if shell is None:
        raise RuntimeError("openvre.jupyter.kernel.inject runs inside an IPython kernel")
    return shell


def _is_identifier(name: object) -> bool:
    return isinstance(name, str) and name.isidentifier() and not keyword.iskeyword(name)


def _suggest(did: str) -> str:
    cleaned = "".join(c if c.isalnum() else "_" for c in did.partition(":")[2]).strip("_") or "data"
    return cleaned if _is_identifier(cleaned) else f"data_{cleaned}"


def _describe(error: BaseException) -> str:
    message = getattr(error, "message", None) or str(error) or type(error).__name__
    return str(message)


__all__ = ["DataState", "PendingData", "explain", "inject", "load_ipython_extension", "unload_ipython_extension"]
