"""`make bench`: openvre measured side by side with a baseline in the same run, as ratios.

Machines here are noisy, so each figure is compared with a baseline measured moments apart on the
same machine: a bare FastAPI app served by uvicorn stands in for "the least a Python web server costs".
Results go to benchmarks/results.md as a markdown table.
"""

from __future__ import annotations

import functools
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.rucio_server import CLIENT_REQUIREMENTS, ensure_venv  # noqa: E402
from tests.support.vre_server import free_port, start_vre  # noqa: E402

RESULTS = Path(__file__).with_name("results.md")
BASELINE_APP = textwrap.dedent(
    """
    from fastapi import FastAPI
    app = FastAPI()

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}
    """
)
ROUNDS = 5
REQUESTS = 300


def median_of(rounds: int, measure: Callable[[], float]) -> float:
    return statistics.median(measure() for _ in range(rounds))


def wait_healthy(url: str, process: subprocess.Popen[bytes], started: float) -> float:
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return time.perf_counter() - started
        except httpx.TransportError:
            time.sleep(0.01)


def baseline_start(workdir: Path) -> float:
    (workdir / "baseline_app.py").write_text(BASELINE_APP)
    port = free_port()
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "baseline_app:app", "--port", str(port), "--log-level", "warning"],
        cwd=workdir,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        return wait_healthy(f"http://127.0.0.1:{port}/health", process, started)
    finally:
        process.terminate()
        process.wait()


