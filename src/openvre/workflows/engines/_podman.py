"""Running one shell command inside a step's image with podman, confined to the run's workspace.

Used by the serial engine when ``container_runtime`` is ``podman``. The container sees only the
workspace, mounted at the same path (so paths in commands and parameters mean the same inside and
out), has no network, and is removed when the command ends. It runs as the child of
:func:`~openvre.workflows.processes.run_process`, so output and stop work as for a local step:

- ``--init`` puts podman's small init process at PID 1 inside the container. Without it the step's
  shell is PID 1, which ignores SIGTERM, and killing ``podman run`` leaves the container running
  under conmon (a separate session that our process-group signals never reach).
- :func:`remove_container` after a step that did not succeed removes whatever is left (``podman run``
  killed by SIGKILL after the grace period), so a stopped run leaves no container behind.

No registry is reachable from openvre's machine, so images are never pulled (``--pull never``):
:func:`image_exists` is checked first to give a message that says how to provide the image.
"""

from __future__ import annotations

import shutil
import subprocess
import uuid
from collections.abc import Iterable, Sequence
from pathlib import Path

from openvre.workflows.errors import EngineNotAvailable

DEBIAN_PACKAGES = "podman runc"
# What podman needs on a machine like openvre's (see the admin guide): crun fails under hybrid cgroups
# and the default ulimits exceed what the kernel lets a container set. A containers.conf with the same
# defaults does the same; these flags make the engine work without one.
DEFAULT_OPTIONS: tuple[str, ...] = (
    "--runtime",
    "runc",
    "--ulimit",
    "nofile=1024:1024",
    "--ulimit",
    "nproc=4096:4096",
)
_QUICK_SECONDS = 60


def require_podman() -> str:
    """The podman executable; :class:`EngineNotAvailable` naming the packages when it is missing."""
    executable = shutil.which("podman")
    if executable is None:
        raise EngineNotAvailable(
            "container_runtime is podman but podman is not installed on openvre's machine: "
            f"apt-get install {DEBIAN_PACKAGES} (Debian), or set container_runtime = none to run steps "
            "as local processes",
            field="container_runtime",
        )
    return executable


def podman_version() -> str:
    """``4.3.1``, for provenance; ``unknown`` when podman does not answer."""
    probe = _podman("--version")
    return probe.stdout.strip().rsplit(" ", 1)[-1] if probe.returncode == 0 else "unknown"


def image_exists(image: str) -> bool:
    """Whether ``image`` is in local storage (nothing is pulled: no registry is reachable)."""
    return _podman("image", "exists", image).returncode == 0


def missing_image_message(image: str) -> str:
    return (
        f"image {image} is not available locally: build or import it with podman "
        "(no registry is reachable from openvre's machine), e.g. "
        f"`tar -C ROOTFS -c . | podman import - {image}` or `podman build -t {image} .`"
    )


def new_container_name(step: str) -> str:
    """A unique name, so the engine can remove the container it started and no other."""
    safe = "".join(c if c.isalnum() else "-" for c in step.lower()).strip("-")[:30] or "step"
    return f"openvre-{safe}-{uuid.uuid4().hex[:12]}"


def run_command_argv(
    *,
    image: str,
    workspace: Path,
    command: str,
    name: str,
    environment: Iterable[str],
    options: Sequence[str] = DEFAULT_OPTIONS,
) -> list[str]:
    """``podman run`` for one command: only the workspace mounted, no network, removed when done.

    ``environment`` names variables passed by name (``--env NAME``): podman copies their values
    from its own environment, so secrets never appear on a command line.
    """
    argv = ["podman", "run", "--rm", "--init", "--pull", "never", "--name", name, *options]
    argv += ["--network", "none", "--volume", f"{workspace}:{workspace}:z", "--workdir", str(workspace)]
    for variable in sorted(environment):
        argv += ["--env", variable]
    return [*argv, image, "sh", "-c", command]


def remove_container(name: str) -> None:
    """Remove the container ``name`` if it still exists (killed ``podman run``); never raises."""
    _podman("rm", "--force", "--ignore", "--time", "0", name)


def _podman(*args: str) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(["podman", *args], capture_output=True, text=True, check=False, timeout=_QUICK_SECONDS)
    except (OSError, subprocess.TimeoutExpired) as error:
        return subprocess.CompletedProcess(["podman", *args], 127, "", str(error))
