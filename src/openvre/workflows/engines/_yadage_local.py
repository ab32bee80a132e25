"""A packtivity executor that runs yadage steps as local processes and reports them to the yadage engine.

This module is loaded inside ``yadage-run`` (``--plugins``), not by openvre's server. It registers
an implementation named ``openvre`` for the ``docker-encapsulated`` and ``localproc-env``
environments; the engine selects it through ``PACKTIVITY_SYNCCONFIGFILE``. Compared with
packtivity's own ``localproc-env`` it also runs ``interpolated-script-cmd`` steps (a script fed to
an interpreter), which REANA's yadage workflows use, and it reports each step on yadage's stdout in
lines the engine reads (``STEP_MARKER``, ``OUTPUT_MARKER``), so steps get events and logs
like every other engine's.

The step's process stays in yadage's process group (no new session): stopping the run kills it
with yadage.
"""

from __future__ import annotations

import json
import os
import subprocess
from typing import Any

from packtivity.handlers.execution_handlers import handlers  # type: ignore[import-untyped, unused-ignore]

from openvre.workflows.engines.yadage import ENVIRONMENTS, IMPLEMENTATION, OUTPUT_MARKER, STEP_MARKER


def run_step(
    config: Any, environment: dict[str, Any], state: Any, job: dict[str, Any], metadata: dict[str, Any]
) -> None:
    """Run one yadage step in its work directory; raise (which fails the node) when it exits non-zero."""
    key = str(metadata.get("wflow_node_id") or metadata["name"])
    step = "/".join(part for part in (metadata.get("wflow_offset"), metadata["name"]) if part)
    if "command" in job:
        argv, script, command = ["sh", "-c", str(job["command"])], None, str(job["command"])
    else:
        argv, script, command = [str(job["interpreter"])], str(job["script"]), str(job["script"])
    workdir = str(state.readwrite[0])
    os.makedirs(workdir, exist_ok=True)
    _say(
        STEP_MARKER
        + json.dumps({"event": "start", "key": key, "step": step, "command": command, "image": _image(environment)})
    )
    process = subprocess.Popen(
        argv,
        cwd=workdir,
        stdin=subprocess.PIPE if script is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    if script is not None and process.stdin is not None:
        process.stdin.write(script.encode())
        process.stdin.close()
    assert process.stdout is not None
    for raw in process.stdout:
        _say(f"{OUTPUT_MARKER}{key}::{raw.decode(errors='replace').rstrip()}")
    exit_code = process.wait()
    _say(STEP_MARKER + json.dumps({"event": "end", "key": key, "exit_code": exit_code}))
    if exit_code != 0:
        raise RuntimeError(f"step {step} failed with exit code {exit_code}")


def _image(environment: dict[str, Any]) -> str | None:
    image = environment.get("image")
    if not image:
        return None
    return f"{image}:{environment['imagetag']}" if environment.get("imagetag") else str(image)


def _say(line: str) -> None:
    """One write per line: steps run in several worker processes that share yadage's stdout."""
    os.write(1, (line + "\n").encode())


for _environment in ENVIRONMENTS:
    handlers.setdefault(_environment, {})[IMPLEMENTATION] = run_step
