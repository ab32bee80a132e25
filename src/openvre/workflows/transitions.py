"""Run states and the one function that changes them.

REANA's states: ``created`` → ``queued`` (started) → ``pending`` (a scheduler took it) → ``running``
→ ``finished`` | ``failed`` | ``stopped``; any run that is not active may become ``deleted``.

Every change goes through :func:`transition`, which asks an ordered *policy* of small rules. A rule
declares the states it moves a run *from* and *to*; a change no rule declares is refused (deny by
default), and a rule may refuse a change it declares (:class:`KeepActiveRunsUntilStopped`) or record
what the change means (timestamps). Accepted changes are written to ``wf_state_changes`` with their
reason, so a run's history explains how it got where it is. Tests can pass their own policy.

    transition(session, run_row, RunStatus.QUEUED, "started by alice")
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import ClassVar

from sqlalchemy.orm import Session

from openvre.db import utcnow
from openvre.workflows._tables import RunRow, StateChangeRow
from openvre.workflows.errors import RunStateError


class RunStatus(StrEnum):
    CREATED = "created"
    QUEUED = "queued"
    PENDING = "pending"
    RUNNING = "running"
    FINISHED = "finished"
    FAILED = "failed"
    STOPPED = "stopped"
    DELETED = "deleted"


ACTIVE = frozenset({RunStatus.QUEUED, RunStatus.PENDING, RunStatus.RUNNING})
ENDED = frozenset({RunStatus.FINISHED, RunStatus.FAILED, RunStatus.STOPPED})


@dataclass(frozen=True)
class StateChange:
    """A proposed change, as the rules see it."""

    run: RunRow
    current: RunStatus
    proposed: RunStatus
    reason: str
    at: datetime

    @property
    def run_name(self) -> str:
        minor = f".{self.run.run_minor}" if self.run.run_minor else ""
        return f"{self.run.name}.{self.run.run_major}{minor}"


class TransitionRule:
    """A change of state the policy allows; subclasses name the states and what the change records."""

    from_states: ClassVar[frozenset[RunStatus]] = frozenset()
    to_states: ClassVar[frozenset[RunStatus]] = frozenset()

    def applies_to(self, change: StateChange) -> bool:
        return change.current in self.from_states and change.proposed in self.to_states

    def before(self, change: StateChange) -> None:
        """Raise :class:`RunStateError` to refuse the change."""

    def after(self, change: StateChange) -> None:
        """Record what the accepted change means on the run."""


class QueueCreatedRun(TransitionRule):
    from_states = frozenset({RunStatus.CREATED})
    to_states = frozenset({RunStatus.QUEUED})


class ClaimQueuedRun(TransitionRule):
    from_states = frozenset({RunStatus.QUEUED})
    to_states = frozenset({RunStatus.PENDING})


class StartPendingRun(TransitionRule):
    from_states = frozenset({RunStatus.PENDING})
    to_states = frozenset({RunStatus.RUNNING})

    def after(self, change: StateChange) -> None:
        change.run.started_at = change.at


class EndRunningRun(TransitionRule):
    from_states = frozenset({RunStatus.RUNNING})
    to_states = frozenset({RunStatus.FINISHED, RunStatus.FAILED})

    def after(self, change: StateChange) -> None:
        change.run.finished_at = change.at


class FailUnstartedRun(TransitionRule):
    """A run whose engine or workspace is missing fails before it runs."""

    from_states = frozenset({RunStatus.QUEUED, RunStatus.PENDING})
    to_states = frozenset({RunStatus.FAILED})

    def after(self, change: StateChange) -> None:
        change.run.finished_at = change.at


class StopActiveRun(TransitionRule):
    from_states = ACTIVE
    to_states = frozenset({RunStatus.STOPPED})

    def after(self, change: StateChange) -> None:
        change.run.stopped_at = change.at


class KeepActiveRunsUntilStopped(TransitionRule):
    """Deleting a run whose steps may still write to the workspace would leave them orphaned."""

    from_states = frozenset({RunStatus.PENDING, RunStatus.RUNNING})
    to_states = frozenset({RunStatus.DELETED})

    def before(self, change: StateChange) -> None:
        raise RunStateError(
            f"workflow {change.run_name} is {change.current} and cannot be deleted; "
            f"stop it first with `reana-client stop -w {change.run_name} --force`"
        )


class DeleteRun(TransitionRule):
    from_states = frozenset(RunStatus) - {RunStatus.DELETED}
    to_states = frozenset({RunStatus.DELETED})


Policy = Sequence[TransitionRule]

DEFAULT_POLICY: Policy = (
    QueueCreatedRun(),
    ClaimQueuedRun(),
    StartPendingRun(),
    EndRunningRun(),
    FailUnstartedRun(),
    StopActiveRun(),
    KeepActiveRunsUntilStopped(),
    DeleteRun(),
)


def transition(
    session: Session, run: RunRow, to_state: RunStatus, reason: str, *, policy: Policy = DEFAULT_POLICY
) -> None:
    """Move ``run`` to ``to_state`` if the policy allows it, and record the change; else RunStateError."""
    change, rules = _allowed(run, to_state, reason, policy)
    run.status = change.proposed.value
    for rule in rules:
        rule.after(change)
    session.add(
        StateChangeRow(
            run_id=run.id,
            from_status=change.current.value,
            to_status=change.proposed.value,
            reason=reason,
            at=change.at,
        )
    )


def check_transition(run: RunRow, to_state: RunStatus, *, policy: Policy = DEFAULT_POLICY) -> None:
    """Raise the RunStateError :func:`transition` would, changing nothing (to check a batch first)."""
    _allowed(run, to_state, "", policy)


def _allowed(run: RunRow, to_state: RunStatus, reason: str, policy: Policy) -> tuple[StateChange, list[TransitionRule]]:
    change = StateChange(run, RunStatus(run.status), RunStatus(to_state), reason, utcnow())
    rules = [rule for rule in policy if rule.applies_to(change)]
    if not rules:
        raise RunStateError(_refusal(change))
    for rule in rules:
        rule.before(change)
    return change, rules


def _refusal(change: StateChange) -> str:
    """Why a change no rule declares is refused, and what to do instead."""
    name, current = change.run_name, change.current.value
    if change.proposed is RunStatus.QUEUED:
        return (
            f"workflow {name} is already {current} and cannot be started again; "
            f"run it again with `reana-client restart -w {name}`"
        )
    if change.proposed is RunStatus.STOPPED:
        return f"workflow {name} is {current}, not queued or running, so there is nothing to stop"
    return f"workflow {name} is {current} and cannot become {change.proposed.value}"
