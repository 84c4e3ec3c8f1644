"""What-if files that extend a base scenario."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from sim.errors import ScenarioError
from sim.extends import merge
from sim.scenario import load_scenario
from tests.conftest import SCENARIOS

Write = Callable[[str, str], Path]


def test_merge_rules() -> None:
    base = {"a": {"x": 1, "y": 2}, "l": [1, 2], "stages": [{"id": "s", "k": 1, "o": {"p": 1}}, {"id": "t"}]}
    patch = {"a": {"y": None, "z": 3}, "l": [9],
             "stages": [{"id": "s", "o": {"q": 2}}, {"id": "t", "remove": True}, {"id": "u"}]}
    assert merge(base, patch) == {"a": {"x": 1, "z": 3}, "l": [9],
                                  "stages": [{"id": "s", "k": 1, "o": {"p": 1, "q": 2}}, {"id": "u"}]}
    assert base["a"] == {"x": 1, "y": 2}  # unchanged


def test_shipped_what_ifs_extend_the_baseline() -> None:
    base = load_scenario(SCENARIOS / "baseline.yaml")
    five = load_scenario(SCENARIOS / "one-rep-five-stages.yaml")
    assert five.horizon == base.horizon
    assert five.name == "one-rep-five-stages"
    assert next(p.name for p in five.people or ()) == "Dana"
    nn = load_scenario(SCENARIOS / "no-nurture.yaml")
    assert "nurture" not in [s.id for s in nn.stages]


def test_errors_in_the_what_if_name_the_what_if(write_yaml: Write) -> None:
    write_yaml((SCENARIOS / "baseline.yaml").read_text(), "base.yaml")
    f = write_yaml("extends: base.yaml\nname: w\nroles: {closer: {headcount: 0}}\n", "w.yaml")
    with pytest.raises(ScenarioError, match=r"w\.yaml: stages\[2\]: stage 'discovery': nobody is responsible"):
        load_scenario(f)


def test_errors_in_the_base_name_the_base(write_yaml: Write) -> None:
    write_yaml("schema_version: 1\nname: b\n", "base.yaml")
    f = write_yaml("extends: base.yaml\nname: w\n", "w.yaml")
    with pytest.raises(ScenarioError, match=r"base\.yaml: horizon: required field is missing"):
        load_scenario(f)


def test_missing_base_and_cycles(write_yaml: Write) -> None:
    f = write_yaml("extends: nowhere.yaml\nname: w\n", "w.yaml")
    with pytest.raises(ScenarioError, match=r"extends='nowhere\.yaml': no such file"):
        load_scenario(f)
    g = write_yaml("extends: loop.yaml\nname: loop\n", "loop.yaml")
    with pytest.raises(ScenarioError, match="more than 8 levels of extends"):
        load_scenario(g)
