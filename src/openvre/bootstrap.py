"""What happens once before serving: directories, schema migrations, the first admin, demo content."""

from __future__ import annotations

import os
import secrets
import shutil
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from openvre import identity
from openvre.datalake import demo as lake_demo
from openvre.datalake import dids
from openvre.datalake.storage import open_storage
from openvre.db import Database
from openvre.errors import AccountNotFound
from openvre.settings import ServiceKind, Settings

DEMO_USERNAME = "demo"
# Templates of the demo analysis a --demo lab folder gets (package data beside openvre.jupyter, read by
# path so preparing HOME never imports the Jupyter side).
DEMO_WORKSPACE = Path(__file__).with_name("jupyter") / "demo"
DEMO_ANALYSIS = "dimuon"


@dataclass(frozen=True)
class Prepared:
    database: Database
    generated_admin_password: str | None
    generated_demo_password: str | None


def prepare(settings: Settings, *, demo: bool = False) -> Prepared:
    """Make HOME usable and the database current; safe to run at every start."""
    settings.home.mkdir(parents=True, exist_ok=True)
    os.chmod(settings.home, 0o700)
    (settings.home / "logs").mkdir(exist_ok=True)
    database = Database(settings.database_url)
    database.migrate()
    admin_password = settings.admin_password.get_secret_value() if settings.admin_password else None
    with database.transaction() as session:
        generated_admin = identity.ensure_admin(session, admin_password)
        generated_demo = ensure_demo_account(session) if demo else None
        accounts = [identity.ADMIN_USERNAME, DEMO_USERNAME] if demo else [identity.ADMIN_USERNAME]
        if settings.datalake.kind is ServiceKind.EMBEDDED:
            lake_demo.ensure_local_storage(session, settings.home, accounts)
            if demo:
                lake_demo.ensure_demo_data(session, settings.home, accounts)
                ensure_demo_workspace(session, settings.lab_root)
    return Prepared(database, generated_admin, generated_demo)


def ensure_demo_workspace(session: Session, lab_dir: Path) -> None:
    """The demo analysis in the lab folder; files already there (the user's) are never overwritten.

    Its ``data/`` gets a copy of the demo data set's files, read from the lake's ARCHIVE storage, so the
    workflow's declared inputs are the very bytes the notebook reads from the lake.
    """
    for template in sorted(DEMO_WORKSPACE.rglob("*")):
        target = lab_dir / template.relative_to(DEMO_WORKSPACE)
        if template.is_file() and "__pycache__" not in template.parts and not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(template, target)
    data = lab_dir / DEMO_ANALYSIS / "data"
    storage = open_storage(session, lake_demo.ARCHIVE_RSE, "read")
    for file in dids.list_files(session, lake_demo.DEMO_SCOPE, lake_demo.DEMO_DATASET):
        target = data / file.name
        if not target.exists():
            data.mkdir(parents=True, exist_ok=True)
            target.write_bytes(b"".join(storage.read_stream(storage.path(file.scope, file.name))))


def ensure_demo_account(session: Session) -> str | None:
    """A researcher account to explore with; its password is returned only when it is created."""
    try:
        identity.get_account(session, DEMO_USERNAME)
    except AccountNotFound:
        password = secrets.token_urlsafe(12)
        identity.create_account(
            session,
            identity.NewAccount(username=DEMO_USERNAME, password=password, display_name="Demo Researcher"),
        )
        return password
    return None
