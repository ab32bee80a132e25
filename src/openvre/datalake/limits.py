"""Account limits (quotas) per RSE and what each account uses of them.

As in Rucio, an account's usage on an RSE is the bytes its rules lock there: every lock counts the
size of its file, so two rules of one account on the same file count it twice, and a file nobody's
rule protects counts for nobody. Usage is computed from the locks on demand rather than kept in a
counter, so it can never drift from them.

A limit of :data:`UNLIMITED` (``-1``, shown as ``Infinity`` on the wire) means no limit; an account
with no limit on an RSE may not place rules there at all, as in Rucio.

Example::

    set_local_account_limit(session, "alice", "SITE_A", 10 * 10**9)
    check_account_limit(session, "alice", rse_id, 2 * 10**9)   # raises InsufficientAccountLimit if over
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from openvre import identity
from openvre.datalake import rses
from openvre.datalake._tables import AccountLimitRow, DidRow, LockRow, RseRow, RuleRow
from openvre.datalake.errors import InsufficientAccountLimit, InvalidObject

UNLIMITED = -1


@dataclass(frozen=True)
class AccountUsage:
    """Bytes and files an account's rules lock on one RSE, next to its limit there (``inf``: none)."""

    rse_id: str
    rse: str
    bytes: int
    files: int
    bytes_limit: float
    bytes_remaining: float


def set_local_account_limit(session: Session, account: str, rse: str, bytes: int) -> None:
    """Allow ``account`` to lock up to ``bytes`` on ``rse`` (:data:`UNLIMITED` for no limit)."""
    if isinstance(bytes, bool) or not isinstance(bytes, int) or bytes < UNLIMITED:
        raise InvalidObject(f"invalid limit {bytes!r}: give a number of bytes, or -1 for no limit", field="bytes")
    identity.get_account(session, account)
    rse_id = rses.get_rse(session, rse).id
    row = _limit_row(session, account, rse_id)
    if row is None:
        session.add(AccountLimitRow(account=account, rse_id=rse_id, bytes=bytes))
    else:
        row.bytes = bytes
    session.flush()


def delete_local_account_limit(session: Session, account: str, rse: str) -> bool:
    """Remove the limit (the account may then place nothing new there); ``False`` if there was none."""
    row = _limit_row(session, account, rses.get_rse(session, rse).id)
    if row is None:
        return False
    session.delete(row)
    session.flush()
    return True


def get_local_account_limits(session: Session, account: str) -> dict[str, float]:
    """RSE name → limit in bytes, ``inf`` where unlimited, for every RSE where ``account`` has one."""
    rows = session.execute(
        select(RseRow.name, AccountLimitRow.bytes)
        .join(RseRow, RseRow.id == AccountLimitRow.rse_id)
        .where(AccountLimitRow.account == account)
        .order_by(RseRow.name)
    )
    return {rse: _as_limit(limit) for rse, limit in rows}


def get_local_account_limit(session: Session, account: str, rse: str) -> float | None:
    """The limit on one RSE, ``inf`` if unlimited, ``None`` if none was set."""
    row = _limit_row(session, account, rses.get_rse(session, rse).id)
    return None if row is None else _as_limit(row.bytes)


def get_local_account_usage(session: Session, account: str, rse: str | None = None) -> list[AccountUsage]:
    """Usage on every RSE where the account has a limit or locks something (or on ``rse`` alone)."""
    rse_id = rses.get_rse(session, rse).id if rse is not None else None
    used = _locked(session, account, rse_id)
    query = select(AccountLimitRow.rse_id, AccountLimitRow.bytes).where(AccountLimitRow.account == account)
    if rse_id is not None:
        query = query.where(AccountLimitRow.rse_id == rse_id)
    limits = {each_id: limit for each_id, limit in session.execute(query)}
    found = session.execute(select(RseRow.id, RseRow.name).where(RseRow.id.in_(set(used) | set(limits))))
    names = {each_id: name for each_id, name in found}
    usages = []
    for each_id in set(used) | set(limits):
        locked_bytes, files = used.get(each_id, (0, 0))
        limit = _as_limit(limits[each_id]) if each_id in limits else 0
        usages.append(AccountUsage(each_id, names[each_id], locked_bytes, files, limit, limit - locked_bytes))
    return sorted(usages, key=lambda usage: usage.rse)


def check_account_limit(session: Session, account: str, rse_id: str, extra_bytes: int) -> None:
    """Raise :class:`InsufficientAccountLimit` unless ``account`` may lock ``extra_bytes`` more on the RSE."""
    row = _limit_row(session, account, rse_id)
    limit = 0 if row is None else _as_limit(row.bytes)
    if math.isinf(limit):
        return
    locked_bytes, _files = _locked(session, account, rse_id).get(rse_id, (0, 0))
    if locked_bytes + extra_bytes <= limit:
        return
    rse = rses.get_rse_by_id(session, rse_id).name
    situation = (
        "has no quota there"
        if row is None
        else f"uses {locked_bytes} of its {int(limit)} bytes there and needs {extra_bytes} more"
    )
    raise InsufficientAccountLimit(
        f"There is insufficient quota on RSE {rse} for account {account}: it {situation}; "
        f"ask an administrator to run `rucio account limit set {account} --rse {rse} --bytes <size>`"
    )


def _locked(session: Session, account: str, rse_id: str | None) -> dict[str, tuple[int, int]]:
    """RSE id → (bytes, files) locked by ``account``'s rules; a lock without a size counts its file's."""
    size = func.coalesce(LockRow.bytes, DidRow.bytes, 0)
    query = (
        select(LockRow.rse_id, func.sum(size), func.count(LockRow.id))
        .join(RuleRow, RuleRow.id == LockRow.rule_id)
        .join(DidRow, DidRow.id == LockRow.did_id)
        .where(RuleRow.account == account)
        .group_by(LockRow.rse_id)
    )
    if rse_id is not None:
        query = query.where(LockRow.rse_id == rse_id)
    return {each_id: (int(total or 0), int(count)) for each_id, total, count in session.execute(query)}


def _limit_row(session: Session, account: str, rse_id: str) -> AccountLimitRow | None:
    return session.scalars(
        select(AccountLimitRow).where(AccountLimitRow.account == account, AccountLimitRow.rse_id == rse_id)
    ).one_or_none()


def _as_limit(stored: int) -> float:
    # Finite limits stay ints, so the wire shows 10000000000 rather than 10000000000.0.
    return math.inf if stored == UNLIMITED else stored
