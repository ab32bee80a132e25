"""Where runs keep their files and what this server offers, derived once from openvre's settings."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from openvre.settings import Settings

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

    @classmethod
    def from_settings(cls, settings: Settings) -> WorkflowsConfig:
        return cls(workspaces=settings.home / "workspaces", logs=settings.home / "logs" / "runs")
