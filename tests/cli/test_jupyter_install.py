"""openvre's install enables its JupyterLab extension, its Jupyter server extension and its IPython extension."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

BIN = Path(sys.executable).parent


def jupyter(*args: str) -> str:
    result = subprocess.run([str(BIN / "jupyter"), *args], capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    return re.sub(r"\x1b\[[0-9;]*m", "", result.stdout + result.stderr)  # without colours


def test_the_prebuilt_labextension_is_enabled() -> None:
    listing = jupyter("labextension", "list")
    assert re.search(r"^\s*openvre v\S+ enabled OK", listing, re.MULTILINE), listing


def test_the_server_extension_is_enabled_and_loads() -> None:
    listing = jupyter("server", "extension", "list")
    assert re.search(r"openvre\.jupyter\s+enabled", listing), listing
    assert re.search(r"openvre\.jupyter\s+OK", listing), listing


def test_the_kernel_startup_file_is_installed_where_ipython_reads_it() -> None:
    # IPython runs sys.prefix/etc/ipython/startup/*.py in every shell; tests/integration/test_kernel_data_injection
    # shows a real kernel injecting a notebook's attachment through it.
    startup = Path(sys.prefix) / "etc" / "ipython" / "startup" / "50-openvre.py"
    assert "openvre.jupyter.kernel" in startup.read_text()
