"""openvre's own identity API under ``/api/v1``: who am I, accounts (admin) and API tokens."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, status
from pydantic import BaseModel, Field

from openvre import identity
from openvre.identity import Account, ApiToken
from openvre.web.deps import Allowed, CurrentAccount, DbSession, LoginThrottleDep, SettingsDep

router = APIRouter(prefix="/api/v1", tags=["identity"])


class AccountPublic(BaseModel):
    username: str
    email: str
    display_name: str
    is_admin: bool
    is_active: bool
    created_at: datetime

    @classmethod
    def of(cls, account: Account) -> AccountPublic:
        return cls(
            username=account.username,
            email=account.email,
            display_name=account.display_name,
            is_admin=account.is_admin,
            is_active=account.is_active,
            created_at=account.created_at,
        )


class AccountCreate(BaseModel):
    username: str = Field(description="1 to 25 lowercase letters, digits, '-' or '_'")
    password: str | None = Field(default=None, description="At least 8 characters; omit for token-only use")
    email: str = ""
    display_name: str = ""
    is_admin: bool = False


class TokenPublic(BaseModel):
    id: int
    name: str
    prefix: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None
    active: bool

    @classmethod
    def of(cls, token: ApiToken) -> TokenPublic:
        return cls(
            id=token.id,
            name=token.name,
            prefix=token.prefix,
            created_at=token.created_at,
            expires_at=token.expires_at,
            revoked_at=token.revoked_at,
            last_used_at=token.last_used_at,
            active=token.is_active,
        )


class TokenCreate(BaseModel):
    name: str = Field(description="Where the token is used, e.g. 'laptop rucio client'")
    lifetime_days: int | None = Field(default=None, ge=1, le=3650, description="Default: the server's setting")


class TokenCreated(TokenPublic):
    token: str = Field(description="The secret; shown only in this response")


@router.get("/whoami")
def whoami(account: CurrentAccount) -> AccountPublic:
    return AccountPublic.of(account)


@router.get("/accounts")
def list_accounts(
    session: DbSession, _caller: Annotated[Account, Depends(Allowed("list_accounts"))]
) -> list[AccountPublic]:
    return [AccountPublic.of(account) for account in identity.list_accounts(session)]


@router.post("/accounts", status_code=status.HTTP_201_CREATED)
def create_account(
    body: AccountCreate, session: DbSession, _caller: Annotated[Account, Depends(Allowed("create_account"))]
) -> AccountPublic:
    new = identity.NewAccount(**body.model_dump())
    return AccountPublic.of(identity.create_account(session, new))


@router.get("/accounts/{username}")
def get_account(
    username: str,
    session: DbSession,
    _caller: Annotated[Account, Depends(Allowed("get_account", "username"))],
) -> AccountPublic:
    return AccountPublic.of(identity.get_account(session, username))


class LoginRequest(BaseModel):
    username: str
    password: str
    name: str = Field(default="login", description="Where the token is used, e.g. 'JupyterLab workspace'")
    lifetime_days: int | None = Field(default=None, ge=1, le=3650, description="Default: the server's setting")


@router.post("/login", status_code=status.HTTP_201_CREATED)
def log_in(body: LoginRequest, session: DbSession, settings: SettingsDep, throttle: LoginThrottleDep) -> TokenCreated:
    """A user name and password for a new API token: how front ends that hold a token log a user in.

    After several wrong passwords for a name, the next attempts are refused for a while (429, Retry-After).
    """
    with throttle.attempt(body.username):
        account = identity.authenticate_password(session, body.username, body.password)
    lifetime = timedelta(days=body.lifetime_days or settings.token_lifetime_days)
    created = identity.create_token(session, account.username, body.name, lifetime)
    return TokenCreated(**TokenPublic.of(created.token).model_dump(), token=created.secret)


@router.get("/tokens")
def list_tokens(session: DbSession, account: CurrentAccount) -> list[TokenPublic]:
    return [TokenPublic.of(token) for token in identity.list_tokens(session, account.username)]


@router.post("/tokens", status_code=status.HTTP_201_CREATED)
def create_token(body: TokenCreate, session: DbSession, account: CurrentAccount, settings: SettingsDep) -> TokenCreated:
    lifetime = timedelta(days=body.lifetime_days or settings.token_lifetime_days)
    created = identity.create_token(session, account.username, body.name, lifetime)
    return TokenCreated(**TokenPublic.of(created.token).model_dump(), token=created.secret)


@router.delete("/tokens/{token_id}")
def revoke_token(token_id: int, session: DbSession, account: CurrentAccount) -> TokenPublic:
    return TokenPublic.of(identity.revoke_token(session, account.username, token_id))
