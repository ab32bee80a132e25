"""The exceptions of the workflows service, under :mod:`openvre.errors` so one handler catches a family.

    OpenVREError
    └── WorkflowError                    anything the workflows service refuses or cannot do
        ├── EngineNotAvailable           the workflow type's engine is not installed (names the pip extra)
        ├── InvalidWorkspacePath         (also InvalidInput) a user path would leave the run's workspace
        └── WorkspaceFileNotFound        (also NotFound) no such file in the workspace

A workflow that runs and fails is not an exception: engines report it as an ``EngineOutcome``.
"""

from __future__ import annotations

from openvre.errors import InvalidInput, NotFound, OpenVREError


class WorkflowError(OpenVREError):
    """Root of the workflows service's errors."""


class EngineNotAvailable(WorkflowError):
    """The engine for a workflow type is not installed; the message says which extra to install."""


class InvalidWorkspacePath(WorkflowError, InvalidInput):
    """A path given by a user (upload, download, reana.yaml) is absolute, climbs out, or leaves by a symlink."""


class WorkspaceFileNotFound(WorkflowError, NotFound):
    """The workspace has no file at the path asked for."""


__all__ = ["EngineNotAvailable", "InvalidWorkspacePath", "WorkflowError", "WorkspaceFileNotFound"]
