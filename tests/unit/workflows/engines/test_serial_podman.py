"""Serial steps inside their image with real podman: confined to the workspace, stoppable, clear failures."""

from __future__ import annotations

import subprocess
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from openvre.settings import Settings
from openvre.workflows.config import WorkflowsConfig
from openvre.workflows.engines import get_engine
from openvre.workflows.engines.serial import SerialSettings
from openvre.workflows.errors import EngineNotAvailable
from tests.unit.workflows.engines.conftest import IMAGE_MARKER
from tests.unit.workflows.support import Run, example, make_run, processes_with, unique_sleep, wait_for


def _podman_run(tmp_path: Path, steps: list[dict[str, Any]], **kwargs: Any) -> tuple[Path, Run]:
    workspace, spec = example(tmp_path, "serial")
    spec["workflow"]["specification"]["steps"] = steps
    return workspace, make_run(workspace, spec, **kwargs)


def _engine(grace: float = 5.0) -> Any:
    return get_engine("serial", SerialSettings(container_runtime="podman", stop_grace_period=grace))


def test_a_step_runs_inside_its_image_and_writes_into_the_workspace(tmp_path: Path, podman_image: str) -> None:
    commands = [
        "mkdir -p results && echo $$RUCIO_CONFIG $greeting > results/out.txt",
        "cat /etc/openvre-image; cat /etc/os-release || echo no os-release here",
    ]
    workspace, run = _podman_run(
        tmp_path,
        [{"name": "inside", "environment": podman_image, "commands": commands}],
        environment={"RUCIO_CONFIG": f"{tmp_path}/workspace/.openvre/rucio/rucio.cfg"},
    )

    started = time.monotonic()
    outcome = _engine().run(run.job)
    elapsed = time.monotonic() - started

    assert outcome.status == "finished", outcome.message
    written = workspace / "results" / "out.txt"
    assert written.read_text() == f"{tmp_path}/workspace/.openvre/rucio/rucio.cfg Hello\n"
    assert written.stat().st_uid == workspace.stat().st_uid
    log = run.ended("inside").log_path
    assert log is not None
    first, *rest = log.read_text().splitlines(keepends=True)
    assert first == IMAGE_MARKER  # stdout and stderr come through podman on two pipes: only their order is loose
    assert sorted(rest) == ["cat: can't open '/etc/os-release': No such file or directory\n", "no os-release here\n"]
    assert not Path("/etc/openvre-image").exists()
    assert f"step inside: running inside image {podman_image} with podman (only the workspace mounted)" in run.lines
    assert run.ended("inside").image == podman_image
    assert elapsed < 5


def test_a_step_cannot_write_outside_its_workspace_through_paths_it_is_given(tmp_path: Path, podman_image: str) -> None:
    outside = [Path(f"/outside-{uuid.uuid4().hex}"), tmp_path / f"outside-{uuid.uuid4().hex}"]
    commands = [f"touch {outside[0]} $target && echo $$? > wrote.txt", "touch ../next-to-workspace"]
    workspace, run = _podman_run(
        tmp_path,
        [{"name": "escape", "environment": podman_image, "commands": commands}],
        parameters={"target": str(outside[1])},
    )

    assert _engine().run(run.job).status == "finished"

    assert (workspace / "wrote.txt").read_text() == "0\n"  # written, but in the container's own filesystem
    assert not any(path.exists() for path in outside)
    assert not (tmp_path / "next-to-workspace").exists()


def _stop_when_started(tmp_path: Path, image: str, command: str, grace: float) -> tuple[Run, Any, float]:
    """Run one ``sleeper`` step running ``command`` (which touches ``started``), stop it once started."""
    workspace, run = _podman_run(tmp_path, [{"name": "sleeper", "environment": image, "commands": [command]}])
    engine = _engine(grace=grace)
    outcome: list[Any] = []
    thread = threading.Thread(target=lambda: outcome.append(engine.run(run.job)))
    thread.start()
    wait_for(lambda: (workspace / "started").exists(), timeout=30)
    started = time.monotonic()
    run.job.stop.set()
    thread.join(timeout=30)
    assert not thread.is_alive(), "the engine did not return after stop"
    return run, outcome[0], time.monotonic() - started


def _containers_left() -> str:
    ps = subprocess.run(["podman", "ps", "-aq", "--filter", "name=openvre-sleeper-"], capture_output=True, text=True)
    return ps.stdout


@pytest.mark.parametrize(
    ("command", "grace", "within"),
    [
        ("touch started; sleep {marker}", 5.0, 3.0),  # --init forwards SIGTERM: ends at once
        ("trap '' TERM; touch started; sleep {marker}", 1.0, 3.0),  # ignores it: SIGKILL, then podman rm
    ],
    ids=["sigterm", "ignores-sigterm"],
)
def test_stop_kills_the_step_and_its_container_promptly(
    tmp_path: Path, podman_image: str, command: str, grace: float, within: float
) -> None:
    marker = unique_sleep()

    run, outcome, seconds = _stop_when_started(tmp_path, podman_image, command.format(marker=marker), grace)

    assert outcome.status == "stopped"
    assert seconds < within
    assert processes_with(marker) == []
    assert _containers_left() == ""
    assert run.statuses() == [("sleeper", "running"), ("sleeper", "stopped")]


def test_a_missing_image_fails_the_step_saying_how_to_provide_it(tmp_path: Path, podman_image: str) -> None:
    image = f"localhost/openvre-no-such-image:{uuid.uuid4().hex[:8]}"
    _, run = _podman_run(tmp_path, [{"name": "analysis", "environment": image, "commands": ["true"]}])

    outcome = _engine().run(run.job)

    assert outcome.status == "failed"
    assert outcome.message.startswith(
        f"step 'analysis' cannot run: image {image} is not available locally: build or import it with podman "
        "(no registry is reachable from openvre's machine)"
    )
    assert run.statuses() == [("analysis", "running"), ("analysis", "failed")]


def test_a_step_without_an_image_fails_when_steps_run_in_containers(tmp_path: Path, podman_image: str) -> None:
    _, run = _podman_run(tmp_path, [{"name": "bare", "commands": ["touch /tmp/should-not-run"]}])

    outcome = _engine().run(run.job)

    assert outcome.status == "failed"
    assert "give the step `environment: IMAGE`" in outcome.message


def test_podman_configured_but_missing_fails_naming_the_debian_packages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # a PATH without podman

    with pytest.raises(EngineNotAvailable, match=r"apt-get install podman runc"):
        get_engine("serial", container_runtime="podman")


def test_the_container_runtime_setting_reaches_the_engines(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, podman_image: str
) -> None:
    monkeypatch.setenv("OPENVRE_CONTAINER_RUNTIME", "podman")
    config = WorkflowsConfig.from_settings(Settings(home=tmp_path))

    assert config.container_runtime == "podman"
    engine: Any = get_engine("serial", container_runtime=config.container_runtime)
    assert engine.settings.container_runtime == "podman"
    assert "podman" in engine.versions()
    default: Any = get_engine("serial")
    assert default.settings.container_runtime == "none"
