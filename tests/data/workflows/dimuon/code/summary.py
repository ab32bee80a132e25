"""Summarise a mass histogram: events, the peak bin, and (if asked) when the summary was written.

Usage: python code/summary.py HISTOGRAM.csv STAMP OUTPUT.json   (STAMP "yes" adds the time: not reproducible)
"""

import csv
import json
import sys
import time
from pathlib import Path


def main(histogram: Path, stamp: str, output: Path) -> None:
    with histogram.open(newline="") as source:
        rows = list(csv.DictReader(source))
    peak = max(rows, key=lambda row: int(row["events"]))
    summary = {
        "events": sum(int(row["events"]) for row in rows),
        "bins": len(rows),
        "peak_gev": [float(peak["low_gev"]), float(peak["high_gev"])],
    }
    if stamp == "yes":
        summary["written_at"] = time.time()
    output.write_text(json.dumps(summary, indent=2) + "\n")
    print(json.dumps(summary))


if __name__ == "__main__":
    main(Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3]))
