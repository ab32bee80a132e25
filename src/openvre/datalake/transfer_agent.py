"""The transfer agent: makes replication rules true by copying files between storage elements.

Every step is a short database transaction around one slow, side-effect-only step (copying bytes,
deleting bytes), so the database always says what is true: a replica is registered AVAILABLE only
after its bytes were written under a temporary name, renamed, and re-read against the catalog's
checksums. Kill the process at any point and :meth:`TransferAgent.recover` puts in-flight work back
in the queue; copies that had finished are recognised by their checksums and not redone.

One cycle (:meth:`TransferAgent.run_once`):

1. judge: delete expired rules, give rules on collections locks for newly attached files, queue
   repairs of BAD replicas that rules still need;
2. transfer: take due transfers, copy, verify, and record the outcome (retry with exponential
   backoff; after ``max_attempts`` the locks and rules are STUCK with the last error);
3. reap: delete the bytes of replicas no rule locks any more once their tombstone has passed.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from openvre.datalake import rules
from openvre.datalake._tables import DidRow, LockRow, ReplicaRow, RseRow, TransferRow
from openvre.datalake.checksums import Checksums
from openvre.datalake.errors import ChecksumMismatch
from openvre.datalake.storage import StorageElement, copy_file, open_storage
from openvre.db import Database, utcnow
from openvre.errors import OpenVREError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AgentSettings:
    poll_interval: float = field(default=0.25, metadata={"help": "Seconds between cycles when idle."})
    max_attempts: int = field(default=5, metadata={"help": "Failed copies before a lock is STUCK."})
    backoff_base: float = field(default=1.0, metadata={"help": "First retry delay in seconds; doubles each time."})
    backoff_max: float = field(default=300.0, metadata={"help": "Longest retry delay in seconds."})
    batch: int = field(default=16, metadata={"help": "Transfers taken per cycle."})


@dataclass
class CycleReport:
    copied: int = 0
    failed: int = 0
    reaped: int = 0
    expired_rules: int = 0

    @property
    def busy(self) -> bool:
        return bool(self.copied or self.failed or self.reaped or self.expired_rules)


@dataclass(frozen=True)
class _Job:
    transfer_id: int
    scope: str
    name: str
    path: str
    expected: Checksums
    dest_rse: str
    sources: tuple[str, ...]


class TransferAgent:
    def __init__(self, database: Database, settings: AgentSettings | None = None) -> None:
        self.database = database
        self.settings = settings or AgentSettings()
        self._wake = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None

    # -- lifecycle ------------------------------------------------------------------------------
    def recover(self) -> int:
        """After a crash: transfers left ACTIVE go back to the queue (their copy may be half done)."""
        with self.database.transaction() as session:
            result = session.execute(
                update(TransferRow)
                .where(TransferRow.state == "ACTIVE")
                .values(state="QUEUED", next_attempt_at=utcnow())
            )
            return int(result.rowcount or 0)  # type: ignore[attr-defined]

    def wake(self) -> None:
        """Start the next cycle now instead of after the poll interval (a rule was just added).

        Safe from any thread: the Rucio routes that add rules run in FastAPI's thread pool.
        """
        loop = self._loop
        if loop is None:
            self._wake.set()  # not running yet: the first cycle starts at once anyway
        elif not loop.is_closed():
            loop.call_soon_threadsafe(self._wake.set)

    async def run(self, stop: asyncio.Event) -> None:
        self._loop = asyncio.get_running_loop()
        await asyncio.to_thread(self.recover)  # not on the loop: it holds the write lock while it runs
        while not stop.is_set():
            try:
                report = await asyncio.to_thread(self.run_once)
            except Exception:  # a bug must not stop the agent: log it and try again next cycle
                log.exception("transfer agent cycle failed")
                report = CycleReport()
            if report.busy:
                continue
            self._wake.clear()
            waiters = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(self._wake.wait())]
            await asyncio.wait(waiters, timeout=self.settings.poll_interval, return_when=asyncio.FIRST_COMPLETED)
            for waiter in waiters:
                waiter.cancel()

    def run_once(self) -> CycleReport:
        report = CycleReport()
        report.expired_rules = self.judge()
        for job in self._claim_due_transfers():
            if self._transfer(job):
                report.copied += 1
            else:
                report.failed += 1
        report.reaped = self.reap()
        return report

    # -- judge ----------------------------------------------------------------------------------
    def judge(self) -> int:
        with self.database.transaction() as session:
            expired = rules.expired_rule_ids(session)
            for rule_id in expired:
                rules.delete_rule(session, rule_id, ignore_lock=True)
            for rule_id in rules.collection_rule_ids(session):
                rules.evaluate_rule(session, rule_id)
            self._queue_repairs(session)
        return len(expired)

    def _queue_repairs(self, session: Session) -> None:
        bad = session.scalars(select(ReplicaRow).where(ReplicaRow.state == "BAD", ReplicaRow.lock_cnt > 0)).all()
        for replica in bad:
            replica.state = "COPYING"
            rules.queue_transfer(session, replica.did_id, replica.rse_id)

    # -- transfers ------------------------------------------------------------------------------
    def _claim_due_transfers(self) -> list[_Job]:
        with self.database.transaction() as session:
            due = session.scalars(
                select(TransferRow)
                .where(TransferRow.state == "QUEUED", TransferRow.next_attempt_at <= utcnow())
                .order_by(TransferRow.next_attempt_at)
                .limit(self.settings.batch)
            ).all()
            jobs = []
            for transfer in due:
                transfer.state, transfer.attempts = "ACTIVE", transfer.attempts + 1
                jobs.append(self._job(session, transfer))
            return jobs

    def _job(self, session: Session, transfer: TransferRow) -> _Job:
        did = session.get(DidRow, transfer.did_id)
        dest = session.get(RseRow, transfer.dest_rse_id)
        assert did is not None and dest is not None
        replica = session.scalars(
            select(ReplicaRow).where(ReplicaRow.did_id == did.id, ReplicaRow.rse_id == dest.id)
        ).one()
        sources = session.scalars(
            select(RseRow.name)
            .join(ReplicaRow, ReplicaRow.rse_id == RseRow.id)
            .where(ReplicaRow.did_id == did.id, ReplicaRow.state == "AVAILABLE", RseRow.id != dest.id)
            .order_by(RseRow.name)
        ).all()
        expected = Checksums(bytes=did.bytes or 0, adler32=did.adler32, md5=did.md5)
        return _Job(transfer.id, did.scope, did.name, replica.path, expected, dest.name, tuple(sources))

    def _transfer(self, job: _Job) -> bool:
        if not job.sources:
            return self._record_failure(job, f"no AVAILABLE replica of {job.scope}:{job.name} to copy from")
        last_error = ""
        for source_rse in job.sources:
            try:
                with self.database.transaction() as session:
                    source = open_storage(session, source_rse, "read")
                    dest = open_storage(session, job.dest_rse, "write")
                copy_file(source, dest, job.path, job.expected)
            except ChecksumMismatch as error:
                last_error = f"copy from {source_rse}: {error.message}"
                self._blame_source_if_bad(job, source_rse, source)
            except (OpenVREError, OSError) as error:
                last_error = f"copy from {source_rse} to {job.dest_rse}: {error}"
            else:
                self._record_success(job)
                return True
        return self._record_failure(job, last_error)

    def _blame_source_if_bad(self, job: _Job, source_rse: str, source: StorageElement) -> None:
        try:
            source.verify(job.path, job.expected)
        except (ChecksumMismatch, OpenVREError, OSError) as error:
            log.warning("replica %s:%s at %s is bad: %s", job.scope, job.name, source_rse, error)
            with self.database.transaction() as session:
                mark_replica_bad(session, job.scope, job.name, source_rse)

    def _record_success(self, job: _Job) -> None:
        with self.database.transaction() as session:
            transfer = session.get(TransferRow, job.transfer_id)
            if transfer is None:  # the rule went away while copying: the bytes stay as an unlocked cache
                return
            replica = session.scalars(
                select(ReplicaRow).where(
                    ReplicaRow.did_id == transfer.did_id, ReplicaRow.rse_id == transfer.dest_rse_id
                )
            ).one()
            replica.state, replica.bytes = "AVAILABLE", job.expected.bytes
            rules.replica_available(session, transfer.did_id, transfer.dest_rse_id)
        log.info("copied %s:%s to %s", job.scope, job.name, job.dest_rse)

    def _record_failure(self, job: _Job, reason: str) -> bool:
        with self.database.transaction() as session:
            transfer = session.get(TransferRow, job.transfer_id)
            if transfer is None:
                return False
            transfer.last_error = reason
            if transfer.attempts >= self.settings.max_attempts:
                transfer.state = "FAILED"
                rules.locks_stuck(
                    session,
                    transfer.did_id,
                    transfer.dest_rse_id,
                    f"{reason} (gave up after {transfer.attempts} attempts)",
                )
            else:
                delay = min(self.settings.backoff_max, self.settings.backoff_base * 2 ** (transfer.attempts - 1))
                transfer.state, transfer.next_attempt_at = "QUEUED", utcnow() + timedelta(seconds=delay)
        log.warning("transfer of %s:%s to %s failed: %s", job.scope, job.name, job.dest_rse, reason)
        return False

    # -- reaper ---------------------------------------------------------------------------------
    def reap(self) -> int:
        with self.database.transaction() as session:
            doomed = session.execute(
                select(ReplicaRow.id, ReplicaRow.path, RseRow.name)
                .join(RseRow, RseRow.id == ReplicaRow.rse_id)
                .where(ReplicaRow.lock_cnt == 0, ReplicaRow.tombstone.is_not(None), ReplicaRow.tombstone <= utcnow())
                .where(ReplicaRow.state != "COPYING")
                .limit(self.settings.batch)
            ).all()
            for replica_id, _path, _rse in doomed:
                session.execute(update(ReplicaRow).where(ReplicaRow.id == replica_id).values(state="BEING_DELETED"))
        reaped = 0
        for replica_id, path, rse in doomed:
            try:
                with self.database.transaction() as session:
                    storage = open_storage(session, rse, "delete")
                storage.delete(path)
            except (OpenVREError, OSError) as error:
                log.warning("reaper could not delete %s at %s: %s", path, rse, error)
                continue
            with self.database.transaction() as session:
                row = session.get(ReplicaRow, replica_id)
                if row is not None and row.lock_cnt == 0:
                    session.delete(row)
                    reaped += 1
        return reaped


def mark_replica_bad(session: Session, scope: str, name: str, rse: str) -> None:
    """Bytes failed their checksum: the replica is BAD, its locks wait for a repair copy."""
    replica = session.scalars(
        select(ReplicaRow)
        .join(DidRow, DidRow.id == ReplicaRow.did_id)
        .join(RseRow, RseRow.id == ReplicaRow.rse_id)
        .where(DidRow.scope == scope, DidRow.name == name, RseRow.name == rse)
    ).one_or_none()
    if replica is None or replica.state == "BAD":
        return
    replica.state = "BAD"
    locks = session.scalars(
        select(LockRow).where(LockRow.did_id == replica.did_id, LockRow.rse_id == replica.rse_id)
    ).all()
    for lock in locks:
        lock.state = "REPLICATING"
    session.flush()
    for rule_id in {lock.rule_id for lock in locks}:
        rules.refresh_rule(session, rule_id)
