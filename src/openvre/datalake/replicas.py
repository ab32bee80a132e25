"""Replicas: which files sit on which RSE, in which state, and the PFNs that reach them.

A replica is one file's copy on one RSE. Its ``path`` is the file's place under the RSE's root
(Rucio's ``hash`` convention on deterministic RSEs), so PFNs are computed from the RSE's protocols
and stay correct when a protocol changes.

States, as in Rucio (the letters are what clients send)::

    COPYING (C) ──► AVAILABLE (A) ──► BAD (B) / UNAVAILABLE (U)
         │                 ▲                   │
         └─────────────────┴───────────────────┘      any of them ──► BEING_DELETED (D), final

An upload registers a COPYING replica, writes the bytes, then sets it AVAILABLE; that is the moment
the rules waiting for it are told (:func:`openvre.datalake.rules.replica_available`). A replica
going BAD or UNAVAILABLE makes the locks on it STUCK, so their rules show the problem.

Example::

    add_replicas(session, "SITE_A", [NewReplica("user.jdoe", "f.root", 1024, adler32="0a1b2c3d")], "jdoe",
                 state=ReplicaState.COPYING)
    update_replicas_states(session, "SITE_A", [ReplicaStateUpdate("user.jdoe", "f.root", ReplicaState.AVAILABLE)])
    list_replicas(session, [("user.jdoe", "f.root")])[0].rses   # {'SITE_A': ['file://localhost/...']}
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from sqlalchemy import func, select, tuple_
from sqlalchemy.orm import Session

from openvre.datalake import dids, protocols, rses, rules
from openvre.datalake._tables import AttachmentRow, DidRow, LockRow, ReplicaRow, RseRow
from openvre.datalake.checksums import Checksums
from openvre.datalake.errors import (
    Duplicate,
    InvalidObject,
    ReplicaNotFound,
    UnsupportedOperation,
)
from openvre.datalake.lfn2pfn import hash_path, safe_join
from openvre.datalake.names import validate_name, validate_scope
from openvre.datalake.rule_targets import files_of
from openvre.datalake.storage import protocol_pfn


class ReplicaState(StrEnum):
    AVAILABLE = "AVAILABLE"
    COPYING = "COPYING"
    BAD = "BAD"
    UNAVAILABLE = "UNAVAILABLE"
    BEING_DELETED = "BEING_DELETED"


_LETTERS = {
    "A": ReplicaState.AVAILABLE,
    "C": ReplicaState.COPYING,
    "B": ReplicaState.BAD,
    "U": ReplicaState.UNAVAILABLE,
    "D": ReplicaState.BEING_DELETED,
}


def parse_replica_state(value: str) -> ReplicaState:
    """A state from its name or Rucio's one-letter code (``"A"``, ``"C"``, ``"B"``, ``"U"``, ``"D"``)."""
    text = str(value).upper()
    if text in _LETTERS:
        return _LETTERS[text]
    try:
        return ReplicaState(text)
    except ValueError:
        names = ", ".join(f"{state.value} ({letter})" for letter, state in _LETTERS.items())
        raise InvalidObject(f"unknown replica state {value!r}: use one of {names}", field="state") from None


@dataclass(frozen=True)
class NewReplica(dids.NewFile):
    """A file to register on an RSE; ``state`` overrides the call's, ``pfn`` is for non-deterministic RSEs."""

    state: ReplicaState | None = None
    pfn: str | None = None


@dataclass(frozen=True)
class ReplicaStateUpdate:
    scope: str
    name: str
    state: ReplicaState
    reason: str | None = None


@dataclass(frozen=True)
class Replica:
    scope: str
    name: str
    rse: str
    rse_id: str
    state: ReplicaState
    bytes: int | None
    path: str
    lock_cnt: int
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class ReplicaSource:
    """One PFN of a file: where, through which protocol priority, and in which state."""

    pfn: str
    rse: str
    rse_id: str
    rse_type: str
    volatile: bool
    state: ReplicaState
    domain: str = "wan"
    priority: int = 1
    client_extract: bool = False


@dataclass(frozen=True)
class FileReplicas:
    """A file and its replicas; ``parents`` lists every ancestor (``scope:name``) when asked for."""

    scope: str
    name: str
    bytes: int | None
    adler32: str | None
    md5: str | None
    sources: list[ReplicaSource] = field(default_factory=list)
    states: dict[str, ReplicaState] = field(default_factory=dict)
    parents: list[str] | None = None

    @property
    def rses(self) -> dict[str, list[str]]:
        """RSE name → its PFNs; an RSE whose protocols cannot be read from still appears, with none."""
        by_rse: dict[str, list[str]] = {rse: [] for rse in self.states}
        for source in self.sources:
            by_rse[source.rse].append(source.pfn)
        return by_rse


