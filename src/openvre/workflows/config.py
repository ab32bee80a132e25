"""Where runs keep their files and what this server offers, derived once from openvre's settings."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from openvre.clients.endpoints import service_url
from openvre.settings import Settings
from openvre.workflows.engines.base import ContainerRuntime

# What reana.yaml may name as a step's ``compute_backend``. Steps run as local processes here; a spec
# written for REANA's default (Kubernetes) runs unchanged, and other backends are refused at creation
# so a spec never silently runs somewhere its author did not mean.
LOCAL_COMPUTE_BACKENDS: tuple[str, ...] = ("kubernetes",)


@dataclass(frozen=True)
class WorkflowsConfig:
    workspaces: Path = field(metadata={"help": "Run workspaces: <workspaces>/<owner>/<workflow>/<run>/."})
    logs: Path = field(metadata={"help": "Workflow engine logs: <logs>/<run id>.log."})
    compute_backends: tuple[str, ...] = field(
        default=LOCAL_COMPUTE_BACKENDS, metadata={"help": "compute_backend values a step may name."}
    )
    datalake_url: str | None = field(
        default=None, metadata={"help": "Rucio base URL steps get with workflow.resources.rucio."}
    )
    datalake_token: str | None = field(
        default=None, metadata={"help": "Token for a remote data lake; embedded: a token is minted per run."}
    )
    container_runtime: ContainerRuntime = field(
        default="none", metadata={"help": "Where steps run: `none` (local processes) or `podman` (their images)."}
    )

    @classmethod
    def from_settings(cls, settings: Settings) -> WorkflowsConfig:
        lake = settings.datalake
        return cls(
            workspaces=settings.home / "workspaces",
            logs=settings.home / "logs" / "runs",
            datalake_url=service_url(settings, "datalake"),
            datalake_token=lake.token.get_secret_value() if lake.token else None,
            container_runtime=settings.container_runtime,
        )
