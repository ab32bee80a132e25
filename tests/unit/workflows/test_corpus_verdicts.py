"""Every real reana.yaml of the shared corpus gets the verdict reana-commons 0.9.11 gave it.

The corpus (``<repo>/../shared/corpus/reana``) holds specs copied from public repositories and, in
``INDEX.md``, the official validator's verdict on each: ``valid``, ``warnings: additional_properties:
<path>; ...`` or ``invalid: <message> (at <path>)``. Ours must be the same: refused or not, and warned
about exactly the same unexpected keys. Files are checked without their analysis directory (the corpus
has only the specs), as the oracle did.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from openvre.workflows.validation import ValidationReport, validate_spec

CORPUS = Path(__file__).resolve().parents[3].parent / "shared" / "corpus" / "reana"
VERDICT_COLUMN = "verdict reana-commons 0.9.11"


def corpus_rows() -> list[tuple[str, str]]:
    """(spec file relative to the corpus, 0.9.11 verdict) for each spec listed in INDEX.md."""
    index = CORPUS / "INDEX.md"
    if not index.is_file():
        return []
    rows: list[tuple[str, str]] = []
    header: list[str] = []
    for line in index.read_text(encoding="utf-8").splitlines():
        if not line.startswith("|"):
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if VERDICT_COLUMN in cells:
            header = cells
        elif header and cells[0].startswith("`"):
            rows.append((cells[0].strip("`"), cells[header.index(VERDICT_COLUMN)]))
    return rows


ROWS = corpus_rows()


def our_verdict(report: ValidationReport) -> tuple[str, set[str]]:
    """The report in the oracle's terms: refused, or the paths of unexpected keys, or valid."""
    if report.errors:
        return "invalid", set()
    unexpected = {problem.path for problem in report.warnings if problem.check == "unexpected-key"}
    return ("warnings", unexpected) if unexpected else ("valid", set())


def their_verdict(verdict: str) -> tuple[str, set[str]]:
    kind, _, detail = verdict.partition(":")
    if kind == "warnings":
        return kind, {part.strip().removeprefix("additional_properties:").strip() for part in detail.split(";")}
    return kind, set()


def test_the_corpus_is_there_and_complete() -> None:
    if not CORPUS.is_dir():
        pytest.skip(f"the shared REANA corpus is not at {CORPUS} (it lives next to the repository, in ../shared)")
    assert len(ROWS) == 60
    assert {their_verdict(verdict)[0] for _, verdict in ROWS} == {"valid", "warnings", "invalid"}


@pytest.mark.parametrize(("spec_file", "verdict"), ROWS, ids=[name for name, _ in ROWS])
def test_same_verdict_as_reana_commons_0_9_11(spec_file: str, verdict: str) -> None:
    path = CORPUS / spec_file
    report = validate_spec(path.read_text(encoding="utf-8"), source=str(path))
    assert our_verdict(report) == their_verdict(verdict), [str(problem) for problem in report.errors]


@pytest.mark.parametrize(
    ("spec_file", "verdict"),
    [(name, verdict) for name, verdict in ROWS if re.search(r"\(at [\w.]+\)$", verdict)],
)
def test_a_refusal_names_the_field_reana_names(spec_file: str, verdict: str) -> None:
    path = CORPUS / spec_file
    report = validate_spec(path.read_text(encoding="utf-8"), source=spec_file)
    field = re.search(r"\(at ([\w.]+)\)$", verdict)
    assert field is not None
    assert field.group(1) in {problem.path for problem in report.errors}
    assert all(problem.line is not None and problem.fix for problem in report.errors)
