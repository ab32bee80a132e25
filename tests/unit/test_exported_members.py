"""Pin the public surface: a change here is a change users see."""

import openvre
import openvre.identity


def test_openvre_exports() -> None:
    assert sorted(openvre.__all__) == ["OpenVREError", "Settings", "__version__", "load_settings"]


def test_identity_exports() -> None:
    assert sorted(openvre.identity.__all__) == sorted(
        [
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
    )
    for name in openvre.identity.__all__:
        assert hasattr(openvre.identity, name)
