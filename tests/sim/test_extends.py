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
    with pytest.raises(ScenarioError, match="extends a file that extends it back"):
        load_scenario(g)


def test_a_long_chain_of_what_ifs_is_fine(write_yaml: Write) -> None:
    """Nine levels were refused as 'a file extends itself?'; a real loop is named as one."""
    write_yaml((SCENARIOS / "baseline.yaml").read_text(), "w0.yaml")
    for i in range(1, 12):
        write_yaml(f"extends: w{i - 1}.yaml\nname: w{i}\n", f"w{i}.yaml")
    assert load_scenario(write_yaml("extends: w11.yaml\nname: top\n", "top.yaml")).name == "top"
    write_yaml("extends: b.yaml\nname: a\n", "a.yaml")
    write_yaml("extends: a.yaml\nname: b\n", "b.yaml")
    with pytest.raises(ScenarioError, match="extends a file that extends it back"):
        load_scenario(write_yaml("extends: a.yaml\nname: c\n", "c.yaml"))


@pytest.mark.parametrize(("ref", "message"), [
    ("/etc/passwd", "a .yaml or .yml file"),
    ("../outside.yaml", "outside the scenario's folder"),
    ("sub", "a .yaml or .yml file"),
    ("sub.yaml", "is a folder, not a scenario file"),
    ("link.yaml", "outside the scenario's folder"),
    ("{a: 1}", r"must be the path of a scenario file \(got a dict\)"),
    ("[a.yaml]", r"must be the path of a scenario file \(got a list\)"),
    ("'" + "x" * 5000 + ".yaml'", "not a usable path"),
])
def test_extends_reads_only_scenario_files_in_the_folder_tree(tmp_path: Path, ref: str, message: str,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    from salesmap.cli import main

    secret = tmp_path / "outside.yaml"
    secret.write_text("password: hunter2\n")
    inner = tmp_path / "project"
    (inner / "sub").mkdir(parents=True)
    (inner / "sub.yaml").mkdir()
    (inner / "link.yaml").symlink_to(secret)
    f = inner / "w.yaml"
    f.write_text(f"extends: {ref}\nname: w\n")
    with pytest.raises(ScenarioError, match=message):
        load_scenario(f)
    assert main(["validate", str(f)]) == 2
    err = capsys.readouterr().err
    assert "hunter2" not in err
    assert "Traceback" not in err
    assert len(err) < 400


def test_a_folder_listed_in_the_environment_may_hold_bases(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / "base.yaml").write_text((SCENARIOS / "baseline.yaml").read_text())
    proj = tmp_path / "proj"
    proj.mkdir()
    f = proj / "w.yaml"
    f.write_text("extends: ../shared/base.yaml\nname: w\n")
    with pytest.raises(ScenarioError, match="outside the scenario's folder"):
        load_scenario(f)
    monkeypatch.setenv("SALESMAP_EXTENDS_ROOTS", str(shared))
    assert load_scenario(f).name == "w"
