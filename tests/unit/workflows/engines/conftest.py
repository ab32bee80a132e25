"""A tiny busybox image for the podman tests, built without a registry (none is reachable here).

The image is imported once per machine (podman keeps it in its storage) from a root filesystem made
of busybox-static and a marker file, ``/etc/openvre-image``, that the host does not have. Podman is
pointed at a test-owned containers.conf (runc, explicit ulimits: what this kind of machine needs)
instead of /etc. When podman cannot run a container here, the tests skip with the probe's error, or
fail with it under CI or ``OPENVRE_TEST_REQUIRE_PODMAN=1``, so CI never silently skips them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

TEST_IMAGE = "localhost/openvre-test-busybox:1"
IMAGE_MARKER = "openvre test image\n"
_APPLETS = ("sh", "true", "echo", "cat", "mkdir", "wc", "sleep", "touch", "ls")  # change TEST_IMAGE tag if changed
_CONTAINERS_CONF = """\
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]
[engine]
runtime = "runc"
"""


@pytest.fixture(scope="session")
def podman_image(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The test image's name, once podman is known to run containers with it."""
    directory = tmp_path_factory.mktemp("podman")
    conf = directory / "containers.conf"
    conf.write_text(_CONTAINERS_CONF)
    previous = os.environ.get("CONTAINERS_CONF")
    os.environ["CONTAINERS_CONF"] = str(conf)
    try:
        problem = _build_and_probe(directory)
        if problem is not None:
            if os.environ.get("CI") or os.environ.get("OPENVRE_TEST_REQUIRE_PODMAN") == "1":
                pytest.fail(f"podman cannot run containers on this machine: {problem}")
            pytest.skip(f"podman cannot run containers on this machine: {problem}")
        yield TEST_IMAGE
    finally:
        if previous is None:
            os.environ.pop("CONTAINERS_CONF", None)
        else:
            os.environ["CONTAINERS_CONF"] = previous


def _build_and_probe(directory: Path) -> str | None:
    """Import the image unless podman has it, then run ``true`` in it; the error, or None when it works."""
    busybox = shutil.which("busybox")
    if shutil.which("podman") is None or busybox is None:
        return "podman or busybox is not installed: apt-get install podman runc busybox-static (make system-deps)"
    if subprocess.run(["podman", "image", "exists", TEST_IMAGE], check=False).returncode != 0:
        rootfs = directory / "rootfs"
        (rootfs / "bin").mkdir(parents=True)
        (rootfs / "etc").mkdir()
        (rootfs / "tmp").mkdir()
        shutil.copy(busybox, rootfs / "bin" / "busybox")
        for applet in _APPLETS:
            (rootfs / "bin" / applet).symlink_to("busybox")
        (rootfs / "etc" / "openvre-image").write_text(IMAGE_MARKER)
        tarball = directory / "rootfs.tar"
        subprocess.run(["tar", "-C", str(rootfs), "-cf", str(tarball), "."], check=True)
        imported = subprocess.run(
            ["podman", "import", str(tarball), TEST_IMAGE], capture_output=True, text=True, check=False
        )
        if imported.returncode != 0:
            return f"podman import failed: {imported.stderr.strip()}"
    probe = subprocess.run(
        ["podman", "run", "--rm", "--pull", "never", "--network", "none", TEST_IMAGE, "true"],
        capture_output=True,
        text=True,
        check=False,
    )
    return None if probe.returncode == 0 else f"`podman run {TEST_IMAGE} true` failed: {probe.stderr.strip()}"
