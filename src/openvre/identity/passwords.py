"""Password hashing with Argon2id, a memory-hard KDF, so a stolen database resists GPU cracking."""

from __future__ import annotations

import functools

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from openvre.errors import WeakPassword

MIN_PASSWORD_LENGTH = 8

# RFC 9106's second recommended option (64 MiB, 3 passes): memory-hard yet ~50 ms on a laptop core.
_hasher = PasswordHasher(time_cost=3, memory_cost=64 * 1024, parallelism=1)


@functools.cache
def _dummy_hash() -> str:
    """Verified when the account is unknown, so a login takes as long for a missing user as for a wrong password.

    Made on first use, not at import: hashing costs ~0.25 s, which every `vre` command would pay.
    """
    return _hasher.hash("openvre-timing-equaliser")


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise WeakPassword(
            f"the password has {len(password)} characters; use at least {MIN_PASSWORD_LENGTH}",
            field="password",
        )


def hash_password(password: str) -> str:
    check_password_strength(password)
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _dummy_hash(), password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)
