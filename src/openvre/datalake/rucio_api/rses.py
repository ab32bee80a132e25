"""Rucio's RSE endpoints: storage elements, their attributes, protocols and usage.

Thin over :mod:`openvre.datalake.rses`. Reads are open to every logged-in account (the official client
reads RSE info before every upload and download); changes need the matching policy action.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response

from openvre.datalake import replicas, rses
from openvre.datalake.errors import InvalidObject
from openvre.datalake.rucio_api._wire import RucioCaller, created, json_body, ndjson, require, rucio_error, rucio_json
from openvre.web.deps import DbSession

router = APIRouter()

_RSE_SETTINGS = ("deterministic", "rse_type", "volatile")
_AVAILABILITY = ("availability_read", "availability_write", "availability_delete")


async def json_object(request: Request) -> dict[str, Any]:
    """The request body, which must be a JSON object; an empty body is an empty object."""
    body = await json_body(request)
    if not isinstance(body, dict):
        raise InvalidObject("the request body must be a JSON object")
    return body


JsonObject = Annotated[dict[str, Any], Depends(json_object)]


def rse_json(rse: rses.RSE) -> dict[str, Any]:
    """A full RSE row as ``GET /rses/`` lists it; the location columns openvre does not keep are null."""
    return {
        "id": rse.id,
        "rse": rse.name,
        "vo": "def",
        "rse_type": rse.rse_type,
        "deterministic": rse.deterministic,
        "volatile": rse.volatile,
        "staging_area": False,
        "availability": rse.availability,
        "availability_read": rse.availability_read,
        "availability_write": rse.availability_write,
        "availability_delete": rse.availability_delete,
        **dict.fromkeys(("city", "region_code", "country_name", "continent", "time_zone", "ISP", "ASN")),
        **dict.fromkeys(("longitude", "latitude", "qos_class")),
        "created_at": rse.created_at,
        "updated_at": rse.updated_at,
        "deleted": False,
        "deleted_at": None,
    }


@router.get("/rses/")
@router.get("/rses")
def list_rses(caller: RucioCaller, session: DbSession, expression: str | None = None) -> Response:
    if expression is None:
        return ndjson(rse_json(rse) for rse in rses.list_rses(session))
    return ndjson({"rse": name} for name in rses.resolve_rse_expression(session, expression))


@router.post("/rses/{rse}")
def add_rse(rse: str, body: JsonObject, caller: RucioCaller, session: DbSession) -> Response:
    require(caller, "add_rse", rse)
    settings = {key: body[key] for key in _RSE_SETTINGS if body.get(key) is not None}
    rses.add_rse(session, rse, **settings)
    availability = _availability(body)
    if availability:
        rses.update_rse(session, rse, **availability)
    return created()


@router.put("/rses/{rse}")
def update_rse(rse: str, body: JsonObject, caller: RucioCaller, session: DbSession) -> Response:
    require(caller, "update_rse", rse)
    rses.update_rse(session, rse, **_availability(body))
    return created()


@router.get("/rses/{rse}")
def get_rse(rse: str, caller: RucioCaller, session: DbSession) -> Response:
    return rucio_json(rses.rse_info(session, rse))


@router.get("/rses/{rse}/attr/")
@router.get("/rses/{rse}/attr")
def list_rse_attributes(rse: str, caller: RucioCaller, session: DbSession) -> Response:
    return rucio_json(rses.list_rse_attributes(session, rse))


@router.post("/rses/{rse}/attr/{key}")
def add_rse_attribute(rse: str, key: str, body: JsonObject, caller: RucioCaller, session: DbSession) -> Response:
    require(caller, "add_rse_attribute", rse)
    if "value" not in body:
        raise InvalidObject(f'give the attribute\'s value as {{"value": ...}} to set {key!r} on {rse}')
    rses.add_rse_attribute(session, rse, key, body["value"])
    return created()


@router.delete("/rses/{rse}/attr/{key}")
def delete_rse_attribute(rse: str, key: str, caller: RucioCaller, session: DbSession) -> Response:
    require(caller, "delete_rse_attribute", rse)
    rses.delete_rse_attribute(session, rse, key)
    return Response(status_code=200)


@router.post("/rses/{rse}/protocols/{scheme}")
def add_protocol(rse: str, scheme: str, body: JsonObject, caller: RucioCaller, session: DbSession) -> Response:
    require(caller, "add_protocol", rse)
    port = body.get("port")
    if port is not None and not isinstance(port, int):
        try:
            port = int(port)
        except ValueError:
            raise InvalidObject(f"invalid port {port!r}: give a number from 0 to 65535") from None
    rses.add_protocol(
        session,
        rse,
        scheme=scheme,
        hostname=str(body.get("hostname") or "localhost"),
        port=port,
        prefix=str(body.get("prefix") or ""),
        impl=str(body.get("impl") or ""),
        domains=body.get("domains"),
    )
    return created()


@router.get("/rses/{rse}/protocols")
def get_protocols(rse: str, caller: RucioCaller, session: DbSession) -> Response:
    protocols = rses.list_protocols(session, rse)
    if not protocols:
        # A Rucio exception openvre's core has no use for, so it is named only here, as the real server does.
        message = f"RSE {rse} has no protocols; add one with `rucio rse protocol add {rse} ...`"
        return rucio_error("RSEProtocolNotSupported", message, 404)
    return rucio_json([rses.protocol_info(protocol) for protocol in protocols])


@router.get("/rses/{rse}/usage")
def get_rse_usage(rse: str, caller: RucioCaller, session: DbSession) -> Response:
    usage = replicas.get_rse_usage(session, rse)
    return ndjson(
        [
            {
                "rse_id": usage.rse_id,
                "rse": usage.rse,
                "source": "rucio",
                "used": usage.bytes,
                "free": None,
                "total": usage.bytes,  # as a real server reports its "rucio" source: what the catalog counts
                "files": usage.files,
                "updated_at": usage.updated_at,
            }
        ]
    )


@router.get("/rses/{rse}/limits")
def get_rse_limits(rse: str, caller: RucioCaller, session: DbSession) -> Response:
    rses.get_rse(session, rse)
    return rucio_json({})


def _availability(body: dict[str, Any]) -> dict[str, bool]:
    """The availability flags in a body, from the three keys or Rucio's legacy bit field ``availability``."""
    if "availability" in body and body["availability"] is not None:
        if any(key in body for key in _AVAILABILITY):
            raise InvalidObject("give either 'availability' or availability_read/write/delete, not both")
        bits = body["availability"]
        if isinstance(bits, bool) or not isinstance(bits, int) or not 0 <= bits <= 7:
            raise InvalidObject(f"invalid availability {bits!r}: give 0 to 7 (read 4 + write 2 + delete 1)")
        return {
            "availability_read": bool(bits & 4),
            "availability_write": bool(bits & 2),
            "availability_delete": bool(bits & 1),
        }
    flags = {key: body[key] for key in _AVAILABILITY if body.get(key) is not None}
    for key, value in flags.items():
        if not isinstance(value, bool):
            raise InvalidObject(f"invalid {key} {value!r}: give true or false")
    return flags
