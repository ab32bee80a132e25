"""What an account may do. Identity says who you are; this module says what that allows.

Deny by default: an action that has no rule here is refused. Actions are named after the operation
(``"create_account"``), the same name the core function and the route carry.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from openvre.identity.accounts import Account


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str

    def __bool__(self) -> bool:
        return self.allowed


Rule = Callable[[Account, str | None], Decision]


def _admin_only(account: Account, _target: str | None) -> Decision:
    if account.is_admin:
        return Decision(True, "administrators may do this")
    return Decision(False, "only an administrator may do this; ask one to do it for you")


def _self_or_admin(account: Account, target: str | None) -> Decision:
    if account.is_admin or target == account.username:
        return Decision(True, "the account's owner or an administrator")
    return Decision(False, f"{account.username!r} may not act for {target!r}")


def _own_user_scope_or_admin(account: Account, scope: str | None) -> Decision:
    if account.is_admin or scope == f"user.{account.username}":
        return Decision(True, "an account may create its own user scope")
    return Decision(False, f"Account {account.username} can not add scope {scope}; ask an administrator")


def _anyone(_account: Account, _target: str | None) -> Decision:
    return Decision(True, "every account may do this")


# Targets: an account name for account-level, data, workflow and repository actions (the owner of the
# scope, rule, quota, workflow or deposition concerned), a scope name for add_scope.
RULES: dict[str, Rule] = {
    "create_account": _admin_only,
    "list_accounts": _admin_only,
    "get_account": _self_or_admin,
    "create_token": _self_or_admin,
    "list_tokens": _self_or_admin,
    "revoke_token": _self_or_admin,
    # data lake
    "add_scope": _own_user_scope_or_admin,
    "add_did": _self_or_admin,
    "attach_dids": _self_or_admin,
    "detach_dids": _self_or_admin,
    "set_metadata": _self_or_admin,
    "delete_metadata": _self_or_admin,
    "set_status": _self_or_admin,
    "reopen_did": _admin_only,  # as in Rucio: a closed collection is final for its owner
    "add_replicas": _self_or_admin,
    "update_replicas_states": _self_or_admin,
    "add_rule": _self_or_admin,
    "update_rule": _self_or_admin,
    "delete_rule": _self_or_admin,
    "add_rse": _admin_only,
    "update_rse": _admin_only,
    "add_protocol": _admin_only,
    "add_rse_attribute": _admin_only,
    "delete_rse_attribute": _admin_only,
    "set_account_limit": _admin_only,
    "delete_account_limit": _admin_only,
    "read_catalog": _anyone,
    # workflows: the target is the owner of the runs (callers only ever see their own)
    "create_workflow": _self_or_admin,
    "read_workflow": _self_or_admin,
    "run_workflow": _self_or_admin,  # start, restart, stop
    "delete_workflow": _self_or_admin,
    "write_workspace": _self_or_admin,  # upload and delete workspace files
    # repository: the target is the deposition's owner; published records are public, their files follow
    # the record's access right (read_closed_files for the rest); curators are the community's business
    "create_deposition": _self_or_admin,
    "read_deposition": _self_or_admin,
    "update_deposition": _self_or_admin,  # metadata, files, edit, discard, new version
    "publish_deposition": _self_or_admin,
    "delete_deposition": _self_or_admin,
    "read_closed_files": _self_or_admin,
    "create_community": _anyone,
}


def may(account: Account, action: str, target: str | None = None) -> Decision:
    rule = RULES.get(action)
    if rule is None:
        return Decision(False, f"no rule allows {action!r}")
    return rule(account, target)
