"""The embedded lake's standing storage and its demo data.

Every embedded lake has ``LOCAL`` (``$OPENVRE_HOME/rse/LOCAL``): the storage notebooks on this machine
read directly. The demo adds ``ARCHIVE`` (``$OPENVRE_HOME/rse/ARCHIVE``), holding a small dimuon
dataset under ``user.demo``, so "make available" has something to move: ARCHIVE → LOCAL.
"""

from __future__ import annotations

import random
from pathlib import Path

from sqlalchemy.orm import Session

from openvre.datalake import dids, limits, metadata, replicas, rses, rules, scopes
from openvre.datalake.errors import DataIdentifierNotFound, RSENotFound
from openvre.datalake.storage import open_storage

LOCAL_RSE = "LOCAL"
ARCHIVE_RSE = "ARCHIVE"
DEMO_SCOPE = "user.demo"
DEMO_DATASET = "dimuon-2012"
UNLIMITED = -1


def ensure_rse(session: Session, name: str, directory: Path, attributes: dict[str, str]) -> None:
    try:
        rses.get_rse(session, name)
    except RSENotFound:
        rses.add_local_rse(session, name, directory)
        for key, value in attributes.items():
            rses.add_rse_attribute(session, name, key, value)


def ensure_local_storage(session: Session, home: Path, accounts: list[str]) -> None:
    ensure_rse(session, LOCAL_RSE, home / "rse" / LOCAL_RSE, {"type": "LOCAL", "site": "laptop"})
    for account in accounts:
        _ensure_unlimited(session, account, LOCAL_RSE)


def ensure_demo_data(session: Session, home: Path, accounts: list[str]) -> None:
    """The ARCHIVE RSE and the demo dataset on it; nothing is redone on later starts."""
    ensure_rse(session, ARCHIVE_RSE, home / "rse" / ARCHIVE_RSE, {"type": "ARCHIVE", "site": "archive"})
    for account in accounts:
        _ensure_unlimited(session, account, ARCHIVE_RSE)
    scopes.ensure_scope(session, DEMO_SCOPE, "demo")
    try:
        dids.get_did_row(session, DEMO_SCOPE, DEMO_DATASET)
        return
    except DataIdentifierNotFound:
        pass
    dids.add_dids(session, [dids.NewDid(DEMO_SCOPE, DEMO_DATASET, "DATASET")], "demo")
    metadata.set_metadata_bulk(session, DEMO_SCOPE, DEMO_DATASET, {"project": "demo", "datatype": "csv"})
    storage = open_storage(session, ARCHIVE_RSE, "write")
    names = []
    for run in (1, 2, 3):
        name = f"dimuon_run{run}.csv"
        written = storage.write_stream(
            storage.path(DEMO_SCOPE, name), [_dimuon_events(run)], reread=True, overwrite=True
        )
        replicas.add_replicas(
            session,
            ARCHIVE_RSE,
            [replicas.NewReplica(DEMO_SCOPE, name, written.bytes, adler32=written.adler32, md5=written.md5)],
            "demo",
        )
        metadata.set_metadata_bulk(session, DEMO_SCOPE, name, {"project": "demo", "run_number": run})
        names.append((DEMO_SCOPE, name))
    dids.attach_dids(session, DEMO_SCOPE, DEMO_DATASET, names)
    rules.add_rule(session, rules.RuleRequest([(DEMO_SCOPE, DEMO_DATASET)], "demo", 1, ARCHIVE_RSE))


def _ensure_unlimited(session: Session, account: str, rse: str) -> None:
    if limits.get_local_account_limit(session, account, rse) is None:
        limits.set_local_account_limit(session, account, rse, UNLIMITED)


def _dimuon_events(run: int, events: int = 2000) -> bytes:
    """Synthetic dimuon invariant masses: a falling background with a Z peak at 91 GeV."""
    generator = random.Random(run)  # noqa: S311 - demo data, not cryptography
    lines = ["event,mass_gev,pt_gev"]
    for event in range(events):
        mass = generator.gauss(91.19, 2.5) if generator.random() < 0.3 else 60 + generator.expovariate(1 / 25)
        pt = abs(generator.gauss(20, 10))
        lines.append(f"{run * 100000 + event},{mass:.3f},{pt:.2f}")
    return ("\n".join(lines) + "\n").encode()


__all__ = ["ARCHIVE_RSE", "DEMO_DATASET", "DEMO_SCOPE", "LOCAL_RSE", "ensure_demo_data", "ensure_local_storage"]
