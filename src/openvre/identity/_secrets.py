"""Random bearer secrets and their stored digests.

Secrets carry 256 bits of randomness, so a plain SHA-256 digest is enough to store them: unlike
passwords they cannot be guessed, and a fast digest keeps every authenticated request cheap.
"""

from __future__ import annotations

import hashlib
import secrets


def new_secret(prefix: str) -> str:
    return f"{prefix}{secrets.token_urlsafe(32)}"


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()
