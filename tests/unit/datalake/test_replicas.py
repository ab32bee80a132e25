"""Replicas: registration with implicit file DIDs, state changes the rules hear about, listing with PFNs."""

from pathlib import Path

import pytest
from sqlalchemy import select

from openvre import identity
from openvre.datalake import dids, limits, protocols, replicas, rses, rules, scopes
from openvre.datalake._tables import TransferRow
from openvre.datalake.errors import (
    ChecksumMismatch,
    DataIdentifierAlreadyExists,
    Duplicate,
    InvalidObject,
    InvalidRSEExpression,
    ReplicaNotFound,
    ScopeNotFound,
    UnsupportedOperation,
)
from openvre.datalake.lfn2pfn import hash_path
from openvre.datalake.replicas import NewReplica, ReplicaState, ReplicaStateUpdate
from openvre.db import Database

A, C = ReplicaState.AVAILABLE, ReplicaState.COPYING
FILE1 = NewReplica("user.alice", "file1.dat", 11, adler32="1a0b045d", md5="5eb63bbbe01eeed093cb22bb8f5acdc3")
FILE2 = NewReplica("user.alice", "file2.dat", 5, adler32="05c801f1")


@pytest.fixture
def lake(database: Database, tmp_path: Path) -> Database:
    """Account alice with scope user.alice, unlimited on two local RSEs SITE_A and SITE_B."""
    with database.transaction() as session:
        identity.create_account(session, identity.NewAccount("alice"))
        scopes.add_scope(session, "user.alice", "alice")
        for name in ("SITE_A", "SITE_B"):
            rses.add_local_rse(session, name, tmp_path / name)
            limits.set_local_account_limit(session, "alice", name, limits.UNLIMITED)
    return database


def pfn(root: Path, rse: str, path: str) -> str:
    return f"file://localhost{root}/{rse}/{path}"


def test_add_replicas_creates_the_file_did(lake: Database, tmp_path: Path) -> None:
    with lake.transaction() as session:
        [replica] = replicas.add_replicas(session, "SITE_A", [FILE1], "alice", state=C)
        did = dids.get_did(session, "user.alice", "file1.dat")
    assert (replica.rse, replica.state, replica.bytes, replica.lock_cnt) == ("SITE_A", C, 11, 0)
    assert replica.path == hash_path("user.alice", "file1.dat")
    assert (did.did_type, did.account, did.bytes, did.adler32, did.md5) == ("FILE", "alice", 11, "1a0b045d", FILE1.md5)


def test_per_file_state_overrides_the_calls(lake: Database) -> None:
    copying = NewReplica(FILE2.scope, FILE2.name, FILE2.bytes, FILE2.adler32, state=C)
    with lake.transaction() as session:
        added = replicas.add_replicas(session, "SITE_A", [FILE1, copying], "alice")
    assert [replica.state for replica in added] == [A, C]


def test_registering_different_content_under_a_known_name_fails(lake: Database) -> None:
    with lake.transaction() as session:
        replicas.add_replicas(session, "SITE_A", [FILE1], "alice")
    other = NewReplica(FILE1.scope, FILE1.name, FILE1.bytes, adler32="00000001")
    with lake.transaction() as session, pytest.raises(ChecksumMismatch, match="adler32"):
        replicas.add_replicas(session, "SITE_B", [other], "alice")
    with lake.transaction() as session:
        assert list(replicas.list_replicas(session, [(FILE1.scope, FILE1.name)])[0].states) == ["SITE_A"]


def test_duplicates_are_refused(lake: Database) -> None:
    with lake.transaction() as session:
        replicas.add_replicas(session, "SITE_A", [FILE1], "alice")
        with pytest.raises(Duplicate, match="already exists on RSE SITE_A"):
            replicas.add_replicas(session, "SITE_A", [FILE1], "alice")
        with pytest.raises(Duplicate, match="given twice"):
            replicas.add_replicas(session, "SITE_B", [FILE2, FILE2], "alice")


