"""Rules ask for copies; the transfer agent makes them, verified, and recovers from failures."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from openvre.datalake import dids, limits, replicas, rules
from openvre.datalake._tables import ReplicaRow, RuleRow, TransferRow
from openvre.datalake.errors import (
    DataIdentifierNotFound,
    DuplicateRule,
    InsufficientAccountLimit,
    InvalidReplicationRule,
    InvalidRSEExpression,
)
from openvre.datalake.storage import open_storage
from openvre.datalake.transfer_agent import AgentSettings, TransferAgent
from openvre.db import Database, utcnow
from tests.support.lake import make_lake, put_file

FAST = AgentSettings(poll_interval=0.01, backoff_base=0.0, max_attempts=3)


@pytest.fixture
def lake(database: Database, tmp_path: Path) -> Database:
    make_lake(database, tmp_path / "rses", ("SITE_A", "SITE_B", "SITE_C"))
    return database


def rule_to(database: Database, did: str, expression: str, copies: int = 1, **extra: object) -> str:
    scope, name = did.split(":")
    with database.transaction() as session:
        return rules.add_rule(session, rules.RuleRequest([(scope, name)], "alice", copies, expression, **extra))  # type: ignore[arg-type]


def drain(agent: TransferAgent, cycles: int = 20) -> None:
    for _ in range(cycles):
        if not agent.run_once().busy:
            return


def rule_state(database: Database, rule_id: str) -> rules.Rule:
    with database.transaction() as session:
        return rules.get_rule(session, rule_id)


def replica_states(database: Database, scope: str, name: str) -> dict[str, str]:
    with database.transaction() as session:
        [found] = replicas.list_replicas(session, [(scope, name)], all_states=True)
    return dict(found.states)


def test_rule_on_data_already_in_place_is_ok_at_once(lake: Database) -> None:
    put_file(lake, "SITE_A", "user.alice", "f1")
    rule_id = rule_to(lake, "user.alice:f1", "SITE_A|SITE_B")
    rule = rule_state(lake, rule_id)
    assert (rule.state, rule.locks_ok_cnt, rule.locks_replicating_cnt) == ("OK", 1, 0)
    with lake.transaction() as session:
        assert session.scalars(select(TransferRow)).all() == []


def test_agent_copies_verifies_and_turns_the_rule_ok(lake: Database) -> None:
    original = put_file(lake, "SITE_A", "user.alice", "f1", size=300_000)
    rule_id = rule_to(lake, "user.alice:f1", "SITE_B")
    assert rule_state(lake, rule_id).state == "REPLICATING"
    assert replica_states(lake, "user.alice", "f1") == {"SITE_A": "AVAILABLE", "SITE_B": "COPYING"}
    drain(TransferAgent(lake, FAST))
    assert rule_state(lake, rule_id).state == "OK"
    assert replica_states(lake, "user.alice", "f1") == {"SITE_A": "AVAILABLE", "SITE_B": "AVAILABLE"}
    with lake.transaction() as session:
        site_b = open_storage(session, "SITE_B")
    assert site_b.verify(site_b.path("user.alice", "f1"), original.checksums) == original.checksums
    assert b"".join(site_b.read_stream(site_b.path("user.alice", "f1"))) == original.content


def test_dataset_rule_follows_files_attached_later(lake: Database) -> None:
    put_file(lake, "SITE_A", "user.alice", "early")
    with lake.transaction() as session:
        dids.add_dids(session, [dids.NewDid("user.alice", "ds", "DATASET")], "alice")
        dids.attach_dids(session, "user.alice", "ds", [("user.alice", "early")])
    rule_id = rule_to(lake, "user.alice:ds", "SITE_C")
    agent = TransferAgent(lake, FAST)
    drain(agent)
    assert rule_state(lake, rule_id).locks_ok_cnt == 1
    put_file(lake, "SITE_B", "user.alice", "late")
    with lake.transaction() as session:
        dids.attach_dids(session, "user.alice", "ds", [("user.alice", "late")])
    drain(agent)
    rule = rule_state(lake, rule_id)
    assert (rule.state, rule.locks_ok_cnt) == ("OK", 2)
    assert replica_states(lake, "user.alice", "late")["SITE_C"] == "AVAILABLE"


def test_copies_go_to_distinct_rses_preferring_existing_replicas(lake: Database) -> None:
    put_file(lake, "SITE_B", "user.alice", "f1")
    rule_id = rule_to(lake, "user.alice:f1", "SITE_A|SITE_B|SITE_C", copies=2)
    drain(TransferAgent(lake, FAST))
    states = replica_states(lake, "user.alice", "f1")
    assert states["SITE_B"] == "AVAILABLE" and len(states) == 2
    assert rule_state(lake, rule_id).locks_ok_cnt == 2


def test_unreachable_source_retries_then_sticks_with_the_reason(lake: Database, tmp_path: Path) -> None:
    put_file(lake, "SITE_A", "user.alice", "f1")
    with lake.transaction() as session:
        source = open_storage(session, "SITE_A")
    source.delete(source.path("user.alice", "f1"))  # the bytes are lost but the catalog does not know yet
    rule_id = rule_to(lake, "user.alice:f1", "SITE_B")
    drain(TransferAgent(lake, FAST))
    rule = rule_state(lake, rule_id)
    assert rule.state == "STUCK"
    assert rule.error is not None and "gave up after 3 attempts" in rule.error
    with lake.transaction() as session:
        assert session.scalars(select(TransferRow.state)).one() == "FAILED"


def test_corrupted_source_is_marked_bad_and_repaired_from_another_copy(lake: Database) -> None:
    original = put_file(lake, "SITE_A", "user.alice", "f1", size=10_000)
    keep_a = rule_to(lake, "user.alice:f1", "SITE_A")
    keep_b = rule_to(lake, "user.alice:f1", "SITE_B")
    agent = TransferAgent(lake, FAST)
    drain(agent)
    with lake.transaction() as session:
        site_a = open_storage(session, "SITE_A")
    local = site_a.local_path(site_a.path("user.alice", "f1"))
    assert local is not None
    local.write_bytes(b"X" + original.content[1:])  # bit rot on SITE_A
    with lake.transaction() as session:
        replicas.declare_bad_replica(session, "SITE_A", "user.alice", "f1", "checksum mismatch found by a reader")
    drain(agent)
    assert local.read_bytes() == original.content
    assert replica_states(lake, "user.alice", "f1") == {"SITE_A": "AVAILABLE", "SITE_B": "AVAILABLE"}
    assert {rule_state(lake, r).state for r in (keep_a, keep_b)} == {"OK"}


def test_a_crash_mid_transfer_is_recovered(lake: Database) -> None:
    put_file(lake, "SITE_A", "user.alice", "f1")
    rule_id = rule_to(lake, "user.alice:f1", "SITE_B")
    with lake.transaction() as session:  # what a kill -9 between claim and copy leaves behind
        session.execute(update(TransferRow).values(state="ACTIVE", attempts=1))
    agent = TransferAgent(lake, FAST)
    assert agent.recover() == 1
    drain(agent)
    assert rule_state(lake, rule_id).state == "OK"


def test_expired_rule_releases_its_locks_and_the_reaper_deletes_unlocked_replicas(lake: Database) -> None:
    put_file(lake, "SITE_A", "user.alice", "f1")
    rule_id = rule_to(lake, "user.alice:f1", "SITE_B", lifetime=3600)
    agent = TransferAgent(lake, FAST)
    drain(agent)
    with lake.transaction() as session:
        site_b = open_storage(session, "SITE_B")
        session.execute(update(RuleRow).values(expires_at=utcnow() - timedelta(seconds=1)))
    path = site_b.path("user.alice", "f1")
    assert site_b.exists(path)
    drain(agent)
    with lake.transaction() as session:
        assert session.get(RuleRow, rule_id) is None
        replica = session.scalars(
            select(ReplicaRow).where(ReplicaRow.lock_cnt == 0, ReplicaRow.tombstone.is_not(None))
        ).all()
        assert len(replica) == 1  # kept for an hour as a cache
        session.execute(update(ReplicaRow).where(ReplicaRow.tombstone.is_not(None)).values(tombstone=utcnow()))
    drain(agent)
    assert not site_b.exists(path)
    assert replica_states(lake, "user.alice", "f1") == {"SITE_A": "AVAILABLE"}


@pytest.mark.parametrize(
    ("expression", "copies", "error", "message"),
    [
        ("NOWHERE", 1, InvalidRSEExpression, "empty set"),
        ("SITE_A", 2, InvalidReplicationRule, "selects only 1 RSE"),
        ("SITE_A", 0, InvalidReplicationRule, "at least 1"),
    ],
)
def test_bad_rules_are_refused(lake: Database, expression: str, copies: int, error: type, message: str) -> None:
    put_file(lake, "SITE_A", "user.alice", "f1")
    with pytest.raises(error, match=message):
        rule_to(lake, "user.alice:f1", expression, copies=copies)


def test_duplicate_rule_and_missing_did(lake: Database) -> None:
    put_file(lake, "SITE_A", "user.alice", "f1")
    rule_to(lake, "user.alice:f1", "SITE_B")
    with pytest.raises(DuplicateRule):
        rule_to(lake, "user.alice:f1", "SITE_B")
    with pytest.raises(DataIdentifierNotFound, match=r"user\.alice:nope"):
        rule_to(lake, "user.alice:nope", "SITE_B")


def test_rule_beyond_the_quota_is_refused(lake: Database) -> None:
    put_file(lake, "SITE_A", "user.alice", "f1", size=2000)
    with lake.transaction() as session:
        limits.set_local_account_limit(session, "alice", "SITE_B", 1000)
    with pytest.raises(InsufficientAccountLimit):
        rule_to(lake, "user.alice:f1", "SITE_B")


def test_deleting_a_rule_cancels_its_pending_transfer(lake: Database) -> None:
    put_file(lake, "SITE_A", "user.alice", "f1")
    rule_id = rule_to(lake, "user.alice:f1", "SITE_B")
    with lake.transaction() as session:
        rules.delete_rule(session, rule_id, purge_replicas=True)
    drain(TransferAgent(lake, FAST))
    assert replica_states(lake, "user.alice", "f1") == {"SITE_A": "AVAILABLE"}


def test_agent_notices_a_corrupted_source_marks_it_bad_and_repairs_it(lake: Database) -> None:
    original = put_file(lake, "SITE_A", "user.alice", "f1", size=20_000)
    keep_a = rule_to(lake, "user.alice:f1", "SITE_A")
    rule_to(lake, "user.alice:f1", "SITE_B")
    agent = TransferAgent(lake, FAST)
    drain(agent)
    with lake.transaction() as session:
        site_a = open_storage(session, "SITE_A")
    local = site_a.local_path(site_a.path("user.alice", "f1"))
    assert local is not None
    local.write_bytes(original.content[:-1] + b"!")  # silent corruption nobody declared
    # Sources are tried in name order, so the corrupted SITE_A is read first.
    to_c = rule_to(lake, "user.alice:f1", "SITE_C")
    drain(agent)
    assert rule_state(lake, to_c).state == "OK"  # copied from SITE_B after SITE_A failed verification
    assert local.read_bytes() == original.content  # SITE_A was marked BAD and repaired from a good copy
    assert rule_state(lake, keep_a).state == "OK"
    assert replica_states(lake, "user.alice", "f1") == {
        "SITE_A": "AVAILABLE",
        "SITE_B": "AVAILABLE",
        "SITE_C": "AVAILABLE",
    }
