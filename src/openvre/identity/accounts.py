"""Accounts: who can log in. Names follow Rucio's account rules so one name works in every service."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from openvre.errors import AccountExists, AccountNotFound, InvalidCredentials, InvalidInput
from openvre.identity._tables import AccountRow
from openvre.identity.passwords import hash_password, needs_rehash, verify_password

ADMIN_USERNAME = "admin"
USERNAME_PATTERN = re.compile(r"^[a-z0-9_-]{1,25}$")
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class Account:
    id: int
    username: str
    email: str
    display_name: str
    is_admin: bool
    is_active: bool
    created_at: datetime

    @classmethod
    def from_row(cls, row: AccountRow) -> Account:
        return cls(
            id=row.id,
            username=row.username,
            email=row.email,
            display_name=row.display_name or row.username,
            is_admin=row.is_admin,
            is_active=row.is_active,
            created_at=row.created_at,
        )


@dataclass(frozen=True)
class NewAccount:
    """What it takes to create an account; ``password=None`` makes a token-only account."""

    username: str
    password: str | None = None
    email: str = ""
    display_name: str = ""
    is_admin: bool = False


def validate_username(username: str) -> str:
    if not USERNAME_PATTERN.match(username):
        raise InvalidInput(
            f"invalid user name {username!r}: use 1 to 25 lowercase letters, digits, '-' or '_'",
            field="username",
        )
    return username


def validate_email(email: str) -> str:
    if email and not EMAIL_PATTERN.match(email):
        raise InvalidInput(f"invalid e-mail address {email!r}: expected name@domain.tld", field="email")
    return email


def create_accounts(session: Session, accounts: list[NewAccount]) -> list[Account]:
    """Create several accounts in the caller's transaction; all or none are created."""
    rows = []
    for new in accounts:
        validate_username(new.username)
        validate_email(new.email)
        if _find_row(session, new.username) is not None:
            raise AccountExists(f"an account named {new.username!r} already exists", field="username")
        rows.append(
            AccountRow(
                username=new.username,
                email=new.email,
                display_name=new.display_name.strip(),
                password_hash=hash_password(new.password) if new.password is not None else None,
                is_admin=new.is_admin,
            )
        )
    session.add_all(rows)
    try:
        session.flush()
    except IntegrityError as error:  # a concurrent request created the same name first
        raise AccountExists("an account with one of these names already exists", field="username") from error
    return [Account.from_row(row) for row in rows]


def create_account(session: Session, new: NewAccount) -> Account:
    return create_accounts(session, [new])[0]


def get_account(session: Session, username: str) -> Account:
    return Account.from_row(get_account_row(session, username))


def list_accounts(session: Session) -> list[Account]:
    rows = session.scalars(select(AccountRow).order_by(AccountRow.username))
    return [Account.from_row(row) for row in rows]


def authenticate_password(session: Session, username: str, password: str) -> Account:
    """The account whose password this is; one error for unknown user and wrong password alike."""
    row = _find_row(session, username)
    hashed = row.password_hash if row is not None and row.is_active else None
    if not verify_password(hashed, password) or row is None:
        raise InvalidCredentials("wrong user name or password")
    if hashed is not None and needs_rehash(hashed):
        row.password_hash = hash_password(password)
    return Account.from_row(row)


def set_password(session: Session, username: str, password: str) -> None:
    get_account_row(session, username).password_hash = hash_password(password)


def ensure_admin(session: Session, password: str | None) -> str | None:
    """Create the ``admin`` account on first start; return its password if openvre generated it."""
    if _find_row(session, ADMIN_USERNAME) is not None:
        return None
    generated = password is None
    chosen = secrets.token_urlsafe(16) if password is None else password
    create_account(
        session,
        NewAccount(username=ADMIN_USERNAME, password=chosen, display_name="Administrator", is_admin=True),
    )
    return chosen if generated else None


def _find_row(session: Session, username: str) -> AccountRow | None:
    return session.scalars(select(AccountRow).where(AccountRow.username == username)).one_or_none()


def get_account_row(session: Session, username: str) -> AccountRow:
    row = _find_row(session, username)
    if row is None:
        raise AccountNotFound(f"no account named {username!r}")
    return row
