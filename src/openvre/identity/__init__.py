"""Identity: accounts, API tokens, portal logins and the permission policy."""

from openvre.identity.accounts import (
    ADMIN_USERNAME,
    Account,
    NewAccount,
    authenticate_password,
    create_account,
    create_accounts,
    ensure_admin,
    get_account,
    list_accounts,
    set_password,
)
from openvre.identity.browser_sessions import (
    BrowserLogin,
    end_browser_session,
    resolve_browser_session,
    start_browser_session,
)
from openvre.identity.policy import Decision, may
from openvre.identity.tokens import (
    ApiToken,
    CreatedToken,
    authenticate_token,
    create_token,
    list_tokens,
    revoke_token,
)

__all__ = [
    "ADMIN_USERNAME",
    "Account",
    "ApiToken",
    "BrowserLogin",
    "CreatedToken",
    "Decision",
    "NewAccount",
    "authenticate_password",
    "authenticate_token",
    "create_account",
    "create_accounts",
    "create_token",
    "end_browser_session",
    "ensure_admin",
    "get_account",
    "list_accounts",
    "list_tokens",
    "may",
    "resolve_browser_session",
    "revoke_token",
    "set_password",
    "start_browser_session",
]
