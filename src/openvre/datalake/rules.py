"""Replication rules: "keep N copies of this DID on RSEs matching this expression".

A rule owns one lock per (file, RSE). A lock is OK when an AVAILABLE replica sits under it, and
REPLICATING while bytes are on their way: either a transfer the agent owes (queued here), or a
client writing the file itself (an upload registers a COPYING replica first, then a rule). Rules on
collections are re-evaluated by :func:`evaluate_rule`, so files attached later get their locks.

State changes of locks and rules go through :func:`refresh_rule`, which counts locks and derives the
rule's state from them, so the counters can never drift from the locks.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from openvre.datalake._tables import DidRow, LockRow, ReplicaRow, RuleRow, TransferRow
from openvre.datalake.dids import get_did_row
from openvre.datalake.errors import (
    DuplicateRule,
    InvalidReplicationRule,
    RuleNotFound,
)
from openvre.datalake.lfn2pfn import hash_path
from openvre.datalake.limits import check_account_limit
from openvre.datalake.rule_targets import choose_target_rses, files_of, rse_ids_for_expression
from openvre.db import utcnow

GROUPINGS = ("DATASET", "ALL", "NONE")


@dataclass(frozen=True)
class RuleRequest:
    """What a client asks for; mirrors the body of Rucio's POST /rules/."""

    dids: list[tuple[str, str]]
    account: str
    copies: int
    rse_expression: str
    grouping: str = "DATASET"
    lifetime: int | None = None
    locked: bool = False
    source_replica_expression: str | None = None
    activity: str | None = None
    comment: str | None = None
    purge_replicas: bool = False
    weight: str | None = None
    meta: dict[str, object] | None = None


@dataclass(frozen=True)
class Rule:
    id: str
    account: str
    scope: str
    name: str
    did_type: str
    rse_expression: str
    copies: int
    grouping: str
    state: str
    error: str | None
    locks_ok_cnt: int
    locks_replicating_cnt: int
    locks_stuck_cnt: int
    locked: bool
    purge_replicas: bool
    activity: str
    source_replica_expression: str | None
    comments: str | None
    weight: str | None
    notification: str
    priority: int
    meta: object
    expires_at: datetime | None
    stuck_at: datetime | None
    created_at: datetime
    updated_at: datetime
    bytes: int


def add_rules(session: Session, request: RuleRequest) -> list[str]:
    """Create one rule per DID, with its locks, replicas-to-be and transfers, in the caller's transaction."""
    _validate(request)
    targets = rse_ids_for_expression(session, request.rse_expression)
    if request.copies > len(targets):
        raise InvalidReplicationRule(
            f"{request.copies} copies asked but the expression {request.rse_expression!r} selects only "
            f"{len(targets)} RSE(s); lower --copies or widen the expression"
        )
    rule_ids = []
    for scope, name in request.dids:
        did = get_did_row(session, scope, name)
        _refuse_duplicate(session, did, request)
        rule = RuleRow(
            id=uuid.uuid4().hex,
            account=request.account,
            did_id=did.id,
            rse_expression=request.rse_expression,
            copies=request.copies,
            grouping=request.grouping,
            state="REPLICATING",
            locked=request.locked,
            purge_replicas=request.purge_replicas,
            activity=request.activity or "User Subscriptions",
            source_replica_expression=request.source_replica_expression,
            comments=request.comment,
            weight=request.weight,
            meta=request.meta,
            expires_at=utcnow() + timedelta(seconds=request.lifetime) if request.lifetime else None,
        )
        session.add(rule)
        session.flush()
        evaluate_rule(session, rule.id, candidate_rse_ids=targets)
        rule_ids.append(rule.id)
    return rule_ids


def add_rule(session: Session, request: RuleRequest) -> str:
    return add_rules(session, request)[0]


def evaluate_rule(session: Session, rule_id: str, candidate_rse_ids: list[str] | None = None) -> None:
    """Give every file of the rule's DID its locks; idempotent, so it also picks up newly attached files."""
    rule = _rule_row(session, rule_id)
    files = files_of(session, rule.did_id)
    if candidate_rse_ids is None:
        candidate_rse_ids = rse_ids_for_expression(session, rule.rse_expression, allow_empty=True)
    existing = {
        (lock.did_id, lock.rse_id) for lock in session.scalars(select(LockRow).where(LockRow.rule_id == rule.id))
    }
    locked_files = {did_id for did_id, _ in existing}
    new_files = [file for file in files if file.id not in locked_files]
    if new_files:
        placements = choose_target_rses(session, rule, new_files, candidate_rse_ids, existing)
        for rse_id, placed in placements.items():
            check_account_limit(session, rule.account, rse_id, sum(f.bytes or 0 for f in placed))
            for file in placed:
                _lock_file(session, rule, file, rse_id)
    refresh_rule(session, rule.id)


