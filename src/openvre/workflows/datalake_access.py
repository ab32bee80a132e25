"""Data lake access for steps: REANA's ``workflow.resources.rucio: true`` switch.

On REANA that switch gives each job a ready Rucio client configuration. Here a run that sets it gets
``RUCIO_CONFIG`` pointing at a configuration for the configured data lake (embedded or a real Rucio)
and a token file for the run's owner, so ``rucio download scope:name`` inside a step works unchanged.
The token is a short-lived openvre token minted for the run; its file is readable by the owner only.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from openvre import identity
from openvre.workflows.errors import WorkflowError
from openvre.workflows.workspace import internal_dir

RUN_TOKEN_LIFETIME = timedelta(days=2)
CA_BUNDLES = (Path("/etc/ssl/certs/ca-certificates.crt"), Path("/etc/pki/tls/certs/ca-bundle.crt"))


def wants_rucio(spec: dict[str, Any]) -> bool:
    resources = (spec.get("workflow") or {}).get("resources") or {}
    return bool(resources.get("rucio"))


def rucio_environment(
    session: Session, *, owner: str, run_name: str, workspace: Path, lake_url: str | None, lake_token: str | None
) -> dict[str, str]:
    """Write the run's Rucio client configuration and token; return the variables steps need."""
    if lake_url is None:
        raise WorkflowError(
            "workflow.resources.rucio is set but this openvre has no data lake: configure [datalake] "
            "(or use the embedded one) or remove the switch from reana.yaml"
        )
    token = (
        lake_token or identity.create_token(session, owner, f"workflow {run_name} (rucio)", RUN_TOKEN_LIFETIME).secret
    )
    directory = internal_dir(workspace, "rucio")
    token_file = directory / "token"
    _write_private(token_file, token)
    config = directory / "rucio.cfg"
    ca_cert = next((str(bundle) for bundle in CA_BUNDLES if bundle.exists()), "")
    # The client insists on a user name and password for userpass; the token file authenticates it,
    # and a password that never works makes an expired token fail loudly instead of silently.
    _write_private(
        config,
        "[client]\n"
        f"rucio_host = {lake_url}\n"
        f"auth_host = {lake_url}\n"
        "auth_type = userpass\n"
        f"username = {owner}\n"
        "password = token-only\n"
        f"account = {owner}\n"
        f"ca_cert = {ca_cert}\n"
        f"auth_token_file_path = {token_file}\n"
        "request_retries = 3\n",
    )
    return {"RUCIO_CONFIG": str(config), "RUCIO_ACCOUNT": owner}


def _write_private(path: Path, text: str) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as sink:
        sink.write(text)
