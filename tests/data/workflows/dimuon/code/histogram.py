"""Histogram the dimuon invariant masses (60-120 GeV) of a data-lake dataset into a CSV file.

Usage: python code/histogram.py DATASET_DID BINS OUTPUT.csv
"""

import csv
import sys
from pathlib import Path

import openvre.data

LOW, HIGH = 60.0, 120.0


def main(did: str, bins: int, output: Path) -> None:
    found = openvre.data.get(did)
    paths = sorted(found if isinstance(found, list) else [found], key=lambda path: path.name)
    counts = [0] * bins
    for path in paths:
        with path.open(newline="") as source:
            for row in csv.DictReader(source):
                mass = float(row["mass_gev"])
                if LOW <= mass < HIGH:
                    counts[int((mass - LOW) / (HIGH - LOW) * bins)] += 1
    width = (HIGH - LOW) / bins
    with output.open("w", newline="") as sink:
        writer = csv.writer(sink)
        writer.writerow(["low_gev", "high_gev", "events"])
        for index, count in enumerate(counts):
            writer.writerow([f"{LOW + index * width:.2f}", f"{LOW + (index + 1) * width:.2f}", count])
    print(f"{sum(counts)} events from {len(paths)} files in {bins} bins")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), Path(sys.argv[3]))
