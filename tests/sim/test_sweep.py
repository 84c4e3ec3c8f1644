"""Sweeps: paths into a scenario, ranges of values, the design, Erlang C at every point, the command."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import yaml

from salesmap.cli import main
from sim.paths import PathError, get_path, leaf_paths, set_path
from sim.ranges import RangeError, parse_values, parse_vary
from sim.scenario import resolved_data, scenario_from_data
from sim.sweep import design, run_sweep
from tests.conftest import SCENARIOS, Write
from tests.sim.queueing import agrees, mmc_wait

MMC = """
schema_version: 1
name: desk
calendar: always
horizon: 120w
warmup: 10w
replications: 8
seed: 13
sources: [{name: calls, rate: 2.4/h, enters: service}]
roles:
  agent: {headcount: 3}
stages:
  - {id: service, role: agent, work: {dist: exponential, mean: 1h}, outcomes: {won: 1.0}}
"""


def test_paths_reach_fields_by_id_and_name() -> None:
    data = resolved_data(SCENARIOS / "baseline.yaml")
    assert get_path(data, "roles.rep.headcount") == 6
    assert get_path(data, "sources.inbound.rate") == "30/week"
    assert get_path(data, "stages.demo.outcomes.proposal") == 0.6
    assert get_path(data, "stages.discovery.activities.Discovery meeting.work.mean") == "45m"
    assert "stages.demo.wait.mean" in set(leaf_paths(data))
    new = set_path(data, "stages.demo.outcomes.proposal", 0.3)
    probs = new["stages"][3]["outcomes"]
    assert probs["proposal"] == 0.3
    assert sum(probs.values()) == pytest.approx(1.0)
    assert probs["nurture"] / probs["lost"] == pytest.approx(0.10 / 0.30)  # the rest keeps its proportions
    assert data["stages"][3]["outcomes"]["proposal"] == 0.6  # the original is untouched
    sc = scenario_from_data(set_path(data, "sources.inbound.rate", "45/week"), "x")
    assert sc.sources[1].rate == pytest.approx(45 / 168)


def test_an_unknown_path_names_near_matches() -> None:
    data = resolved_data(SCENARIOS / "baseline.yaml")
    with pytest.raises(PathError, match=r"did you mean .*roles\.rep\.headcount"):
        get_path(data, "roles.reps.headcount")
    with pytest.raises(PathError, match="no such field"):
        get_path(data, "stages.nope.work")


@pytest.mark.parametrize(("text", "values"), [
    ("4..7", (4, 5, 6, 7)),
    ("80/week..160/week:5", ("80/week", "100/week", "120/week", "140/week", "160/week")),
    ("0.5,0.6, 0.7", (0.5, 0.6, 0.7)),
    ("[2h, 3h]", ("2h", "3h")),
    ("20%..40%:3", ("20%", "30%", "40%")),
    ("1..2:3", (1, 1.5, 2)),
])
def test_values_as_a_user_types_them(text: str, values: tuple[object, ...]) -> None:
    assert parse_values(text, "--vary x") == values


@pytest.mark.parametrize(("text", "words"), [
    ("2h..3d:4", "mixed units"), ("80/week..20/day:3", "mixed units"), ("10..4", "empty range"),
    ("1..5:0", "empty range"), ("", "no values"), ("1.5..3", "number of points"), ("a..b:3", "cannot read"),
])
def test_bad_values_are_named(text: str, words: str) -> None:
    with pytest.raises(RangeError, match=words):
        parse_values(text, "--vary x")


def test_designs() -> None:
    a, b = parse_vary("x=1..3"), parse_vary("y=a,b")
    assert len(design([a, b])) == 6
    lhs = design([a, b], "lhs", 5, seed=1)
    assert len(lhs) == 5
    assert lhs == design([a, b], "lhs", 5, seed=1)
    assert {p["x"] for p in design([a], "lhs", 3, seed=2)} == {1, 2, 3}  # a Latin hypercube covers every third


@pytest.mark.slow
def test_a_headcount_sweep_reproduces_erlang_c_at_every_point() -> None:
    """M/M/c at 2.4 calls an hour of an hour each, 3 to 6 agents: the mean wait at every point is Erlang C's."""
    data = yaml.safe_load(MMC)
    sw = run_sweep(data, "desk", [parse_vary("roles.agent.headcount=3..6")])
    assert [p.values["roles.agent.headcount"] for p in sw.points] == [3, 4, 5, 6]
    for p in sw.points:
        c = p.values["roles.agent.headcount"]
        waits = [r.stages["service"]["wait_hours"] or 0.0 for r in p.run.replications]
        ok, msg = agrees(waits, mmc_wait(c, 2.4, 1.0), 0.12 if c < 6 else 0.35)
        assert ok, f"c={c}: {msg}"


def test_the_sweep_command_writes_a_tidy_table(write_yaml: Write, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    f = write_yaml(MMC.replace("horizon: 120w", "horizon: 12w").replace("warmup: 10w", "warmup: 2w"), "desk.yaml")
    out = tmp_path / "sw"
    assert main(["sweep", str(f), "--vary", "roles.agent.headcount=3..4", "--vary",
                 "sources.calls.rate=2/h..2.4/h:2", "--replications", "3", "--out", str(out), "--report"]) == 0
    rows = pd.read_csv(out / "sweep.csv")
    assert set(rows["point"]) == {1, 2, 3, 4}
    assert {"roles.agent.headcount", "sources.calls.rate", "measure", "mean", "low", "high", "n"} <= set(rows)
    assert set(rows["measure"]) >= {"cycle_time_days", "won_per_week", "max_utilization", "utilization:agent"}
    parquet = pd.read_parquet(out / "sweep.parquet")
    assert len(parquet) == len(rows)
    doc = json.loads((out / "sweep.json").read_text())
    assert doc["design"] == "grid"
    assert len(doc["points"]) == 4
    assert 'data-chart="response"' in (out / "report.html").read_text(encoding="utf-8")
    assert "Sweep of desk" in capsys.readouterr().out


@pytest.mark.parametrize(("vary", "words"), [
    ("roles.agnt.headcount=3..4", "did you mean roles.agent.headcount"),
    ("roles.agent.headcount=4..3", "empty range"),
    ("stages.service.work.mean=30m..2h:3", "mixed units"),
    ("roles.agent.headcount", "PATH=VALUES"),
])
def test_bad_sweeps_exit_2_and_write_nothing(vary: str, words: str, write_yaml: Write, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    f = write_yaml(MMC, "desk.yaml")
    out = tmp_path / "sw"
    assert main(["sweep", str(f), "--vary", vary, "--out", str(out)]) == 2
    assert words in capsys.readouterr().err
    assert not (out / "sweep.csv").exists()


def test_a_point_the_format_refuses_names_the_point(write_yaml: Write, tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    f = write_yaml(MMC, "desk.yaml")
    assert main(["sweep", str(f), "--vary", "roles.agent.headcount=-1,2", "--out", str(tmp_path / "sw")]) == 2
    assert "point 1" in capsys.readouterr().err
