"""Portal logins: a random cookie secret per browser, stored as a digest, with its CSRF token.

Sessions live in the database rather than in a signed cookie so that logging out (or an admin
disabling an account) takes effect at once.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from openvre.db import utcnow
from openvre.errors import InvalidToken
from openvre.identity._secrets import digest, new_secret
from openvre.identity._tables import BrowserSessionRow
from openvre.identity.accounts import Account, get_account_row


@dataclass(frozen=True)
class BrowserLogin:
    account: Account
    csrf_token: str


@dataclass(frozen=True)
class StartedBrowserSession:
    cookie_secret: str
    login: BrowserLogin


def start_browser_session(session: Session, username: str, lifetime: timedelta) -> StartedBrowserSession:
    account_row = get_account_row(session, username)
    cookie_secret = new_secret("")
    row = BrowserSessionRow(
        account=account_row,
        secret_hash=digest(cookie_secret),
        csrf_token=secrets.token_urlsafe(32),
        expires_at=utcnow() + lifetime,
    )
    session.add(row)
    session.execute(delete(BrowserSessionRow).where(BrowserSessionRow.expires_at <= utcnow()))
    session.flush()
    return StartedBrowserSession(
        cookie_secret=cookie_secret,
        login=BrowserLogin(account=Account.from_row(account_row), csrf_token=row.csrf_token),
    )


def resolve_browser_session(session: Session, cookie_secret: str) -> BrowserLogin:
    row = session.scalars(
        select(BrowserSessionRow).where(BrowserSessionRow.secret_hash == digest(cookie_secret))
    ).one_or_none()
    if row is None or row.expires_at <= utcnow() or not row.account.is_active:
        raise InvalidToken("your login has ended; log in again")
    return BrowserLogin(account=Account.from_row(row.account), csrf_token=row.csrf_token)


def end_browser_session(session: Session, cookie_secret: str) -> None:
    session.execute(delete(BrowserSessionRow).where(BrowserSessionRow.secret_hash == digest(cookie_secret)))
