"""Rucio's account endpoints: who am I, account details, an account's scopes."""

from __future__ import annotations

from fastapi import APIRouter, Response

from openvre import identity
from openvre.datalake import scopes
from openvre.datalake.rucio_api._wire import RucioCaller, created, require, rucio_json
from openvre.web.deps import DbSession

router = APIRouter()


def _account_json(account: identity.Account) -> dict[str, object]:
    created_at = account.created_at.strftime("%Y-%m-%dT%H:%M:%S")
    return {
        "account": account.username,
        "account_type": "USER",
        "status": "ACTIVE" if account.is_active else "SUSPENDED",
        "email": account.email,
        "created_at": created_at,
        "updated_at": created_at,
        "suspended_at": None,
        "deleted_at": None,
    }


@router.get("/accounts/whoami")
def whoami(caller: RucioCaller) -> Response:
    return rucio_json(_account_json(caller))


@router.get("/accounts/{account}")
def get_account(account: str, caller: RucioCaller, session: DbSession) -> Response:
    return rucio_json(_account_json(identity.get_account(session, account)))


@router.get("/accounts/{account}/attr/")
def list_account_attributes(account: str, caller: RucioCaller, session: DbSession) -> Response:
    found = identity.get_account(session, account)
    return rucio_json([{"key": "admin", "value": found.is_admin}] if found.is_admin else [])


@router.post("/accounts/{account}/scopes/{scope}")
def add_scope(account: str, scope: str, caller: RucioCaller, session: DbSession) -> Response:
    require(caller, "add_scope", scope)
    identity.get_account(session, account)
    scopes.add_scope(session, scope, account)
    return created()


@router.get("/accounts/{account}/scopes/")
@router.get("/accounts/{account}/scopes")
def list_scopes_for_account(account: str, caller: RucioCaller, session: DbSession) -> Response:
    return rucio_json([scope.name for scope in scopes.list_scopes(session, account)])


@router.get("/scopes/")
@router.get("/scopes")
def list_scopes(caller: RucioCaller, session: DbSession) -> Response:
    return rucio_json([scope.name for scope in scopes.list_scopes(session)])


@router.get("/scopes/owner/")
@router.get("/scopes/owner")
def list_scope_owners(caller: RucioCaller, session: DbSession) -> Response:
    return rucio_json([{"scope": s.name, "account": s.account} for s in scopes.list_scopes(session)])
