"""The official validator as oracle: reana-commons 0.9.11 (with reana-client 0.9.6) judges the same documents.

Runs in its own venv (``.venvs/reana-client``, built once by ``scripts/ensure-venv.sh``). Two oracles:

* ``validate_reana_yaml`` (the schema verdict) on a few hundred documents made by mutating the corpus
  specs at random, with a fixed seed: nulls, wrong types, unknown keys, missing keys, bad enums;
* ``reana-client validate``'s whole load-and-check path (``load_validate_reana_spec``) on serial specs,
  which need no workflow file: it adds the operational options and the serial loader's rules.
"""

from __future__ import annotations

import copy
import json
import random
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from openvre.workflows.spec import read_spec
from openvre.workflows.validation import validate_spec
from tests.support.rucio_server import ensure_venv

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus" / "reana"
REQUIREMENTS = ("reana-client==0.9.6",)

SCHEMA_ORACLE = """
import json, logging, sys, warnings
warnings.simplefilter("ignore"); logging.disable(logging.CRITICAL)
from reana_commons.validation.utils import validate_reana_yaml
verdicts = []
for document in json.load(sys.stdin):
    try:
        found = validate_reana_yaml(document)
    except Exception:
        verdicts.append(["invalid", []])
        continue
    paths = [".".join(p for p in (w["path"], w["property"]) if p) for w in found.get("additional_properties", [])]
    verdicts.append(["warnings", sorted(paths)] if found else ["valid", []])
json.dump(verdicts, sys.stdout)
"""

CLIENT_ORACLE = """
import contextlib, io, json, logging, sys, warnings
warnings.simplefilter("ignore"); logging.disable(logging.CRITICAL)
from reana_client.utils import load_validate_reana_spec
verdicts = []
for path in json.load(sys.stdin):
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            load_validate_reana_spec(path)
        verdicts.append("valid")
    except BaseException:  # SystemExit from the CLI helpers, ValidationError from the loaders
        verdicts.append("invalid")
json.dump(verdicts, sys.stdout)
"""

# Values that trip one rule each: null, number-for-text, text-for-list, bad enum, repeated entry...
ODD_VALUES: list[Any] = [
    None, 0.3, "x", "serial", "cwl", [], {}, True, 3, 3.0, -1, ["a"], ["a", "a"], {"a": 1}, {"a": -1}, [1], "",
    ["cms.cern.ch\n"], [{"commands": ["a"], "environment": "e"}], "kubernetes", "htcondorcern", {"steps": []},
]  # fmt: skip
KEYS = [
    "foo", "type", "file", "specification", "steps", "commands", "environment", "compute_backend",
    "kubernetes_uid", "dask", "cvmfs", "kerberos", "retention_days", "files", "parameters", "resources",
]  # fmt: skip


@pytest.fixture(scope="module")
def python() -> Path:
    try:
        return ensure_venv("reana-client", REQUIREMENTS) / "python"
    except RuntimeError as error:
        pytest.skip(f"reana-client 0.9.6 could not be installed for the oracle: {error}")


def oracle(python: Path, script: str, payload: object) -> Any:
    result = subprocess.run(
        [str(python), "-c", script], input=json.dumps(payload), capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def corpus_documents() -> list[Any]:
    if not CORPUS.is_dir():
        pytest.skip(f"the shared REANA corpus is not at {CORPUS}")
    documents = []
    for path in sorted(CORPUS.glob("*/*.yaml")):
        try:
            documents.append(json.loads(json.dumps(yaml.safe_load(path.read_text()), default=str)))
        except yaml.YAMLError:
            continue
    return documents


def containers(value: Any) -> Iterator[Any]:
    if isinstance(value, dict | list):
        yield value
        for item in value.values() if isinstance(value, dict) else value:
            yield from containers(item)


def mutated(document: Any, chance: random.Random) -> Any:
    document = copy.deepcopy(document)
    for _ in range(chance.randint(1, 3)):
        target = chance.choice(list(containers(document)))
        if isinstance(target, dict):
            key = chance.choice(list(target) or KEYS) if chance.random() < 0.7 else chance.choice(KEYS)
            if key in target and chance.random() < 0.3:
                del target[key]
            else:
                target[key] = copy.deepcopy(chance.choice(ODD_VALUES))
        elif target:
            target[chance.randrange(len(target))] = copy.deepcopy(chance.choice(ODD_VALUES))
    return document


def our_verdict(document: Any) -> list[Any]:
    _, findings = read_spec(document)
    schema_errors = [p for p in findings.errors if p.check in ("schema", "yaml")]
    unexpected = sorted(p.path for p in findings.warnings if p.check == "unexpected-key")
    if schema_errors:
        return ["invalid", []]
    return ["warnings", unexpected] if unexpected else ["valid", []]


def test_schema_verdicts_match_on_mutated_corpus_specs(python: Path) -> None:
    chance = random.Random(20260911)  # noqa: S311 (a fixed seed, so a failure can be replayed)
    originals = corpus_documents()
    documents = originals + [mutated(chance.choice(originals), chance) for _ in range(600)]
    theirs = oracle(python, SCHEMA_ORACLE, documents)
    differ = [
        (json.dumps(document)[:300], mine, their)
        for document, their in zip(documents, theirs, strict=True)
        if (mine := our_verdict(document)) != their
    ]
    assert not differ, differ[:5]
    assert {verdict for verdict, _ in theirs} == {"valid", "warnings", "invalid"}


SERIAL_RULE_CASES = {
    "no-steps": {"workflow": {"type": "serial", "specification": {"steps": []}}},
    "runtime": {"htcondor_max_runtime": "forever"},
    "runtime-flavour": {"htcondor_max_runtime": "espresso"},
    "runtime-seconds": {"htcondor_max_runtime": "3600"},
    "memory-bad": {"kubernetes_memory_limit": "8 GB"},
    "memory-good": {"kubernetes_memory_limit": "0.5Gi"},
    "option-bad": {"options": {"report": "x"}},
    "option-good": {"options": {"CACHE": "off", "FROM": "a", "TARGET": "b"}},
}


def rule_case(change: dict[str, Any]) -> dict[str, Any]:
    if "workflow" in change:
        return change
    step: dict[str, Any] = {"name": "s", "environment": "e", "commands": ["echo"]}
    step.update({key: value for key, value in change.items() if key != "options"})
    document: dict[str, Any] = {"workflow": {"type": "serial", "specification": {"steps": [step]}}}
    if "options" in change:
        document["inputs"] = {"options": change["options"]}
    return document


def test_reana_client_validate_refuses_what_we_refuse(python: Path, tmp_path: Path) -> None:
    files = []
    for index, document in enumerate(corpus_documents() + [rule_case(c) for c in SERIAL_RULE_CASES.values()]):
        workflow = document.get("workflow") if isinstance(document, dict) else None
        if isinstance(workflow, dict) and workflow.get("type") == "serial":
            files.append(tmp_path / f"spec-{index}.yaml")
            files[-1].write_text(yaml.safe_dump(document))
    theirs = oracle(python, CLIENT_ORACLE, [str(path) for path in files])
    ours = ["valid" if validate_spec(path.read_text()).valid else "invalid" for path in files]
    assert ours == theirs
    assert "valid" in theirs and "invalid" in theirs
