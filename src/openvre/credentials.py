"""The openvre token a user's tools act with: ``OPENVRE_TOKEN``, else the one `vre login` saved in HOME.

The saved file is created with mode 0600 in ``$OPENVRE_HOME`` (itself 0700), like a netrc.
"""

from __future__ import annotations

import os
from pathlib import Path

from openvre.settings import Settings

TOKEN_ENV = "OPENVRE_TOKEN"  # noqa: S105 - a variable name, not a secret
TOKEN_FILE = "token"  # noqa: S105 - a file name


def saved_token(settings: Settings) -> str | None:
    """The token from ``OPENVRE_TOKEN`` or the one `vre login` saved (0600) in HOME."""
    token = os.environ.get(TOKEN_ENV)
    if token:
        return token.strip()
    path = settings.home / TOKEN_FILE
    return path.read_text().strip() if path.is_file() else None


def save_token(settings: Settings, token: str) -> Path:
    path = settings.home / TOKEN_FILE
    settings.home.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as sink:
        sink.write(token + "\n")
    return path