def vre_start(workdir: Path, first: bool) -> float:
    home = Path(tempfile.mkdtemp(dir=workdir)) if first else workdir / "warm-home"
    port = free_port()
    env = {**os.environ, "OPENVRE_ADMIN_PASSWORD": "bench-password"}
    started = time.perf_counter()
    process = subprocess.Popen(
        [str(Path(sys.executable).with_name("vre")), "up", "--home", str(home), "--port", str(port), "--no-demo"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    try:
        return wait_healthy(f"http://127.0.0.1:{port}/health", process, started)
    finally:
        process.terminate()
        process.wait()


def request_latency(url: str, headers: dict[str, str] | None = None) -> float:
    with httpx.Client(headers=headers) as client:
        client.get(url).raise_for_status()
        timings = []
        for _ in range(REQUESTS):
            started = time.perf_counter()
            client.get(url).raise_for_status()
            timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def rss_megabytes(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def credential_checks() -> tuple[float, float]:
    from openvre.identity._secrets import digest
    from openvre.identity.passwords import hash_password, verify_password

    hashed = hash_password("benchmark password")
    started = time.perf_counter()
    for _ in range(5):
        verify_password(hashed, "benchmark password")
    password_seconds = (time.perf_counter() - started) / 5
    started = time.perf_counter()
    for _ in range(10_000):
        digest("vre_" + "x" * 43)
    return password_seconds, (time.perf_counter() - started) / 10_000


def command_start(command: list[str]) -> float:
    """Seconds from exec to exit of a command that only prints its help: what importing it costs."""
    started = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - started


def cli_rows() -> list[tuple[str, str, str, str]]:
    """`vre` commands against the official `rucio` CLI (rucio-clients, its own venv) doing the same: help."""
    vre = str(Path(sys.executable).with_name("vre"))
    rucio = str(ensure_venv("rucio-clients", CLIENT_REQUIREMENTS) / "rucio")
    official = median_of(ROUNDS, lambda: command_start([rucio, "--help"]))
    rows = []
    for args, what in ((["data", "search", "--help"], "`vre data search --help`"), (["--help"], "`vre --help`")):
        ours = median_of(ROUNDS, functools.partial(command_start, [vre, *args]))
        ratio = f"{ours / official:.1f}×"
        rows.append((f"{what} vs `rucio --help` (CLI start)", f"{ours:.2f} s", f"{official:.2f} s", ratio))
    return rows


def main() -> None:
    rows: list[tuple[str, str, str, str]] = cli_rows()
    with tempfile.TemporaryDirectory() as scratch:
        workdir = Path(scratch)
        baseline = median_of(ROUNDS, lambda: baseline_start(workdir))
        cold = median_of(ROUNDS, lambda: vre_start(workdir, first=True))
        vre_start(workdir, first=False)
        warm = median_of(ROUNDS, lambda: vre_start(workdir, first=False))
        rows.append(
            (
                "`vre up` ready, new HOME (migrations, admin)",
                f"{cold:.2f} s",
                f"{baseline:.2f} s",
                f"{cold / baseline:.1f}×",
            )
        )
        rows.append(("`vre up` ready, existing HOME", f"{warm:.2f} s", f"{baseline:.2f} s", f"{warm / baseline:.1f}×"))

        server = start_vre(workdir / "latency-home", "--no-demo", env={"OPENVRE_ADMIN_PASSWORD": "bench-password"})
        (workdir / "baseline_app.py").write_text(BASELINE_APP)
        port = free_port()
        base_process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "baseline_app:app", "--port", str(port), "--log-level", "warning"],
            cwd=workdir,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_healthy(f"http://127.0.0.1:{port}/health", base_process, time.perf_counter())
            token = make_token(server.home)
            base_latency = request_latency(f"http://127.0.0.1:{port}/health")
            health = request_latency(f"{server.url}/health")
            whoami = request_latency(f"{server.url}/api/v1/whoami", {"Authorization": f"Bearer {token}"})
            rows.append(
                (
                    "GET /health (database ping), median",
                    f"{health * 1000:.2f} ms",
                    f"{base_latency * 1000:.2f} ms",
                    f"{health / base_latency:.1f}×",
                )
            )
            rows.append(
                (
                    "GET /api/v1/whoami (token check), median",
                    f"{whoami * 1000:.2f} ms",
                    f"{base_latency * 1000:.2f} ms",
                    f"{whoami / base_latency:.1f}×",
                )
            )
            vre_rss, base_rss = rss_megabytes(server.process.pid), rss_megabytes(base_process.pid)
            rows.append(
                (
                    "resident memory after the requests",
                    f"{vre_rss:.0f} MB",
                    f"{base_rss:.0f} MB",
                    f"{vre_rss / base_rss:.1f}×",
                )
            )
        finally:
            server.stop()
            base_process.terminate()
            base_process.wait()
    from benchmarks.bench_datalake import measure as measure_datalake

    password, token_digest = credential_checks()
    rows.append(
        (
            "verify a password (Argon2id, 64 MiB) vs a token digest",
            f"{password * 1000:.1f} ms",
            f"{token_digest * 1e6:.1f} µs",
            f"{password / token_digest:.0f}×",
        )
    )
    lake_rows = measure_datalake()
    write_table(rows, lake_rows)


def make_token(home: Path) -> str:
    from openvre import identity
    from openvre.db import Database

    database = Database(f"sqlite:///{home / 'openvre.db'}")
    with database.transaction() as session:
        secret = identity.create_token(session, "admin", "bench", timedelta(days=1)).secret
    database.dispose()
    return secret


def write_table(rows: list[tuple[str, str, str, str]], lake_rows: list[tuple[str, str, str, str]]) -> None:
    lines = [
        f"# openvre benchmarks ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} cores)",
        "",
        f"Baseline: a bare FastAPI app on uvicorn, measured in the same run. Medians of {ROUNDS} starts "
        f"and {REQUESTS} sequential requests.",
        "",
        "| measure | openvre | baseline | ratio |",
        "|---|---|---|---|",
        *[f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows],
        "",
        "The data lake against a real Rucio 41.5.1 server (gunicorn, 1 worker, SQLite) in the same run, "
        "driven by the same official Python client (rucio-clients 41.5.1); ratio < 1 means openvre is faster.",
        "",
        "| measure | openvre | real Rucio | ratio |",
        "|---|---|---|---|",
        *[f"| {a} | {b} | {c} | {d} |" for a, b, c, d in lake_rows],
        "",
    ]
    RESULTS.write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
