"""Paths people give the workspace, resolved inside the Jupyter root directory and nowhere else.

The panels name files as the file browser shows them: relative to the root Jupyter serves. A path
that would reach outside it (``..``, an absolute path, a symlink pointing out) is refused, so a
request can never read or write files the file browser does not show::

    >>> from pathlib import Path
    >>> resolve_path(Path("/srv/lab"), "analysis/reana.yaml")
    PosixPath('/srv/lab/analysis/reana.yaml')
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from openvre.errors import InvalidInput


class PathOutsideRoot(InvalidInput):
    """A path leaves the Jupyter root directory; the message names it and says what is accepted."""


def resolve_path(root: Path, given: str, *, field: str = "path") -> Path:
    """``given`` (relative to ``root``, POSIX separators) as an absolute path inside ``root``."""
    text = str(given).strip()
    relative = PurePosixPath(text)
    advice = "give a path relative to the folder the file browser shows, e.g. analysis/reana.yaml"
    if not text or text in (".", "/"):
        if text == "/":
            raise PathOutsideRoot(f"{text!r} is an absolute path; {advice}", field=field)
        return root.resolve()
    if relative.is_absolute() or text.startswith("~"):
        raise PathOutsideRoot(f"{text!r} is an absolute path; {advice}", field=field)
    if ".." in relative.parts:
        raise PathOutsideRoot(f"{text!r} climbs out with '..'; {advice}", field=field)
    base = root.resolve()
    target = base.joinpath(*relative.parts)
    if not target.resolve().is_relative_to(base):
        raise PathOutsideRoot(f"{text!r} is a symbolic link leading outside the Jupyter root; {advice}", field=field)
    return target


def relative_path(root: Path, path: Path) -> str:
    """How the file browser names ``path`` (inside ``root``)."""
    return path.resolve().relative_to(root.resolve()).as_posix()


__all__ = ["PathOutsideRoot", "relative_path", "resolve_path"]