@dataclass(frozen=True)
class RSEUsage:
    """What the catalog holds on an RSE: every registered replica, whatever its state."""

    rse_id: str
    rse: str
    bytes: int
    files: int
    updated_at: datetime


def get_rse_usage(session: Session, rse: str) -> RSEUsage:
    target = rses.get_rse(session, rse)
    total, count, latest = session.execute(
        select(
            func.coalesce(func.sum(ReplicaRow.bytes), 0), func.count(ReplicaRow.id), func.max(ReplicaRow.updated_at)
        ).where(ReplicaRow.rse_id == target.id)
    ).one()
    return RSEUsage(target.id, target.name, int(total or 0), int(count), latest or target.updated_at)


def add_replicas(
    session: Session,
    rse: str,
    files: Sequence[NewReplica],
    account: str,
    state: ReplicaState = ReplicaState.AVAILABLE,
    ignore_availability: bool = True,
) -> list[Replica]:
    """Register files on an RSE, creating the FILE DIDs that do not exist yet (owned by ``account``).

    An existing DID must describe the same content (size, adler32, md5), else :class:`ChecksumMismatch`
    (checked by :func:`openvre.datalake.dids.add_files`); a replica already on the RSE is a :class:`Duplicate`.
    """
    target = rses.get_rse(session, rse)
    if not ignore_availability and not target.availability_write:
        raise UnsupportedOperation(
            f"RSE {rse} is not available for writing; ask an administrator to enable it (availability_write)"
        )
    seen: set[tuple[str, str]] = set()
    for file in files:
        _validate(file)
        if (file.scope, file.name) in seen:
            raise Duplicate(f"{file.scope}:{file.name} is given twice; register each file once")
        seen.add((file.scope, file.name))
    file_rows = _file_rows(session, files, account)
    paths = [_replica_path(session, target, file) for file in files]
    existing = session.scalars(
        select(ReplicaRow.did_id).where(
            ReplicaRow.rse_id == target.id, ReplicaRow.did_id.in_([row.id for row in file_rows])
        )
    ).all()
    for file, row in zip(files, file_rows, strict=True):
        if row.id in existing:
            raise Duplicate(f"File replica {file.scope}:{file.name} already exists on RSE {rse}")
    replicas = [
        ReplicaRow(did_id=row.id, rse_id=target.id, state=(file.state or state).value, bytes=file.bytes, path=path)
        for file, row, path in zip(files, file_rows, paths, strict=True)
    ]
    session.add_all(replicas)
    session.flush()
    return [_public(replica, row, target.name) for replica, row in zip(replicas, file_rows, strict=True)]


def update_replicas_states(session: Session, rse: str, updates: Sequence[ReplicaStateUpdate]) -> list[Replica]:
    """Move replicas to new states and tell the rules that depend on them.

    AVAILABLE turns the locks waiting for the replica OK; BAD or UNAVAILABLE makes them STUCK with the
    reason. A replica BEING_DELETED stays so.
    """
    target = rses.get_rse(session, rse)
    changed = []
    for update in updates:
        replica, did = _replica_row(session, target, update.scope, update.name)
        previous = ReplicaState(replica.state)
        if previous is ReplicaState.BEING_DELETED and update.state is not previous:
            raise UnsupportedOperation(
                f"replica {update.scope}:{update.name} on RSE {rse} is being deleted; register it again once it is gone"
            )
        replica.state = update.state.value
        session.flush()
        if update.state is not previous:
            _tell_rules(session, replica, update)
        changed.append(_public(replica, did, target.name))
    return changed


def declare_bad_replicas(session: Session, rse: str, dids_: Sequence[tuple[str, str]], reason: str) -> list[Replica]:
    """Mark replicas whose bytes are damaged or lost as BAD; the rules on them become STUCK with ``reason``."""
    updates = [ReplicaStateUpdate(scope, name, ReplicaState.BAD, reason) for scope, name in dids_]
    return update_replicas_states(session, rse, updates)


def declare_bad_replica(session: Session, rse: str, scope: str, name: str, reason: str) -> Replica:
    return declare_bad_replicas(session, rse, [(scope, name)], reason)[0]


def delete_replicas(session: Session, rse: str, dids_: Sequence[tuple[str, str]]) -> None:
    """Forget replicas. Delete the bytes first (``StorageElement.delete``), so nothing is left orphaned.

    A replica a rule protects cannot be deleted: remove the rule, and its replicas become deletable.
    """
    target = rses.get_rse(session, rse)
    rows = [_replica_row(session, target, scope, name)[0] for scope, name in dids_]
    for row, (scope, name) in zip(rows, dids_, strict=True):
        locked = session.scalars(
            select(LockRow.rule_id).where(LockRow.did_id == row.did_id, LockRow.rse_id == row.rse_id).limit(1)
        ).first()
        if locked is not None or row.lock_cnt > 0:
            protector = f"rule {locked}" if locked is not None else f"{row.lock_cnt} lock(s)"
            raise UnsupportedOperation(
                f"replica {scope}:{name} on RSE {rse} is protected by {protector}; delete the rule first"
            )
    for row in rows:
        session.delete(row)
    session.flush()


