"""Per-item results of long operations: what the CLI renders and the Python API returns.

"Nothing to do" is a success (``notneeded``), so rerunning a command that already did its work is
green. Statuses: ok, notneeded, impossible (the input cannot work), error (it could have, and failed).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Status = Literal["ok", "notneeded", "impossible", "error"]


@dataclass(frozen=True)
class Result:
    action: str
    target: str
    status: Status
    message: str = ""

    @property
    def failed(self) -> bool:
        return self.status in ("impossible", "error")
