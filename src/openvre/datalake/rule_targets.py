"""Where a rule's copies go: the files a DID stands for, and the RSEs chosen among the candidates.

RSEs that already hold the files win, so a rule on data that is already in place moves no byte;
with grouping DATASET or ALL every file of the DID goes to the same RSEs, as in Rucio.
"""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select
from sqlalchemy.orm import Session

from openvre.datalake import rses
from openvre.datalake._tables import AttachmentRow, DidRow, ReplicaRow, RseRow, RuleRow
from openvre.datalake.errors import InvalidRSEExpression


def files_of(session: Session, did_id: int) -> list[DidRow]:
    """The FILE DIDs under a DID (itself, if it is a file), following attachments to any depth."""
    root = session.get(DidRow, did_id)
    if root is None:
        return []
    if root.did_type == "FILE":
        return [root]
    files: dict[int, DidRow] = {}
    seen, frontier = {did_id}, [did_id]
    while frontier:
        children = session.scalars(
            select(DidRow)
            .join(AttachmentRow, AttachmentRow.child_id == DidRow.id)
            .where(AttachmentRow.parent_id.in_(frontier))
        ).all()
        frontier = []
        for child in children:
            if child.did_type == "FILE":
                files[child.id] = child
            elif child.id not in seen:
                seen.add(child.id)
                frontier.append(child.id)
    return sorted(files.values(), key=lambda row: (row.scope, row.name))


def rse_ids_for_expression(session: Session, expression: str, allow_empty: bool = False) -> list[str]:
    """The ids of the RSEs an expression selects; an empty selection is an error unless allowed."""
    try:
        names = rses.resolve_rse_expression(session, expression)
    except InvalidRSEExpression:
        if allow_empty:
            return []
        raise
    return list(session.scalars(select(RseRow.id).where(RseRow.name.in_(names)).order_by(RseRow.name)))


def choose_target_rses(
    session: Session,
    rule: RuleRow,
    files: list[DidRow],
    candidates: list[str],
    existing_locks: set[tuple[int, str]],
) -> dict[str, list[DidRow]]:
    """Place each file on ``rule.copies`` RSEs; keeps a grouped rule's files together."""
    if not files or not candidates:
        return {}
    held = _rses_holding(session, [file.id for file in files], candidates)
    placements: dict[str, list[DidRow]] = {}
    if rule.grouping == "NONE":
        for file in files:
            for rse_id in _rank(candidates, Counter(rse for did, rse in held if did == file.id))[: rule.copies]:
                placements.setdefault(rse_id, []).append(file)
        return placements
    already = sorted({rse for _did, rse in existing_locks if rse in candidates})
    chosen = already or _rank(candidates, Counter(rse for _did, rse in held))[: rule.copies]
    return {rse_id: list(files) for rse_id in chosen}


def _rses_holding(session: Session, did_ids: list[int], candidates: list[str]) -> list[tuple[int, str]]:
    rows = session.execute(
        select(ReplicaRow.did_id, ReplicaRow.rse_id).where(
            ReplicaRow.did_id.in_(did_ids), ReplicaRow.rse_id.in_(candidates), ReplicaRow.state == "AVAILABLE"
        )
    ).all()
    return [(did_id, rse_id) for did_id, rse_id in rows]


def _rank(candidates: list[str], holdings: Counter[str]) -> list[str]:
    return sorted(candidates, key=lambda rse_id: (-holdings[rse_id], candidates.index(rse_id)))