def test_invalid_registrations(lake: Database) -> None:
    with lake.transaction() as session:
        with pytest.raises(InvalidObject, match="8 hex digits"):
            replicas.add_replicas(session, "SITE_A", [NewReplica("user.alice", "f", 1, adler32="xyz")], "alice")
        with pytest.raises(InvalidObject, match="DID name"):
            replicas.add_replicas(session, "SITE_A", [NewReplica("user.alice", "../f", 1)], "alice")
        with pytest.raises(ScopeNotFound):
            replicas.add_replicas(session, "SITE_A", [NewReplica("user.nobody", "f", 1)], "alice")
        dids.add_did(session, "user.alice", "dataset1", "DATASET", "alice")
        with pytest.raises(DataIdentifierAlreadyExists, match="DATASET"):
            replicas.add_replicas(session, "SITE_A", [NewReplica("user.alice", "dataset1", 1)], "alice")


def test_write_disabled_rse_refuses_unless_availability_is_ignored(lake: Database) -> None:
    with lake.transaction() as session:
        rses.update_rse(session, "SITE_A", availability_write=False)
        with pytest.raises(UnsupportedOperation, match="not available for writing"):
            replicas.add_replicas(session, "SITE_A", [FILE1], "alice", ignore_availability=False)
        replicas.add_replicas(session, "SITE_A", [FILE1], "alice", ignore_availability=True)


def test_upload_sequence_turns_the_rule_ok(lake: Database) -> None:
    """What `rucio upload` does: COPYING replica, rule on it, bytes written by the client, then AVAILABLE."""
    with lake.transaction() as session:
        replicas.add_replicas(session, "SITE_A", [FILE1], "alice", state=C)
        [rule_id] = rules.add_rules(session, rules.RuleRequest([(FILE1.scope, FILE1.name)], "alice", 1, "SITE_A"))
        assert rules.get_rule(session, rule_id).state == "REPLICATING"
        assert session.scalars(select(TransferRow)).all() == [], "the client writes the bytes, not the agent"
    with lake.transaction() as session:
        [updated] = replicas.update_replicas_states(session, "SITE_A", [ReplicaStateUpdate(FILE1.scope, FILE1.name, A)])
        rule = rules.get_rule(session, rule_id)
    assert updated.state is A and updated.lock_cnt == 1
    assert (rule.state, rule.locks_ok_cnt, rule.locks_replicating_cnt) == ("OK", 1, 0)


def test_bad_replica_makes_its_rule_stuck_with_the_reason(lake: Database) -> None:
    with lake.transaction() as session:
        replicas.add_replicas(session, "SITE_A", [FILE1], "alice")
        [rule_id] = rules.add_rules(session, rules.RuleRequest([(FILE1.scope, FILE1.name)], "alice", 1, "SITE_A"))
        bad = replicas.declare_bad_replica(session, "SITE_A", FILE1.scope, FILE1.name, "checksum differs on disk")
        rule = rules.get_rule(session, rule_id)
    assert bad.state is ReplicaState.BAD
    assert (rule.state, rule.error) == ("STUCK", "checksum differs on disk")
    with lake.transaction() as session:
        assert replicas.list_replicas(session, [(FILE1.scope, FILE1.name)])[0].states == {}


def test_state_update_of_a_missing_replica(lake: Database) -> None:
    with lake.transaction() as session:
        replicas.add_replicas(session, "SITE_A", [FILE1], "alice")
        with pytest.raises(ReplicaNotFound, match=r"no replica of user\.alice:file1\.dat on RSE SITE_B"):
            replicas.update_replicas_states(session, "SITE_B", [ReplicaStateUpdate(FILE1.scope, FILE1.name, A)])


def test_being_deleted_is_final(lake: Database) -> None:
    with lake.transaction() as session:
        replicas.add_replicas(session, "SITE_A", [FILE1], "alice")
        deleting = ReplicaStateUpdate(FILE1.scope, FILE1.name, ReplicaState.BEING_DELETED)
        replicas.update_replicas_states(session, "SITE_A", [deleting])
        with pytest.raises(UnsupportedOperation, match="being deleted"):
            replicas.update_replicas_states(session, "SITE_A", [ReplicaStateUpdate(FILE1.scope, FILE1.name, A)])


