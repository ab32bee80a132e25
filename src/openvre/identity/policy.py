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


RULES: dict[str, Rule] = {
    "create_account": _admin_only,
    "list_accounts": _admin_only,
    "get_account": _self_or_admin,
    "create_token": _self_or_admin,
    "list_tokens": _self_or_admin,
    "revoke_token": _self_or_admin,
}


def may(account: Account, action: str, target: str | None = None) -> Decision:
    rule = RULES.get(action)
    if rule is None:
        return Decision(False, f"no rule allows {action!r}")
    return rule(account, target)
