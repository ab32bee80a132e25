"""The exceptions openvre's core raises, in one tree so callers can catch a whole family.

    OpenVREError
    ├── InvalidSettings              a setting has a value openvre cannot use
    ├── InvalidInput                 a caller's value is malformed (names the field and the fix)
    │   └── WeakPassword
    ├── NotFound
    │   ├── AccountNotFound
    │   └── TokenNotFound
    ├── AlreadyExists
    │   └── AccountExists
    ├── Conflict                     not possible in the current state of the thing
    ├── AuthenticationFailed         who you are could not be established
    │   ├── InvalidCredentials
    │   │   └── TooManyFailedLogins  wrong passwords in a row: wait ``retry_after`` seconds
    │   └── InvalidToken             unknown, expired or revoked token (the reason says which)
    └── PermissionDenied             who you are is known, but you may not do this

Each HTTP layer maps these classes to its own protocol's error format in one place; core code never
raises HTTP errors.
"""

from __future__ import annotations

import math


class OpenVREError(Exception):
    """Root of every error openvre raises on purpose; the message is written for the user."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidSettings(OpenVREError):
    """A setting cannot be used; the message names the setting and what it accepts."""


class InvalidInput(OpenVREError):
    """A value given by the caller is malformed."""


class WeakPassword(InvalidInput):
    """A password does not meet the minimum strength."""


class NotFound(OpenVREError):
    """The thing asked for does not exist, or the caller may not know that it does."""


class AccountNotFound(NotFound):
    pass


class TokenNotFound(NotFound):
    pass


class AlreadyExists(OpenVREError):
    """Creating the thing would duplicate one that exists."""


class AccountExists(AlreadyExists):
    pass


class Conflict(OpenVREError):
    """The request is well-formed but conflicts with the current state (closed dataset, bad bytes)."""


class AuthenticationFailed(OpenVREError):
    """The caller's identity could not be established."""


class InvalidCredentials(AuthenticationFailed):
    pass


class InvalidToken(AuthenticationFailed):
    pass


class TooManyFailedLogins(InvalidCredentials):
    """Logins for a user name wait after several wrong passwords; ``retry_after`` is how many seconds."""

    def __init__(self, message: str, *, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = max(1, math.ceil(retry_after))


class PermissionDenied(OpenVREError):
    """The caller is known but the policy does not allow the action."""


__all__ = [
    "AccountExists",
    "AccountNotFound",
    "AlreadyExists",
    "AuthenticationFailed",
    "Conflict",
    "InvalidCredentials",
    "InvalidInput",
    "InvalidSettings",
    "InvalidToken",
    "NotFound",
    "OpenVREError",
    "PermissionDenied",
    "TokenNotFound",
    "TooManyFailedLogins",
    "WeakPassword",
]