@pytest.mark.parametrize(
    ("given", "state"),
    [("A", A), ("C", C), ("B", "BAD"), ("U", "UNAVAILABLE"), ("D", "BEING_DELETED"), ("available", A)],
)
def test_parse_replica_state(given: str, state: str) -> None:
    assert replicas.parse_replica_state(given) == state


def test_parse_unknown_state_lists_the_known_ones() -> None:
    with pytest.raises(InvalidObject, match=r"AVAILABLE \(A\), COPYING \(C\), BAD \(B\)"):
        replicas.parse_replica_state("X")


def test_list_replicas_gives_client_pfns(lake: Database, tmp_path: Path) -> None:
    with lake.transaction() as session:
        replicas.add_replicas(session, "SITE_A", [FILE1], "alice")
        replicas.add_replicas(session, "SITE_B", [FILE1], "alice")
        [found] = replicas.list_replicas(session, [(FILE1.scope, FILE1.name)])
        path = replicas.update_replicas_states(session, "SITE_A", [ReplicaStateUpdate(FILE1.scope, FILE1.name, A)])[
            0
        ].path
    assert (found.scope, found.name, found.bytes, found.adler32, found.md5) == (
        "user.alice",
        "file1.dat",
        11,
        "1a0b045d",
        FILE1.md5,
    )
    assert found.rses == {"SITE_A": [pfn(tmp_path, "SITE_A", path)], "SITE_B": [pfn(tmp_path, "SITE_B", path)]}
    assert found.states == {"SITE_A": A, "SITE_B": A}
    assert [(source.rse, source.priority, source.domain) for source in found.sources] == [
        ("SITE_A", 1, "wan"),
        ("SITE_B", 2, "wan"),
    ]
    assert found.parents is None


def test_list_replicas_filters(lake: Database) -> None:
    with lake.transaction() as session:
        replicas.add_replicas(session, "SITE_A", [FILE1], "alice")
        replicas.add_replicas(session, "SITE_B", [FILE1], "alice", state=C)
        rses.update_rse(session, "SITE_A", availability_read=False)
    key = [(FILE1.scope, FILE1.name)]
    with lake.transaction() as session:
        assert replicas.list_replicas(session, key)[0].states == {"SITE_A": A}
        assert replicas.list_replicas(session, key, all_states=True)[0].states == {"SITE_A": A, "SITE_B": C}
        assert replicas.list_replicas(session, key, all_states=True, rse_expression="SITE_B")[0].states == {"SITE_B": C}
        assert replicas.list_replicas(session, key, ignore_availability=False)[0].states == {}
        assert replicas.list_replicas(session, key, schemes=["root"])[0].rses == {"SITE_A": []}
        with pytest.raises(InvalidRSEExpression):
            replicas.list_replicas(session, key, rse_expression="NOPE")


def test_collections_expand_to_files_with_their_parents(lake: Database) -> None:
    with lake.transaction() as session:
        replicas.add_replicas(session, "SITE_A", [FILE1, FILE2], "alice")
        dids.add_did(session, "user.alice", "dataset1", "DATASET", "alice")
        dids.add_did(session, "user.alice", "container1", "CONTAINER", "alice")
        dids.attach_dids(session, "user.alice", "dataset1", [(FILE1.scope, FILE1.name), (FILE2.scope, FILE2.name)])
        dids.attach_dids(session, "user.alice", "container1", [("user.alice", "dataset1")])
    with lake.transaction() as session:
        found = replicas.list_replicas(
            session,
            [("user.alice", "container1"), (FILE1.scope, FILE1.name), ("user.alice", "nope")],
            resolve_parents=True,
        )
    assert [file.name for file in found] == ["file1.dat", "file2.dat"], "each file once, unknown DIDs skipped"
    assert found[0].parents == ["user.alice:dataset1", "user.alice:container1"]


