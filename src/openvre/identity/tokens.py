"""API tokens: bearer secrets for scripts, clients and the services' official command-line tools.

A token is shown once, when created; only its digest is stored. Tokens expire, can be revoked, and
record when they were last used (to the minute, so that using a token rarely writes to the database).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from openvre.db import utcnow
from openvre.errors import InvalidInput, InvalidToken, TokenNotFound
from openvre.identity._secrets import digest, new_secret
from openvre.identity._tables import AccountRow, TokenRow
from openvre.identity.accounts import Account, get_account_row

TOKEN_PREFIX = "vre_"  # noqa: S105 - a marker, not a secret
LAST_USED_RESOLUTION = timedelta(minutes=1)
MAX_TOKEN_NAME = 100


@dataclass(frozen=True)
class ApiToken:
    """A token as its owner may see it later: everything but the secret."""

    id: int
    name: str
    prefix: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and self.expires_at > utcnow()

    @classmethod
    def from_row(cls, row: TokenRow) -> ApiToken:
        return cls(
            id=row.id,
            name=row.name,
            prefix=row.prefix,
            created_at=row.created_at,
            expires_at=row.expires_at,
            revoked_at=row.revoked_at,
            last_used_at=row.last_used_at,
        )


@dataclass(frozen=True)
class CreatedToken:
    token: ApiToken
    secret: str


def create_token(session: Session, username: str, name: str, lifetime: timedelta) -> CreatedToken:
    name = name.strip()
    if not name or len(name) > MAX_TOKEN_NAME:
        raise InvalidInput(
            f"a token needs a name of 1 to {MAX_TOKEN_NAME} characters, saying where it is used", field="name"
        )
    if lifetime <= timedelta(0):
        raise InvalidInput("a token's lifetime must be positive, e.g. 30 days", field="lifetime")
    account = get_account_row(session, username)
    secret = new_secret(TOKEN_PREFIX)
    row = TokenRow(
        account=account,
        name=name,
        prefix=secret[: len(TOKEN_PREFIX) + 6],
        secret_hash=digest(secret),
        expires_at=utcnow() + lifetime,
    )
    session.add(row)
    session.flush()
    return CreatedToken(token=ApiToken.from_row(row), secret=secret)


def authenticate_token(session: Session, secret: str) -> Account:
    """The account a bearer token belongs to; the error says why a token is refused."""
    row = session.scalars(select(TokenRow).where(TokenRow.secret_hash == digest(secret))).one_or_none()
    if row is None:
        raise InvalidToken("the token is not valid; create one on your profile page or with `vre token create`")
    now = utcnow()
    if row.revoked_at is not None:
        raise InvalidToken(f"the token {row.name!r} was revoked on {row.revoked_at:%Y-%m-%d %H:%M} UTC")
    if row.expires_at <= now:
        raise InvalidToken(f"the token {row.name!r} expired on {row.expires_at:%Y-%m-%d %H:%M} UTC; create a new one")
    if not row.account.is_active:
        raise InvalidToken(f"the account {row.account.username!r} is disabled")
    if row.last_used_at is None or now - row.last_used_at >= LAST_USED_RESOLUTION:
        row.last_used_at = now
    return Account.from_row(row.account)


def list_tokens(session: Session, username: str) -> list[ApiToken]:
    rows = session.scalars(
        select(TokenRow)
        .join(AccountRow)
        .where(AccountRow.username == username)
        .order_by(TokenRow.created_at.desc(), TokenRow.id.desc())
    )
    return [ApiToken.from_row(row) for row in rows]


def revoke_token(session: Session, username: str, token_id: int) -> ApiToken:
    """Revoke one of ``username``'s tokens; revoking twice is not an error."""
    row = session.scalars(
        select(TokenRow).join(AccountRow).where(TokenRow.id == token_id, AccountRow.username == username)
    ).one_or_none()
    if row is None:
        raise TokenNotFound(f"{username!r} has no token with id {token_id}")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
    return ApiToken.from_row(row)
