"""Rucio's account limit and usage endpoints, thin over :mod:`openvre.datalake.limits`.

Unlimited is ``-1`` on the way in (what ``rucio account limit set --bytes infinity`` sends) and the
JSON token ``Infinity`` on the way out, as on a real Rucio server. openvre has no global
(RSE-expression) limits, so those endpoints answer empty.
"""

from __future__ import annotations

from fastapi import APIRouter, Response

from openvre import identity
from openvre.datalake import limits
from openvre.datalake.errors import InvalidObject
from openvre.datalake.rucio_api._wire import RucioCaller, created, ndjson, require, rucio_json
from openvre.datalake.rucio_api.rses import JsonObject
from openvre.web.deps import DbSession

router = APIRouter()


@router.post("/accounts/{account}/limits/local/{rse}")
def set_local_account_limit(
    account: str, rse: str, body: JsonObject, caller: RucioCaller, session: DbSession
) -> Response:
    require(caller, "set_account_limit", account)
    value = body.get("bytes")
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidObject(
            f'give the limit as {{"bytes": N}}, N a whole number of bytes or -1 for none, not {value!r}'
        )
    limits.set_local_account_limit(session, account, rse, value)
    return created()


@router.delete("/accounts/{account}/limits/local/{rse}")
def delete_local_account_limit(account: str, rse: str, caller: RucioCaller, session: DbSession) -> Response:
    require(caller, "delete_account_limit", account)
    limits.delete_local_account_limit(session, account, rse)
    return Response(status_code=200)


@router.get("/accounts/{account}/limits/local")
def get_local_account_limits(account: str, caller: RucioCaller, session: DbSession) -> Response:
    identity.get_account(session, account)
    return rucio_json(limits.get_local_account_limits(session, account))


@router.get("/accounts/{account}/limits/local/{rse}")
def get_local_account_limit(account: str, rse: str, caller: RucioCaller, session: DbSession) -> Response:
    identity.get_account(session, account)
    return rucio_json({rse: limits.get_local_account_limit(session, account, rse)})


@router.get("/accounts/{account}/limits/global")
def get_global_account_limits(account: str, caller: RucioCaller, session: DbSession) -> Response:
    identity.get_account(session, account)
    return rucio_json({})


@router.get("/accounts/{account}/usage/local")
@router.get("/accounts/{account}/usage/local/{rse}")
def get_local_account_usage(account: str, caller: RucioCaller, session: DbSession, rse: str | None = None) -> Response:
    identity.get_account(session, account)
    usages = limits.get_local_account_usage(session, account, rse)
    return ndjson(
        {
            "rse_id": usage.rse_id,
            "rse": usage.rse,
            "bytes": usage.bytes,
            "files": usage.files,
            "bytes_limit": usage.bytes_limit,
            "bytes_remaining": usage.bytes_remaining,
        }
        for usage in usages
    )


@router.get("/accounts/{account}/usage/global")
def get_global_account_usage(account: str, caller: RucioCaller, session: DbSession) -> Response:
    identity.get_account(session, account)
    return ndjson([])