def test_files_without_replicas_are_listed_empty(lake: Database) -> None:
    with lake.transaction() as session:
        dids.add_files(session, [dids.NewFile(FILE1.scope, FILE1.name, FILE1.bytes, FILE1.adler32)], "alice")
        [found] = replicas.list_replicas(session, [(FILE1.scope, FILE1.name)])
    assert (found.name, found.sources, found.rses, found.states) == ("file1.dat", [], {}, {})


def test_delete_replicas_refuses_protected_ones(lake: Database) -> None:
    with lake.transaction() as session:
        replicas.add_replicas(session, "SITE_A", [FILE1, FILE2], "alice")
        [rule_id] = rules.add_rules(session, rules.RuleRequest([(FILE1.scope, FILE1.name)], "alice", 1, "SITE_A"))
        with pytest.raises(UnsupportedOperation, match=f"protected by rule {rule_id}; delete the rule first"):
            replicas.delete_replicas(session, "SITE_A", [(FILE1.scope, FILE1.name)])
        replicas.delete_replicas(session, "SITE_A", [(FILE2.scope, FILE2.name)])
        assert replicas.list_replicas(session, [(FILE2.scope, FILE2.name)])[0].states == {}
        with pytest.raises(ReplicaNotFound):
            replicas.delete_replicas(session, "SITE_A", [(FILE2.scope, FILE2.name)])


def test_rse_usage_counts_registered_replicas(lake: Database) -> None:
    with lake.transaction() as session:
        replicas.add_replicas(session, "SITE_A", [FILE1, FILE2], "alice", state=C)
        usage = replicas.get_rse_usage(session, "SITE_A")
        empty = replicas.get_rse_usage(session, "SITE_B")
    assert (usage.rse, usage.bytes, usage.files) == ("SITE_A", 16, 2)
    assert (empty.bytes, empty.files) == (0, 0)


def test_non_deterministic_rse_takes_the_path_from_the_pfn(lake: Database, tmp_path: Path) -> None:
    with lake.transaction() as session:
        rses.add_rse(session, "TAPE_A", deterministic=False)
        rses.add_protocol(
            session, "TAPE_A", "file", "localhost", 0, f"{tmp_path}/tape", protocols.POSIX_IMPL, protocols.POSIX_DOMAINS
        )
        with pytest.raises(InvalidObject, match="not deterministic: give the PFN"):
            replicas.add_replicas(session, "TAPE_A", [FILE1], "alice")
        given = NewReplica(
            FILE1.scope, FILE1.name, FILE1.bytes, FILE1.adler32, pfn=f"file://localhost{tmp_path}/tape/x/y"
        )
        [replica] = replicas.add_replicas(session, "TAPE_A", [given], "alice")
        assert replica.path == "x/y"
        outside = NewReplica(FILE2.scope, FILE2.name, FILE2.bytes, pfn="file://localhost/elsewhere/f")
        with pytest.raises(InvalidObject, match="not under any protocol"):
            replicas.add_replicas(session, "TAPE_A", [outside], "alice")
        escaping = NewReplica(FILE2.scope, FILE2.name, FILE2.bytes, pfn=f"file://localhost{tmp_path}/tape/../f")
        with pytest.raises(InvalidObject, match="refusing storage path"):
            replicas.add_replicas(session, "TAPE_A", [escaping], "alice")


def test_deterministic_rse_checks_a_given_pfn(lake: Database, tmp_path: Path) -> None:
    with lake.transaction() as session:
        wrong = NewReplica(FILE1.scope, FILE1.name, FILE1.bytes, pfn=f"file://localhost{tmp_path}/SITE_A/x")
        with pytest.raises(InvalidObject, match="is not where RSE SITE_A keeps"):
            replicas.add_replicas(session, "SITE_A", [wrong], "alice")
        path = hash_path(FILE1.scope, FILE1.name)
        right = NewReplica(FILE1.scope, FILE1.name, FILE1.bytes, pfn=pfn(tmp_path, "SITE_A", path))
        assert replicas.add_replicas(session, "SITE_A", [right], "alice")[0].path == path