def list_replicas(
    session: Session,
    dids_: Sequence[tuple[str, str]],
    rse_expression: str | None = None,
    all_states: bool = False,
    schemes: Sequence[str] | None = None,
    resolve_parents: bool = False,
    ignore_availability: bool = True,
) -> list[FileReplicas]:
    """The replicas of the files the DIDs stand for, collections expanded; unknown DIDs are skipped.

    Only AVAILABLE replicas unless ``all_states``; only RSEs the expression selects; only protocols of
    the given ``schemes``; only readable RSEs unless ``ignore_availability``. Every file found is listed,
    even with no replica left, so a caller can tell "lost" from "unknown".
    """
    files = _files_of_dids(session, dids_)
    allowed_rses = set(rses.resolve_rse_expression(session, rse_expression)) if rse_expression else None
    query = select(ReplicaRow, RseRow).join(RseRow).where(ReplicaRow.did_id.in_([file.id for file in files]))
    if not all_states:
        query = query.where(ReplicaRow.state == ReplicaState.AVAILABLE.value)
    if not ignore_availability:
        query = query.where(RseRow.availability_read.is_(True))
    by_file: dict[int, list[tuple[ReplicaRow, RseRow]]] = {}
    for replica, rse in session.execute(query.order_by(RseRow.name)):
        if allowed_rses is None or rse.name in allowed_rses:
            by_file.setdefault(replica.did_id, []).append((replica, rse))
    parents = _ancestors(session, [file.id for file in files]) if resolve_parents else {}
    protocols = _ProtocolCache(session, schemes)
    return [
        _file_replicas(file, by_file.get(file.id, []), protocols, parents.get(file.id, []) if resolve_parents else None)
        for file in files
    ]


class _ProtocolCache:
    """The readable protocols of each RSE, looked up once per listing."""

    def __init__(self, session: Session, schemes: Sequence[str] | None) -> None:
        self._session = session
        self._schemes = set(schemes) if schemes else None
        self._by_rse: dict[str, list[protocols.Protocol]] = {}

    def readable(self, rse: str) -> list[protocols.Protocol]:
        if rse not in self._by_rse:
            usable = [
                protocol
                for protocol in rses.list_protocols(self._session, rse)
                if protocol.priority("read") is not None and (self._schemes is None or protocol.scheme in self._schemes)
            ]
            self._by_rse[rse] = sorted(usable, key=lambda protocol: protocol.priority("read") or 0)
        return self._by_rse[rse]


def _file_replicas(
    file: DidRow, replicas: list[tuple[ReplicaRow, RseRow]], protocols: _ProtocolCache, parents: list[str] | None
) -> FileReplicas:
    ranked = []
    for replica, rse in replicas:
        for protocol in protocols.readable(rse.name):
            ranked.append(
                (protocol.priority("read") or 0, rse.name, protocol_pfn(protocol, replica.path), replica, rse)
            )
    ranked.sort(key=lambda entry: (entry[0], entry[1]))
    sources = [
        ReplicaSource(
            pfn=pfn,
            rse=rse.name,
            rse_id=rse.id,
            rse_type=rse.rse_type,
            volatile=rse.volatile,
            state=ReplicaState(replica.state),
            priority=position,
        )
        for position, (_priority, _name, pfn, replica, rse) in enumerate(ranked, start=1)
    ]
    states = {rse.name: ReplicaState(replica.state) for replica, rse in replicas}
    return FileReplicas(file.scope, file.name, file.bytes, file.adler32, file.md5, sources, states, parents)


def _validate(file: NewReplica) -> None:
    validate_scope(file.scope)
    validate_name(file.name)
    Checksums(bytes=file.bytes, adler32=file.adler32, md5=file.md5)


def _file_rows(session: Session, files: Sequence[NewReplica], account: str) -> list[DidRow]:
    """The FILE DID row of every file, in order: the catalog creates missing ones and checks existing ones."""
    dids.add_files(session, files, account)  # a NewReplica is a NewFile
    keys = [(file.scope, file.name) for file in files]
    found = {(row.scope, row.name): row for row in _did_rows(session, keys)}
    return [found[key] for key in keys]