def _lock_file(session: Session, rule: RuleRow, file: DidRow, rse_id: str) -> None:
    replica = session.scalars(
        select(ReplicaRow).where(ReplicaRow.did_id == file.id, ReplicaRow.rse_id == rse_id)
    ).one_or_none()
    if replica is None:
        replica = ReplicaRow(
            did_id=file.id,
            rse_id=rse_id,
            state="COPYING",
            bytes=file.bytes,
            path=hash_path(file.scope, file.name),
            lock_cnt=0,
        )
        session.add(replica)
        queue_transfer(session, file.id, rse_id)
    elif replica.state in ("BAD", "UNAVAILABLE"):
        replica.state = "COPYING"
        queue_transfer(session, file.id, rse_id)
    replica.lock_cnt += 1
    replica.tombstone = None
    state = "OK" if replica.state == "AVAILABLE" else "REPLICATING"
    session.add(LockRow(rule_id=rule.id, did_id=file.id, rse_id=rse_id, state=state, bytes=file.bytes))
    session.flush()


def queue_transfer(session: Session, did_id: int, dest_rse_id: str) -> None:
    """Owe a copy of a file to an RSE, unless one is already owed (one transfer per file and RSE)."""
    existing = session.scalars(
        select(TransferRow).where(TransferRow.did_id == did_id, TransferRow.dest_rse_id == dest_rse_id)
    ).one_or_none()
    if existing is None:
        session.add(TransferRow(did_id=did_id, dest_rse_id=dest_rse_id, state="QUEUED", next_attempt_at=utcnow()))
    elif existing.state in ("FAILED", "DONE"):
        existing.state, existing.attempts, existing.last_error = "QUEUED", 0, None
        existing.next_attempt_at = utcnow()
    session.flush()


def replica_available(session: Session, did_id: int, rse_id: str) -> None:
    """Bytes arrived and were verified: the locks waiting for them turn OK, and their rules follow."""
    locks = session.scalars(select(LockRow).where(LockRow.did_id == did_id, LockRow.rse_id == rse_id)).all()
    for lock in locks:
        lock.state = "OK"
    session.execute(delete(TransferRow).where(TransferRow.did_id == did_id, TransferRow.dest_rse_id == rse_id))
    session.flush()
    for rule_id in {lock.rule_id for lock in locks}:
        refresh_rule(session, rule_id)


def locks_stuck(session: Session, did_id: int, rse_id: str, reason: str) -> None:
    """A transfer gave up: its locks and their rules are STUCK, with the reason for the user."""
    locks = session.scalars(select(LockRow).where(LockRow.did_id == did_id, LockRow.rse_id == rse_id)).all()
    for lock in locks:
        lock.state = "STUCK"
    session.flush()
    for rule_id in {lock.rule_id for lock in locks}:
        refresh_rule(session, rule_id, error=reason)


def refresh_rule(session: Session, rule_id: str, error: str | None = None) -> None:
    """Recount the rule's locks and derive its state: STUCK beats REPLICATING beats OK."""
    rule = _rule_row(session, rule_id)
    counted = session.execute(
        select(LockRow.state, func.count()).where(LockRow.rule_id == rule_id).group_by(LockRow.state)
    ).all()
    counts: dict[str, int] = {state: number for state, number in counted}
    rule.locks_ok_cnt = counts.get("OK", 0)
    rule.locks_replicating_cnt = counts.get("REPLICATING", 0)
    rule.locks_stuck_cnt = counts.get("STUCK", 0)
    previous = rule.state
    if rule.locks_stuck_cnt:
        rule.state = "STUCK"
        rule.stuck_at = rule.stuck_at or utcnow()
        rule.error = error or rule.error
    elif rule.locks_replicating_cnt:
        rule.state, rule.error = "REPLICATING", None
    else:
        rule.state, rule.error, rule.stuck_at = "OK", None, None
    if rule.state != previous:
        rule.updated_at = utcnow()
    session.flush()


def get_rule(session: Session, rule_id: str) -> Rule:
    return _public(session, _rule_row(session, rule_id))


def list_rules(
    session: Session,
    *,
    account: str | None = None,
    scope: str | None = None,
    name: str | None = None,
    state: str | None = None,
) -> list[Rule]:
    query = select(RuleRow).join(DidRow, DidRow.id == RuleRow.did_id).order_by(RuleRow.created_at)
    if account is not None:
        query = query.where(RuleRow.account == account)
    if scope is not None:
        query = query.where(DidRow.scope == scope)
    if name is not None:
        query = query.where(DidRow.name == name)
    if state is not None:
        query = query.where(RuleRow.state == state)
    return [_public(session, row) for row in session.scalars(query)]


def list_did_rules(session: Session, scope: str, name: str) -> list[Rule]:
    get_did_row(session, scope, name)
    return list_rules(session, scope=scope, name=name)


