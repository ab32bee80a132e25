from datetime import timedelta

import pytest
from sqlalchemy import select, update

from openvre import identity
from openvre.db import Database, utcnow
from openvre.errors import InvalidInput, InvalidToken, TokenNotFound
from openvre.identity._tables import TokenRow


@pytest.fixture
def users(database: Database) -> Database:
    with database.transaction() as session:
        identity.create_accounts(
            session, [identity.NewAccount("alice", "password-a"), identity.NewAccount("bob", "password-b")]
        )
    return database


def new_token(database: Database, username: str = "alice", days: int = 30) -> identity.CreatedToken:
    with database.transaction() as session:
        return identity.create_token(session, username, "laptop", timedelta(days=days))


def test_token_authenticates_its_owner(users: Database) -> None:
    created = new_token(users)
    with users.transaction() as session:
        assert identity.authenticate_token(session, created.secret).username == "alice"
    assert created.secret.startswith("vre_") and len(created.secret) > 40
    assert created.secret.startswith(created.token.prefix)


def test_only_a_digest_of_the_token_is_stored(users: Database) -> None:
    created = new_token(users)
    with users.transaction() as session:
        stored = session.scalars(select(TokenRow.secret_hash)).one()
    assert created.secret not in stored and len(stored) == 64


def test_unknown_token_is_refused(users: Database) -> None:
    with users.transaction() as session, pytest.raises(InvalidToken, match="not valid"):
        identity.authenticate_token(session, "vre_made-up")


def test_revoked_token_is_refused_and_says_so(users: Database) -> None:
    created = new_token(users)
    with users.transaction() as session:
        revoked = identity.revoke_token(session, "alice", created.token.id)
    assert revoked.revoked_at is not None and not revoked.is_active
    with users.transaction() as session, pytest.raises(InvalidToken, match="revoked"):
        identity.authenticate_token(session, created.secret)


def test_expired_token_is_refused_and_says_so(users: Database) -> None:
    created = new_token(users)
    with users.transaction() as session:
        session.execute(update(TokenRow).values(expires_at=utcnow() - timedelta(seconds=1)))
    with users.transaction() as session, pytest.raises(InvalidToken, match="expired"):
        identity.authenticate_token(session, created.secret)


def test_use_records_last_used(users: Database) -> None:
    created = new_token(users)
    assert created.token.last_used_at is None
    with users.transaction() as session:
        identity.authenticate_token(session, created.secret)
    with users.transaction() as session:
        [token] = identity.list_tokens(session, "alice")
    assert token.last_used_at is not None
    assert abs(token.last_used_at - utcnow()) < timedelta(minutes=1)


def test_nobody_revokes_someone_elses_token(users: Database) -> None:
    created = new_token(users, "alice")
    with users.transaction() as session, pytest.raises(TokenNotFound):
        identity.revoke_token(session, "bob", created.token.id)
    with users.transaction() as session:
        assert identity.authenticate_token(session, created.secret).username == "alice"


def test_list_shows_only_the_owners_tokens_newest_first(users: Database) -> None:
    first = new_token(users, "alice")
    second = new_token(users, "alice")
    new_token(users, "bob")
    with users.transaction() as session:
        assert [t.id for t in identity.list_tokens(session, "alice")] == [second.token.id, first.token.id]


@pytest.mark.parametrize(("name", "days"), [("", 1), ("x" * 101, 1), ("ok", 0)])
def test_bad_token_requests_are_refused(users: Database, name: str, days: int) -> None:
    with users.transaction() as session, pytest.raises(InvalidInput):
        identity.create_token(session, "alice", name, timedelta(days=days))
