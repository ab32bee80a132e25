"""Histogram dimuon invariant masses (60-120 GeV) from CSV files into a CSV table.

Usage: python3 code/histogram.py BINS OUTPUT.csv INPUT.csv [INPUT.csv ...]

Only the standard library, so the step runs in any Python 3 image or environment.
"""

import csv
import sys
from pathlib import Path

LOW, HIGH = 60.0, 120.0


def histogram(paths: list[Path], bins: int) -> list[int]:
    counts = [0] * bins
    for path in paths:
        with path.open(newline="") as source:
            for row in csv.DictReader(source):
                mass = float(row["mass_gev"])
                if LOW <= mass < HIGH:
                    counts[int((mass - LOW) / (HIGH - LOW) * bins)] += 1
    return counts


def main(bins: int, output: Path, inputs: list[Path]) -> None:
    counts = histogram(inputs, bins)
    width = (HIGH - LOW) / bins
    with output.open("w", newline="") as sink:
        writer = csv.writer(sink)
        writer.writerow(["low_gev", "high_gev", "events"])
        for index, count in enumerate(counts):
            writer.writerow([f"{LOW + index * width:.2f}", f"{LOW + (index + 1) * width:.2f}", count])
    print(f"{sum(counts)} events from {len(inputs)} files in {bins} bins -> {output}")


if __name__ == "__main__":
    main(int(sys.argv[1]), Path(sys.argv[2]), [Path(name) for name in sys.argv[3:]])