def delete_rule(
    session: Session, rule_id: str, purge_replicas: bool | None = None, *, ignore_lock: bool = False
) -> None:
    """Remove a rule and its locks; replicas nobody locks any more get a tombstone for the reaper.

    ``ignore_lock`` is for expiry: a locked rule may not be removed by hand, but its lifetime still ends.
    """
    rule = _rule_row(session, rule_id)
    if rule.locked and not ignore_lock:
        raise InvalidReplicationRule(f"rule {rule_id} is locked; unlock it before removing it")
    purge = rule.purge_replicas if purge_replicas is None else purge_replicas
    locks = session.scalars(select(LockRow).where(LockRow.rule_id == rule_id)).all()
    for lock in locks:
        replica = session.scalars(
            select(ReplicaRow).where(ReplicaRow.did_id == lock.did_id, ReplicaRow.rse_id == lock.rse_id)
        ).one_or_none()
        if replica is not None:
            replica.lock_cnt = max(0, replica.lock_cnt - 1)
            if replica.lock_cnt == 0:
                replica.tombstone = utcnow() if purge else utcnow() + UNLOCKED_REPLICA_GRACE
                if replica.state == "COPYING":  # nothing verified arrived: no bytes to keep as a cache
                    replica.state = "UNAVAILABLE"
                    session.execute(
                        delete(TransferRow).where(
                            TransferRow.did_id == lock.did_id, TransferRow.dest_rse_id == lock.rse_id
                        )
                    )
        session.delete(lock)
    session.delete(rule)
    session.flush()


# Replicas no rule protects any more stay this long, as a cache, before the reaper may delete them.
UNLOCKED_REPLICA_GRACE = timedelta(hours=1)


def update_rule(session: Session, rule_id: str, options: dict[str, object]) -> Rule:
    rule = _rule_row(session, rule_id)
    for key, value in options.items():
        if key == "lifetime":
            rule.expires_at = utcnow() + timedelta(seconds=int(value)) if value is not None else None  # type: ignore[call-overload]
        elif key in ("locked", "purge_replicas"):
            setattr(rule, key, bool(value))
        elif key == "comment":
            rule.comments = None if value is None else str(value)
        else:
            raise InvalidReplicationRule(f"rule option {key!r} cannot be changed; use lifetime, locked, comment")
    rule.updated_at = utcnow()
    session.flush()
    return _public(session, rule)


def expired_rule_ids(session: Session) -> list[str]:
    return list(
        session.scalars(select(RuleRow.id).where(RuleRow.expires_at.is_not(None), RuleRow.expires_at <= utcnow()))
    )


def collection_rule_ids(session: Session) -> list[str]:
    return list(
        session.scalars(select(RuleRow.id).join(DidRow, DidRow.id == RuleRow.did_id).where(DidRow.did_type != "FILE"))
    )


def _validate(request: RuleRequest) -> None:
    if request.copies < 1:
        raise InvalidReplicationRule("copies must be at least 1")
    if request.grouping not in GROUPINGS:
        raise InvalidReplicationRule(f"grouping must be one of {', '.join(GROUPINGS)}, not {request.grouping!r}")
    if request.lifetime is not None and request.lifetime <= 0:
        raise InvalidReplicationRule("a rule's lifetime is a positive number of seconds")
    if not request.dids:
        raise InvalidReplicationRule("a rule needs at least one DID")


def _refuse_duplicate(session: Session, did: DidRow, request: RuleRequest) -> None:
    duplicate = session.scalars(
        select(RuleRow.id).where(
            RuleRow.did_id == did.id,
            RuleRow.account == request.account,
            RuleRow.rse_expression == request.rse_expression,
            RuleRow.copies == request.copies,
        )
    ).first()
    if duplicate is not None:
        raise DuplicateRule(
            f"rule {duplicate} already asks for {request.copies} copies of {did.scope}:{did.name} "
            f"on {request.rse_expression} for {request.account}"
        )


def _rule_row(session: Session, rule_id: str) -> RuleRow:
    row = session.get(RuleRow, rule_id)
    if row is None:
        raise RuleNotFound(f"No replication rule found with id {rule_id}")
    return row


def _public(session: Session, row: RuleRow) -> Rule:
    did = session.get(DidRow, row.did_id)
    assert did is not None
    return Rule(
        id=row.id,
        account=row.account,
        scope=did.scope,
        name=did.name,
        did_type=did.did_type,
        rse_expression=row.rse_expression,
        copies=row.copies,
        grouping=row.grouping,
        state=row.state,
        error=row.error,
        locks_ok_cnt=row.locks_ok_cnt,
        locks_replicating_cnt=row.locks_replicating_cnt,
        locks_stuck_cnt=row.locks_stuck_cnt,
        locked=row.locked,
        purge_replicas=row.purge_replicas,
        activity=row.activity,
        source_replica_expression=row.source_replica_expression,
        comments=row.comments,
        weight=row.weight,
        notification=row.notification,
        priority=row.priority,
        meta=row.meta,
        expires_at=row.expires_at,
        stuck_at=row.stuck_at,
        created_at=row.created_at,
        updated_at=row.updated_at,
        bytes=int(
            session.scalar(select(func.coalesce(func.sum(LockRow.bytes), 0)).where(LockRow.rule_id == row.id)) or 0
        ),
    )
