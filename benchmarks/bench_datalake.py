"""The data lake's catalog against a real Rucio 41.5.1, same workload, same official Python client.

Both servers run on this machine in the same run: a real Rucio (gunicorn, one worker, SQLite) and
`vre up` (SQLite). The workload is run by rucio-clients 41.5.1 in its own venv, so client-side costs
are identical and the ratio is the servers'.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from pathlib import Path

from tests.support.rucio_server import RucioServer, rucio_client_env, start_rucio_server
from tests.support.vre_server import start_vre

FILES = 2000
WORKLOAD = r"""
import json, sys, time, uuid
from rucio.client import Client

files, prefix = int(sys.argv[1]), sys.argv[2]
client = Client()
account = client.whoami()["account"]
scope = "bench"
client.add_scope(account, scope)
client.add_rse("BENCH", deterministic=True)
client.add_protocol("BENCH", {"scheme": "file", "hostname": "localhost", "port": 0, "prefix": prefix,
                              "impl": "rucio.rse.protocols.posix.Default",
                              "domains": {"wan": {"read": 1, "write": 1, "delete": 1},
                                          "lan": {"read": 1, "write": 1, "delete": 1}}})
client.set_local_account_limit(account, "BENCH", -1)
timings = {}

def timed(label, call, repeat=1):
    started = time.perf_counter()
    for _ in range(repeat):
        result = call()
    timings[label] = (time.perf_counter() - started) / repeat
    return result

names = [f"file{i:06}.root" for i in range(files)]
def register():
    for start in range(0, files, 500):
        client.add_replicas("BENCH", [{"scope": scope, "name": n, "bytes": 1000, "adler32": "0badf00d",
                                       "md5": "0" * 32, "meta": {"guid": uuid.uuid4().hex}}
                                      for n in names[start:start + 500]])
timed(f"register {files} files (add_replicas, chunks of 500)", register)
client.add_dataset(scope, "ds")
def attach():
    for start in range(0, files, 500):  # a real server takes at most 1000 DIDs per call
        client.attach_dids(scope, "ds", [{"scope": scope, "name": n} for n in names[start:start + 500]])
timed(f"attach {files} files to a dataset (chunks of 500)", attach)
timed("list_dids, 100-match pattern",
      lambda: list(client.list_dids(scope, {"name": "file0001*"}, did_type="file")), 20)
timed(f"list_dids over all {files + 1} DIDs", lambda: list(client.list_dids(scope, {"name": "*"}, did_type="all")), 5)
timed(f"list_content of the {files}-file dataset", lambda: list(client.list_content(scope, "ds")), 5)
timed(f"list_replicas of the {files}-file dataset",
      lambda: list(client.list_replicas([{"scope": scope, "name": "ds"}], sort="random")), 3)
timed("get_did", lambda: client.get_did(scope, "file000042.root"), 50)
print(json.dumps(timings))
"""


def run_workload(env: dict[str, str], prefix: Path) -> dict[str, float]:
    result = subprocess.run(
        ["python", "-c", WORKLOAD, str(FILES), f"{prefix}/"],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(result.stderr)
    return json.loads(result.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def measure() -> list[tuple[str, str, str, str]]:
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        with start_rucio_server(work / "rucio") as real:
            real_times = run_workload(_env(real, work), work / "real-bench")
        vre = start_vre(work / "vre-home", "--no-demo", env={"OPENVRE_ADMIN_PASSWORD": "bench-password"})
        try:
            env = rucio_client_env(f"{vre.url}/rucio", "admin", "admin", "bench-password", work / "vre-client")
            ours = run_workload(env, work / "vre-bench")
        finally:
            vre.stop()
    return [
        (f"data lake: {label}", _ms(ours[label]), _ms(real_times[label]), f"{ours[label] / real_times[label]:.2f}×")
        for label in real_times
    ]


def _env(real: RucioServer, work: Path) -> dict[str, str]:
    return real.client_env(work / "real-client")


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms" if seconds < 1 else f"{seconds:.2f} s"
