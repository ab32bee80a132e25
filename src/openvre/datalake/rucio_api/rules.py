"""Rucio's replication rule endpoints, thin over :mod:`openvre.datalake.rules`."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Request, Response

from openvre.datalake import rules
from openvre.datalake.errors import InvalidReplicationRule
from openvre.datalake.rucio_api._wire import JsonBody, RucioCaller, created, ndjson, require, rucio_json
from openvre.web.deps import DbSession

router = APIRouter()


def rule_json(rule: rules.Rule) -> dict[str, Any]:
    body = asdict(rule)
    body.update(
        eol_at=None,
        deleted_at=None,
        ignore_availability=False,
        ignore_account_limit=False,
        split_container=False,
        subscription_id=None,
        child_rule_id=None,
    )
    return body


@router.post("/rules/")
@router.post("/rules")
def add_replication_rule(request: Request, body: JsonBody, caller: RucioCaller, session: DbSession) -> Response:
    account = body.get("account") or caller.username
    require(caller, "add_rule", account)
    try:
        rule_request = rules.RuleRequest(
            dids=[(did["scope"], did["name"]) for did in body.get("dids", [])],
            account=account,
            copies=int(body.get("copies", 1)),
            rse_expression=str(body["rse_expression"]),
            grouping=body.get("grouping") or "DATASET",
            lifetime=int(body["lifetime"]) if body.get("lifetime") is not None else None,
            locked=bool(body.get("locked", False)),
            source_replica_expression=body.get("source_replica_expression"),
            activity=body.get("activity"),
            comment=body.get("comment"),
            purge_replicas=bool(body.get("purge_replicas", False)),
            weight=body.get("weight"),
            meta=body.get("meta"),
        )
    except (KeyError, TypeError, ValueError) as error:
        raise InvalidReplicationRule(
            f"malformed rule request ({error}); send dids, copies and rse_expression"
        ) from None
    rule_ids = rules.add_rules(session, rule_request)
    agent = request.app.state.transfer_agent
    if agent is not None:
        agent.wake()
    return created(rule_ids)


@router.get("/rules/{rule_id}")
def get_replication_rule(rule_id: str, caller: RucioCaller, session: DbSession) -> Response:
    return rucio_json(rule_json(rules.get_rule(session, rule_id)))


@router.get("/rules/")
@router.get("/rules")
def list_replication_rules(request: Request, caller: RucioCaller, session: DbSession) -> Response:
    query = request.query_params
    found = rules.list_rules(
        session,
        account=query.get("account"),
        scope=query.get("scope"),
        name=query.get("name"),
        state=query.get("state"),
    )
    return ndjson(rule_json(rule) for rule in found)


@router.put("/rules/{rule_id}")
def update_replication_rule(rule_id: str, body: JsonBody, caller: RucioCaller, session: DbSession) -> Response:
    require(caller, "update_rule", rules.get_rule(session, rule_id).account)
    options = body.get("options", {})
    rules.update_rule(session, rule_id, options)
    return Response(status_code=200)


@router.delete("/rules/{rule_id}")
def delete_replication_rule(rule_id: str, body: JsonBody, caller: RucioCaller, session: DbSession) -> Response:
    require(caller, "delete_rule", rules.get_rule(session, rule_id).account)
    purge = body.get("purge_replicas")
    rules.delete_rule(session, rule_id, purge_replicas=purge)
    return Response(status_code=200)


@router.get("/dids/{scope}/{name:path}/rules")
def list_did_rules(scope: str, name: str, caller: RucioCaller, session: DbSession) -> Response:
    return ndjson(rule_json(rule) for rule in rules.list_did_rules(session, scope, name))


@router.get("/accounts/{account}/rules")
def list_account_rules(account: str, caller: RucioCaller, session: DbSession) -> Response:
    return ndjson(rule_json(rule) for rule in rules.list_rules(session, account=account))