def _replica_path(session: Session, target: rses.RSE, file: NewReplica) -> str:
    """Where the file lives under the RSE's root: its hash path, or what its PFN says on other RSEs."""
    if target.deterministic:
        path = hash_path(file.scope, file.name)
        if file.pfn is not None and not _pfn_matches(session, target.name, path, file.pfn):
            raise InvalidObject(
                f"PFN {file.pfn} is not where RSE {target.name} keeps {file.scope}:{file.name}; leave the PFN out",
                field="pfn",
            )
        return path
    if file.pfn is None:
        raise InvalidObject(
            f"RSE {target.name} is not deterministic: give the PFN of {file.scope}:{file.name}", field="pfn"
        )
    for protocol in rses.list_protocols(session, target.name):
        root = protocol_pfn(protocol, "")
        if file.pfn.startswith(root):
            relative = file.pfn[len(root) :]
            safe_join(root, relative)
            return relative
    raise InvalidObject(f"PFN {file.pfn} is not under any protocol of RSE {target.name}", field="pfn")


def _pfn_matches(session: Session, rse: str, path: str, pfn: str) -> bool:
    return any(protocol_pfn(protocol, path) == pfn for protocol in rses.list_protocols(session, rse))


def _tell_rules(session: Session, replica: ReplicaRow, update: ReplicaStateUpdate) -> None:
    if update.state is ReplicaState.AVAILABLE:
        rules.replica_available(session, replica.did_id, replica.rse_id)
    elif update.state in (ReplicaState.BAD, ReplicaState.UNAVAILABLE):
        reason = update.reason or f"the replica was declared {update.state.value}"
        rules.locks_stuck(session, replica.did_id, replica.rse_id, reason)


def _replica_row(session: Session, target: rses.RSE, scope: str, name: str) -> tuple[ReplicaRow, DidRow]:
    found = session.execute(
        select(ReplicaRow, DidRow)
        .join(DidRow, DidRow.id == ReplicaRow.did_id)
        .where(ReplicaRow.rse_id == target.id, DidRow.scope == scope, DidRow.name == name)
    ).one_or_none()
    if found is None:
        raise ReplicaNotFound(
            f"no replica of {scope}:{name} on RSE {target.name}; list its replicas with "
            f"`rucio replica list file {scope}:{name}`"
        )
    replica, did = found
    return replica, did


def _did_rows(session: Session, keys: Iterable[tuple[str, str]]) -> list[DidRow]:
    wanted = list(dict.fromkeys(keys))
    if not wanted:
        return []
    return list(session.scalars(select(DidRow).where(tuple_(DidRow.scope, DidRow.name).in_(wanted))))


def _files_of_dids(session: Session, dids_: Sequence[tuple[str, str]]) -> list[DidRow]:
    """The FILE DIDs under the given DIDs, in the order asked, each once; unknown DIDs give nothing."""
    rows = {(row.scope, row.name): row for row in _did_rows(session, dids_)}
    files: dict[int, DidRow] = {}
    for key in dids_:
        row = rows.get((key[0], key[1]))
        if row is not None:
            for file in files_of(session, row.id):
                files.setdefault(file.id, file)
    return list(files.values())


def _ancestors(session: Session, did_ids: list[int]) -> dict[int, list[str]]:
    """DID id → ``scope:name`` of every collection above it, nearest first, each once."""
    parents_of: dict[int, list[int]] = {}
    visited, frontier = set(did_ids), set(did_ids)
    while frontier:
        links = session.execute(
            select(AttachmentRow.child_id, AttachmentRow.parent_id).where(AttachmentRow.child_id.in_(frontier))
        )
        frontier = set()
        for child, parent in links:
            parents_of.setdefault(child, []).append(parent)
            if parent not in visited:
                visited.add(parent)
                frontier.add(parent)
    parent_ids = {parent for parents in parents_of.values() for parent in parents}
    rows = session.execute(select(DidRow.id, DidRow.scope, DidRow.name).where(DidRow.id.in_(parent_ids)))
    names = {did_id: f"{scope}:{name}" for did_id, scope, name in rows}
    result: dict[int, list[str]] = {}
    for did_id in did_ids:
        seen: list[int] = []
        queue = list(parents_of.get(did_id, []))
        while queue:
            parent = queue.pop(0)
            if parent not in seen:
                seen.append(parent)
                queue.extend(parents_of.get(parent, []))
        result[did_id] = [names[parent] for parent in seen]
    return result


def _public(row: ReplicaRow, did: DidRow, rse: str) -> Replica:
    return Replica(
        scope=did.scope,
        name=did.name,
        rse=rse,
        rse_id=row.rse_id,
        state=ReplicaState(row.state),
        bytes=row.bytes,
        path=row.path,
        lock_cnt=row.lock_cnt,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )
