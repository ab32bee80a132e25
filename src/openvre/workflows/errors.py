"""The exceptions of the workflows service, under :mod:`openvre.errors` so one handler catches a family.

    OpenVREError
    └── WorkflowError                    anything the workflows service refuses or cannot do
        ├── EngineNotAvailable           the workflow type's engine is not installed (names the pip extra)
        ├── InvalidWorkspacePath         (also InvalidInput) a user path would leave the run's workspace
        ├── WorkspaceFileNotFound        (also NotFound) no such file in the workspace
        ├── InvalidWorkflowSpec          (also InvalidInput) a reana.yaml REANA would refuse; ``problems`` lists why
        ├── WorkflowNotFound             (also NotFound) no workflow or run by that name, number or id
        └── RunStateError                (also Conflict) not possible in the run's current state

A workflow that runs and fails is not an exception: engines report it as an ``EngineOutcome``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from openvre.errors import Conflict, InvalidInput, NotFound, OpenVREError

if TYPE_CHECKING:
    from openvre.workflows._problems import Problem


class WorkflowError(OpenVREError):
    """Root of the workflows service's errors."""


class EngineNotAvailable(WorkflowError):
    """The engine for a workflow type is not installed; the message says which extra to install."""


class InvalidWorkspacePath(WorkflowError, InvalidInput):
    """A path given by a user (upload, download, reana.yaml) is absolute, climbs out, or leaves by a symlink."""


class WorkspaceFileNotFound(WorkflowError, NotFound):
    """The workspace has no file at the path asked for."""


class InvalidWorkflowSpec(WorkflowError, InvalidInput):
    """A reana.yaml that REANA would refuse. ``problems`` holds every error found, each with its line and fix.

    The message is the first problem (and how many more there are), so one line tells the user where to start.
    """

    def __init__(self, message: str, *, problems: Sequence[Problem] = (), field: str | None = None) -> None:
        super().__init__(message, field=field)
        self.problems: tuple[Problem, ...] = tuple(problems)

    def __reduce__(self) -> tuple[type[InvalidWorkflowSpec], tuple[str], dict[str, object]]:
        # The default rebuilds from the message alone and would drop the problems.
        return (type(self), (self.message,), self.__dict__)


class WorkflowNotFound(WorkflowError, NotFound):
    pass


class RunStateError(WorkflowError, Conflict):
    """The run's state does not allow the action; the message says what would."""


__all__ = [
    "EngineNotAvailable",
    "InvalidWorkflowSpec",
    "InvalidWorkspacePath",
    "RunStateError",
    "WorkflowError",
    "WorkflowNotFound",
    "WorkspaceFileNotFound",
]
