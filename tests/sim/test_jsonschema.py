"""`salesmap schema`: editors can check whole scenarios and what-if files with it."""

from __future__ import annotations

import json
import subprocess
import sys

import jsonschema
import pytest
import yaml

from sim.jsonschema import scenario_json_schema
from tests.conftest import ROOT, SCENARIOS


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    schema = scenario_json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.yaml")), ids=lambda p: p.name)
def test_every_shipped_file_is_valid_for_editors(path: object, validator: jsonschema.Draft202012Validator) -> None:
    """What-if files (extends) were all marked invalid: no extends key, required fields missing."""
    data = yaml.safe_load(path.read_text())  # type: ignore[attr-defined]
    errors = [e.message for e in validator.iter_errors(json.loads(json.dumps(data, default=str)))]
    assert errors == []


@pytest.mark.parametrize("text", [
    "extends: baseline.yaml\nname: x\ncolour: red\n",  # unknown key in a what-if
    "extends: baseline.yaml\nstages: [{id: demo, colour: red}]\n",
    "schema_version: 1\nname: x\n",  # a whole scenario missing its required fields
])
def test_mistakes_are_still_flagged(text: str, validator: jsonschema.Draft202012Validator) -> None:
    assert list(validator.iter_errors(yaml.safe_load(text)))


def test_schema_piped_to_head_ends_quietly() -> None:
    """`salesmap schema | head` ended in a BrokenPipeError traceback."""
    proc = subprocess.run(f"{sys.executable} -m salesmap schema | head -3", shell=True, cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert proc.stdout.count("\n") == 3
    assert "Traceback" not in proc.stderr
    assert "BrokenPipe" not in proc.stderr
