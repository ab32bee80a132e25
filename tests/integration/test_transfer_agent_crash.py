"""kill -9 `vre up` in the middle of transfers, start it again: every rule reaches OK, and no replica
is ever registered AVAILABLE without bytes that match the catalog's checksums."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

from sqlalchemy import select

from openvre.datalake import dids, rules
from openvre.datalake._tables import DidRow, ReplicaRow, RseRow
from openvre.datalake.checksums import Checksums
from openvre.datalake.storage import open_storage
from openvre.db import Database
from tests.support.lake import make_lake, put_file
from tests.support.vre_server import start_vre

FILES = 40
SIZE = 4 * 1024 * 1024


def available_replicas_verify(database: Database, rse: str) -> int:
    """Check every AVAILABLE replica on ``rse`` against the catalog; return how many there are."""
    with database.transaction() as session:
        storage = open_storage(session, rse)
        rows = session.execute(
            select(DidRow, ReplicaRow.path)
            .join(ReplicaRow, ReplicaRow.did_id == DidRow.id)
            .join(RseRow, RseRow.id == ReplicaRow.rse_id)
            .where(RseRow.name == rse, ReplicaRow.state == "AVAILABLE")
        ).all()
    for did, path in rows:
        storage.verify(path, Checksums(bytes=did.bytes or 0, adler32=did.adler32, md5=did.md5))
    return len(rows)


def rule_progress(database: Database, rule_id: str) -> rules.Rule:
    with database.transaction() as session:
        return rules.get_rule(session, rule_id)


def test_kill_9_mid_transfer_then_restart(tmp_path: Path) -> None:
    home = tmp_path / "home"
    env = {"OPENVRE_ADMIN_PASSWORD": "crash-test-password"}
    first = start_vre(home, "--no-demo", env=env)
    database = Database(f"sqlite:///{home / 'openvre.db'}")
    make_lake(database, tmp_path / "rses", ("SOURCE", "TARGET"))
    names = [("user.alice", f"file{index:03}") for index in range(FILES)]
    for scope, name in names:
        put_file(database, "SOURCE", scope, name, size=SIZE, seed=len(name) + int(name[4:]) + 1)
    with database.transaction() as session:
        dids.add_dids(session, [dids.NewDid("user.alice", "bulk", "DATASET")], "alice")
        dids.attach_dids(session, "user.alice", "bulk", names)
        rule_id = rules.add_rule(session, rules.RuleRequest([("user.alice", "bulk")], "alice", 1, "TARGET"))

    deadline = time.monotonic() + 60
    while rule_progress(database, rule_id).locks_ok_cnt < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    os.kill(first.process.pid, signal.SIGKILL)
    first.process.wait()
    done_at_kill = rule_progress(database, rule_id).locks_ok_cnt
    assert 2 <= done_at_kill < FILES, "the copies must be cut in the middle for this test to mean anything"
    assert available_replicas_verify(database, "TARGET") == done_at_kill

    second = start_vre(home, "--no-demo", env=env)
    try:
        deadline = time.monotonic() + 120
        while rule_progress(database, rule_id).state != "OK" and time.monotonic() < deadline:
            time.sleep(0.1)
        final = rule_progress(database, rule_id)
        assert (final.state, final.locks_ok_cnt, final.locks_stuck_cnt) == ("OK", FILES, 0)
        assert available_replicas_verify(database, "TARGET") == FILES
    finally:
        second.stop()
        database.dispose()
