"""Scopes: the namespaces DIDs live in, each owned by one account (Rucio's ``scope`` table)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from openvre.datalake._tables import ScopeRow
from openvre.datalake.errors import Duplicate, ScopeNotFound
from openvre.datalake.names import validate_scope


@dataclass(frozen=True)
class Scope:
    name: str
    account: str
    created_at: datetime


def user_scope(account: str) -> str:
    """The personal scope every account gets, as Rucio names it."""
    return f"user.{account}"


def add_scopes(session: Session, scopes: list[tuple[str, str]]) -> list[Scope]:
    """Create ``(scope, owner account)`` pairs; an existing scope is a ``Duplicate``."""
    rows: list[ScopeRow] = []
    for name, account in scopes:
        validate_scope(name)
        if _find(session, name) is not None or any(row.name == name for row in rows):
            raise Duplicate(f"Scope '{name}' already exists!")
        rows.append(ScopeRow(name=name, account=account))
    session.add_all(rows)
    session.flush()
    return [_public(row) for row in rows]


def add_scope(session: Session, name: str, account: str) -> Scope:
    return add_scopes(session, [(name, account)])[0]


def ensure_scope(session: Session, name: str, account: str) -> Scope:
    """The scope, created for ``account`` if missing (demo data and personal scopes)."""
    row = _find(session, name)
    return _public(row) if row is not None else add_scope(session, name, account)


def get_scope(session: Session, name: str) -> Scope:
    row = _find(session, name)
    if row is None:
        raise ScopeNotFound(f"Scope '{name}' does not exist; list the scopes with `rucio scope list`")
    return _public(row)


def list_scopes(session: Session, account: str | None = None) -> list[Scope]:
    query = select(ScopeRow).order_by(ScopeRow.name)
    if account is not None:
        query = query.where(ScopeRow.account == account)
    return [_public(row) for row in session.scalars(query)]


def _find(session: Session, name: str) -> ScopeRow | None:
    return session.scalars(select(ScopeRow).where(ScopeRow.name == name)).one_or_none()


def _public(row: ScopeRow) -> Scope:
    return Scope(name=row.name, account=row.account, created_at=row.created_at)
