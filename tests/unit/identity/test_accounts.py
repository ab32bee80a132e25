import pytest
from sqlalchemy import select

from openvre import identity
from openvre.db import Database
from openvre.errors import AccountExists, AccountNotFound, InvalidCredentials, InvalidInput, WeakPassword
from openvre.identity._tables import AccountRow

PASSWORD = "correct horse battery"


def add(database: Database, username: str = "alice", **extra: object) -> identity.Account:
    with database.transaction() as session:
        return identity.create_account(session, identity.NewAccount(username, PASSWORD, **extra))  # type: ignore[arg-type]


def test_created_account_can_log_in_with_its_password(database: Database) -> None:
    created = add(database, email="alice@example.org", display_name="Alice Liddell")
    with database.transaction() as session:
        account = identity.authenticate_password(session, "alice", PASSWORD)
    assert account == created
    assert (account.email, account.display_name, account.is_admin) == ("alice@example.org", "Alice Liddell", False)


def test_password_is_stored_as_an_argon2id_hash(database: Database) -> None:
    add(database)
    with database.transaction() as session:
        stored = session.scalars(select(AccountRow.password_hash)).one()
    assert stored is not None
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored


@pytest.mark.parametrize(("username", "password"), [("alice", "wrong password"), ("nobody", PASSWORD)])
def test_wrong_password_and_unknown_user_get_the_same_error(database: Database, username: str, password: str) -> None:
    add(database)
    with database.transaction() as session, pytest.raises(InvalidCredentials, match="wrong user name or password"):
        identity.authenticate_password(session, username, password)


def test_token_only_account_cannot_log_in_with_a_password(database: Database) -> None:
    with database.transaction() as session:
        identity.create_account(session, identity.NewAccount("robot"))
    with database.transaction() as session, pytest.raises(InvalidCredentials):
        identity.authenticate_password(session, "robot", "")


def test_duplicate_username_is_refused(database: Database) -> None:
    add(database)
    with pytest.raises(AccountExists, match="'alice' already exists"):
        add(database)
    with database.transaction() as session:
        assert [a.username for a in identity.list_accounts(session)] == ["alice"]


def test_bulk_creation_is_all_or_nothing(database: Database) -> None:
    add(database, "bob")
    batch = [identity.NewAccount("carol", PASSWORD), identity.NewAccount("bob", PASSWORD)]
    with pytest.raises(AccountExists), database.transaction() as session:
        identity.create_accounts(session, batch)
    with database.transaction() as session, pytest.raises(AccountNotFound):
        identity.get_account(session, "carol")


@pytest.mark.parametrize("username", ["Alice", "a b", "", "x" * 26, "../etc", "al!ce"])
def test_invalid_usernames_are_refused_with_the_rule(database: Database, username: str) -> None:
    with pytest.raises(InvalidInput, match="lowercase letters, digits") as caught:
        add(database, username)
    assert caught.value.field == "username"


def test_short_password_is_refused(database: Database) -> None:
    with database.transaction() as session, pytest.raises(WeakPassword, match="at least 8"):
        identity.create_account(session, identity.NewAccount("alice", "short"))


def test_invalid_email_is_refused(database: Database) -> None:
    with pytest.raises(InvalidInput, match="e-mail"):
        add(database, email="not-an-address")


def test_ensure_admin_generates_a_password_once(database: Database) -> None:
    with database.transaction() as session:
        generated = identity.ensure_admin(session, None)
    assert generated is not None and len(generated) >= 16
    with database.transaction() as session:
        assert identity.ensure_admin(session, None) is None
        admin = identity.authenticate_password(session, "admin", generated)
    assert admin.is_admin


def test_ensure_admin_uses_the_given_password_and_does_not_echo_it(database: Database) -> None:
    with database.transaction() as session:
        assert identity.ensure_admin(session, "given-password") is None
        assert identity.authenticate_password(session, "admin", "given-password").is_admin


def test_set_password_replaces_the_old_one(database: Database) -> None:
    add(database)
    with database.transaction() as session:
        identity.set_password(session, "alice", "a new password")
    with database.transaction() as session:
        identity.authenticate_password(session, "alice", "a new password")
        with pytest.raises(InvalidCredentials):
            identity.authenticate_password(session, "alice", PASSWORD)
