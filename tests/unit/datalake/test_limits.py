"""Account limits and usage: usage is what the account's rules lock, limits say how much may be locked."""

import math
import uuid

import pytest
from sqlalchemy.orm import Session

from openvre import identity
from openvre.datalake import limits, rses
from openvre.datalake._tables import DidRow, LockRow, RuleRow
from openvre.datalake.errors import InsufficientAccountLimit, InvalidObject, RSENotFound
from openvre.db import Database
from openvre.errors import AccountNotFound

GB = 10**9


@pytest.fixture
def lake(database: Database) -> Database:
    with database.transaction() as session:
        identity.create_account(session, identity.NewAccount("alice"))
        identity.create_account(session, identity.NewAccount("bob"))
        rses.add_rse(session, "SITE_A")
        rses.add_rse(session, "SITE_B")
    return database


def lock(session: Session, account: str, rse: str, size: int | None, file_bytes: int | None = None) -> None:
    """A rule of ``account`` locking one new file of ``file_bytes`` on ``rse``; the lock records ``size``."""
    did = DidRow(scope="user.x", name=uuid.uuid4().hex, did_type="FILE", account=account, bytes=file_bytes)
    session.add(did)
    session.flush()
    rule = RuleRow(id=uuid.uuid4().hex, account=account, did_id=did.id, rse_expression=rse, state="OK")
    session.add(rule)
    session.flush()
    rse_id = rses.get_rse(session, rse).id
    session.add(LockRow(rule_id=rule.id, did_id=did.id, rse_id=rse_id, state="OK", bytes=size))
    session.flush()


def test_set_get_and_replace_limits(lake: Database) -> None:
    with lake.transaction() as session:
        limits.set_local_account_limit(session, "alice", "SITE_A", 10 * GB)
        limits.set_local_account_limit(session, "alice", "SITE_B", limits.UNLIMITED)
        limits.set_local_account_limit(session, "alice", "SITE_A", 20 * GB)
    with lake.transaction() as session:
        assert limits.get_local_account_limits(session, "alice") == {"SITE_A": 20 * GB, "SITE_B": math.inf}
        assert isinstance(limits.get_local_account_limits(session, "alice")["SITE_A"], int)
        assert limits.get_local_account_limit(session, "alice", "SITE_B") == math.inf
        assert limits.get_local_account_limit(session, "bob", "SITE_A") is None
        assert limits.get_local_account_limits(session, "bob") == {}


def test_delete_limit(lake: Database) -> None:
    with lake.transaction() as session:
        limits.set_local_account_limit(session, "alice", "SITE_A", GB)
        assert limits.delete_local_account_limit(session, "alice", "SITE_A") is True
        assert limits.delete_local_account_limit(session, "alice", "SITE_A") is False
        assert limits.get_local_account_limits(session, "alice") == {}


def test_invalid_limits(lake: Database) -> None:
    with lake.transaction() as session:
        with pytest.raises(InvalidObject, match="-1 for no limit"):
            limits.set_local_account_limit(session, "alice", "SITE_A", -2)
        with pytest.raises(AccountNotFound):
            limits.set_local_account_limit(session, "nobody", "SITE_A", 1)
        with pytest.raises(RSENotFound):
            limits.set_local_account_limit(session, "alice", "NOPE", 1)


def test_usage_counts_the_accounts_locks(lake: Database) -> None:
    with lake.transaction() as session:
        limits.set_local_account_limit(session, "alice", "SITE_A", 1000)
        limits.set_local_account_limit(session, "alice", "SITE_B", limits.UNLIMITED)
        lock(session, "alice", "SITE_A", 100)
        lock(session, "alice", "SITE_A", None, file_bytes=50)  # a lock without a size counts its file's
        lock(session, "bob", "SITE_A", 999)  # someone else's
    with lake.transaction() as session:
        usage = {entry.rse: entry for entry in limits.get_local_account_usage(session, "alice")}
        only_a = limits.get_local_account_usage(session, "alice", "SITE_A")
    assert set(usage) == {"SITE_A", "SITE_B"}
    a, b = usage["SITE_A"], usage["SITE_B"]
    assert (a.bytes, a.files, a.bytes_limit, a.bytes_remaining) == (150, 2, 1000, 850)
    assert (b.bytes, b.files, b.bytes_limit, b.bytes_remaining) == (0, 0, math.inf, math.inf)
    assert only_a == [a]


def test_usage_without_a_limit_has_limit_zero(lake: Database) -> None:
    with lake.transaction() as session:
        lock(session, "bob", "SITE_B", 10)
        [usage] = limits.get_local_account_usage(session, "bob")
    assert (usage.rse, usage.bytes, usage.bytes_limit, usage.bytes_remaining) == ("SITE_B", 10, 0, -10)
    with lake.transaction() as session:
        assert limits.get_local_account_usage(session, "alice") == []


def test_check_account_limit(lake: Database) -> None:
    with lake.transaction() as session:
        site_a, site_b = rses.get_rse(session, "SITE_A").id, rses.get_rse(session, "SITE_B").id
        limits.set_local_account_limit(session, "alice", "SITE_A", 1000)
        limits.set_local_account_limit(session, "alice", "SITE_B", limits.UNLIMITED)
        lock(session, "alice", "SITE_A", 600)
        limits.check_account_limit(session, "alice", site_a, 400)
        with pytest.raises(InsufficientAccountLimit, match="uses 600 of its 1000 bytes there and needs 401 more"):
            limits.check_account_limit(session, "alice", site_a, 401)
        limits.check_account_limit(session, "alice", site_b, 10**18)
        with pytest.raises(InsufficientAccountLimit, match=r"has no quota there.*rucio account limit set bob --rse"):
            limits.check_account_limit(session, "bob", site_a, 1)
        limits.check_account_limit(session, "bob", site_a, 0)
